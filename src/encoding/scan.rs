//! A scanner for JSON objects in the plain form browsers write: strings without escapes,
//! known members at most once.
//!
//! It is a fast path, never a judge. Every reader built on it answers `None` for anything
//! outside that form (an escape, a duplicate member, a number where a string belongs, a
//! trailing comma, an array at the top), and the caller then parses the same bytes with
//! serde_json, whose verdict stands. So the scanner needs to be right only about what it
//! accepts, and whatever it accepts serde_json accepts with the same values: `tests/scanner.rs`,
//! the vector suite and the `fast_paths` fuzz target check exactly that.

use std::ops::Range;

use serde_json::value::RawValue;

use super::b64;

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    rest: &'a [u8],
}

/// The length of the run of string bytes at the start of `s` that need no escape: up to the
/// first `"`, `\` or control character, found eight bytes at a time. In each word's mask a
/// borrow can mark bytes *after* a special byte too, never before it, so the lowest marked
/// byte is the first special one.
fn plain_run(s: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte of `v` that is below `n` (for n <= 0x80), and maybe of later ones.
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v & HIGH;
    let mut done = 0;
    let mut words = s.chunks_exact(8);
    for word in words.by_ref() {
        let Ok(bytes) = <[u8; 8]>::try_from(word) else { break };
        let v = u64::from_le_bytes(bytes);
        let marks = below(v ^ (ONES * u64::from(b'"')), 1) | below(v ^ (ONES * u64::from(b'\\')), 1) | below(v, 0x20);
        if marks != 0 {
            return done + (marks.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    let tail = words.remainder();
    done + tail.iter().position(|&b| (b == b'"') | (b == b'\\') | (b < 0x20)).unwrap_or(tail.len())
}

impl<'a> Scanner<'a> {
    pub(crate) const fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }

    /// The next byte after whitespace, which is skipped.
    fn peek(&mut self) -> Option<u8> {
        let n = self.rest.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
        self.advance(n);
        self.rest.first().copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.advance(1))
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.peek().is_some() && self.rest.starts_with(word);
        if found {
            self.advance(word.len());
        }
        found
    }

    /// An object: `member` is called with each key (a plain string, not yet checked as UTF-8)
    /// and must read its value.
    pub(crate) fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.list(b'{', b'}', |s| {
            let key = s.string()?;
            s.eat(b':')?;
            member(s, key)
        })
    }

    /// An array: `element` is called for each element and must read it.
    pub(crate) fn array(&mut self, element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.list(b'[', b']', element)
    }

    /// `open`, items read by `item` and separated by commas, `close`. Every item read consumes
    /// input (a string at least), so the loop ends.
    fn list(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(open)?;
        if self.eat(close).is_some() {
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.advance(1),
                b if b == close => {
                    self.advance(1);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string without escapes or control characters: its bytes, not checked as UTF-8.
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let len = plain_run(self.rest);
        let (content, rest) = self.rest.split_at_checked(len)?;
        let rest = rest.strip_prefix(b"\"")?;
        self.rest = rest;
        Some(content)
    }

    /// A string of unpadded base64url, decoded onto the end of `out`: the range it fills. Any
    /// other string (padding, the standard alphabet, an escape) is declined; every byte of the
    /// one read is in the alphabet, so it has no escape and serde_json reads the same text.
    pub(crate) fn base64(&mut self, out: &mut Vec<u8>) -> Option<Range<usize>> {
        self.eat(b'"')?;
        let start = out.len();
        let taken = b64::decode_url_run(self.rest, out)?;
        self.rest = self.rest.get(taken..)?.strip_prefix(b"\"")?;
        Some(start..out.len())
    }

    /// A plain string that is UTF-8.
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        core::str::from_utf8(self.string()?).ok()
    }

    /// `true` or `false`.
    pub(crate) fn boolean(&mut self) -> Option<bool> {
        if self.literal(b"true") {
            Some(true)
        } else {
            self.literal(b"false").then_some(false)
        }
    }

    /// `null` as `None`, otherwise what `value` reads.
    pub(crate) fn nullable<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.literal(b"null") {
            Some(None)
        } else {
            value(self).map(Some)
        }
    }

    /// Any JSON value, validated and delimited by serde_json (which also bounds its nesting).
    pub(crate) fn raw_value(&mut self) -> Option<&'a RawValue> {
        self.peek()?;
        let mut values = serde_json::Deserializer::from_slice(self.rest).into_iter::<&'a RawValue>();
        let value = values.next()?.ok()?;
        let end = values.byte_offset();
        self.advance(end);
        Some(value)
    }

    /// Skips the value of a member this reader does not know, whose key must be UTF-8.
    pub(crate) fn skip(&mut self, key: &[u8]) -> Option<()> {
        core::str::from_utf8(key).ok()?;
        self.raw_value().map(drop)
    }

    /// Only whitespace is left.
    pub(crate) fn finish(mut self) -> Option<()> {
        self.peek().is_none().then_some(())
    }
}

/// Fills a member's slot once; a second occurrence declines the whole input (serde_json
/// refuses duplicate members of a struct).
pub(crate) fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(json: &[u8]) -> Option<Vec<(String, String)>> {
        let mut s = Scanner::new(json);
        let mut out = Vec::new();
        s.object(|s, key| {
            let value = s.string()?;
            out.push((String::from_utf8_lossy(key).into_owned(), String::from_utf8_lossy(value).into_owned()));
            Some(())
        })?;
        s.finish()?;
        Some(out)
    }

    #[test]
    fn reads_plain_members_with_whitespace() {
        let got = strings(b" {\"a\" : \"x\",\n\t\"bb\":\"\"}\r\n").unwrap();
        assert_eq!(got, [("a".into(), "x".into()), ("bb".into(), String::new())]);
        assert_eq!(strings(b"{}").unwrap(), []);
    }

    #[test]
    fn declines_escapes_control_characters_and_bad_structure() {
        for json in [
            &br#"{"a":"x\"y"}"#[..],
            br#"{"a":"x\u0041"}"#,
            b"{\"a\":\"x\ty\"}",
            br#"{"a\n":"x"}"#,
            br#"{"a":"x",}"#,
            br#"{"a":"x""b":"y"}"#,
            br#"{"a":"x"} {}"#,
            br#"{"a":"x"#,
            br#"{"a":1}"#,
            br#"["a"]"#,
            b"",
        ] {
            assert_eq!(strings(json), None, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn finds_the_first_special_byte_in_every_position_of_a_word() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                // A special byte after the first one must not move the answer (borrows).
                for later in [None, Some(0x01_u8), Some(b'"'), Some(0x21)] {
                    let mut s = vec![b'A'; len];
                    s.push(special);
                    s.extend(later);
                    s.extend_from_slice(b"AAAAAAAAAAAAAAAA");
                    assert_eq!(plain_run(&s), len, "{len} {special:#x} {later:?}");
                }
            }
            let quiet: Vec<u8> = (0..len).map(|i| [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff][i % 8]).collect();
            assert_eq!(plain_run(&quiet), len, "{quiet:?}");
        }
    }

    #[test]
    fn finds_the_end_of_long_strings_in_every_position() {
        for len in 0..70 {
            let value = "A".repeat(len);
            let json = format!(r#"{{"k":"{value}"}}"#);
            assert_eq!(strings(json.as_bytes()).unwrap(), [("k".into(), value.clone())]);
            let escaped = format!(r#"{{"k":"{value}\n"}}"#);
            assert_eq!(strings(escaped.as_bytes()), None, "{len}");
        }
    }

    #[test]
    fn reads_literals_and_raw_values() {
        let mut s = Scanner::new(br#"{"t":true,"f":false,"n":null,"v":{"x":[1,"2"]} ,"s":"q"}"#);
        let mut seen = Vec::new();
        s.object(|s, key| {
            match key {
                b"t" | b"f" => seen.push(format!("{:?}", s.boolean()?)),
                b"n" => seen.push(format!("{:?}", s.nullable(Scanner::boolean)?)),
                b"v" => seen.push(s.raw_value()?.get().to_owned()),
                _ => s.skip(key)?,
            }
            Some(())
        })
        .unwrap();
        assert!(s.finish().is_some());
        assert_eq!(seen, ["true", "false", "None", r#"{"x":[1,"2"]}"#]);
        assert_eq!(Scanner::new(b"trueish").boolean(), Some(true), "the caller checks what follows");
        assert_eq!(Scanner::new(b"{\"x\":nul}").object(|s, k| s.skip(k)), None);
        assert_eq!(Scanner::new(b"{\"\xff\":1}").object(|s, k| s.skip(k)), None, "keys are UTF-8");
    }

    #[test]
    fn reads_base64_strings_onto_a_buffer_and_declines_other_forms() {
        let mut out = vec![7];
        let mut s = Scanner::new(br#" "AQID" "BAU""#);
        assert_eq!(s.base64(&mut out), Some(1..4));
        assert_eq!(s.base64(&mut out), Some(4..6));
        assert_eq!(out, [7, 1, 2, 3, 4, 5]);
        for json in [&br#""BAU=""#[..], br#""BA+U""#, br#""BA\u0055""#, br#""BAU"#, br#""B""#, b"BAU"] {
            assert_eq!(Scanner::new(json).base64(&mut Vec::new()), None, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn reads_arrays_of_strings_and_declines_other_forms() {
        let read = |json: &[u8]| {
            let mut s = Scanner::new(json);
            let mut items = Vec::new();
            s.array(|s| s.str().map(|t| items.push(t.to_owned())))?;
            s.finish().map(|()| items)
        };
        assert_eq!(read(b"[]").unwrap(), Vec::<String>::new());
        assert_eq!(read(b" [ \"a\" ,\"bc\"\n] ").unwrap(), ["a", "bc"]);
        for json in [&b"[\"a\",]"[..], b"[,]", b"[\"a\" \"b\"]", b"[\"a\"", b"[1]", b"{}", b"[\"a\"]]", b"[\"\\n\"]"] {
            assert_eq!(read(json), None, "{}", String::from_utf8_lossy(json));
        }
    }

    #[test]
    fn once_declines_a_second_value() {
        let mut slot = None;
        assert_eq!(once(&mut slot, 1), Some(()));
        assert_eq!(once(&mut slot, 2), None);
        assert_eq!(slot, Some(1));
    }
}
