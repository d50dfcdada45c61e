//! The authenticator's extension outputs: the CBOR map at the end of authenticator data
//! (present when ED is set; its keys are already known to be unique).

use crate::encoding::cbor::{Decoder, Value};
use crate::error::{Error, ErrorKind, ExtensionError, Input, Result};

/// The entries of the authenticator's extension map that the crate reads.
#[derive(Default)]
pub(super) struct AuthenticatorOutputs<'a> {
    /// `credProtect`: the level the authenticator applied.
    pub cred_protect: Option<Value<'a>>,
    /// `minPinLength`.
    pub min_pin_length: Option<Value<'a>>,
    /// `hmac-secret` (the CTAP extension under `prf`).
    pub hmac_secret: Option<Value<'a>>,
    /// Whether any other entry is present, and the text keys of those (to compare with
    /// pass-through requests).
    pub unknown: Vec<Option<&'a str>>,
}

impl<'a> AuthenticatorOutputs<'a> {
    /// Reads the map `bytes` (validated by the authenticator data parser).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut out = Self::default();
        let Value::Map(map) = Decoder::single(bytes, Input::AuthenticatorData)? else {
            return Err(Error::malformed(Input::AuthenticatorData, "extensions are not a CBOR map"));
        };
        for entry in map.entries() {
            let (key, value) = entry?;
            match key.as_text() {
                Some("credProtect") => out.cred_protect = Some(value),
                Some("minPinLength") => out.min_pin_length = Some(value),
                Some("hmac-secret") => out.hmac_secret = Some(value),
                other => out.unknown.push(other),
            }
        }
        Ok(out)
    }
}

/// An unsigned output that must fit `max`.
pub(super) fn unsigned(value: Value<'_>, max: u64, extension: &'static str) -> Result<u64> {
    match value {
        Value::Unsigned(n) if n <= max => Ok(n),
        _ => Err(Error::new(ErrorKind::Extension(ExtensionError::InvalidOutput), extension)),
    }
}
