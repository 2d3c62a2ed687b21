//! zswap's module parameters, `/sys/module/zswap/parameters/*` (`mm/zswap.c`,
//! `Documentation/admin-guide/mm/zswap.rst`).
//!
//! Which parameters exist depends on the kernel: `zpool` is gone in 6.18, the same-filled
//! switches in ≈6.10, `shrinker_enabled` appeared in ≈6.8. So every parameter is optional
//! and discovered from the directory, never assumed.

mod parse;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;

pub use parse::{UintError, kstrtobool, kstrtouint};

use crate::error::{Error, Result};
use crate::sysroot::SysRoot;

/// The parameter directory, relative to sysfs.
pub const PARAMS_DIR: &str = "module/zswap/parameters";

/// A zswap parameter that some kernel has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamName {
    /// `enabled`: whether new pages are stored (all eras).
    Enabled,
    /// `compressor`: the crypto algorithm for new stores (all eras).
    Compressor,
    /// `zpool`: the allocator, zbud/z3fold/zsmalloc (6.1 to 6.17; removed in 6.18).
    Zpool,
    /// `max_pool_percent`: pool limit in percent of RAM (all eras).
    MaxPoolPercent,
    /// `accept_threshold_percent`: hysteresis, in percent of the limit (all eras).
    AcceptThresholdPercent,
    /// `shrinker_enabled`: proactive writeback under memory pressure (≈6.8+).
    ShrinkerEnabled,
    /// `same_filled_pages_enabled` (≤ ≈6.9).
    SameFilledPagesEnabled,
    /// `non_same_filled_pages_enabled` (≤ ≈6.9).
    NonSameFilledPagesEnabled,
    /// `exclusive_loads` (≈6.5 to 6.7).
    ExclusiveLoads,
}

/// The kind of value a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `Y`/`N`.
    Bool,
    /// An unsigned integer that the tools hold to 0..=100.
    Percent,
    /// A crypto compression algorithm or driver name.
    Compressor,
    /// An allocator name.
    Zpool,
}

impl ParamName {
    /// Every parameter any supported kernel has, in the order writes are applied:
    /// the allocator and compressor before `enabled`, so that zswap never starts with a
    /// setting about to change.
    pub const ALL: [ParamName; 9] = [
        ParamName::Zpool,
        ParamName::Compressor,
        ParamName::MaxPoolPercent,
        ParamName::AcceptThresholdPercent,
        ParamName::ShrinkerEnabled,
        ParamName::SameFilledPagesEnabled,
        ParamName::NonSameFilledPagesEnabled,
        ParamName::ExclusiveLoads,
        ParamName::Enabled,
    ];

    /// The sysfs file name.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamName::Enabled => "enabled",
            ParamName::Compressor => "compressor",
            ParamName::Zpool => "zpool",
            ParamName::MaxPoolPercent => "max_pool_percent",
            ParamName::AcceptThresholdPercent => "accept_threshold_percent",
            ParamName::ShrinkerEnabled => "shrinker_enabled",
            ParamName::SameFilledPagesEnabled => "same_filled_pages_enabled",
            ParamName::NonSameFilledPagesEnabled => "non_same_filled_pages_enabled",
            ParamName::ExclusiveLoads => "exclusive_loads",
        }
    }

    /// What kind of value it holds.
    pub fn kind(self) -> ParamKind {
        match self {
            ParamName::Enabled
            | ParamName::ShrinkerEnabled
            | ParamName::SameFilledPagesEnabled
            | ParamName::NonSameFilledPagesEnabled
            | ParamName::ExclusiveLoads => ParamKind::Bool,
            ParamName::Compressor => ParamKind::Compressor,
            ParamName::Zpool => ParamKind::Zpool,
            ParamName::MaxPoolPercent | ParamName::AcceptThresholdPercent => ParamKind::Percent,
        }
    }

    /// The parameter's file below `root`.
    pub fn path(self, root: &SysRoot) -> PathBuf {
        root.sys(PARAMS_DIR).join(self.as_str())
    }
}

impl fmt::Display for ParamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parameter name no supported kernel has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown zswap parameter '{name}': known parameters are {}",
    ParamName::ALL.map(ParamName::as_str).join(", ")
)]
pub struct UnknownParamError {
    /// What was asked for.
    pub name: String,
}

impl FromStr for ParamName {
    type Err = UnknownParamError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let wanted = s.trim().replace('-', "_");
        ParamName::ALL
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| UnknownParamError { name: s.to_owned() })
    }
}

/// A parameter value. `Display` writes exactly the bytes sysfs expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A boolean, written `Y`/`N` (as `param_get_bool` prints it).
    Bool(bool),
    /// An unsigned integer, written in decimal.
    Uint(u32),
    /// A name (compressor, zpool).
    Text(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(true) => f.write_str("Y"),
            ParamValue::Bool(false) => f.write_str("N"),
            ParamValue::Uint(n) => write!(f, "{n}"),
            ParamValue::Text(s) => f.write_str(s),
        }
    }
}

/// A value the tools refuse for a parameter, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Not a boolean.
    #[error(
        "invalid value '{value}' for '{name}': expected a boolean (y, yes, true, on, 1, n, no, false, off, 0)"
    )]
    NotBool {
        /// The parameter.
        name: ParamName,
        /// The refused text.
        value: String,
    },
    /// Not an unsigned integer.
    #[error("invalid value '{value}' for '{name}': expected a whole number from 0 to 100")]
    NotNumber {
        /// The parameter.
        name: ParamName,
        /// The refused text.
        value: String,
    },
    /// A percentage above 100. The kernel would take it; it makes no sense.
    #[error(
        "invalid value '{value}' for '{name}': a percentage must be from 0 to 100 (the kernel would accept it, but it is meaningless)"
    )]
    PercentRange {
        /// The parameter.
        name: ParamName,
        /// The refused number.
        value: u64,
    },
    /// An empty or malformed algorithm name.
    #[error(
        "invalid value '{value}' for '{name}': expected an algorithm name such as 'lzo' or 'zstd'"
    )]
    BadName {
        /// The parameter.
        name: ParamName,
        /// The refused text.
        value: String,
    },
}

impl ParamValue {
    /// Parses a value a user gave for `name`, holding it to what makes sense: booleans in
    /// the kernel's and the usual English forms, percentages 0..=100 in the kernel's bases,
    /// names trimmed and non-empty. Whether a compressor is available on this kernel is
    /// checked later against [`crate::admin::KernelCaps`].
    pub fn parse_user(name: ParamName, text: &str) -> std::result::Result<Self, ValueError> {
        let t = text.trim();
        match name.kind() {
            ParamKind::Bool => {
                let lower = t.to_ascii_lowercase();
                match lower.as_str() {
                    "y" | "yes" | "t" | "true" | "1" | "on" | "enable" | "enabled" => {
                        Ok(ParamValue::Bool(true))
                    }
                    "n" | "no" | "f" | "false" | "0" | "off" | "disable" | "disabled" => {
                        Ok(ParamValue::Bool(false))
                    }
                    _ => Err(ValueError::NotBool {
                        name,
                        value: text.to_owned(),
                    }),
                }
            }
            ParamKind::Percent => match kstrtouint(t) {
                Ok(n) if n <= 100 => Ok(ParamValue::Uint(n)),
                Ok(n) => Err(ValueError::PercentRange {
                    name,
                    value: u64::from(n),
                }),
                Err(UintError::Range) => Err(ValueError::PercentRange {
                    name,
                    value: t.parse().unwrap_or(u64::MAX),
                }),
                Err(UintError::Invalid) => Err(ValueError::NotNumber {
                    name,
                    value: text.to_owned(),
                }),
            },
            ParamKind::Compressor | ParamKind::Zpool => {
                let ok = !t.is_empty()
                    && t.len() <= 128
                    && t.chars().all(|c| c.is_ascii_graphic() && c != '/');
                if ok {
                    Ok(ParamValue::Text(t.to_owned()))
                } else {
                    Err(ValueError::BadName {
                        name,
                        value: text.to_owned(),
                    })
                }
            }
        }
    }

    /// Parses what sysfs prints for `name` (`Y`/`N`, a decimal, a name, each plus newline).
    pub fn parse_sysfs(name: ParamName, text: &str) -> Option<Self> {
        let t = text.trim_end_matches('\n');
        match name.kind() {
            ParamKind::Bool => kstrtobool(t, false).map(ParamValue::Bool),
            ParamKind::Percent => t.parse::<u32>().ok().map(ParamValue::Uint),
            ParamKind::Compressor | ParamKind::Zpool => Some(ParamValue::Text(t.trim().to_owned())),
        }
    }

    /// The boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ParamValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if it is one.
    pub fn as_uint(&self) -> Option<u32> {
        match self {
            ParamValue::Uint(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, if it is a name.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ParamValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// The parameters this kernel has, with their current values. A parameter this kernel does
/// not have is absent (`None`), never a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZswapParams {
    #[serde(flatten)]
    values: BTreeMap<ParamName, ParamValue>,
    /// Files in the parameter directory that no supported kernel has (a newer kernel's).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unknown: BTreeMap<String, String>,
}

impl ZswapParams {
    /// The value of `name`, if this kernel has it.
    pub fn get(&self, name: ParamName) -> Option<&ParamValue> {
        self.values.get(&name)
    }

    /// Sets a value (for fixtures and plans).
    pub fn insert(&mut self, name: ParamName, value: ParamValue) {
        self.values.insert(name, value);
    }

    /// True if and only if this kernel has `name`.
    pub fn has(&self, name: ParamName) -> bool {
        self.values.contains_key(&name)
    }

    /// The parameters present, in write order.
    pub fn iter(&self) -> impl Iterator<Item = (ParamName, &ParamValue)> {
        ParamName::ALL
            .into_iter()
            .filter_map(|n| self.values.get(&n).map(|v| (n, v)))
    }

    /// `enabled`.
    pub fn enabled(&self) -> Option<bool> {
        self.get(ParamName::Enabled).and_then(ParamValue::as_bool)
    }

    /// `compressor`.
    pub fn compressor(&self) -> Option<&str> {
        self.get(ParamName::Compressor)
            .and_then(ParamValue::as_text)
    }

    /// `zpool` (kernels before 6.18).
    pub fn zpool(&self) -> Option<&str> {
        self.get(ParamName::Zpool).and_then(ParamValue::as_text)
    }

    /// `max_pool_percent`.
    pub fn max_pool_percent(&self) -> Option<u32> {
        self.get(ParamName::MaxPoolPercent)
            .and_then(ParamValue::as_uint)
    }

    /// `accept_threshold_percent`.
    pub fn accept_threshold_percent(&self) -> Option<u32> {
        self.get(ParamName::AcceptThresholdPercent)
            .and_then(ParamValue::as_uint)
    }

    /// `shrinker_enabled` (≈6.8+).
    pub fn shrinker_enabled(&self) -> Option<bool> {
        self.get(ParamName::ShrinkerEnabled)
            .and_then(ParamValue::as_bool)
    }
}

/// Reads one parameter: `Ok(None)` if this kernel does not have it.
pub fn read_param(root: &SysRoot, name: ParamName) -> Result<Option<ParamValue>> {
    let path = name.path(root);
    match root.read_opt(&path)? {
        None => Ok(None),
        Some(text) => ParamValue::parse_sysfs(name, &text)
            .map(Some)
            .ok_or_else(|| {
                let expected = match name.kind() {
                    ParamKind::Bool => "'Y' or 'N'",
                    ParamKind::Percent => "a decimal number",
                    ParamKind::Compressor | ParamKind::Zpool => "a name",
                };
                Error::parse(path, &text, expected)
            }),
    }
}

/// Reads every parameter present. `Ok(None)` if the parameter directory does not exist
/// (a kernel without zswap).
pub fn read_params(root: &SysRoot) -> Result<Option<ZswapParams>> {
    let dir = root.sys(PARAMS_DIR);
    let Some(names) = root.list_dir(&dir)? else {
        return Ok(None);
    };
    let mut params = ZswapParams::default();
    for file in names {
        match file.parse::<ParamName>() {
            Ok(name) if name.as_str() == file => {
                if let Some(v) = read_param(root, name)? {
                    params.insert(name, v);
                }
            }
            _ => {
                let text = root.read(&dir.join(&file))?;
                params.unknown.insert(file, text.trim_end().to_owned());
            }
        }
    }
    Ok(Some(params))
}

/// Writes one parameter value, exactly as `Display` renders it, in a single `write(2)`.
pub fn write_param(root: &SysRoot, name: ParamName, value: &ParamValue) -> Result<()> {
    root.write_attr(&name.path(root), &value.to_string())
}

#[cfg(test)]
mod tests;
