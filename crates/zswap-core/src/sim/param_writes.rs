//! Parameter writes and pool management (`zswap_setup`, `__zswap_param_set`,
//! `zswap_enabled_param_set`; docs/kernel-notes.md §1.3, §1.4, §3.10).

use super::config::ZpoolKind;
use super::knobs::Knobs;
use super::pool::{Allocator, Pool};
use super::zswap::{Setup, SimError, Zswap};
use crate::params::{ParamKind, ParamName, ParamValue};
use std::collections::BTreeMap;

impl Zswap {
    /// `enabled`.
    pub(crate) fn enabled(&self) -> bool {
        self.knobs.enabled
    }

    /// `max_pool_percent`.
    pub(crate) fn max_pool_percent(&self) -> u32 {
        self.knobs.max_pool_percent
    }

    /// `accept_threshold_percent`.
    pub(crate) fn accept_threshold_percent(&self) -> u32 {
        self.knobs.accept_threshold_percent
    }

    /// `shrinker_enabled`.
    pub(crate) fn shrinker_enabled(&self) -> bool {
        self.knobs.shrinker_enabled
    }

    /// `same_filled_pages_enabled`.
    pub(crate) fn same_filled_enabled(&self) -> bool {
        self.knobs.same_filled_enabled
    }

    /// `non_same_filled_pages_enabled`.
    pub(crate) fn non_same_filled_enabled(&self) -> bool {
        self.knobs.non_same_filled_enabled
    }

    /// The one way the model changes a parameter value: the resolved copy follows.
    fn put_param(&mut self, name: ParamName, value: ParamValue) {
        self.params.insert(name, value);
        self.knobs = Knobs::of(&self.params);
    }

    /// The current compressor name ("" after a failed setup).
    fn compressor(&self) -> String {
        self.params.compressor().unwrap_or_default().to_owned()
    }

    /// The current allocator: the `zpool` parameter where the era has one, else zsmalloc
    /// (6.18+). [`Zswap::set_param`] only stores names of modelled allocators.
    fn zpool(&self) -> ZpoolKind {
        self.params
            .zpool()
            .and_then(|z| z.parse().ok())
            .unwrap_or(ZpoolKind::Zsmalloc)
    }

    fn set_compressor_value(&mut self, name: String) {
        self.put_param(ParamName::Compressor, ParamValue::Text(name));
    }

    /// Records (compressor, zpool) as the current values; `zpool` only where the era has it.
    fn set_pool_values(&mut self, name: String, kind: ZpoolKind) {
        self.set_compressor_value(name);
        if self.params.has(ParamName::Zpool) {
            self.put_param(ParamName::Zpool, ParamValue::Text(kind.to_string()));
        }
    }

    /// `init_zswap` / `zswap_setup`: creates the first pool, falling back to lzo.
    pub(crate) fn run_setup(&mut self) {
        self.setup = Setup::Ready;
        let mut name = self.compressor();
        if self.codecs.codec(&name, self.era).is_none() && name != "lzo" {
            name = "lzo".to_owned();
        }
        if self.codecs.codec(&name, self.era).is_none() {
            self.set_compressor_value(String::new());
            self.put_param(ParamName::Enabled, ParamValue::Bool(false));
            return;
        }
        self.set_compressor_value(name.clone());
        let kind = self.zpool();
        if let Some(id) = self.create_pool(&name, kind) {
            self.pool_list.insert(0, id);
            self.has_pool = true;
            self.ever_enabled = true;
        }
    }

    fn create_pool(&mut self, compressor: &str, kind: ZpoolKind) -> Option<u32> {
        let codec = self.codecs.codec(compressor, self.era)?;
        self.pools_created += 1;
        let id = self.pools_created;
        let kind = if self.era.has_zpool() {
            kind
        } else {
            ZpoolKind::Zsmalloc
        };
        self.pools.insert(
            id,
            Pool {
                id,
                compressor: compressor.to_owned(),
                kind,
                codec,
                alloc: Allocator::new(kind, self.era),
                entries: 0,
                owners: BTreeMap::new(),
                shrink_pending: false,
            },
        );
        Some(id)
    }

    /// Writes one parameter as `echo value > /sys/module/zswap/parameters/NAME` would.
    pub fn set_param(&mut self, name: ParamName, value: ParamValue) -> Result<(), SimError> {
        if !self.params.has(name) {
            return Err(SimError::NoSuchParam {
                name: name.as_str(),
                era: self.era,
            });
        }
        let invalid = || SimError::InvalidValue {
            name: name.as_str(),
            value: value.to_string(),
        };
        let fits = match name.kind() {
            ParamKind::Bool => value.as_bool().is_some(),
            ParamKind::Percent => value.as_uint().is_some(),
            ParamKind::Compressor | ParamKind::Zpool => value.as_text().is_some(),
        };
        if !fits {
            return Err(invalid());
        }
        match (name, &value) {
            (ParamName::Enabled, _) => {
                if self.setup == Setup::Uninit {
                    self.run_setup();
                }
                if self.setup == Setup::Failed || !self.has_pool {
                    return Err(SimError::NoDevice { name: "enabled" });
                }
            }
            (ParamName::Compressor, ParamValue::Text(compressor)) => {
                let compressor = compressor.trim().to_owned();
                let kind = self.zpool();
                return self.switch_pool(compressor, kind);
            }
            (ParamName::Zpool, ParamValue::Text(zpool)) => {
                let kind = zpool
                    .parse()
                    .map_err(|name| SimError::ZpoolUnavailable { name })?;
                let compressor = self.compressor();
                return self.switch_pool(compressor, kind);
            }
            _ => {}
        }
        self.put_param(name, value);
        Ok(())
    }

    /// Shorthand for a write of `compressor`.
    pub fn set_compressor(&mut self, name: &str) -> Result<(), SimError> {
        self.set_param(ParamName::Compressor, ParamValue::Text(name.to_owned()))
    }

    /// `__zswap_param_set`: the new (compressor, zpool) pool becomes current.
    fn switch_pool(&mut self, name: String, kind: ZpoolKind) -> Result<(), SimError> {
        if self.setup == Setup::Failed {
            return Err(SimError::NoDevice { name: "compressor" });
        }
        if self.setup == Setup::Uninit {
            // 6.12+ booted disabled: stored unchecked, validated at setup.
            self.set_pool_values(name, kind);
            return Ok(());
        }
        if name == self.compressor() && kind == self.zpool() && self.has_pool {
            return Ok(());
        }
        if self.codecs.codec(&name, self.era).is_none() {
            return Err(SimError::CompressorUnavailable { name });
        }
        let found = self.pool_list.iter().copied().find(|id| {
            self.pools
                .get(id)
                .is_some_and(|p| p.compressor == name && p.kind == kind)
        });
        let id = match found {
            Some(id) => {
                self.pool_list.retain(|&x| x != id);
                Some(id)
            }
            None => self.create_pool(&name, kind),
        };
        self.set_pool_values(name, kind);
        if let Some(id) = id {
            self.pool_list.insert(0, id);
            self.has_pool = true;
        }
        self.reap_pools();
        Ok(())
    }
}
