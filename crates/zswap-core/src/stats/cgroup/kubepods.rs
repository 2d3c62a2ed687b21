//! Kubernetes pods and containers named by cgroup paths (docs/kubernetes.md#labels).
//!
//! The kubelet puts every pod under a `kubepods` cgroup: Guaranteed pods directly below it,
//! Burstable and BestEffort pods below a QoS cgroup, each container in a cgroup below its
//! pod's. The systemd cgroup driver spells these as nested slices
//! (`kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice`, the uid's
//! dashes as `_`) with one scope per container (`cri-containerd-<id>.scope`,
//! `crio-<id>.scope`, `docker-<id>.scope`); the cgroupfs driver as plain directories
//! (`kubepods/burstable/pod<uid>/<id>`). Paths below a cgroup v1 controller's mount read the
//! same after the mount point, and a kubelet with `--cgroup-root` adds components before
//! `kubepods` (`kubelet.slice/kubelet-kubepods.slice/…`), so the `kubepods` component is
//! searched for rather than expected first.

/// A pod's Kubernetes QoS class, spelt as the pod's `status.qosClass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QosClass {
    /// Requests equal limits for every resource: pods directly under `kubepods`.
    Guaranteed,
    /// Under `kubepods/burstable`.
    Burstable,
    /// Under `kubepods/besteffort`.
    BestEffort,
}

impl QosClass {
    /// The pod status spelling (`Guaranteed`, `Burstable`, `BestEffort`), which
    /// kube-state-metrics' `kube_pod_status_qos_class` uses too.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }

    /// The QoS cgroup's name: `burstable`, `besteffort` (Guaranteed pods have none).
    fn from_cgroup_name(name: &str) -> Option<QosClass> {
        match name {
            "burstable" => Some(QosClass::Burstable),
            "besteffort" => Some(QosClass::BestEffort),
            _ => None,
        }
    }
}

/// What a cgroup path under `kubepods` tells about the pod and container it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubepodsPath {
    /// The QoS class of the pod, or of every pod below a QoS cgroup.
    pub qos_class: QosClass,
    /// The pod's `metadata.uid` (with dashes), for the pod's cgroup and those below it.
    pub pod_uid: Option<String>,
    /// The container runtime's id of the container (hex, no `containerd://` scheme), for the
    /// container's cgroup and those below it.
    pub container_id: Option<String>,
}

/// The pod and container a cgroup path names; `None` for paths outside a kubelet's pods
/// (and for `kubepods` itself, which holds every QoS class).
pub fn parse_kubepods_path(path: &str) -> Option<KubepodsPath> {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let root = parts.by_ref().find(|p| is_kubepods_root(p))?;
    // systemd slices repeat their parent's name: `kubepods-burstable.slice` under
    // `kubepods.slice`; the cgroupfs driver's names are the bare words
    let slice_base = root.strip_suffix(".slice");
    let first = parts.next()?;
    let (qos_class, pod_part) = match qos_of(slice_base, first) {
        Some(q) => (q, parts.next()),
        None => (QosClass::Guaranteed, Some(first)),
    };
    let mut out = KubepodsPath {
        qos_class,
        pod_uid: None,
        container_id: None,
    };
    let Some(pod_part) = pod_part else {
        return Some(out);
    };
    match pod_uid(slice_base, qos_class, pod_part) {
        Some(uid) => out.pod_uid = Some(uid),
        // a directory the kubelet did not make: under a QoS cgroup the class still holds
        None if qos_class == QosClass::Guaranteed => return None,
        None => return Some(out),
    }
    out.container_id = parts
        .next()
        .and_then(|c| container_id(slice_base.is_some(), c));
    Some(out)
}

/// `kubepods` (cgroupfs), `kubepods.slice`, or a slice under a `--cgroup-root` such as
/// `kubelet-kubepods.slice`.
fn is_kubepods_root(name: &str) -> bool {
    name == "kubepods" || name == "kubepods.slice" || name.ends_with("-kubepods.slice")
}

fn qos_of(slice_base: Option<&str>, name: &str) -> Option<QosClass> {
    match slice_base {
        Some(base) => name
            .strip_suffix(".slice")?
            .strip_prefix(base)?
            .strip_prefix('-')
            .and_then(QosClass::from_cgroup_name),
        None => QosClass::from_cgroup_name(name),
    }
}

fn pod_uid(slice_base: Option<&str>, qos: QosClass, name: &str) -> Option<String> {
    let uid = match slice_base {
        Some(base) => {
            let rest = name.strip_suffix(".slice")?.strip_prefix(base)?;
            let rest = match qos {
                QosClass::Guaranteed => rest,
                QosClass::Burstable => rest.strip_prefix("-burstable")?,
                QosClass::BestEffort => rest.strip_prefix("-besteffort")?,
            };
            // systemd reserves `-` for nesting, so the kubelet writes the uid's dashes as `_`
            rest.strip_prefix("-pod")?.replace('_', "-")
        }
        None => name.strip_prefix("pod")?.to_owned(),
    };
    // a uid is a UUID, or a static pod's hash: hex digits and dashes
    let ok = !uid.is_empty() && uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    ok.then(|| uid.to_ascii_lowercase())
}

/// The runtime prefixes of container cgroups: containerd's CRI plugin, CRI-O, Docker
/// (through cri-dockerd). CRI-O's `crio-conmon-<id>` holds its monitor, not the container,
/// and is left out by the hex check.
const RUNTIME_PREFIXES: [&str; 3] = ["cri-containerd-", "crio-", "docker-"];

fn container_id(systemd: bool, name: &str) -> Option<String> {
    let name = if systemd {
        name.strip_suffix(".scope")?
    } else {
        name
    };
    let id = RUNTIME_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    let ok = !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| id.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "0f9c7a52-3d8e-4b21-9c1e-7d2f5a6b8c90";
    const UID_: &str = "0f9c7a52_3d8e_4b21_9c1e_7d2f5a6b8c90";
    const ID: &str = "4d9a3f2b1c0e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";

    fn full(qos: QosClass) -> Option<KubepodsPath> {
        Some(KubepodsPath {
            qos_class: qos,
            pod_uid: Some(UID.to_owned()),
            container_id: Some(ID.to_owned()),
        })
    }

    fn pod_only(qos: QosClass) -> Option<KubepodsPath> {
        Some(KubepodsPath {
            qos_class: qos,
            pod_uid: Some(UID.to_owned()),
            container_id: None,
        })
    }

    #[test]
    fn systemd_driver_containers_of_every_runtime_and_class() {
        for runtime in ["cri-containerd-", "crio-", "docker-"] {
            let cases = [
                (
                    format!("/kubepods.slice/kubepods-pod{UID_}.slice/{runtime}{ID}.scope"),
                    QosClass::Guaranteed,
                ),
                (
                    format!(
                        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice/{runtime}{ID}.scope"
                    ),
                    QosClass::Burstable,
                ),
                (
                    format!(
                        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/{runtime}{ID}.scope"
                    ),
                    QosClass::BestEffort,
                ),
            ];
            for (path, qos) in cases {
                assert_eq!(parse_kubepods_path(&path), full(qos), "{path}");
            }
        }
    }

    #[test]
    fn cgroupfs_driver_containers_of_every_class() {
        for (path, qos) in [
            (format!("/kubepods/pod{UID}/{ID}"), QosClass::Guaranteed),
            (
                format!("/kubepods/burstable/pod{UID}/{ID}"),
                QosClass::Burstable,
            ),
            (
                format!("/kubepods/besteffort/pod{UID}/crio-{ID}"),
                QosClass::BestEffort,
            ),
        ] {
            assert_eq!(parse_kubepods_path(&path), full(qos), "{path}");
        }
    }

    /// cgroup v1 paths carry the controller's mount point before the same layout.
    #[test]
    fn cgroup_v1_controller_paths_read_alike() {
        let p = format!("/sys/fs/cgroup/memory/kubepods/burstable/pod{UID}/{ID}");
        assert_eq!(parse_kubepods_path(&p), full(QosClass::Burstable));
        let p = format!(
            "/sys/fs/cgroup/memory/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/docker-{ID}.scope"
        );
        assert_eq!(parse_kubepods_path(&p), full(QosClass::BestEffort));
    }

    #[test]
    fn a_cgroup_root_before_kubepods_is_allowed() {
        let p = format!(
            "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod{UID_}.slice/cri-containerd-{ID}.scope"
        );
        assert_eq!(parse_kubepods_path(&p), full(QosClass::Burstable));
        let p = format!("/kubelet/kubepods/pod{UID}/{ID}");
        assert_eq!(parse_kubepods_path(&p), full(QosClass::Guaranteed));
    }

    #[test]
    fn pod_and_qos_cgroups_get_what_they_name() {
        let p =
            format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice");
        assert_eq!(parse_kubepods_path(&p), pod_only(QosClass::Burstable));
        assert_eq!(
            parse_kubepods_path(&format!("/kubepods/pod{UID}")),
            pod_only(QosClass::Guaranteed)
        );
        for p in [
            "/kubepods.slice/kubepods-besteffort.slice",
            "/kubepods/besteffort",
        ] {
            assert_eq!(
                parse_kubepods_path(p),
                Some(KubepodsPath {
                    qos_class: QosClass::BestEffort,
                    pod_uid: None,
                    container_id: None,
                }),
                "{p}"
            );
        }
        // below a container (a runtime's own sub-cgroup) the container's labels hold
        let p = format!("/kubepods/burstable/pod{UID}/{ID}/init");
        assert_eq!(parse_kubepods_path(&p), full(QosClass::Burstable));
    }

    #[test]
    fn static_pod_hash_uids_are_pods() {
        let p = "/kubepods/besteffort/pod3f1b2c4d5e6f708192a3b4c5d6e7f809";
        assert_eq!(
            parse_kubepods_path(p).and_then(|k| k.pod_uid).as_deref(),
            Some("3f1b2c4d5e6f708192a3b4c5d6e7f809")
        );
    }

    #[test]
    fn other_paths_name_nothing() {
        for p in [
            "/",
            "/system.slice/containerd.service",
            "/user.slice/user-1000.slice",
            "/kubepods",
            "/kubepods.slice",
            // guaranteed level: only pods live there
            "/kubepods/something",
            "/kubepods.slice/kubepods-pod.slice",
            "/mykubepods/burstable/podabc",
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podxyz.slice/",
        ] {
            let got = parse_kubepods_path(p);
            assert!(
                got.as_ref().is_none_or(|k| k.pod_uid.is_none()),
                "{p}: {got:?}"
            );
        }
        assert_eq!(parse_kubepods_path("/kubepods/something"), None);
    }

    #[test]
    fn non_container_cgroups_in_a_pod_have_no_container_id() {
        for p in [
            format!("/kubepods.slice/kubepods-pod{UID_}.slice/crio-conmon-{ID}.scope"),
            // the systemd driver's containers are scopes
            format!("/kubepods.slice/kubepods-pod{UID_}.slice/cri-containerd-{ID}"),
            format!("/kubepods/pod{UID}/not-a-container"),
        ] {
            assert_eq!(
                parse_kubepods_path(&p),
                pod_only(QosClass::Guaranteed),
                "{p}"
            );
        }
    }
}
