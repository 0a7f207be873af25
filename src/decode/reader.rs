//! The byte cursor under every decoder: fixed-width values, LEB128 with the
//! spec's overflow rules, names and length prefixes. It knows no sections.

use crate::error::Error;

/// End-of-input message inside sections and function bodies. The spec tests
/// also accept it where they expect the plain "unexpected end" (they compare
/// message prefixes).
pub(crate) const EOF_IN_SECTION: &str = "unexpected end of section or function";
/// End-of-input message outside sections (header, section ids and sizes).
pub(crate) const EOF_TOP: &str = "unexpected end";

/// A cursor over a byte slice that knows the absolute offset of its first
/// byte, so every error carries its position in the module binary.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
    eof_msg: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`, where `bytes[0]` sits at `base` in the binary.
    pub fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader { bytes, pos: 0, base, eof_msg: EOF_IN_SECTION }
    }

    /// Sets the message reported when the input runs out.
    pub(crate) fn set_eof_message(&mut self, msg: &'static str) {
        self.eof_msg = msg;
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn is_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// A malformed-module error at the current position.
    pub fn error(&self, msg: impl Into<String>) -> Error {
        Error::malformed(self.offset(), msg)
    }

    fn eof(&self) -> Error {
        Error::malformed(self.offset(), self.eof_msg)
    }

    pub fn peek_u8(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub fn u8(&mut self) -> Result<u8, Error> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.eof()),
        }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(self.eof());
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), Error> {
        self.bytes(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    /// Raw bits of an `f32` (little-endian).
    pub fn f32_bits(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Raw bits of an `f64` (little-endian).
    pub fn f64_bits(&mut self) -> Result<u64, Error> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian 128-bit value (`v128.const`).
    pub fn u128_le(&mut self) -> Result<u128, Error> {
        Ok(u128::from_le_bytes(self.array()?))
    }

    pub fn array16(&mut self) -> Result<[u8; 16], Error> {
        self.array()
    }

    /// Unsigned LEB128 of at most `bits` bits. At most ceil(bits/7) bytes;
    /// the unused bits of the last byte must be zero.
    pub fn uleb_bits(&mut self, bits: u32) -> Result<u64, Error> {
        self.uleb(bits.min(64) as i32)
    }

    /// Most LEBs in code are one byte: that case inline, the rest out of line.
    #[inline(always)]
    fn uleb(&mut self, bits: i32) -> Result<u64, Error> {
        match self.bytes.get(self.pos) {
            Some(&b) if b < 0x80 && bits >= 7 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            _ => self.uleb_long(bits),
        }
    }

    #[inline(never)]
    fn uleb_long(&mut self, bits: i32) -> Result<u64, Error> {
        let mut result = 0u64;
        let mut shift = 0u32;
        let mut n = bits;
        loop {
            if n <= 0 {
                return Err(self.error("integer representation too long"));
            }
            let Some(&b) = self.bytes.get(self.pos) else { return Err(self.eof()) };
            self.pos += 1;
            if n < 7 && u32::from(b & 0x7f) >= (1u32 << n) {
                return Err(Error::malformed(self.base + self.pos - 1, "integer too large"));
            }
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(result);
            }
            shift += 7;
            n -= 7;
        }
    }

    /// Signed LEB128 of at most `bits` bits; the unused bits of the last
    /// byte must repeat the sign bit.
    #[inline(always)]
    fn sleb(&mut self, bits: i32) -> Result<i64, Error> {
        match self.bytes.get(self.pos) {
            Some(&b) if b < 0x80 && bits >= 7 => {
                self.pos += 1;
                // Sign-extend from bit 6.
                Ok(i64::from((b << 1) as i8 >> 1))
            }
            _ => match self.sleb_word(bits) {
                Some(v) => Ok(v),
                None => self.sleb_long(bits),
            },
        }
    }

    #[inline(never)]
    fn sleb_long(&mut self, bits: i32) -> Result<i64, Error> {
        let mut result = 0i64;
        let mut shift = 0u32;
        let mut n = bits;
        loop {
            if n <= 0 {
                return Err(self.error("integer representation too long"));
            }
            let Some(&b) = self.bytes.get(self.pos) else { return Err(self.eof()) };
            self.pos += 1;
            if n < 7 {
                let mask = ((-1i32 << (n - 1)) & 0x7f) as u8;
                let v = b & mask;
                if v != 0 && v != mask {
                    return Err(Error::malformed(self.base + self.pos - 1, "integer too large"));
                }
            }
            result |= i64::from(b & 0x7f) << shift;
            shift += 7;
            n -= 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    result |= -1i64 << shift;
                }
                return Ok(result);
            }
        }
    }

    /// A well-formed LEB of at most 8 bytes, with 8 bytes to read: all
    /// groups at once instead of a byte at a time. `None` when that does
    /// not apply or the LEB is malformed (`sleb_long`'s byte loop then
    /// decodes or reports it).
    #[inline(always)]
    fn sleb_word(&mut self, bits: i32) -> Option<i64> {
        let chunk = self.bytes.get(self.pos..self.pos + 8)?;
        let w = u64::from_le_bytes(chunk.try_into().ok()?);
        let ends = !w & 0x8080_8080_8080_8080;
        if ends == 0 {
            return None;
        }
        let len = ends.trailing_zeros() as i32 / 8 + 1;
        let last = (w >> (8 * (len - 1))) as u8;
        // The last byte may only carry `n` more bits, the rest repeating
        // the sign (as in the byte loop).
        let n = bits - 7 * (len - 1);
        if n <= 0 {
            return None;
        }
        if n < 7 {
            let mask = ((-1i32 << (n - 1)) & 0x7f) as u8;
            if last & mask != 0 && last & mask != mask {
                return None;
            }
        }
        let mut x = w & (u64::MAX >> (64 - 8 * len)) & 0x7f7f_7f7f_7f7f_7f7f;
        // Squeeze out the continuation bits: 7-bit groups → 14 → 28 → 56.
        x = (x & 0x007f_007f_007f_007f) | ((x >> 1) & 0x3f80_3f80_3f80_3f80);
        x = (x & 0x0000_3fff_0000_3fff) | ((x >> 2) & 0x0fff_c000_0fff_c000);
        x = (x & 0x0000_0000_0fff_ffff) | ((x >> 4) & 0x00ff_ffff_f000_0000);
        let shift = 7 * len as u32;
        let mut v = x as i64;
        if last & 0x40 != 0 {
            v |= -1i64 << shift;
        }
        self.pos += len as usize;
        Some(v)
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32, Error> {
        Ok(self.uleb(32)? as u32)
    }

    pub fn u64(&mut self) -> Result<u64, Error> {
        self.uleb(64)
    }

    #[inline]
    pub fn s32(&mut self) -> Result<i32, Error> {
        Ok(self.sleb(32)? as i32)
    }

    /// Signed 33-bit (block types).
    pub fn s33(&mut self) -> Result<i64, Error> {
        self.sleb(33)
    }

    pub fn s64(&mut self) -> Result<i64, Error> {
        self.sleb(64)
    }

    /// A vector count. Not checked against the bytes left (the spec suite
    /// wants the element reads to run out instead), so callers must reserve
    /// at most `capacity(n)` up front.
    pub fn count(&mut self) -> Result<u32, Error> {
        self.u32()
    }

    /// A one-byte type code. The binary format reads these as signed 7-bit
    /// LEB128, so a byte with the continuation bit is an overlong encoding.
    pub fn type_byte(&mut self) -> Result<u8, Error> {
        let b = self.u8()?;
        if b & 0x80 != 0 {
            return Err(self.error("integer representation too long"));
        }
        Ok(b)
    }

    /// A length prefix (, name or byte-vector length). It cannot
    /// exceed the bytes left, since every element takes at least one byte:
    /// so no caller ever reserves memory the input cannot back.
    ///
    /// As in the reference interpreter, the bound is the bytes left counted
    /// from the start of the prefix itself, so a length that overshoots by
    /// at most the prefix's own size fails later, at the read, with
    /// "unexpected end" (the spec suite depends on the difference).
    pub fn byte_len(&mut self) -> Result<u32, Error> {
        let at = self.offset();
        let left = self.remaining();
        let n = self.u32()?;
        if n as usize > left {
            return Err(Error::malformed(at, "length out of bounds"));
        }
        Ok(n)
    }

    /// A byte vector: length, then the bytes.
    pub fn byte_vec(&mut self) -> Result<&'a [u8], Error> {
        let n = self.byte_len()?;
        self.bytes(n as usize)
    }

    /// A name: a byte vector holding valid UTF-8.
    pub fn name(&mut self) -> Result<String, Error> {
        let at = self.offset();
        let b = self.byte_vec()?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(Error::malformed(at, "malformed UTF-8 encoding")),
        }
    }
}

/// A vector's initial capacity: the declared count, but never more than a
/// modest amount up front (the elements still have to be read).
pub(crate) fn capacity(n: u32) -> usize {
    (n as usize).min(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(b: &[u8]) -> Reader<'_> {
        Reader::new(b, 0)
    }

    fn msg<T: std::fmt::Debug>(x: Result<T, Error>) -> String {
        x.unwrap_err().message()
    }

    #[test]
    fn u32_edges() {
        assert_eq!(r(&[0]).u32().unwrap(), 0);
        assert_eq!(r(&[0x7f]).u32().unwrap(), 127);
        assert_eq!(r(&[0x80, 0x01]).u32().unwrap(), 128);
        assert_eq!(r(&[0xff, 0xff, 0xff, 0xff, 0x0f]).u32().unwrap(), u32::MAX);
        // Padded zero in five bytes is fine.
        assert_eq!(r(&[0x80, 0x80, 0x80, 0x80, 0x00]).u32().unwrap(), 0);
        assert_eq!(msg(r(&[0x80, 0x80, 0x80, 0x80, 0x10]).u32()), "integer too large");
        assert_eq!(msg(r(&[0xff, 0xff, 0xff, 0xff, 0x1f]).u32()), "integer too large");
        assert_eq!(msg(r(&[0x82, 0x80, 0x80, 0x80, 0x80, 0x00]).u32()), "integer representation too long");
        assert_eq!(msg(r(&[0x80, 0x80]).u32()), EOF_IN_SECTION);
        assert_eq!(msg(r(&[]).u32()), EOF_IN_SECTION);
    }

    /// The word-at-a-time path (8 bytes readable) agrees with the byte
    /// loop (fewer) on values, errors and bytes consumed.
    #[test]
    fn signed_lebs_decode_the_same_with_and_without_lookahead() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let len = 1 + (next() % 10) as usize;
            let mut leb: Vec<u8> = (0..len).map(|_| next() as u8 | 0x80).collect();
            leb[len - 1] &= 0x7f;
            // Bias the last byte towards the edge cases: all sign bits.
            if next() % 2 == 0 {
                leb[len - 1] = if next() % 2 == 0 { 0x7f } else { 0x00 } ^ (next() as u8 & 0x0f);
            }
            let padded: Vec<u8> = leb.iter().copied().chain([0xff; 8]).collect();
            for bits in [32, 33, 64] {
                let mut a = Reader::new(&leb, 0);
                let mut b = Reader::new(&padded, 0);
                let (x, y) = (a.sleb(bits), b.sleb(bits));
                match (x, y) {
                    (Ok(x), Ok(y)) => assert_eq!((x, a.pos), (y, b.pos), "{leb:02x?} as s{bits}"),
                    (Err(x), Err(y)) => assert_eq!(x.message(), y.message(), "{leb:02x?} as s{bits}"),
                    (x, y) => panic!("{leb:02x?} as s{bits}: {x:?} without lookahead, {y:?} with"),
                }
            }
        }
    }

    #[test]
    fn s32_edges() {
        assert_eq!(r(&[0x7f]).s32().unwrap(), -1);
        assert_eq!(r(&[0x3f]).s32().unwrap(), 63);
        assert_eq!(r(&[0x40]).s32().unwrap(), -64);
        assert_eq!(r(&[0xff, 0xff, 0xff, 0xff, 0x07]).s32().unwrap(), i32::MAX);
        assert_eq!(r(&[0x80, 0x80, 0x80, 0x80, 0x78]).s32().unwrap(), i32::MIN);
        assert_eq!(r(&[0xff, 0xff, 0xff, 0xff, 0x7f]).s32().unwrap(), -1);
        assert_eq!(msg(r(&[0xff, 0xff, 0xff, 0xff, 0x0f]).s32()), "integer too large");
        assert_eq!(msg(r(&[0x80, 0x80, 0x80, 0x80, 0x70]).s32()), "integer too large");
        assert_eq!(msg(r(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).s32()), "integer representation too long");
    }

    #[test]
    fn s33_and_64_edges() {
        assert_eq!(r(&[0xff, 0xff, 0xff, 0xff, 0x0f]).s33().unwrap(), u32::MAX as i64);
        assert_eq!(r(&[0x80, 0x80, 0x80, 0x80, 0x70]).s33().unwrap(), -(1i64 << 32));
        assert_eq!(msg(r(&[0x80, 0x80, 0x80, 0x80, 0x20]).s33()), "integer too large");
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        assert_eq!(r(&max).s64().unwrap(), i64::MAX);
        let min = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f];
        assert_eq!(r(&min).s64().unwrap(), i64::MIN);
        let bad = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(msg(r(&bad).s64()), "integer too large");
        let long = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(msg(r(&long).s64()), "integer representation too long");
        let umax = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(r(&umax).u64().unwrap(), u64::MAX);
        let ubad = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(msg(r(&ubad).u64()), "integer too large");
    }

    #[test]
    fn lengths_and_names() {
        // A byte length of 4 billion with three bytes left fails at once.
        assert_eq!(msg(r(&[0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]).byte_len()), "length out of bounds");
        assert_eq!(r(&[2, b'h', b'i']).name().unwrap(), "hi");
        assert_eq!(msg(r(&[2, 0xc0, 0x80]).name()), "malformed UTF-8 encoding");
        assert_eq!(msg(r(&[3, 0xed, 0xa0, 0x80]).name()), "malformed UTF-8 encoding");
        assert_eq!(msg(r(&[3, b'a']).name()), "length out of bounds");
    }

    #[test]
    fn offsets_are_absolute() {
        let mut rd = Reader::new(&[0x80, 0x80, 0x80, 0x80, 0x10], 100);
        match rd.u32().unwrap_err() {
            Error::Malformed { offset, .. } => assert_eq!(offset, 104),
            e => panic!("{e:?}"),
        }
    }
}
