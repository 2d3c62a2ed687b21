//! LZ4 as the kernel's `lib/lz4` (LZ4 1.7.3-era code) runs `LZ4_compress_default` for one
//! page, and a safe LZ4 block decoder shared with lz4hc.
//!
//! Facts of the kernel's match finder for inputs under 64 KiB: a 16 KiB table of 8192 u16
//! positions, cleared per call (so an empty slot points at position 0); hash = the u32 at the
//! position times 2654435761, top 13 bits; the search step starts at 1 and grows by one every
//! 64 misses (acceleration 1, skip trigger 6); matches extend backwards over equal bytes; after
//! a match the position two bytes back is hashed and the current position is tried at once.
//! Block rules: the last 5 bytes are literals and no match starts in the last 12. With 4096
//! bytes of output (less than LZ4's bound) the kernel runs in limited-output mode, whose
//! conservative space checks decide when it gives up (returns 0, reported as -EINVAL).

use super::{CompressFailure, DecodeResult, OUTPUT_CAPACITY, PAGE_SIZE, copy_match};

const HASH_BITS: u32 = 13;
const MIN_MATCH: usize = 4;
const LAST_LITERALS: usize = 5;
const MF_LIMIT: usize = 12;
const SKIP_TRIGGER: u32 = 6;
const RUN_MASK: usize = 15;
const ML_MASK: usize = 15;

#[inline]
pub(super) fn read32(b: &[u8], i: usize) -> u32 {
    // One bounds check and one unaligned load.
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(w)
}

/// Bytes equal at `a` and `b` (with `a` > `b`), counted up to but not including `limit`.
#[inline]
pub(super) fn count(src: &[u8], mut a: usize, mut b: usize, limit: usize) -> usize {
    let start = a;
    while a + 8 <= limit {
        let x = u64::from_le_bytes(src[a..a + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(src[b..b + 8].try_into().unwrap_or([0; 8]));
        let diff = x ^ y;
        if diff != 0 {
            return a - start + (diff.trailing_zeros() / 8) as usize;
        }
        a += 8;
        b += 8;
    }
    while a < limit && src[a] == src[b] {
        a += 1;
        b += 1;
    }
    a - start
}

/// Sequence writer with LZ4's encodings; bounds are checked by the callers' space rules.
pub(super) struct Seq<'a> {
    pub(super) buf: &'a mut [u8],
    pub(super) pos: usize,
}

impl Seq<'_> {
    /// Writes a token with `lits` as its literal part, the literal length extension and the
    /// literals; returns the token's index.
    pub(super) fn literals(&mut self, lits: &[u8]) -> usize {
        let token = self.pos;
        self.pos += 1;
        let n = lits.len();
        if n >= RUN_MASK {
            self.buf[token] = (RUN_MASK << 4) as u8;
            self.extension(n - RUN_MASK);
        } else {
            self.buf[token] = (n << 4) as u8;
        }
        self.buf[self.pos..self.pos + n].copy_from_slice(lits);
        self.pos += n;
        token
    }

    /// Writes the offset and the match length (beyond the 4-byte minimum) of `token`.
    pub(super) fn matched(&mut self, token: usize, offset: usize, extra: usize) {
        self.buf[self.pos..self.pos + 2].copy_from_slice(&(offset as u16).to_le_bytes());
        self.pos += 2;
        if extra >= ML_MASK {
            self.buf[token] |= ML_MASK as u8;
            self.extension(extra - ML_MASK);
        } else {
            self.buf[token] |= extra as u8;
        }
    }

    fn extension(&mut self, mut n: usize) {
        while n >= 255 {
            self.buf[self.pos] = 255;
            self.pos += 1;
            n -= 255;
        }
        self.buf[self.pos] = n as u8;
        self.pos += 1;
    }

    /// The closing literal run, if `cap` allows it by LZ4's rule for the last literals.
    pub(super) fn last_literals(&mut self, lits: &[u8], cap: usize) -> Result<(), CompressFailure> {
        let n = lits.len();
        if self.pos + n + 1 + (n + 255 - RUN_MASK) / 255 > cap {
            return Err(CompressFailure::Invalid);
        }
        self.literals(lits);
        Ok(())
    }
}

pub(super) struct Lz4 {
    table: Box<[u16; 1 << HASH_BITS]>,
}

#[inline]
fn hash(v: u32) -> usize {
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

impl Lz4 {
    pub(super) fn new() -> Self {
        Lz4 {
            table: Box::new([0; 1 << HASH_BITS]),
        }
    }

    /// Compresses into `out` (longer than the 4096-byte capacity, as slack for the kernel's
    /// space rules, which are checked against the capacity).
    pub(super) fn compress(
        &mut self,
        src: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        let cap = OUTPUT_CAPACITY;
        let mut o = Seq { buf: out, pos: 0 };
        let t = &mut self.table;
        t.fill(0);
        let end = src.len();
        let mf_limit = end - MF_LIMIT;
        let match_limit = end - LAST_LITERALS;
        let mut anchor = 0;
        let mut ip = 0;
        // Position 0 is entered as is (and empty slots also point at it).
        t[hash(read32(src, 0))] = 0;
        ip += 1;
        let mut forward_h = hash(read32(src, ip));
        'outer: loop {
            // Find a match, stepping faster the longer nothing is found.
            let mut forward = ip;
            let mut step = 1;
            let mut attempts: u32 = 1 << SKIP_TRIGGER;
            let mut m;
            loop {
                let h = forward_h;
                ip = forward;
                forward += step;
                step = (attempts >> SKIP_TRIGGER) as usize;
                attempts += 1;
                if forward > mf_limit {
                    break 'outer;
                }
                m = usize::from(t[h]);
                forward_h = hash(read32(src, forward));
                t[h] = ip as u16;
                if read32(src, m) == read32(src, ip) {
                    break;
                }
            }
            while ip > anchor && m > 0 && src[ip - 1] == src[m - 1] {
                ip -= 1;
                m -= 1;
            }
            let lit = ip - anchor;
            if o.pos + 1 + lit + (2 + 1 + LAST_LITERALS) + lit / 255 > cap {
                return Err(CompressFailure::Invalid);
            }
            let mut token = o.literals(&src[anchor..ip]);
            loop {
                let extra = count(src, ip + MIN_MATCH, m + MIN_MATCH, match_limit);
                if o.pos + 2 + 1 + LAST_LITERALS + (extra >> 8) > cap {
                    return Err(CompressFailure::Invalid);
                }
                o.matched(token, ip - m, extra);
                ip += MIN_MATCH + extra;
                anchor = ip;
                if ip > mf_limit {
                    break 'outer;
                }
                t[hash(read32(src, ip - 2))] = (ip - 2) as u16;
                let h = hash(read32(src, ip));
                m = usize::from(t[h]);
                t[h] = ip as u16;
                if read32(src, m) != read32(src, ip) {
                    break;
                }
                // An immediate match: a token with no literals.
                token = o.pos;
                o.buf[token] = 0;
                o.pos += 1;
            }
            ip += 1;
            forward_h = hash(read32(src, ip));
        }
        o.last_literals(&src[anchor..], cap)?;
        Ok(o.pos)
    }
}

/// Decodes an LZ4 block into `out`; returns the bytes produced.
pub(super) fn decompress(src: &[u8], out: &mut [u8]) -> DecodeResult {
    let mut ip = 0;
    let mut op = 0;
    let max = out.len();
    let length = |ip: &mut usize, mut n: usize| -> Result<usize, (usize, &'static str)> {
        loop {
            let b = *src.get(*ip).ok_or((*ip, "input ends inside a length"))?;
            *ip += 1;
            n += usize::from(b);
            if n > max + 255 {
                return Err((*ip, "length longer than the page"));
            }
            if b != 255 {
                return Ok(n);
            }
        }
    };
    loop {
        let at = ip;
        let token = usize::from(*src.get(ip).ok_or((ip, "input ends before a token"))?);
        ip += 1;
        let mut lit = token >> 4;
        if lit == RUN_MASK {
            lit = length(&mut ip, lit)?;
        }
        let lits = src
            .get(ip..ip + lit)
            .ok_or((ip, "literals past the end of the input"))?;
        out.get_mut(op..op + lit)
            .ok_or((at, "output longer than the page"))?
            .copy_from_slice(lits);
        ip += lit;
        op += lit;
        if ip == src.len() {
            return Ok(op);
        }
        let off = src
            .get(ip..ip + 2)
            .ok_or((ip, "input ends inside an offset"))?;
        let dist = usize::from(u16::from_le_bytes([off[0], off[1]]));
        ip += 2;
        if dist == 0 || dist > op {
            return Err((ip - 2, "match offset outside the output"));
        }
        let mut len = token & ML_MASK;
        if len == ML_MASK {
            len = length(&mut ip, len)?;
        }
        len += MIN_MATCH;
        if op + len > out.len() {
            return Err((at, "output longer than the page"));
        }
        copy_match(out, op, dist, len);
        op += len;
    }
}
