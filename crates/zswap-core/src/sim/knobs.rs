//! The parameters the model's hot paths read, as plain fields: its own module so that the
//! model (which holds them) and the parameter writes (which refresh them) both import it.

use crate::params::{ParamName, ParamValue, ZswapParams};

/// The parameters the store, load and writeback paths read, resolved from [`ZswapParams`]
/// after every write: a `ZswapParams` lookup is a map search, and a store made several
/// (docs/performance.md, simulate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Knobs {
    pub(super) enabled: bool,
    pub(super) max_pool_percent: u32,
    pub(super) accept_threshold_percent: u32,
    pub(super) shrinker_enabled: bool,
    pub(super) same_filled_enabled: bool,
    pub(super) non_same_filled_enabled: bool,
}

impl Knobs {
    pub(crate) fn of(p: &ZswapParams) -> Knobs {
        Knobs {
            enabled: p.enabled() == Some(true),
            // Every era has it ([`super::kconfig_defaults`]) and [`super::zswap::Zswap::set_param`] only
            // stores numbers there, so the default is never used.
            max_pool_percent: p.max_pool_percent().unwrap_or_default(),
            accept_threshold_percent: p.accept_threshold_percent().unwrap_or_default(),
            // Off in an era without it (6.1).
            shrinker_enabled: p.shrinker_enabled() == Some(true),
            // An era without the switch always detects them.
            same_filled_enabled: p.get(ParamName::SameFilledPagesEnabled)
                != Some(&ParamValue::Bool(false)),
            // An era without the switch always compresses.
            non_same_filled_enabled: p.get(ParamName::NonSameFilledPagesEnabled)
                != Some(&ParamValue::Bool(false)),
        }
    }
}
