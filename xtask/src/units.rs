//! The systemd units in `deploy/systemd/`, which the tarball, the Debian package, `zswapctl
//! persist` (`zswap-apply.service`) and the Ansible role (`zswap-exporter.service`) share.
//! `zswap-exporter-activated.service` is derived from `zswap-exporter.service` (the tests
//! check it; `UPDATE_GOLDEN=1 cargo test -p xtask units` rewrites it).

/// Unit files shipped in the artefacts, relative to `deploy/systemd/`.
pub(crate) const UNITS: [&str; 6] = [
    "zswap-exporter.service",
    "zswap-exporter.socket",
    "zswap-exporter-activated.service",
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

    /// `zswap-exporter.service` as `zswap-exporter.socket` starts it: the same sandbox, the
    /// socket taken from systemd instead of bound, and no network of its own (the passed
    /// socket lives in the host's namespace, so `PrivateNetwork=` costs nothing).
    fn activated_service(service: &str) -> String {
        let mut out = String::from(
            "# Generated from zswap-exporter.service by xtask's units tests (UPDATE_GOLDEN=1 cargo\n\
             # test -p xtask units): the exporter started by zswap-exporter.socket on the first\n\
             # connection, serving the socket systemd holds. Enable the socket, not this unit.\n",
        );
        let mut section = "";
        for line in service.lines() {
            if line.starts_with('[') {
                section = line;
            }
            if line.starts_with('#') && section.is_empty() {
                continue;
            }
            match (section, line) {
                ("[Install]", _) => {}
                (_, l) if l.starts_with("Description=") => {
                    out.push_str(l);
                    out.push_str(" (socket-activated)\n");
                }
                (_, "Wants=network-online.target") => {
                    out.push_str(line);
                    out.push_str(
                        "\nRequires=zswap-exporter.socket\nAfter=zswap-exporter.socket\n\
                         Conflicts=zswap-exporter.service\n",
                    );
                }
                (_, l) if l.starts_with("ExecStart=") => {
                    out.push_str(&l.replace("--web.listen-address=:10119", "--web.systemd-socket"));
                    out.push('\n');
                }
                (_, "PrivateTmp=true") => {
                    out.push_str("PrivateTmp=true\nPrivateNetwork=true\n");
                }
                (_, l) => {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        out.push_str("[Install]\nAlso=zswap-exporter.socket\n");
        out
    }

    #[test]
    fn activated_service_is_derived_from_the_service() {
        let dir = repo().join("deploy/systemd");
        let service = std::fs::read_to_string(dir.join("zswap-exporter.service")).unwrap();
        let want = activated_service(&service);
        let path = dir.join("zswap-exporter-activated.service");
        if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &want).unwrap();
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "'{}' is not zswap-exporter.service with socket activation; if the service changed \
             on purpose: UPDATE_GOLDEN=1 cargo test -p xtask units",
            path.display()
        );
        for flag in ["--web.systemd-socket", "Requires=zswap-exporter.socket"] {
            assert!(want.contains(flag), "{flag} missing:\n{want}");
        }
        assert!(!want.contains("--web.listen-address"), "{want}");
    }

    #[test]
    fn socket_starts_the_activated_service_on_the_services_port() {
        let dir = repo().join("deploy/systemd");
        let socket = std::fs::read_to_string(dir.join("zswap-exporter.socket")).unwrap();
        let service = std::fs::read_to_string(dir.join("zswap-exporter.service")).unwrap();
        assert!(socket.contains("\nService=zswap-exporter-activated.service\n"));
        let port = socket
            .lines()
            .find_map(|l| l.strip_prefix("ListenStream="))
            .unwrap();
        assert!(
            service.contains(&format!("--web.listen-address=:{port} ")),
            "the socket listens on {port}, the service elsewhere"
        );
    }

    #[test]
    fn every_unit_exists() {
        for unit in UNITS {
            assert!(repo().join("deploy/systemd").join(unit).is_file(), "{unit}");
        }
    }
}
