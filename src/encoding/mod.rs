//! Low-level decoding of untrusted bytes: the base64url policy, a byte reader that refuses
//! trailing data, a bounded, zero-copy CBOR reader, and the scanner of plain JSON objects that
//! serde_json backs.

pub mod b64;
pub mod cbor;
#[cfg(any(test, feature = "testkit"))]
pub(crate) mod fast_path;
pub mod reader;
pub(crate) mod scan;
