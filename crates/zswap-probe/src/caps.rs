//! Whether this process may load and attach the probe, decided from its effective
//! capabilities rather than its uid: a service can run as its own user with `CAP_BPF` and
//! `CAP_PERFMON` granted by systemd's `AmbientCapabilities=` (see `deploy/systemd/README.md`).
//!
//! Since Linux 5.8, loading tracing programs and creating their maps takes `CAP_BPF`, and
//! attaching them (fentry, kprobe via perf) and reading kernel memory takes `CAP_PERFMON`;
//! `CAP_SYS_ADMIN` still implies both, and is the only way on older kernels.

/// `CAP_SYS_ADMIN` (`include/uapi/linux/capability.h`).
pub(crate) const CAP_SYS_ADMIN: u32 = 21;
/// `CAP_PERFMON`, Linux 5.8.
pub(crate) const CAP_PERFMON: u32 = 38;
/// `CAP_BPF`, Linux 5.8.
pub(crate) const CAP_BPF: u32 = 39;

/// The capabilities the probe needs that the effective set `eff` lacks, by name; empty if
/// and only if the probe may be loaded (`CAP_BPF` and `CAP_PERFMON`, or `CAP_SYS_ADMIN`).
pub(crate) fn missing(eff: u64) -> Vec<&'static str> {
    let has = |cap: u32| eff & (1u64 << cap) != 0;
    if has(CAP_SYS_ADMIN) {
        return Vec::new();
    }
    [(CAP_BPF, "CAP_BPF"), (CAP_PERFMON, "CAP_PERFMON")]
        .into_iter()
        .filter(|(cap, _)| !has(*cap))
        .map(|(_, name)| name)
        .collect()
}

/// This thread's effective capability set, as a bit mask (`capget(2)`, version 3).
pub(crate) fn effective() -> std::io::Result<u64> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: libc::c_int,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    // _LINUX_CAPABILITY_VERSION_3: two Data words (capabilities 0-31 and 32-63).
    let mut header = Header {
        version: 0x2008_0522,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget writes at most two Data structs for version 3, which `data` holds.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut Header,
            data.as_mut_ptr(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(u64::from(data[0].effective) | (u64::from(data[1].effective) << 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn bit(cap: u32) -> u64 {
        1u64 << cap
    }

    #[test]
    fn bpf_and_perfmon_are_enough() {
        assert!(missing(bit(CAP_BPF) | bit(CAP_PERFMON)).is_empty());
    }

    #[test]
    fn sys_admin_alone_is_enough() {
        assert!(missing(bit(CAP_SYS_ADMIN)).is_empty());
    }

    #[test]
    fn bpf_alone_lacks_perfmon() {
        assert_eq!(missing(bit(CAP_BPF)), ["CAP_PERFMON"]);
    }

    #[test]
    fn empty_set_lacks_both() {
        assert_eq!(missing(0), ["CAP_BPF", "CAP_PERFMON"]);
    }

    #[test]
    fn this_process_can_be_asked() {
        assert!(effective().is_ok());
    }
}
