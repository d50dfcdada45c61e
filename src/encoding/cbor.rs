//! A bounded, zero-copy CBOR reader (RFC 8949) for the WebAuthn subset.
//!
//! It decodes one data item at a time from a borrowed slice. Byte and text strings are returned
//! as sub-slices (no copy); arrays and maps are returned as lazy [`Seq`] views over their exact
//! encoding, so nothing is allocated however large a declared length is. Limits:
//!
//! * nesting deeper than [`MAX_DEPTH`] is refused;
//! * a declared length larger than the bytes left is refused before anything else happens;
//! * indefinite-length items and reserved additional-information values are refused (CTAP2
//!   canonical CBOR never uses them);
//! * text strings must be valid UTF-8.
//!
//! Key order and minimal-length integer encodings are not enforced: real attestation objects
//! are not always canonical.

use crate::error::{Error, Input, Result};

/// The deepest nesting of arrays, maps and tags accepted.
pub const MAX_DEPTH: usize = 16;

/// The most pairs a map whose keys must be unique may hold (COSE keys, attestation objects,
/// extension outputs hold a handful).
pub const MAX_UNIQUE_MAP_LEN: usize = 64;

/// One decoded CBOR data item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value is `-1 - n`.
    Negative(u64),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3.
    Text(&'a str),
    /// Major type 4, `len` items.
    Array(Seq<'a>),
    /// Major type 5, `len` key/value pairs.
    Map(Seq<'a>),
    /// Major type 6: the tag number and a sequence holding the one tagged item.
    Tag(u64, Seq<'a>),
    /// `false` / `true`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// Any other simple value.
    Simple(u8),
    /// A floating-point number (its value is not needed by WebAuthn, so only the encoding is kept).
    Float(&'a [u8]),
}

impl<'a> Value<'a> {
    /// The value as an `i64`, when it is an integer in range.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::Unsigned(n) => i64::try_from(n).ok(),
            Self::Negative(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// The bytes of a byte string.
    #[must_use]
    pub const fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a text string.
    #[must_use]
    pub const fn as_text(&self) -> Option<&'a str> {
        match *self {
            Self::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// The encoded items of an array or map, decoded lazily. `Debug` shows counts, not bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Seq<'a> {
    bytes: &'a [u8],
    len: usize,
    depth: usize,
    input: Input,
}

impl core::fmt::Debug for Seq<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Seq").field("len", &self.len).field("bytes", &self.bytes.len()).finish_non_exhaustive()
    }
}

impl<'a> Seq<'a> {
    /// An empty sequence.
    pub const EMPTY: Seq<'static> = Seq { bytes: &[], len: 0, depth: 0, input: Input::AttestationObject };

    /// The number of items (arrays) or pairs (maps).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no items.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Refuses a map in which any key appears twice (RFC 8949 §5.6: such a map is not valid
    /// for the protocols the crate reads), comparing decoded keys in one pass over the map.
    /// Maps checked this way hold at most [`MAX_UNIQUE_MAP_LEN`] pairs, which bounds the
    /// comparisons and lets the keys seen so far live on the stack.
    ///
    /// # Errors
    ///
    /// Malformed when a key repeats, the map is longer than the bound, or an entry does not
    /// decode.
    pub fn check_unique_keys(&self) -> Result<()> {
        self.for_each_unique_entry(|_, _| ())
    }

    /// Calls `f` with every key/value pair of a map, in order, in the same one pass that
    /// refuses a repeated key ([`Seq::check_unique_keys`]): when it returns `Ok`, `f` has seen
    /// every pair and no key twice.
    ///
    /// # Errors
    ///
    /// As [`Seq::check_unique_keys`]; `f` may have seen the pairs before the failing one.
    pub fn for_each_unique_entry(&self, f: impl FnMut(Value<'a>, Value<'a>)) -> Result<()> {
        // The keys seen so far live in an array as long as the bound; small maps (every COSE
        // key) use a short one, which is cheaper to set up.
        if self.len <= 8 {
            self.unique_entries::<8>(f)
        } else if self.len <= MAX_UNIQUE_MAP_LEN {
            self.unique_entries::<MAX_UNIQUE_MAP_LEN>(f)
        } else {
            Err(Error::malformed(self.input, "CBOR map has too many entries"))
        }
    }

    fn unique_entries<const N: usize>(&self, mut f: impl FnMut(Value<'a>, Value<'a>)) -> Result<()> {
        let mut seen = [Value::Null; N];
        for (i, entry) in self.entries().enumerate() {
            let (key, value) = entry?;
            let earlier = seen.get(..i).unwrap_or_default();
            if earlier.contains(&key) {
                return Err(Error::malformed(self.input, "duplicate CBOR map key"));
            }
            if let Some(slot) = seen.get_mut(i) {
                *slot = key;
            }
            f(key, value);
        }
        Ok(())
    }

    /// The exact encoding of the items (without the array or map header).
    #[must_use]
    pub const fn raw(&self) -> &'a [u8] {
        self.bytes
    }

    /// Iterates over the items of an array.
    #[must_use]
    pub fn items(&self) -> Items<'a> {
        Items { decoder: Decoder::with_depth(self.bytes, self.input, self.depth), left: self.len }
    }

    /// Iterates over the key/value pairs of a map.
    #[must_use]
    pub fn entries(&self) -> Entries<'a> {
        Entries { decoder: Decoder::with_depth(self.bytes, self.input, self.depth), left: self.len }
    }
}

/// Iterator over array items; yields an error once and then stops.
#[derive(Debug, Clone)]
pub struct Items<'a> {
    decoder: Decoder<'a>,
    left: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = Result<Value<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self.decoder.value();
        if item.is_err() {
            self.left = 0;
        }
        Some(item)
    }
}

/// Iterator over map entries; yields an error once and then stops.
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    decoder: Decoder<'a>,
    left: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<(Value<'a>, Value<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let entry = self.decoder.value().and_then(|k| self.decoder.value().map(|v| (k, v)));
        if entry.is_err() {
            self.left = 0;
        }
        Some(entry)
    }
}

/// Decodes CBOR items one after another from a slice. `Debug` shows what is left, not the
/// bytes.
#[derive(Clone)]
pub struct Decoder<'a> {
    rest: &'a [u8],
    input: Input,
    depth: usize,
}

impl core::fmt::Debug for Decoder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decoder").field("input", &self.input).field("left", &self.rest.len()).finish_non_exhaustive()
    }
}

impl<'a> Decoder<'a> {
    /// Starts decoding `bytes`; failures are reported as malformed `input`.
    #[must_use]
    pub const fn new(bytes: &'a [u8], input: Input) -> Self {
        Self::with_depth(bytes, input, 0)
    }

    const fn with_depth(bytes: &'a [u8], input: Input, depth: usize) -> Self {
        Self { rest: bytes, input, depth }
    }

    /// The bytes not decoded yet.
    #[must_use]
    pub const fn rest(&self) -> &'a [u8] {
        self.rest
    }

    #[cold]
    fn err(&self, context: &'static str) -> Error {
        Error::malformed(self.input, context)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8]> {
        let n = usize::try_from(n).map_err(|_| self.err("CBOR length too large"))?;
        if n > self.rest.len() {
            return Err(self.err("CBOR item truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn header(&mut self) -> Result<(u8, u8, u64)> {
        let (&initial, tail) = self.rest.split_first().ok_or_else(|| self.err("CBOR item truncated"))?;
        self.rest = tail;
        let major = initial >> 5;
        let info = initial & 0x1f;
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?.first().copied().unwrap_or_default()),
            25 => be_u64(self.take(2)?),
            26 => be_u64(self.take(4)?),
            27 => be_u64(self.take(8)?),
            31 => return Err(self.err("indefinite-length CBOR item")),
            _ => return Err(self.err("reserved CBOR additional information")),
        };
        Ok((major, info, arg))
    }

    /// Decodes the next item. Containers are validated (to find their end) but not decoded.
    ///
    /// # Errors
    ///
    /// Malformed when the item is truncated, too deep, indefinite-length or invalid UTF-8.
    pub fn value(&mut self) -> Result<Value<'a>> {
        let (major, info, arg) = self.header()?;
        Ok(match major {
            0 => Value::Unsigned(arg),
            1 => Value::Negative(arg),
            2 => Value::Bytes(self.take(arg)?),
            3 => {
                let bytes = self.take(arg)?;
                Value::Text(core::str::from_utf8(bytes).map_err(|_| self.err("CBOR text not UTF-8"))?)
            }
            4 => Value::Array(self.seq(arg, 1)?),
            5 => Value::Map(self.seq(arg, 2)?),
            6 => Value::Tag(arg, self.seq(1, 1)?),
            _ => match (info, arg) {
                (20, _) => Value::Bool(false),
                (21, _) => Value::Bool(true),
                (22, _) => Value::Null,
                (23, _) => Value::Undefined,
                (24, n) if n < 32 => return Err(self.err("non-canonical CBOR simple value")),
                (24, n) => Value::Simple(u8::try_from(n).map_err(|_| self.err("CBOR simple value"))?),
                (25..=27, _) => Value::Float(&[]),
                (_, n) => Value::Simple(u8::try_from(n).map_err(|_| self.err("CBOR simple value"))?),
            },
        })
    }

    /// Validates `count` items of `per_entry` values each and returns them as a lazy view.
    fn seq(&mut self, count: u64, per_entry: u64) -> Result<Seq<'a>> {
        let depth = self.depth + 1;
        if depth > MAX_DEPTH {
            return Err(self.err("CBOR nested too deeply"));
        }
        // Every item takes at least one byte: a count beyond what is left fails before looping.
        let items = count
            .checked_mul(per_entry)
            .filter(|&n| n <= self.rest.len() as u64)
            .ok_or_else(|| self.err("CBOR container longer than its input"))?;
        let start = self.rest;
        let mut inner = Decoder::with_depth(start, self.input, depth);
        for _ in 0..items {
            inner.value()?;
        }
        let used = start.len() - inner.rest.len();
        let bytes = self.take(used as u64)?;
        Ok(Seq {
            bytes,
            len: usize::try_from(count).map_err(|_| self.err("CBOR length too large"))?,
            depth,
            input: self.input,
        })
    }

    /// Decodes exactly one item and requires that nothing follows it.
    ///
    /// # Errors
    ///
    /// As [`Decoder::value`], plus malformed ("trailing bytes") when input remains.
    pub fn single(bytes: &'a [u8], input: Input) -> Result<Value<'a>> {
        let mut decoder = Self::new(bytes, input);
        let value = decoder.value()?;
        if decoder.rest.is_empty() {
            Ok(value)
        } else {
            Err(Error::malformed(input, "trailing bytes"))
        }
    }

    /// Reads `bytes` as exactly one map and calls `f` with each key/value pair, refusing a
    /// repeated key: [`Decoder::single`] then [`Seq::for_each_unique_entry`], with the same
    /// verdict and error, but for a map of up to 8 pairs (every COSE key) in one pass over the
    /// entries instead of two. Returns whether the item is a map; `f` is called only for one.
    ///
    /// # Errors
    ///
    /// As [`Decoder::single`] and [`Seq::for_each_unique_entry`]; `f` may have seen the pairs
    /// before the failing one.
    pub fn single_map(bytes: &'a [u8], input: Input, f: impl FnMut(Value<'a>, Value<'a>)) -> Result<bool> {
        let mut decoder = Self::new(bytes, input);
        let (value, keys) = decoder.value_with_entries(f)?;
        if !decoder.rest.is_empty() {
            return Err(Error::malformed(input, "trailing bytes"));
        }
        keys?;
        Ok(matches!(value, Value::Map(_)))
    }

    /// Decodes the next item as [`Decoder::value`] does and, when it is a map, also gives the
    /// verdict of [`Seq::check_unique_keys`] on it: for a map of up to 8 pairs from the same
    /// pass over the entries, instead of a second one.
    ///
    /// # Errors
    ///
    /// As [`Decoder::value`]; the inner result is that of [`Seq::check_unique_keys`] (`Ok`
    /// for an item that is not a map). After an error the decoder may stand elsewhere than
    /// [`Decoder::value`]'s would; it is not meant to be read further.
    pub fn value_checking_keys(&mut self) -> Result<(Value<'a>, Result<()>)> {
        self.value_with_entries(|_, _| ())
    }

    /// The next item, and for a map the verdict of [`Seq::for_each_unique_entry`] with `f`.
    fn value_with_entries(&mut self, f: impl FnMut(Value<'a>, Value<'a>)) -> Result<(Value<'a>, Result<()>)> {
        let mut after_header = self.clone();
        let (major, _, count) = after_header.header()?;
        // The checks `seq` makes before its loop hold, or `value` reports them.
        let short = usize::try_from(count).ok().filter(|&n| n <= 8 && n * 2 <= after_header.rest.len());
        if let (5, Some(len), true) = (major, short, self.depth < MAX_DEPTH) {
            *self = after_header;
            return self.short_map(len, f);
        }
        let value = self.value()?;
        let keys = match value {
            Value::Map(map) => map.for_each_unique_entry(f),
            _ => Ok(()),
        };
        Ok((value, keys))
    }

    /// The entries of a map of `len <= 8` pairs whose header was read, validated as `seq` does
    /// while noting a repeated key; `f` sees each pair until one repeats.
    fn short_map(&mut self, len: usize, mut f: impl FnMut(Value<'a>, Value<'a>)) -> Result<(Value<'a>, Result<()>)> {
        let depth = self.depth + 1;
        let start = self.rest;
        let mut entries = Self::with_depth(start, self.input, depth);
        let mut seen = [Value::Null; 8];
        let mut repeated = false;
        for i in 0..len {
            let key = entries.value()?;
            let value = entries.value()?;
            // A repeated key is reported after the whole item validated, as the two passes do.
            repeated |= seen.get(..i).unwrap_or_default().contains(&key);
            if let Some(slot) = seen.get_mut(i) {
                *slot = key;
            }
            if !repeated {
                f(key, value);
            }
        }
        let used = start.len() - entries.rest.len();
        let bytes = self.take(used as u64)?;
        let keys = if repeated { Err(self.err("duplicate CBOR map key")) } else { Ok(()) };
        Ok((Value::Map(Seq { bytes, len, depth, input: self.input }), keys))
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Reading<'a> = (core::result::Result<bool, &'static str>, Vec<(Value<'a>, Value<'a>)>);

    /// What `single_map` makes of `bytes`, and what the two passes it stands for make of them.
    fn both_readings(bytes: &[u8]) -> (Reading<'_>, Reading<'_>) {
        let mut seen = Vec::new();
        let one = Decoder::single_map(bytes, Input::CoseKey, |k, v| seen.push((k, v))).map_err(|e| e.context());
        let mut before = Vec::new();
        let two = Decoder::single(bytes, Input::CoseKey)
            .and_then(|value| match value {
                Value::Map(map) => map.for_each_unique_entry(|k, v| before.push((k, v))).map(|()| true),
                _ => Ok(false),
            })
            .map_err(|e| e.context());
        ((one, seen), (two, before))
    }

    #[test]
    fn single_map_reads_as_the_two_passes_do() {
        let cases: &[&[u8]] = &[
            &[0xa2, 0x01, 0x02, 0x03, 0x26],             // {1: 2, 3: -7}
            &[0xa2, 0x01, 0x02, 0x18, 0x01, 0x03],       // {1: 2, 1: 3}, the second key non-minimal
            &[0xa3, 0x01, 0x02, 0x01, 0x03, 0x04, 0x5f], // a repeat, then an indefinite item
            &[0xa2, 0x01, 0x02, 0x01, 0x03, 0x00],       // a repeat, then a trailing byte
            &[0xa1, 0x01, 0x82, 0x01, 0xa1, 0x02, 0x03], // a nested array and map
            &[0xa1, 0x01, 0x02, 0x00],                   // trailing byte
            &[0xa3, 0x01, 0x02],                         // longer than its input
            &[0xa1, 0x01],                               // truncated
            &[0x82, 0x01, 0x02],                         // not a map
            &[0x82, 0x01],                               // a truncated non-map
            &[0xa0],                                     // empty map
            &[0xbf, 0x01, 0x02, 0xff],                   // indefinite-length map
            &[],
        ];
        for bytes in cases {
            let (one, two) = both_readings(bytes);
            // The same verdict; the same pairs when it passes (a failing read may have shown
            // the pairs before the failure, which the caller then discards).
            assert_eq!(one.0, two.0, "{bytes:02x?}");
            if one.0.is_ok() {
                assert_eq!(one.1, two.1, "{bytes:02x?}");
            }
        }
        // Nine pairs, past the one-pass bound, and a repeat among them.
        let mut long = vec![0xa9];
        for key in [1u8, 2, 3, 4, 5, 6, 7, 8, 1] {
            long.extend_from_slice(&[key, 0x00]);
        }
        let (one, two) = both_readings(&long);
        assert_eq!((one.0, two.0), (Err("duplicate CBOR map key"), Err("duplicate CBOR map key")));
    }

    #[test]
    fn value_checking_keys_reads_as_value_then_check_unique_keys() {
        let cases: &[&[u8]] = &[
            &[0xa2, 0x01, 0x02, 0x03, 0x26, 0x00],       // a map, then more input
            &[0xa2, 0x01, 0x02, 0x01, 0x03, 0x00],       // a repeat, then more input
            &[0xa3, 0x01, 0x02, 0x01, 0x03, 0x04, 0x5f], // a repeat, then an indefinite item
            &[0xa3, 0x01, 0x02],                         // longer than its input
            &[0x82, 0x01, 0x02],                         // not a map
            &[0xa0],
            &[0xfa], // a truncated header
            &[],
        ];
        let mut long = vec![0xa9];
        for key in [1u8, 2, 3, 4, 5, 6, 7, 8, 1] {
            long.extend_from_slice(&[key, 0x00]);
        }
        // Sixteen nested one-pair maps: the deepest is one level too deep.
        let deep: Vec<u8> = [0xa1, 0x01].repeat(MAX_DEPTH + 1).into_iter().chain([0x00]).collect();
        for bytes in cases.iter().copied().chain([long.as_slice(), &deep]) {
            let mut one = Decoder::new(bytes, Input::CoseKey);
            let one_pass = one.value_checking_keys().map(|(v, keys)| (v, keys.map_err(|e| e.context())));
            let mut two = Decoder::new(bytes, Input::CoseKey);
            let two_passes = two.value().map(|v| match v {
                Value::Map(map) => (v, map.check_unique_keys().map_err(|e| e.context())),
                _ => (v, Ok(())),
            });
            let read = one_pass.is_ok();
            let context = |r: Result<_>| r.map_err(|e| e.context());
            assert_eq!(context(one_pass), context(two_passes), "{bytes:02x?}");
            if read {
                assert_eq!(one.rest(), two.rest(), "{bytes:02x?}");
            }
        }
    }

    fn one(bytes: &[u8]) -> Result<Value<'_>> {
        Decoder::single(bytes, Input::AttestationObject)
    }

    #[test]
    fn decodes_scalars() {
        assert_eq!(one(&[0x17]).unwrap().as_i64(), Some(23));
        assert_eq!(one(&[0x18, 0x18]).unwrap().as_i64(), Some(24));
        assert_eq!(one(&[0x26]).unwrap().as_i64(), Some(-7));
        assert_eq!(one(&[0x39, 0x01, 0x00]).unwrap().as_i64(), Some(-257));
        assert_eq!(one(&[0x43, 1, 2, 3]).unwrap().as_bytes(), Some(&[1u8, 2, 3][..]));
        assert_eq!(one(&[0x63, b'f', b'm', b't']).unwrap().as_text(), Some("fmt"));
        assert_eq!(one(&[0xf5]).unwrap(), Value::Bool(true));
        assert_eq!(one(&[0xf6]).unwrap(), Value::Null);
    }

    #[test]
    fn decodes_nested_maps_lazily() {
        // {1: 2, "a": [3, h'04']}
        let bytes = [0xa2, 0x01, 0x02, 0x61, b'a', 0x82, 0x03, 0x41, 0x04];
        let Value::Map(map) = one(&bytes).unwrap() else { panic!("not a map") };
        let entries: Vec<_> = map.entries().collect::<Result<_>>().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0], (Value::Unsigned(1), Value::Unsigned(2)));
        let Value::Array(arr) = entries[1].1 else { panic!("not an array") };
        let items: Vec<_> = arr.items().collect::<Result<_>>().unwrap();
        assert_eq!(items, vec![Value::Unsigned(3), Value::Bytes(&[4])]);
    }

    #[test]
    fn huge_declared_lengths_fail_fast() {
        // A byte string claiming 4 GiB, an array claiming 2^64-1 items, a map likewise.
        for bytes in [
            &[0x5a, 0xff, 0xff, 0xff, 0xff, 0x00][..],
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
            &[0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0][..],
        ] {
            assert_eq!(one(bytes).unwrap_err().kind(), crate::ErrorKind::Malformed(Input::AttestationObject));
        }
    }

    #[test]
    fn refuses_deep_nesting_indefinite_and_trailing() {
        let deep = [0x81u8; 40];
        assert_eq!(one(&deep).unwrap_err().context(), "CBOR nested too deeply");
        assert_eq!(one(&[0x5f, 0x41, 0x00, 0xff]).unwrap_err().context(), "indefinite-length CBOR item");
        assert_eq!(one(&[0x1c]).unwrap_err().context(), "reserved CBOR additional information");
        assert_eq!(one(&[0x01, 0x02]).unwrap_err().context(), "trailing bytes");
        assert_eq!(one(&[0x62, 0xff, 0xfe]).unwrap_err().context(), "CBOR text not UTF-8");
        assert_eq!(one(&[0x42, 0x00]).unwrap_err().context(), "CBOR item truncated");
    }
}
