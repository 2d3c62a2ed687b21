//! Configuration of a simulated zswap: era, RAM size, boot parameters, codec provider.

use std::fmt;

use super::codec::CodecProvider;
use super::kernel_codecs::KernelCodecs;
use crate::era::KernelEra;
use crate::params::{ParamName, ParamValue, ZswapParams};

/// The zpool allocator behind a pool (6.1 and 6.12 only; 6.18 always uses zsmalloc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZpoolKind {
    /// zsmalloc (6.12's default; the only allocator of 6.18+).
    Zsmalloc,
    /// zbud (6.1's default).
    Zbud,
}

impl fmt::Display for ZpoolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZpoolKind::Zsmalloc => "zsmalloc",
            ZpoolKind::Zbud => "zbud",
        })
    }
}

impl std::str::FromStr for ZpoolKind {
    type Err = String;

    /// The allocators the model has; another name (z3fold) is one it does not model.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "zsmalloc" => Ok(ZpoolKind::Zsmalloc),
            "zbud" => Ok(ZpoolKind::Zbud),
            other => Err(other.to_owned()),
        }
    }
}

/// The Kconfig defaults of `era` with zswap enabled at boot, as [`ZswapParams`] (the type a
/// host's `/sys/module/zswap/parameters` reads into). It holds exactly the parameters `era`
/// has, so it also answers which parameters exist there ([`ZswapParams::has`]).
pub fn kconfig_defaults(era: KernelEra) -> ZswapParams {
    let mut p = ZswapParams::default();
    p.insert(ParamName::Enabled, ParamValue::Bool(true));
    p.insert(ParamName::Compressor, ParamValue::Text("lzo".to_owned()));
    if era.has_zpool() {
        let zpool = if era == KernelEra::V6_1 {
            ZpoolKind::Zbud
        } else {
            ZpoolKind::Zsmalloc
        };
        p.insert(ParamName::Zpool, ParamValue::Text(zpool.to_string()));
    }
    p.insert(ParamName::MaxPoolPercent, ParamValue::Uint(20));
    p.insert(ParamName::AcceptThresholdPercent, ParamValue::Uint(90));
    if era == KernelEra::V6_1 {
        p.insert(ParamName::SameFilledPagesEnabled, ParamValue::Bool(true));
        p.insert(ParamName::NonSameFilledPagesEnabled, ParamValue::Bool(true));
    } else {
        p.insert(ParamName::ShrinkerEnabled, ParamValue::Bool(false));
    }
    p
}

/// Everything a simulated zswap starts from. Build with [`SimConfig::builder`].
pub struct SimConfig {
    pub(crate) era: KernelEra,
    pub(crate) total_ram_pages: u64,
    pub(crate) params: ZswapParams,
    pub(crate) cgroup_v2: bool,
    pub(crate) codecs: Box<dyn CodecProvider>,
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("era", &self.era)
            .field("total_ram_pages", &self.total_ram_pages)
            .field("params", &self.params)
            .field("cgroup_v2", &self.cgroup_v2)
            .finish_non_exhaustive()
    }
}

impl SimConfig {
    /// A builder for `era` with its defaults: 4 GiB of RAM, zswap enabled, lzo, cgroup v2,
    /// the kernel-exact compressors ([`KernelCodecs`]).
    pub fn builder(era: KernelEra) -> SimConfigBuilder {
        SimConfigBuilder {
            cfg: SimConfig {
                era,
                total_ram_pages: 1 << 20,
                params: kconfig_defaults(era),
                cgroup_v2: true,
                codecs: Box::new(KernelCodecs::default()),
            },
        }
    }

    /// The era profile.
    pub fn era(&self) -> KernelEra {
        self.era
    }
}

/// Builder of [`SimConfig`].
#[derive(Debug)]
pub struct SimConfigBuilder {
    cfg: SimConfig,
}

impl SimConfigBuilder {
    /// `totalram_pages()`.
    pub fn total_ram_pages(mut self, pages: u64) -> Self {
        self.cfg.total_ram_pages = pages;
        self
    }

    /// Sets the boot value of `name` if the era has that parameter ("parameters an era lacks
    /// are ignored by that era").
    fn boot_value(mut self, name: ParamName, value: ParamValue) -> Self {
        if self.cfg.params.has(name) {
            self.cfg.params.insert(name, value);
        }
        self
    }

    /// Boot value of `enabled`.
    pub fn enabled(self, on: bool) -> Self {
        self.boot_value(ParamName::Enabled, ParamValue::Bool(on))
    }

    /// Boot value of `compressor`.
    pub fn compressor(self, name: &str) -> Self {
        self.boot_value(ParamName::Compressor, ParamValue::Text(name.to_owned()))
    }

    /// Boot value of `zpool` (6.1, 6.12).
    pub fn zpool(self, kind: ZpoolKind) -> Self {
        self.boot_value(ParamName::Zpool, ParamValue::Text(kind.to_string()))
    }

    /// Boot value of `max_pool_percent`.
    pub fn max_pool_percent(self, pct: u32) -> Self {
        self.boot_value(ParamName::MaxPoolPercent, ParamValue::Uint(pct))
    }

    /// Boot value of `accept_threshold_percent`.
    pub fn accept_threshold_percent(self, pct: u32) -> Self {
        self.boot_value(ParamName::AcceptThresholdPercent, ParamValue::Uint(pct))
    }

    /// Boot value of `shrinker_enabled` (6.12+).
    pub fn shrinker_enabled(self, on: bool) -> Self {
        self.boot_value(ParamName::ShrinkerEnabled, ParamValue::Bool(on))
    }

    /// Boot values of `same_filled_pages_enabled` and `non_same_filled_pages_enabled` (6.1).
    pub fn same_filled(self, same: bool, non_same: bool) -> Self {
        self.boot_value(ParamName::SameFilledPagesEnabled, ParamValue::Bool(same))
            .boot_value(
                ParamName::NonSameFilledPagesEnabled,
                ParamValue::Bool(non_same),
            )
    }

    /// Whether memory cgroups use the v2 (default) hierarchy; on v1 there is no
    /// `memory.zswap.max` and no charging (docs/kernel-notes.md §2.4).
    pub fn cgroup_v2(mut self, v2: bool) -> Self {
        self.cfg.cgroup_v2 = v2;
        self
    }

    /// The codecs compressor names resolve to.
    pub fn codecs(mut self, provider: impl CodecProvider + 'static) -> Self {
        self.cfg.codecs = Box::new(provider);
        self
    }

    /// The configuration.
    pub fn build(self) -> SimConfig {
        self.cfg
    }
}
