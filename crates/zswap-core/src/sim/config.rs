//! Configuration of a simulated zswap: era, RAM size, boot parameters, codec provider.

use std::fmt;

use super::codec::CodecProvider;
use super::kernel_codecs::KernelCodecs;
use crate::era::KernelEra;

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

/// `/sys/module/zswap/parameters/*` values (docs/kernel-notes.md §1). Parameters an era lacks are
/// ignored by that era.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// `enabled`.
    pub enabled: bool,
    /// `compressor`.
    pub compressor: String,
    /// `zpool` (6.1, 6.12).
    pub zpool: ZpoolKind,
    /// `max_pool_percent`.
    pub max_pool_percent: u32,
    /// `accept_threshold_percent`.
    pub accept_threshold_percent: u32,
    /// `shrinker_enabled` (6.12+).
    pub shrinker_enabled: bool,
    /// `same_filled_pages_enabled` (6.1).
    pub same_filled_pages_enabled: bool,
    /// `non_same_filled_pages_enabled` (6.1).
    pub non_same_filled_pages_enabled: bool,
}

impl Params {
    /// Kconfig defaults of `era` with zswap enabled at boot.
    pub fn defaults(era: KernelEra) -> Params {
        Params {
            enabled: true,
            compressor: "lzo".to_owned(),
            zpool: if era == KernelEra::V6_1 {
                ZpoolKind::Zbud
            } else {
                ZpoolKind::Zsmalloc
            },
            max_pool_percent: 20,
            accept_threshold_percent: 90,
            shrinker_enabled: false,
            same_filled_pages_enabled: true,
            non_same_filled_pages_enabled: true,
        }
    }
}

/// One runtime parameter write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// `enabled`.
    Enabled(bool),
    /// `compressor`.
    Compressor(String),
    /// `zpool` (6.1, 6.12).
    Zpool(ZpoolKind),
    /// `max_pool_percent`.
    MaxPoolPercent(u32),
    /// `accept_threshold_percent`.
    AcceptThresholdPercent(u32),
    /// `shrinker_enabled` (6.12+).
    ShrinkerEnabled(bool),
    /// `same_filled_pages_enabled` (6.1).
    SameFilledPagesEnabled(bool),
    /// `non_same_filled_pages_enabled` (6.1).
    NonSameFilledPagesEnabled(bool),
}

impl Param {
    /// The sysfs file name.
    pub fn name(&self) -> &'static str {
        match self {
            Param::Enabled(_) => "enabled",
            Param::Compressor(_) => "compressor",
            Param::Zpool(_) => "zpool",
            Param::MaxPoolPercent(_) => "max_pool_percent",
            Param::AcceptThresholdPercent(_) => "accept_threshold_percent",
            Param::ShrinkerEnabled(_) => "shrinker_enabled",
            Param::SameFilledPagesEnabled(_) => "same_filled_pages_enabled",
            Param::NonSameFilledPagesEnabled(_) => "non_same_filled_pages_enabled",
        }
    }

    /// True if and only if `era` has this parameter.
    pub fn exists_in(&self, era: KernelEra) -> bool {
        match self {
            Param::Zpool(_) => era.has_zpool(),
            Param::ShrinkerEnabled(_) => era != KernelEra::V6_1,
            Param::SameFilledPagesEnabled(_) | Param::NonSameFilledPagesEnabled(_) => {
                era == KernelEra::V6_1
            }
            _ => true,
        }
    }
}

/// Everything a simulated zswap starts from. Build with [`SimConfig::builder`].
pub struct SimConfig {
    pub(crate) era: KernelEra,
    pub(crate) total_ram_pages: u64,
    pub(crate) params: Params,
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
                params: Params::defaults(era),
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

    /// All boot parameters at once.
    pub fn params(mut self, params: Params) -> Self {
        self.cfg.params = params;
        self
    }

    /// Boot value of `enabled`.
    pub fn enabled(mut self, on: bool) -> Self {
        self.cfg.params.enabled = on;
        self
    }

    /// Boot value of `compressor`.
    pub fn compressor(mut self, name: &str) -> Self {
        self.cfg.params.compressor = name.to_owned();
        self
    }

    /// Boot value of `zpool` (6.1, 6.12).
    pub fn zpool(mut self, kind: ZpoolKind) -> Self {
        self.cfg.params.zpool = kind;
        self
    }

    /// Boot value of `max_pool_percent`.
    pub fn max_pool_percent(mut self, pct: u32) -> Self {
        self.cfg.params.max_pool_percent = pct;
        self
    }

    /// Boot value of `accept_threshold_percent`.
    pub fn accept_threshold_percent(mut self, pct: u32) -> Self {
        self.cfg.params.accept_threshold_percent = pct;
        self
    }

    /// Boot value of `shrinker_enabled` (6.12+).
    pub fn shrinker_enabled(mut self, on: bool) -> Self {
        self.cfg.params.shrinker_enabled = on;
        self
    }

    /// Boot values of `same_filled_pages_enabled` and `non_same_filled_pages_enabled` (6.1).
    pub fn same_filled(mut self, same: bool, non_same: bool) -> Self {
        self.cfg.params.same_filled_pages_enabled = same;
        self.cfg.params.non_same_filled_pages_enabled = non_same;
        self
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
