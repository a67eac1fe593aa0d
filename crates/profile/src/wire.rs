//! The protobuf wire format: just what profile.proto needs, by hand, as google/pprof does.
//!
//! The reader never trusts a length: every length-delimited field is checked against the bytes
//! that remain before anything is sliced or allocated.

/// Protobuf wire types used by profile.proto (groups, 3 and 4, are rejected).
pub(crate) const VARINT: u8 = 0;
pub(crate) const FIXED64: u8 = 1;
pub(crate) const LEN: u8 = 2;
pub(crate) const FIXED32: u8 = 5;

/// A decoding failure: where, and what. The caller adds the message path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireError {
    pub(crate) offset: usize,
    pub(crate) what: &'static str,
}

/// A cursor over one message's bytes; `base` is the message's offset in the whole input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

/// A field's payload, as its wire type carries it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Varint(u64),
    Fixed(u64),
    Bytes(Reader<'a>),
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Offset of the cursor in the whole input.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes not yet read.
    pub(crate) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// The bytes of the whole message this reader walks.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    fn err(&self, what: &'static str) -> WireError {
        WireError {
            offset: self.offset(),
            what,
        }
    }

    pub(crate) fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(self.err("truncated varint"));
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    fn fixed(&mut self, n: usize) -> Result<u64, WireError> {
        if self.remaining() < n {
            return Err(self.err("truncated fixed-width field"));
        }
        let mut value = 0u64;
        for (i, &b) in self.buf[self.pos..self.pos + n].iter().enumerate() {
            value |= u64::from(b) << (8 * i);
        }
        self.pos += n;
        Ok(value)
    }

    /// The next field's number and payload, or `None` at the end of the message.
    pub(crate) fn field(&mut self) -> Result<Option<(u32, Value<'a>)>, WireError> {
        if self.is_empty() {
            return Ok(None);
        }
        let start = self.pos;
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            self.pos = start;
            return Err(self.err("field number out of range"));
        }
        let value = match (key & 7) as u8 {
            VARINT => Value::Varint(self.varint()?),
            FIXED64 => Value::Fixed(self.fixed(8)?),
            FIXED32 => Value::Fixed(self.fixed(4)?),
            LEN => {
                let len = self.varint()?;
                if len > self.remaining() as u64 {
                    return Err(self.err("length prefix runs past the end of the message"));
                }
                let len = len as usize;
                let sub = Reader::new(&self.buf[self.pos..self.pos + len], self.offset());
                self.pos += len;
                Value::Bytes(sub)
            }
            _ => {
                self.pos = start;
                return Err(
                    self.err("unsupported wire type (groups are not used by profile.proto)")
                );
            }
        };
        Ok(Some((number as u32, value)))
    }
}

impl<'a> Value<'a> {
    /// An `int64`/`uint64`/`bool` scalar field.
    pub(crate) fn scalar(self, at: usize) -> Result<u64, WireError> {
        match self {
            Value::Varint(v) | Value::Fixed(v) => Ok(v),
            Value::Bytes(_) => Err(WireError {
                offset: at,
                what: "expected a scalar, found bytes",
            }),
        }
    }

    /// Appends a repeated scalar field, packed or not, to `out`.
    ///
    /// A packed run reserves exactly one slot per varint it holds (counted as the bytes without
    /// a continuation bit), so no length can make this allocate beyond what the input holds,
    /// and a run of 2- or 3-byte ids does not reserve 2 or 3 times the room it needs.
    pub(crate) fn extend_scalars<T>(
        self,
        out: &mut Vec<T>,
        conv: impl Fn(u64) -> T,
    ) -> Result<(), WireError> {
        match self {
            Value::Varint(v) | Value::Fixed(v) => out.push(conv(v)),
            Value::Bytes(mut r) => {
                out.reserve_exact(r.rest().iter().filter(|&&b| b < 0x80).count());
                while !r.is_empty() {
                    out.push(conv(r.varint()?));
                }
            }
        }
        Ok(())
    }

    /// A length-delimited field (a string or a nested message).
    pub(crate) fn message(self, at: usize) -> Result<Reader<'a>, WireError> {
        match self {
            Value::Bytes(r) => Ok(r),
            _ => Err(WireError {
                offset: at,
                what: "expected bytes, found a scalar",
            }),
        }
    }
}

/// An append-only protobuf encoder.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    fn key(&mut self, field: u32, wire: u8) {
        self.varint(u64::from(field) << 3 | u64::from(wire));
    }

    /// A scalar field, omitted when zero (proto3's default).
    pub(crate) fn uint_opt(&mut self, field: u32, v: u64) {
        if v != 0 {
            self.key(field, VARINT);
            self.varint(v);
        }
    }

    /// A signed scalar field (two's complement, as int64 is), omitted when zero.
    pub(crate) fn int_opt(&mut self, field: u32, v: i64) {
        self.uint_opt(field, v as u64);
    }

    /// A bool field, omitted when false.
    pub(crate) fn bool_opt(&mut self, field: u32, v: bool) {
        self.uint_opt(field, u64::from(v));
    }

    /// A packed repeated scalar field, omitted when empty.
    pub(crate) fn packed(&mut self, field: u32, values: impl Iterator<Item = u64> + Clone) {
        let len: usize = values.clone().map(varint_len).sum();
        if len == 0 {
            return;
        }
        self.key(field, LEN);
        self.varint(len as u64);
        for v in values {
            self.varint(v);
        }
    }

    /// A length-delimited field (always written, even when empty: the string table needs "").
    pub(crate) fn bytes(&mut self, field: u32, data: &[u8]) {
        self.key(field, LEN);
        self.varint(data.len() as u64);
        self.buf.extend_from_slice(data);
    }
}

/// The number of bytes `v` takes as a varint.
pub(crate) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_every_length() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut w = Writer::default();
            w.varint(v);
            assert_eq!(w.buf.len(), varint_len(v), "length of {v}");
            let mut r = Reader::new(&w.buf, 0);
            assert_eq!(r.varint(), Ok(v));
            assert!(r.is_empty());
        }
    }

    #[test]
    fn varint_of_eleven_bytes_is_rejected() {
        let bytes = [0xffu8; 11];
        let err = Reader::new(&bytes, 0).varint().unwrap_err();
        assert_eq!(err.what, "varint longer than 10 bytes");
    }

    #[test]
    fn huge_length_prefix_is_rejected_before_slicing() {
        // Field 2, wire type 2, length 2^40.
        let mut w = Writer::default();
        w.varint(2 << 3 | 2);
        w.varint(1 << 40);
        let err = Reader::new(&w.buf, 0).field().unwrap_err();
        assert_eq!(err.what, "length prefix runs past the end of the message");
        assert_eq!(err.offset, w.buf.len());
    }
}
