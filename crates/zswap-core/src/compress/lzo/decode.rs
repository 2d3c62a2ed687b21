//! The LZO1X decoder for both bitstream versions (`lzo1x_decompress_safe` semantics): every
//! read and write is bounds-checked, so damaged input is an error, never a panic.
//!
//! Instruction set (LZO1X, kernel `Documentation/staging/lzo.rst`): after a match or a
//! literal run the low two bits of the instruction give 0-3 trailing literals; codes 0-15
//! mean a literal run when nothing trails, else a short match (2 bytes within 1 KiB, or
//! 3 bytes 2-3 KiB back right after a literal run); 16-31 far matches (M4, end marker, and in
//! version 1 zero runs), 32-63 matches within 16 KiB (M3), 64-255 short near matches (M2).

use super::{M2_MAX_OFFSET, MIN_ZERO_RUN};
use crate::compress::{DecodeResult, copy_match};

/// Input reader for the decoder, failing on truncation.
struct In<'a> {
    src: &'a [u8],
    pos: usize,
}

impl In<'_> {
    fn byte(&mut self) -> Result<usize, (usize, &'static str)> {
        let b = *self
            .src
            .get(self.pos)
            .ok_or((self.pos, "input ends inside an instruction"))?;
        self.pos += 1;
        Ok(usize::from(b))
    }

    fn le16(&mut self) -> Result<usize, (usize, &'static str)> {
        Ok(self.byte()? | (self.byte()? << 8))
    }

    /// A length continued by zero bytes (255 each) and a final non-zero byte.
    fn long_count(&mut self, base: usize) -> Result<usize, (usize, &'static str)> {
        let mut n = base;
        loop {
            let b = self.byte()?;
            if b != 0 {
                return Ok(n + b);
            }
            n += 255;
            if n > (1 << 24) {
                return Err((self.pos, "length field too long"));
            }
        }
    }

    fn take(&mut self, n: usize) -> Result<&[u8], (usize, &'static str)> {
        let s = self
            .src
            .get(self.pos..self.pos + n)
            .ok_or((self.pos, "literal run past the end of the input"))?;
        self.pos += n;
        Ok(s)
    }
}

/// Decodes LZO1X (version 0, or version 1 when the data starts with 17, 1).
pub(super) fn decompress(src: &[u8], out: &mut [u8]) -> DecodeResult {
    let overrun = |p: usize| (p, "output longer than the page");
    if src.len() < 3 {
        return Err((0, "input shorter than an end marker"));
    }
    let mut r = In { src, pos: 0 };
    let mut v1 = false;
    if src.len() >= 5 && src[0] == 17 {
        v1 = src[1] != 0;
        r.pos = 2;
    }
    let mut op = 0;
    // Literals after the previous instruction: 0 = none, 1..=3 = short, 4 = a literal run.
    let mut state;
    let first = usize::from(src[r.pos]);
    if first > 17 {
        r.pos += 1;
        let t = first - 17;
        let lits = r.take(t)?;
        out.get_mut(op..op + t)
            .ok_or(overrun(1))?
            .copy_from_slice(lits);
        op += t;
        state = if t < 4 { t } else { 4 };
    } else {
        state = 0;
    }
    loop {
        let at = r.pos;
        let t = r.byte()?;
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                let n = if t == 0 { r.long_count(15)? + 3 } else { t + 3 };
                let lits = r.take(n)?;
                out.get_mut(op..op + n)
                    .ok_or(overrun(at))?
                    .copy_from_slice(lits);
                op += n;
                state = 4;
                continue;
            }
            let h = r.byte()?;
            next = t & 3;
            if state == 4 {
                dist = 1 + M2_MAX_OFFSET + (t >> 2) + (h << 2);
                len = 3;
            } else {
                dist = 1 + (t >> 2) + (h << 2);
                len = 2;
            }
        } else if t >= 64 {
            let h = r.byte()?;
            next = t & 3;
            dist = 1 + ((t >> 2) & 7) + (h << 3);
            len = (t >> 5) + 1;
        } else if t >= 32 {
            len = if t & 31 == 0 {
                r.long_count(31)? + 2
            } else {
                (t & 31) + 2
            };
            let w = r.le16()?;
            dist = 1 + (w >> 2);
            next = w & 3;
        } else {
            let w0 = usize::from(
                *src.get(r.pos)
                    .ok_or((r.pos, "input ends inside an instruction"))?,
            ) | usize::from(
                *src.get(r.pos + 1)
                    .ok_or((r.pos, "input ends inside an instruction"))?,
            ) << 8;
            if v1 && (t & 0xf8) == 0x18 && (w0 & 0xfffc) == 0xfffc {
                r.pos += 2;
                let n = ((t & 7) | (r.byte()? << 3)) + MIN_ZERO_RUN;
                out.get_mut(op..op + n).ok_or(overrun(at))?.fill(0);
                op += n;
                next = w0 & 3;
                let lits = r.take(next)?;
                out.get_mut(op..op + next)
                    .ok_or(overrun(at))?
                    .copy_from_slice(lits);
                op += next;
                state = next;
                continue;
            }
            len = if t & 7 == 0 {
                r.long_count(7)? + 2
            } else {
                (t & 7) + 2
            };
            let w = r.le16()?;
            let far = ((t & 8) << 11) + (w >> 2);
            next = w & 3;
            if far == 0 {
                return if len != 3 {
                    Err((at, "malformed end marker"))
                } else if r.pos != src.len() {
                    Err((r.pos, "data after the end marker"))
                } else {
                    Ok(op)
                };
            }
            dist = far + 0x4000;
        }
        if dist > op {
            return Err((at, "match reaches before the start of the page"));
        }
        if op + len > out.len() {
            return Err(overrun(at));
        }
        copy_match(out, op, dist, len);
        op += len;
        let lits = r.take(next)?;
        out.get_mut(op..op + next)
            .ok_or(overrun(at))?
            .copy_from_slice(lits);
        op += next;
        state = next;
    }
}
