#![no_main]
//! The CBOR decoder: decode one item, then walk every nested array, map and tag; and the one-pass
//! map reader (`Decoder::single_map`, COSE keys) against the two passes it stands for.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::cbor::{Decoder, Value};
use passkey_verifier::Input;

fn walk(value: Value<'_>) {
    match value {
        Value::Map(seq) => {
            let _ = (seq.len(), seq.is_empty(), seq.raw());
            for (k, v) in seq.entries().flatten() {
                walk(k);
                walk(v);
            }
        }
        Value::Array(seq) | Value::Tag(_, seq) => {
            let _ = (seq.len(), seq.is_empty(), seq.raw());
            for item in seq.items().flatten() {
                walk(item);
            }
        }
        other => {
            let _ = (other.as_i64(), other.as_bytes(), other.as_text());
        }
    }
}

type Reading<'a> = (Result<bool, &'static str>, Vec<(Value<'a>, Value<'a>)>);

fn one_pass(data: &[u8]) -> Reading<'_> {
    let mut seen = Vec::new();
    let verdict = Decoder::single_map(data, Input::CoseKey, |k, v| seen.push((k, v))).map_err(|e| e.context());
    (verdict, seen)
}

fn two_passes(data: &[u8]) -> Reading<'_> {
    let mut seen = Vec::new();
    let verdict = Decoder::single(data, Input::CoseKey)
        .and_then(|value| match value {
            Value::Map(map) => map.for_each_unique_entry(|k, v| seen.push((k, v))).map(|()| true),
            _ => Ok(false),
        })
        .map_err(|e| e.context());
    (verdict, seen)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = Decoder::single(data, Input::AttestationObject) {
        walk(value);
    }
    // The same verdict, and the same pairs when it passes.
    let (one, two) = (one_pass(data), two_passes(data));
    assert_eq!(one.0, two.0);
    if one.0.is_ok() {
        assert_eq!(one.1, two.1);
    }
});
