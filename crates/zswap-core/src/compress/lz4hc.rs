//! LZ4HC as the kernel's `lib/lz4/lz4hc_compress.c` (LZ4 1.7.3-era) runs `LZ4_compress_HC`
//! at level 9 for one page; the output is an ordinary LZ4 block.
//!
//! Facts of that match finder: a 15-bit hash of the u32 at each position (times 2654435761)
//! heads a chain of earlier positions linked by u16 distances; every search walks at most
//! 1 << (level - 1) = 256 chain entries. The parser keeps up to three overlapping candidate
//! matches and trims or drops the middle one ("optimal" length 18) before emitting, as LZ4HC
//! has done since r122. Limited-output checks use `length >> 8` for the extension bytes and
//! fail the page (returns 0, reported as -EINVAL) when the 4096 bytes could run out.

use super::lz4::{count, read32};
use super::{CompressFailure, OUTPUT_CAPACITY, PAGE_SIZE};

const HASH_BITS: u32 = 15;
const MAX_ATTEMPTS: u32 = 1 << (9 - 1);
const MIN_MATCH: isize = 4;
const LAST_LITERALS: usize = 5;
const MF_LIMIT: usize = 12;
const OPTIMAL_ML: isize = 18;
const RUN_MASK: usize = 15;
const ML_MASK: isize = 15;
/// Chain entry of a position with no earlier position of the same hash.
const NO_PREV: u16 = u16::MAX;

/// Work memory: hash heads (tagged with a per-page epoch, so no per-page clearing) and the
/// chain of distances to the previous position with the same hash.
pub(super) struct Lz4hc {
    heads: Box<[u32; 1 << HASH_BITS]>,
    chain: Box<[u16; PAGE_SIZE]>,
    epoch: u32,
    next_to_update: usize,
}

/// A candidate match: where it starts, where it copies from, how long it is.
#[derive(Clone, Copy)]
struct Cand {
    start: isize,
    from: isize,
    len: isize,
}

#[inline]
fn hash(src: &[u8], pos: usize) -> usize {
    (read32(src, pos).wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

impl Lz4hc {
    pub(super) fn new() -> Self {
        Lz4hc {
            heads: Box::new([0; 1 << HASH_BITS]),
            chain: Box::new([NO_PREV; PAGE_SIZE]),
            epoch: 0,
            next_to_update: 0,
        }
    }

    /// Starts a page: a new epoch makes every head empty.
    fn reset(&mut self) {
        self.epoch = self.epoch.wrapping_add(PAGE_SIZE as u32 * 2);
        if self.epoch == 0 {
            self.heads.fill(0);
            self.epoch = PAGE_SIZE as u32 * 2;
        }
        self.next_to_update = 0;
    }

    fn head(&self, h: usize) -> Option<usize> {
        let v = self.heads[h];
        (v >= self.epoch && v < self.epoch + PAGE_SIZE as u32).then(|| (v - self.epoch) as usize)
    }

    /// Links every position before `target` into its hash chain.
    fn insert(&mut self, src: &[u8], target: usize) {
        while self.next_to_update < target {
            let p = self.next_to_update;
            let h = hash(src, p);
            self.chain[p] = match self.head(h) {
                Some(prev) => (p - prev) as u16,
                None => NO_PREV,
            };
            self.heads[h] = self.epoch + p as u32;
            self.next_to_update += 1;
        }
    }

    /// The previous position on `p`'s chain.
    fn prev(&self, p: usize) -> Option<usize> {
        let d = self.chain[p];
        (d != NO_PREV).then(|| p - usize::from(d))
    }

    /// Longest match for `ip` among the chain's candidates (0 if none).
    fn best_match(&mut self, src: &[u8], ip: usize, limit: usize) -> (isize, isize) {
        self.insert(src, ip);
        let mut cand = self.head(hash(src, ip));
        let (mut ml, mut from) = (0usize, 0usize);
        let mut attempts = MAX_ATTEMPTS;
        while let Some(m) = cand {
            if attempts == 0 {
                break;
            }
            attempts -= 1;
            if src[m + ml] == src[ip + ml] && read32(src, m) == read32(src, ip) {
                let len = count(src, ip + 4, m + 4, limit) + 4;
                if len > ml {
                    ml = len;
                    from = m;
                }
            }
            cand = self.prev(m);
        }
        (ml as isize, from as isize)
    }

    /// A match for `ip` that may start as far back as `low` and must beat `longest`.
    fn wider_match(
        &mut self,
        src: &[u8],
        ip: usize,
        low: usize,
        limit: usize,
        longest: isize,
    ) -> Option<Cand> {
        self.insert(src, ip);
        let delta = ip - low;
        let mut best: Option<Cand> = None;
        let mut longest = longest;
        let mut cand = self.head(hash(src, ip));
        let mut attempts = MAX_ATTEMPTS;
        while let Some(m) = cand {
            if attempts == 0 {
                break;
            }
            attempts -= 1;
            let probe = (m + longest as usize).checked_sub(delta);
            let quick = probe.is_some_and(|q| src[low + longest as usize] == src[q]);
            if quick && read32(src, m) == read32(src, ip) {
                let mut len = (4 + count(src, ip + 4, m + 4, limit)) as isize;
                let mut back = 0;
                while ip - back > low && m - back > 0 && src[ip - back - 1] == src[m - back - 1] {
                    back += 1;
                }
                len += back as isize;
                if len > longest {
                    longest = len;
                    best = Some(Cand {
                        start: (ip - back) as isize,
                        from: (m - back) as isize,
                        len,
                    });
                }
            }
            cand = self.prev(m);
        }
        best
    }

    pub(super) fn compress(
        &mut self,
        src: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        self.reset();
        let end = PAGE_SIZE;
        let mf_limit = (end - MF_LIMIT) as isize;
        let match_limit = end - LAST_LITERALS;
        let mut o = Writer {
            buf: out,
            pos: 0,
            anchor: 0,
        };
        let mut ip: isize = 1;
        'main: while ip < mf_limit {
            let (ml0, ref0) = self.best_match(src, ip as usize, match_limit);
            if ml0 == 0 {
                ip += 1;
                continue;
            }
            let mut m1 = Cand {
                start: ip,
                from: ref0,
                len: ml0,
            };
            let mut m0 = m1;
            let mut m2;
            // Search 2: a longer match starting inside the first one.
            loop {
                let found = if m1.start + m1.len < mf_limit {
                    let at = (m1.start + m1.len - 2) as usize;
                    self.wider_match(src, at, m1.start as usize, match_limit, m1.len)
                } else {
                    None
                };
                let Some(c2) = found else {
                    ip = o.sequence(src, m1)?;
                    continue 'main;
                };
                m2 = c2;
                if m0.start < m1.start && m2.start < m1.start + m0.len {
                    m1 = m0;
                }
                if m2.start - m1.start < 3 {
                    m1 = m2;
                    continue;
                }
                // Search 3: a third match, to decide how much of the first two to keep.
                loop {
                    if m2.start - m1.start < OPTIMAL_ML {
                        let mut new_ml = m1.len.min(OPTIMAL_ML);
                        if m1.start + new_ml > m2.start + m2.len - MIN_MATCH {
                            new_ml = m2.start - m1.start + m2.len - MIN_MATCH;
                        }
                        let correction = new_ml - (m2.start - m1.start);
                        if correction > 0 {
                            m2 = shift(m2, correction);
                        }
                    }
                    let found = if m2.start + m2.len < mf_limit {
                        let at = (m2.start + m2.len - 3) as usize;
                        self.wider_match(src, at, m2.start as usize, match_limit, m2.len)
                    } else {
                        None
                    };
                    let Some(m3) = found else {
                        if m2.start < m1.start + m1.len {
                            m1.len = m2.start - m1.start;
                        }
                        o.sequence(src, m1)?;
                        ip = o.sequence(src, m2)?;
                        continue 'main;
                    };
                    if m3.start < m1.start + m1.len + 3 {
                        if m3.start >= m1.start + m1.len {
                            if m2.start < m1.start + m1.len {
                                m2 = shift(m2, m1.start + m1.len - m2.start);
                                if m2.len < MIN_MATCH {
                                    m2 = m3;
                                }
                            }
                            o.sequence(src, m1)?;
                            m1 = m3;
                            m0 = m2;
                            break;
                        }
                        m2 = m3;
                        continue;
                    }
                    if m2.start < m1.start + m1.len {
                        if m2.start - m1.start < ML_MASK {
                            m1.len = m1.len.min(OPTIMAL_ML);
                            if m1.start + m1.len > m2.start + m2.len - MIN_MATCH {
                                m1.len = m2.start - m1.start + m2.len - MIN_MATCH;
                            }
                            let correction = m1.len - (m2.start - m1.start);
                            if correction > 0 {
                                m2 = shift(m2, correction);
                            }
                        } else {
                            m1.len = m2.start - m1.start;
                        }
                    }
                    o.sequence(src, m1)?;
                    m1 = m2;
                    m2 = m3;
                }
            }
        }
        o.last_literals(src)
    }
}

/// `c` with its first `by` bytes dropped.
fn shift(c: Cand, by: isize) -> Cand {
    Cand {
        start: c.start + by,
        from: c.from + by,
        len: c.len - by,
    }
}

/// LZ4 sequence writer with LZ4HC's limited-output checks.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
    anchor: usize,
}

impl Writer<'_> {
    fn push(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    fn extension(&mut self, mut n: usize) {
        while n > 254 {
            self.push(255);
            n -= 255;
        }
        self.push(n as u8);
    }

    /// Emits the literals since the anchor and match `m`; returns the position after it.
    fn sequence(&mut self, src: &[u8], m: Cand) -> Result<isize, CompressFailure> {
        let start = m.start as usize;
        let lit = start - self.anchor;
        let token = self.pos;
        self.pos += 1;
        if self.pos + (lit >> 8) + lit + 2 + 1 + LAST_LITERALS > OUTPUT_CAPACITY {
            return Err(CompressFailure::Invalid);
        }
        if lit >= RUN_MASK {
            self.buf[token] = (RUN_MASK << 4) as u8;
            self.extension(lit - RUN_MASK);
        } else {
            self.buf[token] = (lit << 4) as u8;
        }
        self.buf[self.pos..self.pos + lit].copy_from_slice(&src[self.anchor..start]);
        self.pos += lit;
        let offset = (m.start - m.from) as u16;
        self.buf[self.pos..self.pos + 2].copy_from_slice(&offset.to_le_bytes());
        self.pos += 2;
        let len = m.len - MIN_MATCH;
        if self.pos as isize + (len >> 8) + 1 + LAST_LITERALS as isize > OUTPUT_CAPACITY as isize {
            return Err(CompressFailure::Invalid);
        }
        if len >= ML_MASK {
            self.buf[token] += ML_MASK as u8;
            self.extension((len - ML_MASK) as usize);
        } else {
            self.buf[token] = self.buf[token].wrapping_add(len as u8);
        }
        self.anchor = start + m.len as usize;
        Ok(self.anchor as isize)
    }

    fn last_literals(&mut self, src: &[u8]) -> Result<usize, CompressFailure> {
        let n = src.len() - self.anchor;
        if self.pos + n + 1 + (n + 255 - RUN_MASK) / 255 > OUTPUT_CAPACITY {
            return Err(CompressFailure::Invalid);
        }
        if n >= RUN_MASK {
            self.push((RUN_MASK << 4) as u8);
            self.extension(n - RUN_MASK);
        } else {
            self.push((n << 4) as u8);
        }
        self.buf[self.pos..self.pos + n].copy_from_slice(&src[self.anchor..]);
        self.pos += n;
        Ok(self.pos)
    }
}
