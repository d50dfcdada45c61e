#![no_main]
//! The CBOR decoder: decode one item, then walk every nested array, map and tag.

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

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = Decoder::single(data, Input::AttestationObject) {
        walk(value);
    }
});
