//! The kernel's software 842 compressor (`lib/842`, `crypto/842.c`), and its decoder.
//!
//! Format (IBM 842, as the kernel's `842.h` documents it): a big-endian bit stream of 5-bit
//! templates, each describing 8 input bytes as 2-, 4- or 8-byte pieces that are either literal
//! data or an index into a ring of recent output (8-bit index of 2-byte pieces over 512 bytes,
//! 9-bit of 4-byte pieces over 2 KiB, 8-bit of 8-byte pieces over 2 KiB). Special templates:
//! repeat the previous 8 bytes 1-64 times (6-bit count), 8 zero bytes, short data (software
//! only) and end. After the end template come the CRC-32 (big-endian polynomial, seed 0) of the
//! input, then zero bits to a byte and zero bytes to a multiple of 8.
//!
//! Compressor facts: for each 8-byte block, the first template in the kernel's preference
//! order whose index pieces are all found in the rings is used; a piece is found when a ring
//! slot currently holds the same value, and of several the most recently filled wins (the
//! kernel's hash lists insert at the head). Rings are refreshed after every block, repeats
//! included. Running out of the 4096 bytes is -ENOSPC.

use super::{CompressFailure, DecodeResult, OUTPUT_CAPACITY, PAGE_SIZE};

const OP_REPEAT: u64 = 0x1b;
const OP_ZEROS: u64 = 0x1c;
const OP_SHORT_DATA: u64 = 0x1d;
const OP_END: u64 = 0x1e;
const MAX_REPEAT: u32 = 64;

/// One piece of a template.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Piece {
    D2,
    D4,
    D8,
    I2,
    I4,
    I8,
}
use Piece::*;

/// Templates in the kernel compressor's order of preference, with their codes: cheapest
/// encoding first, 8 literal bytes last.
#[rustfmt::skip]
const TEMPLATES: [(u8, &[Piece]); 26] = [
    (0x19, &[I8]), (0x18, &[I4, I4]), (0x17, &[I4, I2, I2]), (0x13, &[I2, I2, I4]),
    (0x12, &[I2, I2, I2, I2]), (0x16, &[I4, I2, D2]), (0x15, &[I4, D2, I2]),
    (0x0e, &[I2, D2, I4]), (0x09, &[D2, I2, I4]), (0x11, &[I2, I2, I2, D2]),
    (0x10, &[I2, I2, D2, I2]), (0x0d, &[I2, D2, I2, I2]), (0x08, &[D2, I2, I2, I2]),
    (0x14, &[I4, D4]), (0x04, &[D4, I4]), (0x0f, &[I2, I2, D4]), (0x0c, &[I2, D2, I2, D2]),
    (0x0b, &[I2, D4, I2]), (0x07, &[D2, I2, I2, D2]), (0x06, &[D2, I2, D2, I2]),
    (0x03, &[D4, I2, I2]), (0x0a, &[I2, D2, D4]), (0x05, &[D2, I2, D4]),
    (0x02, &[D4, I2, D2]), (0x01, &[D4, D2, I2]), (0x00, &[D8]),
];

/// The pieces of template `code`, for the decoder.
fn template(code: u64) -> Option<&'static [Piece]> {
    TEMPLATES
        .iter()
        .find(|(c, _)| u64::from(*c) == code)
        .map(|(_, p)| *p)
}

const NIL: u16 = u16::MAX;

/// A ring of recent values with a lookup by value: slots are chained into hash buckets with
/// the newest first, as the kernel's `hlist` tables are.
struct Ring {
    vals: Box<[u64]>,
    live: Box<[bool]>,
    next: Box<[u16]>,
    prev: Box<[u16]>,
    heads: Box<[u16]>,
    bucket_bits: u32,
}

impl Ring {
    fn new(slots: usize, bucket_bits: u32) -> Self {
        Ring {
            vals: vec![0; slots].into_boxed_slice(),
            live: vec![false; slots].into_boxed_slice(),
            next: vec![NIL; slots].into_boxed_slice(),
            prev: vec![NIL; slots].into_boxed_slice(),
            heads: vec![NIL; 1 << bucket_bits].into_boxed_slice(),
            bucket_bits,
        }
    }

    fn reset(&mut self) {
        self.heads.fill(NIL);
        self.live.fill(false);
    }

    #[inline]
    fn bucket(&self, v: u64) -> usize {
        (v.wrapping_mul(0x61c8_8646_80b5_83eb) >> (64 - self.bucket_bits)) as usize
    }

    /// The newest slot holding `v`.
    #[inline]
    fn find(&self, v: u64) -> Option<u64> {
        let mut n = self.heads[self.bucket(v)];
        while n != NIL {
            if self.vals[usize::from(n)] == v {
                return Some(u64::from(n));
            }
            n = self.next[usize::from(n)];
        }
        None
    }

    /// Puts `v` in slot `i`, making it the newest holder of `v`.
    fn replace(&mut self, i: usize, v: u64) {
        if self.live[i] {
            let (p, n) = (self.prev[i], self.next[i]);
            if p == NIL {
                let b = self.bucket(self.vals[i]);
                self.heads[b] = n;
            } else {
                self.next[usize::from(p)] = n;
            }
            if n != NIL {
                self.prev[usize::from(n)] = p;
            }
        }
        let b = self.bucket(v);
        let old = self.heads[b];
        self.vals[i] = v;
        self.prev[i] = NIL;
        self.next[i] = old;
        if old != NIL {
            self.prev[usize::from(old)] = i as u16;
        }
        self.heads[b] = i as u16;
        self.live[i] = true;
    }
}

/// Big-endian bit writer; bytes past the buffer are counted but dropped.
struct Bits<'a> {
    out: &'a mut [u8],
    pos: usize,
    acc: u128,
    n: u32,
}

impl Bits<'_> {
    #[inline]
    fn put(&mut self, v: u64, n: u32) {
        self.acc = (self.acc << n) | u128::from(v);
        self.n += n;
        while self.n >= 8 {
            self.n -= 8;
            if let Some(b) = self.out.get_mut(self.pos) {
                *b = (self.acc >> self.n) as u8;
            }
            self.pos += 1;
        }
    }

    /// Flushes a partial byte (zero-filled) and returns the byte length.
    fn finish(&mut self) -> usize {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put(0, pad);
        }
        self.pos
    }
}

/// CRC-32 with the big-endian (MSB-first) polynomial 0x04c11db7, seed 0, no final inversion:
/// the kernel's `crc32_be(0, ..)`.
fn crc32_be(table: &[u32; 256], data: &[u8]) -> u32 {
    data.iter().fold(0u32, |crc, &b| {
        (crc << 8) ^ table[((crc >> 24) as u8 ^ b) as usize]
    })
}

fn crc32_be_table() -> Box<[u32; 256]> {
    let mut t = Box::new([0u32; 256]);
    for (i, e) in t.iter_mut().enumerate() {
        let mut c = (i as u32) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04c1_1db7
            } else {
                c << 1
            };
        }
        *e = c;
    }
    t
}

pub(super) struct Sw842 {
    ring8: Ring,
    ring4: Ring,
    ring2: Ring,
    crc: Box<[u32; 256]>,
}

#[inline]
fn be(page: &[u8], at: usize, n: usize) -> u64 {
    page[at..at + n]
        .iter()
        .fold(0u64, |a, &b| (a << 8) | u64::from(b))
}

impl Sw842 {
    pub(super) fn new() -> Self {
        Sw842 {
            ring8: Ring::new(256, 10),
            ring4: Ring::new(512, 11),
            ring2: Ring::new(256, 10),
            crc: crc32_be_table(),
        }
    }

    pub(super) fn compress(
        &mut self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        self.ring8.reset();
        self.ring4.reset();
        self.ring2.reset();
        let mut w = Bits {
            out,
            pos: 0,
            acc: 0,
            n: 0,
        };
        let mut last = !be(page, 0, 8);
        let mut repeats = 0u32;
        for pos in (0..PAGE_SIZE).step_by(8) {
            let next = be(page, pos, 8);
            let mut encode = true;
            if next == last {
                repeats += 1;
                encode = repeats >= MAX_REPEAT;
            }
            if encode && repeats > 0 {
                w.put(OP_REPEAT, 5);
                w.put(u64::from(repeats - 1), 6);
                repeats = 0;
                encode = next != last;
            }
            if encode {
                if next == 0 {
                    w.put(OP_ZEROS, 5);
                } else {
                    self.block(page, pos, &mut w);
                }
            }
            last = next;
            self.ring8.replace((pos >> 3) % 256, next);
            let n4 = (pos >> 2) % 512;
            self.ring4.replace(n4, be(page, pos, 4));
            self.ring4.replace(n4 + 1, be(page, pos + 4, 4));
            let n2 = (pos >> 1) % 256;
            for d in 0..4 {
                self.ring2.replace(n2 + d, be(page, pos + 2 * d, 2));
            }
        }
        if repeats > 0 {
            w.put(OP_REPEAT, 5);
            w.put(u64::from(repeats - 1), 6);
        }
        w.put(OP_END, 5);
        w.put(u64::from(crc32_be(&self.crc, page)), 32);
        let len = w.finish().next_multiple_of(8);
        if len > OUTPUT_CAPACITY {
            return Err(CompressFailure::NoSpace);
        }
        w.out[w.pos..len].fill(0);
        Ok(len)
    }

    /// Encodes the 8 bytes at `pos` with the first template whose indexes all resolve.
    fn block(&self, page: &[u8], pos: usize, w: &mut Bits<'_>) {
        let i8 = self.ring8.find(be(page, pos, 8));
        let i4 = [0, 1].map(|k| self.ring4.find(be(page, pos + 4 * k, 4)));
        let i2 = [0, 1, 2, 3].map(|k| self.ring2.find(be(page, pos + 2 * k, 2)));
        let found = |pieces: &[Piece]| {
            let mut b = 0;
            pieces.iter().all(|p| {
                let ok = match p {
                    I8 => i8.is_some(),
                    I4 => i4[b / 4].is_some(),
                    I2 => i2[b / 2].is_some(),
                    _ => true,
                };
                b += width(*p);
                ok
            })
        };
        let (code, pieces) = TEMPLATES[..25]
            .iter()
            .find(|(_, p)| found(p))
            .copied()
            .unwrap_or(TEMPLATES[25]);
        w.put(u64::from(code), 5);
        let mut b = 0;
        for p in pieces {
            match p {
                I8 => w.put(i8.unwrap_or(0), 8),
                I4 => w.put(i4[b / 4].unwrap_or(0), 9),
                I2 => w.put(i2[b / 2].unwrap_or(0), 8),
                D8 => w.put(be(page, pos, 8), 64),
                D4 => w.put(be(page, pos + b, 4), 32),
                D2 => w.put(be(page, pos + b, 2), 16),
            }
            b += width(*p);
        }
    }

    pub(super) fn decompress(&mut self, src: &[u8], out: &mut [u8]) -> DecodeResult {
        let mut r = Reader {
            src,
            pos: 0,
            acc: 0,
            n: 0,
        };
        let mut op = 0usize;
        let full = |at| (at, "output longer than the page");
        loop {
            let at = r.pos;
            match r.get(5)? {
                OP_REPEAT => {
                    let count = r.get(6)? as usize + 1;
                    if op < 8 {
                        return Err((at, "repeat before any output"));
                    }
                    if op + 8 * count > out.len() {
                        return Err(full(at));
                    }
                    for _ in 0..count {
                        out.copy_within(op - 8..op, op);
                        op += 8;
                    }
                }
                OP_ZEROS => {
                    out.get_mut(op..op + 8).ok_or(full(at))?.fill(0);
                    op += 8;
                }
                OP_SHORT_DATA => {
                    let n = r.get(3)? as usize;
                    if n == 0 {
                        return Err((at, "empty short-data template"));
                    }
                    for _ in 0..n {
                        *out.get_mut(op).ok_or(full(at))? = r.get(8)? as u8;
                        op += 1;
                    }
                }
                OP_END => break,
                code => {
                    let pieces = template(code).ok_or((at, "unknown template"))?;
                    for p in pieces {
                        let size = width(*p);
                        if op + size > out.len() {
                            return Err(full(at));
                        }
                        match p {
                            D2 | D4 | D8 => {
                                let v = r.get(8 * size as u32)?;
                                out[op..op + size].copy_from_slice(&v.to_be_bytes()[8 - size..]);
                            }
                            I2 | I4 | I8 => {
                                let bits = if *p == I4 { 9 } else { 8 };
                                let from = ring_offset(r.get(bits)? as usize, size, bits, op)
                                    .ok_or((at, "index points past the output"))?;
                                out.copy_within(from..from + size, op);
                            }
                        }
                        op += size;
                    }
                }
            }
        }
        let crc = r.get(32)? as u32;
        if crc != crc32_be(&self.crc, &out[..op]) {
            return Err((r.pos, "crc mismatch"));
        }
        Ok(op)
    }
}

fn width(p: Piece) -> usize {
    match p {
        D2 | I2 => 2,
        D4 | I4 => 4,
        D8 | I8 => 8,
    }
}

/// Where index `index` of a ring of `size`-byte pieces points, seen from output length `op`
/// (the ring position counts whole 8-byte blocks written so far).
fn ring_offset(index: usize, size: usize, bits: u32, op: usize) -> Option<usize> {
    let ring = size << bits;
    let total = op / 8 * 8;
    let mut offset = index * size;
    if total > ring {
        let mut section = total / ring * ring;
        if offset >= total - section {
            section -= ring;
        }
        offset += section;
    }
    (offset + size <= total).then_some(offset)
}

/// Big-endian bit reader that fails at the end of the input.
struct Reader<'a> {
    src: &'a [u8],
    pos: usize,
    acc: u128,
    n: u32,
}

impl Reader<'_> {
    fn get(&mut self, bits: u32) -> Result<u64, (usize, &'static str)> {
        while self.n < bits {
            let b = *self
                .src
                .get(self.pos)
                .ok_or((self.pos, "input ends inside a template"))?;
            self.acc = (self.acc << 8) | u128::from(b);
            self.pos += 1;
            self.n += 8;
        }
        self.n -= bits;
        let v = (self.acc >> self.n) as u64 & (u64::MAX >> (64 - bits));
        self.acc &= (1u128 << self.n) - 1;
        Ok(v)
    }
}
