//! From a desired configuration to an ordered [`Plan`] of parameter changes, validated
//! against [`KernelCaps`] before anything is written (`mm/zswap.c` parameter setters,
//! `Documentation/admin-guide/mm/zswap.rst`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::admin::caps::{CompressorState, KernelCaps, ModuleResolver, compressor_hint};
use crate::params::{ParamName, ParamValue, ValueError};

/// The values a user wants, each with the configuration line it came from (if any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DesiredConfig {
    values: BTreeMap<ParamName, ParamValue>,
    #[serde(skip)]
    lines: BTreeMap<ParamName, u64>,
}

impl DesiredConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value; `line` is where a file said so.
    pub fn set(&mut self, name: ParamName, value: ParamValue, line: Option<u64>) {
        self.values.insert(name, value);
        if let Some(l) = line {
            self.lines.insert(name, l);
        }
    }

    /// The wanted value of `name`.
    pub fn get(&self, name: ParamName) -> Option<&ParamValue> {
        self.values.get(&name)
    }

    /// The line `name` was set on.
    pub fn line(&self, name: ParamName) -> Option<u64> {
        self.lines.get(&name).copied()
    }

    /// The values in write order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamName, &ParamValue)> {
        ParamName::ALL
            .into_iter()
            .filter_map(|n| self.values.get(&n).map(|v| (n, v)))
    }

    /// True if and only if nothing is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Why a wanted value cannot be applied on this kernel. Nothing has been written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanRefusal {
    /// zswap is not in this kernel.
    #[error(
        "this kernel has no zswap (no /sys/module/zswap/parameters): it was built without CONFIG_ZSWAP"
    )]
    NoZswap,
    /// `zpool` on 6.18 or later.
    #[error(
        "'zpool' does not exist on this kernel ('{release}'): since Linux 6.18 zswap always uses \
         zsmalloc and the setting is gone; remove 'zpool' from your configuration"
    )]
    ZpoolRemoved {
        /// The running release.
        release: String,
    },
    /// Another parameter this kernel does not have.
    #[error(
        "this kernel ('{release}') has no zswap parameter '{name}': remove it from your \
         configuration (parameters here: {present})"
    )]
    NotOnThisKernel {
        /// The parameter.
        name: ParamName,
        /// The running release.
        release: String,
        /// The parameters this kernel has.
        present: String,
    },
    /// A compressor that is neither registered nor loadable.
    #[error(
        "compressor '{value}' is not available on this kernel (not in /proc/crypto and no \
         module for 'crypto-{value}'); available: {}{}",
        available.join(", "),
        hint.map(|h| format!("; {h}")).unwrap_or_default()
    )]
    CompressorUnavailable {
        /// The asked-for name.
        value: String,
        /// The registered algorithm names.
        available: Vec<String>,
        /// What the name needs, for hardware drivers.
        hint: Option<&'static str>,
    },
    /// Enabling zswap while the configured compressor is unavailable: 6.12+ kernels would
    /// silently fall back to their default.
    #[error(
        "cannot enable zswap: its compressor '{value}' is not available (the kernel would fall \
         back to its default silently); set an available compressor first: {}",
        available.join(", ")
    )]
    EnableWithUnavailableCompressor {
        /// The compressor zswap would start with.
        value: String,
        /// The registered algorithm names.
        available: Vec<String>,
    },
    /// An allocator this kernel cannot have.
    #[error("allocator '{value}' is not available on this kernel ('{release}'); choose one of: {}", choices.join(", "))]
    ZpoolUnavailable {
        /// The asked-for name.
        value: String,
        /// The running release.
        release: String,
        /// What may be named.
        choices: Vec<String>,
    },
    /// A malformed value.
    #[error(transparent)]
    Value(#[from] ValueError),
}

/// Every refusal for a configuration, each with its line when it came from a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}; nothing was changed", self.render())]
pub struct PlanError {
    /// The refusals, in write order.
    pub refusals: Vec<(Option<u64>, PlanRefusal)>,
}

impl PlanError {
    fn render(&self) -> String {
        self.refusals
            .iter()
            .map(|(line, r)| match line {
                Some(l) => format!("line {l}: {r}"),
                None => r.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One parameter to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParamChange {
    /// Which.
    pub name: ParamName,
    /// Its value now.
    pub from: ParamValue,
    /// Its value after the write.
    pub to: ParamValue,
}

/// Serialises `(name, value)` pairs as `[{"name": …, "value": …}]`.
pub(crate) fn named_values<S: serde::Serializer>(
    pairs: &[(ParamName, ParamValue)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Named<'a> {
        name: &'a ParamName,
        value: &'a ParamValue,
    }
    s.collect_seq(pairs.iter().map(|(name, value)| Named { name, value }))
}

/// What applying a configuration will do, in write order: `zpool`, `compressor`, the
/// limits and switches, `enabled` last (so zswap never starts with a setting that is about
/// to change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The writes, in order.
    pub changes: Vec<ParamChange>,
    /// Parameters asked for that already have the wanted value (in JSON, objects with
    /// `name` and `value`, like the changes).
    #[serde(serialize_with = "named_values")]
    pub unchanged: Vec<(ParamName, ParamValue)>,
    /// The compressor zswap must be running with when it ends up enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_compressor: Option<String>,
}

impl Plan {
    /// Validates `desired` against `caps` (and `modules` for loadable compressors) and orders
    /// the writes. Every problem is reported at once; nothing is written.
    pub fn build(
        caps: &KernelCaps,
        desired: &DesiredConfig,
        modules: &dyn ModuleResolver,
    ) -> Result<Plan, PlanError> {
        let mut refusals = Vec::new();
        let mut plan = Plan::default();
        for (name, to) in desired.iter() {
            let line = desired.line(name);
            match check_one(caps, name, to, modules) {
                Err(r) => refusals.push((line, r)),
                Ok(()) => {
                    let Some(from) = caps.params.get(name) else {
                        continue;
                    };
                    if from == to {
                        plan.unchanged.push((name, to.clone()));
                    } else {
                        plan.changes.push(ParamChange {
                            name,
                            from: from.clone(),
                            to: to.clone(),
                        });
                    }
                }
            }
        }
        let final_enabled = desired
            .get(ParamName::Enabled)
            .or(caps.params.get(ParamName::Enabled))
            .and_then(ParamValue::as_bool)
            .unwrap_or(false);
        let compressor = desired
            .get(ParamName::Compressor)
            .or(caps.params.get(ParamName::Compressor))
            .and_then(ParamValue::as_text)
            .map(str::to_owned);
        let enabling = plan
            .changes
            .iter()
            .any(|c| c.name == ParamName::Enabled && c.to == ParamValue::Bool(true));
        if enabling
            && desired.get(ParamName::Compressor).is_none()
            && let Some(c) = &compressor
            && caps.compressor_state(c, modules) == CompressorState::Unavailable
        {
            refusals.push((
                desired.line(ParamName::Enabled),
                PlanRefusal::EnableWithUnavailableCompressor {
                    value: c.clone(),
                    available: caps.compressor_names(),
                },
            ));
        }
        if !refusals.is_empty() {
            return Err(PlanError { refusals });
        }
        if final_enabled {
            plan.expect_compressor = compressor;
        }
        Ok(plan)
    }

    /// True if and only if nothing needs writing.
    pub fn is_noop(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Why parameter `name`, which this kernel does not have, can be neither read nor set:
/// [`PlanRefusal::ZpoolRemoved`] for `zpool` on a kernel that dropped it, otherwise
/// [`PlanRefusal::NotOnThisKernel`] with the parameters the kernel does have.
pub fn absent_param(caps: &KernelCaps, name: ParamName) -> PlanRefusal {
    if name == ParamName::Zpool && caps.zpool_removed() {
        return PlanRefusal::ZpoolRemoved {
            release: caps.release_text(),
        };
    }
    PlanRefusal::NotOnThisKernel {
        name,
        release: caps.release_text(),
        present: caps
            .params
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn check_one(
    caps: &KernelCaps,
    name: ParamName,
    value: &ParamValue,
    modules: &dyn ModuleResolver,
) -> Result<(), PlanRefusal> {
    if !caps.has(name) {
        return Err(absent_param(caps, name));
    }
    match (name, value) {
        (ParamName::Compressor, ParamValue::Text(c))
            if caps.compressor_state(c, modules) == CompressorState::Unavailable =>
        {
            return Err(PlanRefusal::CompressorUnavailable {
                value: c.clone(),
                available: caps.compressor_names(),
                hint: compressor_hint(c),
            });
        }
        (ParamName::Zpool, ParamValue::Text(z)) => {
            let choices = caps.zpool_choices();
            if !choices.contains(&z.as_str()) {
                return Err(PlanRefusal::ZpoolUnavailable {
                    value: z.clone(),
                    release: caps.release_text(),
                    choices: choices.iter().map(|s| (*s).to_owned()).collect(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

/// Parses `text` as the user's value for `name` (see [`ParamValue::parse_user`]) into a
/// one-entry configuration, as `zswapctl set NAME VALUE` does.
pub fn desired_one(name: ParamName, text: &str) -> Result<DesiredConfig, PlanError> {
    let value = ParamValue::parse_user(name, text).map_err(|e| PlanError {
        refusals: vec![(None, PlanRefusal::Value(e))],
    })?;
    let mut d = DesiredConfig::new();
    d.set(name, value, None);
    Ok(d)
}

#[cfg(test)]
mod tests;
