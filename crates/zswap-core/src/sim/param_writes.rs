//! Parameter writes and pool management (`zswap_setup`, `__zswap_param_set`,
//! `zswap_enabled_param_set`; docs/kernel-notes.md §1.3, §1.4, §3.10).

use super::config::{Param, ZpoolKind};
use super::pool::{Allocator, Pool};
use super::zswap::{Setup, SimError, Zswap};
use std::collections::BTreeMap;

impl Zswap {
    /// `init_zswap` / `zswap_setup`: creates the first pool, falling back to lzo.
    pub(crate) fn run_setup(&mut self) {
        self.setup = Setup::Ready;
        let mut name = self.params.compressor.clone();
        if self.codecs.codec(&name, self.era).is_none() && name != "lzo" {
            name = "lzo".to_owned();
        }
        if self.codecs.codec(&name, self.era).is_none() {
            self.params.compressor = String::new();
            self.params.enabled = false;
            return;
        }
        self.params.compressor = name.clone();
        let kind = self.params.zpool;
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
    pub fn set_param(&mut self, param: Param) -> Result<(), SimError> {
        if !param.exists_in(self.era) {
            return Err(SimError::NoSuchParam {
                name: param.name(),
                era: self.era,
            });
        }
        match param {
            Param::Enabled(on) => {
                if self.setup == Setup::Uninit {
                    self.run_setup();
                }
                if self.setup == Setup::Failed || !self.has_pool {
                    return Err(SimError::NoDevice { name: "enabled" });
                }
                self.params.enabled = on;
            }
            Param::Compressor(name) => {
                let name = name.trim().to_owned();
                let kind = self.params.zpool;
                return self.switch_pool(name, kind);
            }
            Param::Zpool(kind) => {
                let name = self.params.compressor.clone();
                return self.switch_pool(name, kind);
            }
            Param::MaxPoolPercent(v) => self.params.max_pool_percent = v,
            Param::AcceptThresholdPercent(v) => self.params.accept_threshold_percent = v,
            Param::ShrinkerEnabled(v) => self.params.shrinker_enabled = v,
            Param::SameFilledPagesEnabled(v) => self.params.same_filled_pages_enabled = v,
            Param::NonSameFilledPagesEnabled(v) => self.params.non_same_filled_pages_enabled = v,
        }
        Ok(())
    }

    /// Shorthand for [`Param::Compressor`].
    pub fn set_compressor(&mut self, name: &str) -> Result<(), SimError> {
        self.set_param(Param::Compressor(name.to_owned()))
    }

    /// `__zswap_param_set`: the new (compressor, zpool) pool becomes current.
    fn switch_pool(&mut self, name: String, kind: ZpoolKind) -> Result<(), SimError> {
        if self.setup == Setup::Failed {
            return Err(SimError::NoDevice { name: "compressor" });
        }
        if self.setup == Setup::Uninit {
            // 6.12+ booted disabled: stored unchecked, validated at setup.
            self.params.compressor = name;
            self.params.zpool = kind;
            return Ok(());
        }
        if name == self.params.compressor && kind == self.params.zpool && self.has_pool {
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
        self.params.compressor = name;
        self.params.zpool = kind;
        if let Some(id) = id {
            self.pool_list.insert(0, id);
            self.has_pool = true;
        }
        self.reap_pools();
        Ok(())
    }
}
