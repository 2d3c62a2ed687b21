//! The systemd units in `deploy/systemd/`, which the tarball, the Debian package, `zswapctl
//! persist` (`zswap-apply.service`) and the Ansible role (`zswap-exporter.service`) share.

/// Unit files shipped in the artefacts, relative to `deploy/systemd/`.
pub(crate) const UNITS: [&str; 4] = [
    "zswap-exporter.service",
    "zswap-apply.service",
    "zswap-exporter-textfile.service",
    "zswap-exporter-textfile.timer",
];

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "repository files, not kernel files"
)]
mod tests {
    use std::path::Path;

    use super::*;

    fn repo() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
    }

    /// The role's template rendered as Ansible would (its `template` module trims blocks),
    /// with the values that describe the package: binary in /usr/bin, eBPF and debugfs on,
    /// the role's default listen address, path and cgroup cap.
    fn render_role_template(ebpf: bool) -> String {
        let path = repo().join("deploy/roles/zswap_exporter/templates/zswap-exporter.service.j2");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_keep_trailing_newline(true);
        env.add_template("unit", &text).unwrap();
        let mut flags = vec![
            "--web.listen-address=:10119",
            "--web.telemetry-path=/metrics",
            "--collector.cgroup.max-count=200",
        ];
        let mut caps = vec!["CAP_DAC_READ_SEARCH"];
        if ebpf {
            flags.push("--collector.ebpf");
            caps.extend(["CAP_BPF", "CAP_PERFMON"]);
        }
        env.get_template("unit")
            .unwrap()
            .render(minijinja::context! {
                ansible_managed => "managed",
                zswap_exporter_user => "zswap-exporter",
                zswap_exporter_path => "/usr/bin/zswap-exporter",
                zswap_exporter_flags => flags,
                zswap_exporter_capabilities => caps,
                zswap_exporter_ebpf => ebpf,
            })
            .unwrap()
    }

    fn without_comments(text: &str) -> Vec<&str> {
        text.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn role_template_renders_the_packaged_exporter_unit() {
        let unit =
            std::fs::read_to_string(repo().join("deploy/systemd/zswap-exporter.service")).unwrap();
        assert_eq!(
            without_comments(&render_role_template(true)),
            without_comments(&unit)
        );
    }

    #[test]
    fn role_template_without_ebpf_drops_its_rights() {
        let text = render_role_template(false);
        assert!(
            text.contains("SystemCallFilter=@system-service\n"),
            "{text}"
        );
        assert!(
            text.contains("\nAmbientCapabilities=CAP_DAC_READ_SEARCH\n"),
            "{text}"
        );
    }

    #[test]
    fn every_unit_exists() {
        for unit in UNITS {
            assert!(repo().join("deploy/systemd").join(unit).is_file(), "{unit}");
        }
    }
}
