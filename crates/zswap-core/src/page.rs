//! One page of memory as zswap and zram see it.

/// Bytes in the page the compressors, the model (`sim`), the analyses and the test workloads
/// work on: the page of the x86_64 kernels they stand for. Figures read from a running kernel
/// are converted with that kernel's own page size instead ([`crate::SysRoot::page_size`]).
pub const PAGE_SIZE: usize = 4096;

/// Bytes per page of the running kernel (`sysconf(_SC_PAGESIZE)`, the auxiliary vector's
/// `AT_PAGESZ`): 4096 on x86_64, 16 KiB or 64 KiB on some arm64 and ppc64 kernels.
/// [`PAGE_SIZE`] if the call fails, which it does not on Linux.
pub fn running_kernel_page_size() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .unwrap_or(PAGE_SIZE as u64)
}

/// The 8-byte word every 8-byte word of `page` equals, if there is one: zswap's (6.1
/// `zswap_is_page_same_filled`) and zram's (`page_same_filled`) same-filled scan, which reads
/// the page as 512 native-endian machine words. `Some(0)` is a zero page.
pub fn same_filled_word(page: &[u8; PAGE_SIZE]) -> Option<u64> {
    let mut words = page
        .chunks_exact(8)
        .map(|c| u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
    let first = words.next()?;
    words.all(|w| w == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SysRoot;

    #[test]
    fn a_tree_has_the_model_page_and_the_running_kernel_its_own() {
        assert_eq!(SysRoot::at("/nonexistent").page_size(), PAGE_SIZE as u64);
        // getconf asks the C library, which asks the kernel (AT_PAGESZ), as sysconf does
        let out = std::process::Command::new("getconf")
            .arg("PAGESIZE")
            .output()
            .expect("getconf (libc-bin) runs");
        let getconf: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(SysRoot::host().page_size(), getconf);
    }

    #[test]
    fn same_filled_needs_every_word_equal() {
        assert_eq!(same_filled_word(&[0; 4096]), Some(0));
        let mut p = [0u8; 4096];
        for w in p.chunks_exact_mut(8) {
            w.copy_from_slice(&0x0102_0304_0506_0708u64.to_ne_bytes());
        }
        assert_eq!(same_filled_word(&p), Some(0x0102_0304_0506_0708));
        p[4095] ^= 1;
        assert_eq!(same_filled_word(&p), None);
        // all bytes equal is not enough on its own: a 4-byte repeat is not an 8-byte repeat
        let mut q = [0u8; 4096];
        for (i, b) in q.iter_mut().enumerate() {
            *b = (i % 4) as u8;
        }
        assert_eq!(
            same_filled_word(&q),
            Some(u64::from_ne_bytes([0, 1, 2, 3, 0, 1, 2, 3]))
        );
        q[7] = 9;
        assert_eq!(same_filled_word(&q), None);
    }
}
