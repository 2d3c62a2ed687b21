//! Boot-time configuration: the text of a GRUB drop-in that appends `zswap.<name>=<value>`
//! to the kernel command line, and of a oneshot systemd unit that runs
//! `zswapctl apply -f <config>` early in boot. Pure text generation; writing the files is
//! the binary's job. Kernel command-line forms: `Documentation/admin-guide/mm/zswap.rst`.

use std::path::Path;

use crate::admin::caps::{CompressorState, KernelCaps, ModuleResolver};
use crate::admin::plan::DesiredConfig;
use crate::params::{ParamName, ParamValue};

/// Where the GRUB drop-in goes (Debian and Ubuntu source `/etc/default/grub.d/*.cfg`).
pub const GRUB_DROPIN: &str = "/etc/default/grub.d/zswap.cfg";
/// Where the systemd unit goes.
pub const SYSTEMD_UNIT: &str = "/etc/systemd/system/zswap-apply.service";
/// The link that enables the unit (what `systemctl enable` creates).
pub const SYSTEMD_WANTS_LINK: &str = "/etc/systemd/system/sysinit.target.wants/zswap-apply.service";
/// The configuration file the unit applies.
pub const DEFAULT_CONFIG: &str = "/etc/zswap/zswap.yaml";

/// `zswap.enabled=Y zswap.compressor=zstd …` in write order.
pub fn kernel_cmdline(values: &DesiredConfig) -> String {
    values
        .iter()
        .map(|(name, v)| format!("zswap.{name}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The GRUB drop-in's text.
pub fn grub_dropin(values: &DesiredConfig) -> String {
    format!(
        "# zswap parameters for the kernel command line, written by 'zswapctl persist'.\n\
         # Takes effect at the next boot after 'update-grub' (or\n\
         # 'grub-mkconfig -o /boot/grub/grub.cfg') has been run.\n\
         GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT {}\"\n",
        kernel_cmdline(values)
    )
}

/// The oneshot unit's text: after local file systems and swap, before `sysinit.target`,
/// with the sandboxing that still lets it write `/sys/module/zswap/parameters`.
pub fn systemd_unit(exe: &Path, config: &Path) -> String {
    let exe = exe.display();
    let config = config.display();
    format!(
        "# Written by 'zswapctl persist --method systemd'.\n\
[Unit]\n\
Description=Apply zswap parameters from {config}\n\
DefaultDependencies=no\n\
After=local-fs.target swap.target\n\
Before=sysinit.target shutdown.target\n\
Conflicts=shutdown.target\n\
ConditionPathIsDirectory=/sys/module/zswap/parameters\n\
ConditionPathExists={config}\n\
\n\
[Service]\n\
Type=oneshot\n\
RemainAfterExit=yes\n\
ExecStart={exe} apply -f {config}\n\
# Sandboxing. Not used, on purpose: ProtectKernelTunables (makes /sys read-only) and\n\
# ProtectKernelModules (hides /lib/modules, which the compressor check reads).\n\
ProtectSystem=strict\n\
ProtectHome=yes\n\
PrivateTmp=yes\n\
PrivateDevices=yes\n\
PrivateNetwork=yes\n\
IPAddressDeny=any\n\
RestrictAddressFamilies=AF_UNIX\n\
NoNewPrivileges=yes\n\
CapabilityBoundingSet=\n\
ProtectClock=yes\n\
ProtectHostname=yes\n\
ProtectKernelLogs=yes\n\
ProtectControlGroups=yes\n\
RestrictNamespaces=yes\n\
RestrictRealtime=yes\n\
RestrictSUIDSGID=yes\n\
LockPersonality=yes\n\
MemoryDenyWriteExecute=yes\n\
SystemCallArchitectures=native\n\
SystemCallFilter=@system-service\n\
UMask=0077\n\
\n\
[Install]\n\
WantedBy=sysinit.target\n"
    )
}

/// Warnings about putting `values` on the kernel command line of this kernel: a compressor
/// that comes from a module may not be loadable that early, and then the kernel silently
/// uses its default.
pub fn cmdline_notes(
    caps: &KernelCaps,
    values: &DesiredConfig,
    modules: &dyn ModuleResolver,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(ParamValue::Text(c)) = values.get(ParamName::Compressor) {
        let module = match caps.compressor_state(c, modules) {
            CompressorState::Loadable(m) => Some(m),
            CompressorState::Loaded => caps
                .compressors
                .iter()
                .find(|i| (i.name == *c || i.driver == *c) && i.module != "kernel")
                .map(|i| i.module.clone()),
            CompressorState::Unavailable => None,
        };
        if let Some(m) = module {
            notes.push(format!(
                "compressor '{c}' comes from module '{m}': on the kernel command line it works \
                 only if the initramfs can load it before zswap starts, otherwise the kernel \
                 falls back to its default; the systemd method does not have this limit"
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> DesiredConfig {
        let mut d = DesiredConfig::new();
        d.set(ParamName::Enabled, ParamValue::Bool(true), None);
        d.set(ParamName::Compressor, ParamValue::Text("zstd".into()), None);
        d.set(ParamName::MaxPoolPercent, ParamValue::Uint(25), None);
        d
    }

    #[test]
    fn cmdline_in_write_order() {
        assert_eq!(
            kernel_cmdline(&values()),
            "zswap.compressor=zstd zswap.max_pool_percent=25 zswap.enabled=Y"
        );
    }

    #[test]
    fn grub_appends_to_default_cmdline() {
        let g = grub_dropin(&values());
        assert!(g.contains(
            "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT zswap.compressor=zstd"
        ));
        assert!(g.contains("update-grub"));
    }

    #[test]
    fn unit_runs_apply_early() {
        let u = systemd_unit(Path::new("/usr/bin/zswapctl"), Path::new(DEFAULT_CONFIG));
        assert!(u.contains("ExecStart=/usr/bin/zswapctl apply -f /etc/zswap/zswap.yaml\n"));
        assert!(u.contains("Before=sysinit.target"));
        assert!(u.contains("Type=oneshot"));
        assert!(!u.contains("\nProtectKernelTunables"));
    }

    /// Drops the leading comment lines, which say who wrote the unit.
    fn body(unit: &str) -> String {
        unit.lines()
            .skip_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "a repository file, not a kernel file"
    )]
    fn packaged_unit_is_what_persist_writes() {
        let repo = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/systemd/zswap-apply.service"
        );
        let packaged = std::fs::read_to_string(repo).unwrap();
        let written = systemd_unit(Path::new("/usr/bin/zswapctl"), Path::new(DEFAULT_CONFIG));
        assert_eq!(
            body(&packaged),
            body(&written),
            "{repo} differs from persist's unit"
        );
    }
}
