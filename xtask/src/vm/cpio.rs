//! A writer for the "newc" cpio format (magic `070701`), the format the kernel unpacks an
//! initramfs from (`Documentation/driver-api/early-userspace/buffer-format.rst`).
//!
//! Every header is 110 ASCII bytes: the magic, then 13 fields of 8 hex digits. The name (with
//! its NUL) and the data are each padded to a multiple of 4 bytes. The archive ends with an
//! entry named `TRAILER!!!`. The kernel does not create missing parent directories, so the
//! writer emits each parent directory once, before the first entry below it.

use std::collections::BTreeSet;

const MAGIC: &str = "070701";
const TRAILER: &str = "TRAILER!!!";
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// Builds a newc archive in memory.
#[derive(Debug, Default)]
pub(crate) struct CpioWriter {
    out: Vec<u8>,
    dirs: BTreeSet<String>,
    next_ino: u32,
}

/// The parts of one header that vary between entries.
struct Header<'a> {
    name: &'a str,
    mode: u32,
    nlink: u32,
    size: usize,
    rdev: (u32, u32),
}

impl CpioWriter {
    /// An empty archive.
    pub(crate) fn new() -> Self {
        CpioWriter {
            out: Vec::new(),
            dirs: BTreeSet::new(),
            next_ino: 1,
        }
    }

    /// Adds a directory (and its missing parents). `path` is relative, `/`-separated.
    pub(crate) fn dir(&mut self, path: &str, perm: u32) {
        let path = normalize(path);
        if path.is_empty() || self.dirs.contains(&path) {
            return;
        }
        self.parents(&path);
        self.dirs.insert(path.clone());
        self.entry(
            &Header {
                name: &path,
                mode: S_IFDIR | perm,
                nlink: 2,
                size: 0,
                rdev: (0, 0),
            },
            &[],
        );
    }

    /// Adds a regular file with `perm` permission bits.
    pub(crate) fn file(&mut self, path: &str, perm: u32, data: &[u8]) {
        let path = normalize(path);
        self.parents(&path);
        let h = Header {
            name: &path,
            mode: S_IFREG | perm,
            nlink: 1,
            size: data.len(),
            rdev: (0, 0),
        };
        self.entry(&h, data);
    }

    /// Adds a symbolic link at `path` pointing to `target`.
    pub(crate) fn symlink(&mut self, path: &str, target: &str) {
        let path = normalize(path);
        self.parents(&path);
        let h = Header {
            name: &path,
            mode: S_IFLNK | 0o777,
            nlink: 1,
            size: target.len(),
            rdev: (0, 0),
        };
        self.entry(&h, target.as_bytes());
    }

    /// Adds a character device node, such as `dev/console` (5, 1), which the kernel opens
    /// as init's stdin/stdout before devtmpfs is mounted.
    pub(crate) fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) {
        let path = normalize(path);
        self.parents(&path);
        let h = Header {
            name: &path,
            mode: S_IFCHR | perm,
            nlink: 1,
            size: 0,
            rdev: (major, minor),
        };
        self.entry(&h, &[]);
    }

    /// Appends the trailer and returns the archive bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let h = Header {
            name: TRAILER,
            mode: 0,
            nlink: 1,
            size: 0,
            rdev: (0, 0),
        };
        self.entry(&h, &[]);
        self.out
    }

    fn parents(&mut self, path: &str) {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent, 0o755);
        }
    }

    fn entry(&mut self, h: &Header<'_>, data: &[u8]) {
        let ino = if h.name == TRAILER { 0 } else { self.next_ino };
        self.next_ino += 1;
        let fields = [
            ino,
            h.mode,
            0, // uid
            0, // gid
            h.nlink,
            0, // mtime: fixed, so archives are reproducible
            u32::try_from(h.size).unwrap_or(u32::MAX),
            0, // devmajor
            0, // devminor
            h.rdev.0,
            h.rdev.1,
            u32::try_from(h.name.len() + 1).unwrap_or(u32::MAX),
            0, // check: unused by newc
        ];
        self.out.extend_from_slice(MAGIC.as_bytes());
        for f in fields {
            self.out.extend_from_slice(format!("{f:08X}").as_bytes());
        }
        self.out.extend_from_slice(h.name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }
}

fn normalize(path: &str) -> String {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses an archive back into (name, mode, rdev major, data) tuples.
    fn parse(buf: &[u8]) -> Vec<(String, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut off = 0;
        loop {
            assert_eq!(&buf[off..off + 6], b"070701", "magic at {off}");
            let field = |i: usize| {
                let s = std::str::from_utf8(&buf[off + 6 + i * 8..off + 14 + i * 8]).unwrap();
                u32::from_str_radix(s, 16).unwrap() as usize
            };
            let (mode, size, rmaj, namesize) = (field(1), field(6), field(9), field(11));
            let name_start = off + 110;
            let name = std::str::from_utf8(&buf[name_start..name_start + namesize - 1]).unwrap();
            assert_eq!(buf[name_start + namesize - 1], 0);
            let data_start = (name_start + namesize).next_multiple_of(4);
            let data = buf[data_start..data_start + size].to_vec();
            off = (data_start + size).next_multiple_of(4);
            if name == "TRAILER!!!" {
                assert_eq!(off, buf.len());
                return out;
            }
            out.push((name.to_string(), mode as u32, rmaj as u32, data));
        }
    }

    #[test]
    fn empty_archive_is_only_the_trailer() {
        let buf = CpioWriter::new().finish();
        assert!(parse(&buf).is_empty());
        assert_eq!(buf.len() % 4, 0);
    }

    #[test]
    fn file_round_trips_with_mode_and_data() {
        let mut w = CpioWriter::new();
        w.file("init", 0o755, b"#!/bin/sh\n");
        let entries = parse(&w.finish());
        assert_eq!(
            entries,
            vec![("init".into(), S_IFREG | 0o755, 0, b"#!/bin/sh\n".to_vec())]
        );
    }

    #[test]
    fn parents_come_before_children_once() {
        let mut w = CpioWriter::new();
        w.file("lib/modules/a.ko", 0o644, b"x");
        w.file("lib/modules/b.ko", 0o644, b"yy");
        let names: Vec<_> = parse(&w.finish()).into_iter().map(|e| e.0).collect();
        assert_eq!(
            names,
            ["lib", "lib/modules", "lib/modules/a.ko", "lib/modules/b.ko"]
        );
    }

    #[test]
    fn odd_lengths_are_padded_to_four_bytes() {
        let mut w = CpioWriter::new();
        w.file("abc", 0o644, b"12345");
        w.file("d", 0o644, b"");
        let entries = parse(&w.finish());
        assert_eq!(entries[0].3, b"12345");
        assert_eq!(entries[1].3, b"");
    }

    #[test]
    fn symlink_and_char_dev_have_their_types() {
        let mut w = CpioWriter::new();
        w.symlink("bin/sh", "busybox");
        w.char_dev("dev/console", 0o600, 5, 1);
        let e = parse(&w.finish());
        assert_eq!(
            e[1],
            ("bin/sh".into(), S_IFLNK | 0o777, 0, b"busybox".to_vec())
        );
        assert_eq!(e[3], ("dev/console".into(), S_IFCHR | 0o600, 5, vec![]));
    }

    #[test]
    fn leading_slashes_and_dots_are_dropped() {
        let mut w = CpioWriter::new();
        w.file("/./etc//x", 0o644, b"");
        let names: Vec<_> = parse(&w.finish()).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["etc", "etc/x"]);
    }
}
