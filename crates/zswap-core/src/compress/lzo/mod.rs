//! LZO1X-1 as in the kernel's `lib/lzo`: bitstream version 0 (`lzo`) and version 1
//! (`lzo-rle`, which run-length codes zero runs and caps M4 offsets at 0xbffe).
//!
//! Match finder facts (kernel `lzo1x_compress.c`, all eras since 5.1): a 13-bit dictionary of
//! u16 positions, cleared per block of at most M4-max-offset + 1 bytes; the hash is the
//! little-endian u32 at the position times 0x1824429d, top 13 bits; the scan starts at
//! block + 4 and skips ahead `1 + distance_since_last_emit / 32` after each miss; the last 20
//! bytes of a block are never searched. 6.18 compresses with the bounds-checked `_safe`
//! variant, which fails with -EINVAL before writing past 4096 bytes; older eras compress fully
//! and then report -ENOSPC when the result is larger than the page.

mod decode;

use decode::decompress;

use super::{CompressFailure, DecodeResult, OUTPUT_CAPACITY, PAGE_SIZE};

const DICT_BITS: u32 = 13;
const DICT_SIZE: usize = 1 << DICT_BITS;
const M2_MAX_LEN: usize = 8;
const M2_MAX_OFFSET: usize = 0x0800;
const M3_MAX_LEN: usize = 33;
const M3_MAX_OFFSET: usize = 0x4000;
const M4_MAX_LEN: usize = 9;
const M3_MARKER: u8 = 32;
const M4_MARKER: u8 = 16;
const MIN_ZERO_RUN: usize = 4;
const MAX_ZERO_RUN: usize = 2047 + MIN_ZERO_RUN;
/// Bytes at the end of a block that the match finder never looks at.
const BLOCK_TAIL: usize = 20;

/// The output ran out of room (`LZO_E_OUTPUT_OVERRUN`).
struct Overrun;

/// A compressor's work memory and its configuration.
pub(super) struct Lzo {
    rle: bool,
    bounded: bool,
    dict: Box<[u16; DICT_SIZE]>,
}

/// Output cursor with the kernel's capacity checks.
struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
    cap: usize,
}

impl Out<'_> {
    /// Fails unless `n` more bytes fit (the kernel's `NEED_OP`).
    #[inline]
    fn need(&self, n: usize) -> Result<(), Overrun> {
        if self.cap - self.pos >= n {
            Ok(())
        } else {
            Err(Overrun)
        }
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    #[inline]
    fn bytes(&mut self, src: &[u8]) {
        self.buf[self.pos..self.pos + src.len()].copy_from_slice(src);
        self.pos += src.len();
    }

    /// Writes a run-length count as a zero byte per 255 and a final remainder byte.
    #[inline]
    fn long_count(&mut self, mut n: usize) -> Result<(), Overrun> {
        while n > 255 {
            self.need(1)?;
            n -= 255;
            self.byte(0);
        }
        self.need(1)?;
        self.byte(n as u8);
        Ok(())
    }

    /// Emits the literal-run header for `t` literals that follow an instruction, then the
    /// literals. `state_offset` is where the previous instruction keeps its 2-bit literal
    /// count (2 bytes back for a match, 3 for a zero run).
    fn literals(&mut self, lits: &[u8], state_offset: usize) -> Result<(), Overrun> {
        let t = lits.len();
        if t <= 3 {
            self.buf[self.pos - state_offset] |= t as u8;
            self.need(4)?;
            self.bytes(lits);
        } else if t <= 16 {
            self.need(17)?;
            self.byte((t - 3) as u8);
            self.bytes(lits);
        } else {
            if t <= 18 {
                self.need(1)?;
                self.byte((t - 3) as u8);
            } else {
                self.need(1)?;
                self.byte(0);
                self.long_count(t - 18)?;
            }
            self.need(t)?;
            self.bytes(lits);
        }
        Ok(())
    }
}

#[inline]
fn le32(b: &[u8], i: usize) -> u32 {
    // One bounds check and one unaligned load.
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(w)
}

#[inline]
fn le64(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

impl Lzo {
    pub(super) fn new(rle: bool, bounded: bool) -> Self {
        Lzo {
            rle,
            bounded,
            dict: Box::new([0; DICT_SIZE]),
        }
    }

    /// Compresses a page into `out` (at least `SCRATCH_SIZE` long) and applies the era's
    /// capacity rule.
    pub(super) fn compress(
        &mut self,
        page: &[u8; PAGE_SIZE],
        out: &mut [u8],
    ) -> Result<usize, CompressFailure> {
        let cap = if self.bounded {
            OUTPUT_CAPACITY
        } else {
            out.len()
        };
        let mut o = Out {
            buf: out,
            pos: 0,
            cap,
        };
        match self.compress_into(page, &mut o) {
            Ok(()) if o.pos <= OUTPUT_CAPACITY => Ok(o.pos),
            Ok(()) => Err(CompressFailure::NoSpace),
            Err(Overrun) if self.bounded => Err(CompressFailure::Invalid),
            Err(Overrun) => Err(CompressFailure::NoSpace),
        }
    }

    /// The whole-buffer driver: version header, blocks, trailing literals, end marker.
    fn compress_into(&mut self, src: &[u8], o: &mut Out<'_>) -> Result<(), Overrun> {
        let m4_max_offset = if self.rle {
            o.need(2)?;
            o.bytes(&[17, 1]);
            0xbffe
        } else {
            0xbfff
        };
        let data_start = o.pos;
        let mut state_offset = 2;
        let mut pending = 0;
        let mut pos = 0;
        let mut left = src.len();
        while left > BLOCK_TAIL {
            let len = left.min(m4_max_offset + 1);
            self.dict.fill(0);
            pending = self.block(src, pos, len, pending, o, &mut state_offset)?;
            pos += len;
            left -= len;
        }
        pending += left;
        if pending > 0 {
            let lits = &src[src.len() - pending..];
            if o.pos == data_start && pending <= 238 {
                o.need(1)?;
                o.byte(17 + pending as u8);
                o.need(pending)?;
                o.bytes(lits);
            } else if pending <= 3 {
                o.buf[o.pos - state_offset] |= pending as u8;
                o.need(pending)?;
                o.bytes(lits);
            } else {
                if pending <= 18 {
                    o.need(1)?;
                    o.byte((pending - 3) as u8);
                } else {
                    o.need(1)?;
                    o.byte(0);
                    o.long_count(pending - 18)?;
                }
                o.need(pending)?;
                o.bytes(lits);
            }
        }
        o.need(3)?;
        o.bytes(&[M4_MARKER | 1, 0, 0]);
        Ok(())
    }

    /// Compresses `src[base..base + len]`, whose first `carried` bytes are preceded by
    /// `carried` not-yet-emitted literals of the previous block. Returns how many bytes at the
    /// block's end are still unemitted.
    fn block(
        &mut self,
        src: &[u8],
        base: usize,
        len: usize,
        carried: usize,
        o: &mut Out<'_>,
        state_offset: &mut usize,
    ) -> Result<usize, Overrun> {
        let end = base + len;
        let scan_end = end - BLOCK_TAIL;
        let mut ti = carried;
        let mut ii = base;
        let mut ip = base + 4usize.saturating_sub(ti);
        let mut step = true;
        loop {
            if step {
                ip += 1 + ((ip - ii) >> 5);
            }
            step = true;
            if ip >= scan_end {
                break;
            }
            let dv = le32(src, ip);
            let mut zero_run = 0;
            let mut m_pos = 0;
            if dv == 0 && self.rle {
                let limit = scan_end.min(ip + MAX_ZERO_RUN + 1);
                let mut ir = ip + 4;
                while ir < limit && src[ir] == 0 {
                    ir += 1;
                }
                zero_run = (ir - ip).min(MAX_ZERO_RUN);
            } else {
                let h = (dv.wrapping_mul(0x1824_429d) >> (32 - DICT_BITS)) as usize;
                m_pos = base + usize::from(self.dict[h]);
                self.dict[h] = (ip - base) as u16;
                if dv != le32(src, m_pos) {
                    continue;
                }
            }
            // Emit the literals since the last instruction (plus any carried ones).
            ii -= ti;
            ti = 0;
            if ip > ii {
                o.literals(&src[ii..ip], *state_offset)?;
            }
            if zero_run > 0 {
                ip += zero_run;
                let r = (zero_run - MIN_ZERO_RUN) as u32;
                o.need(4)?;
                o.bytes(&((r << 21) | 0x00ff_fc18 | (r & 7)).to_le_bytes());
                *state_offset = 3;
            } else {
                let mut m_len = 4;
                let mut diff = le64(src, ip + m_len) ^ le64(src, m_pos + m_len);
                let mut capped = false;
                while diff == 0 {
                    m_len += 8;
                    diff = le64(src, ip + m_len) ^ le64(src, m_pos + m_len);
                    if ip + m_len >= scan_end {
                        capped = true;
                        break;
                    }
                }
                if !capped {
                    m_len += diff.trailing_zeros() as usize / 8;
                }
                let m_off = ip - m_pos;
                ip += m_len;
                ip -= self.emit_match(o, m_off, m_len)?;
                *state_offset = 2;
            }
            ii = ip;
            step = false;
        }
        Ok(end - (ii - ti))
    }

    /// Emits a match; returns how many bytes of it were given back (the lzo-rle ambiguity
    /// rule shortens some long M4 matches to 260).
    fn emit_match(
        &self,
        o: &mut Out<'_>,
        m_off: usize,
        mut m_len: usize,
    ) -> Result<usize, Overrun> {
        let mut given_back = 0;
        if m_len <= M2_MAX_LEN && m_off <= M2_MAX_OFFSET {
            let d = m_off - 1;
            o.need(2)?;
            o.byte((((m_len - 1) << 5) | ((d & 7) << 2)) as u8);
            o.byte((d >> 3) as u8);
            return Ok(0);
        }
        let d = if m_off <= M3_MAX_OFFSET {
            let d = m_off - 1;
            o.need(1)?;
            if m_len <= M3_MAX_LEN {
                o.byte(M3_MARKER | (m_len - 2) as u8);
            } else {
                o.byte(M3_MARKER);
                o.long_count(m_len - M3_MAX_LEN)?;
            }
            d
        } else {
            let d = m_off - 0x4000;
            let high = ((d >> 11) & 8) as u8;
            o.need(1)?;
            if m_len <= M4_MAX_LEN {
                o.byte(M4_MARKER | high | (m_len - 2) as u8);
            } else {
                if self.rle && (d & 0x403f) == 0x403f && (261..=264).contains(&m_len) {
                    given_back = m_len - 260;
                    m_len = 260;
                }
                o.byte(M4_MARKER | high);
                o.long_count(m_len - M4_MAX_LEN)?;
            }
            d
        };
        o.need(2)?;
        o.byte((d << 2) as u8);
        o.byte((d >> 6) as u8);
        Ok(given_back)
    }

    /// Decodes LZO1X data of either bitstream version into `out`; returns the bytes produced.
    pub(super) fn decompress(&mut self, src: &[u8], out: &mut [u8]) -> DecodeResult {
        decompress(src, out)
    }
}
