//! Low-level decoding of untrusted bytes: the base64url policy, a byte reader that refuses
//! trailing data, and a bounded, zero-copy CBOR reader.

pub mod b64;
pub mod cbor;
pub mod reader;
