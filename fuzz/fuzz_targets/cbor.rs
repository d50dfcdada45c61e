#![no_main]
//! The CBOR decoder: decode one item, then walk every nested array, map and tag; and the one-pass
//! map readers (`Decoder::single_map` for COSE keys and attestation objects,
//! `Decoder::value_checking_keys` inside authenticator data) against the two passes they stand
//! for.

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

/// `value_checking_keys` against `value` then `check_unique_keys`: the same reading, and after
/// one the same input left (after an error a decoder is dropped, wherever it stopped).
fn check_keys_in_one_pass(data: &[u8]) {
    let mut one = Decoder::new(data, Input::AuthenticatorData);
    let one_pass = one.value_checking_keys().map(|(v, keys)| (v, keys.map_err(|e| e.context())));
    let mut two = Decoder::new(data, Input::AuthenticatorData);
    let two_passes = two.value().map(|v| match v {
        Value::Map(map) => (v, map.check_unique_keys().map_err(|e| e.context())),
        _ => (v, Ok(())),
    });
    let read = one_pass.is_ok();
    assert_eq!(one_pass.map_err(|e| e.context()), two_passes.map_err(|e| e.context()));
    if read {
        assert_eq!(one.rest(), two.rest());
    }
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
    check_keys_in_one_pass(data);
});
