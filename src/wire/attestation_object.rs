//! The CBOR attestation object (WebAuthn L3 §6.5.4): `{fmt, attStmt, authData}`.

use crate::encoding::cbor::{Decoder, Value};
use crate::error::{Error, Input, Result};
use crate::wire::auth_data::AuthenticatorData;

/// A parsed attestation object borrowing its bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttestationObject<'a> {
    fmt: &'a str,
    att_stmt: Value<'a>,
    auth_data: AuthenticatorData<'a>,
}

fn err(context: &'static str) -> Error {
    Error::malformed(Input::AttestationObject, context)
}

impl<'a> AttestationObject<'a> {
    /// Parses an attestation object: one CBOR map with a text `fmt`, a map (or, for `compound`,
    /// an array) `attStmt` and a byte
    /// string `authData` (each exactly once, in any order; other keys are ignored), nothing
    /// after it, and authenticator data that carries attested credential data.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::AttestationObject`] or [`Input::AuthenticatorData`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        let mut wrong_type = false;
        // One pass: the keys are unique when it returns, so each slot is filled at most once.
        let is_map = Decoder::single_map(bytes, Input::AttestationObject, |key, value| match (key.as_text(), value) {
            (Some("fmt"), Value::Text(t)) => fmt = Some(t),
            (Some("attStmt"), v @ (Value::Map(_) | Value::Array(_))) => att_stmt = Some(v),
            (Some("authData"), Value::Bytes(b)) => auth_data = Some(b),
            (Some("fmt" | "attStmt" | "authData"), _) => wrong_type = true,
            _ => {}
        })?;
        if !is_map {
            return Err(err("not a CBOR map"));
        }
        if wrong_type {
            return Err(err("member has the wrong CBOR type"));
        }
        let fmt = fmt.ok_or_else(|| err("missing fmt"))?;
        let att_stmt = att_stmt.ok_or_else(|| err("missing attStmt"))?;
        let auth_data = AuthenticatorData::parse(auth_data.ok_or_else(|| err("missing authData"))?)?;
        if auth_data.attested_credential_data().is_none() {
            return Err(Error::malformed(Input::AuthenticatorData, "registration without attested credential data"));
        }
        Ok(Self { fmt, att_stmt, auth_data })
    }

    /// The attestation statement format identifier (`"none"`, `"packed"`, ...).
    #[must_use]
    pub const fn fmt(&self) -> &'a str {
        self.fmt
    }

    /// The attestation statement: a map, or for the `compound` format an array.
    #[must_use]
    pub const fn att_stmt(&self) -> Value<'a> {
        self.att_stmt
    }

    /// The authenticator data.
    #[must_use]
    pub const fn auth_data(&self) -> &AuthenticatorData<'a> {
        &self.auth_data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth_data() -> Vec<u8> {
        let mut v = vec![0u8; 32];
        v.push(0x41);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v.extend_from_slice(&[0u8; 16]);
        v.extend_from_slice(&[0, 1, 0xcc, 0xa0]);
        v
    }

    fn object(extra: &[u8], pairs: u8) -> Vec<u8> {
        let ad = auth_data();
        let mut v = vec![0xa0 | pairs, 0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e'];
        v.extend_from_slice(&[0x67, b'a', b't', b't', b'S', b't', b'm', b't', 0xa0]);
        v.extend_from_slice(&[
            0x68,
            b'a',
            b'u',
            b't',
            b'h',
            b'D',
            b'a',
            b't',
            b'a',
            0x58,
            u8::try_from(ad.len()).unwrap(),
        ]);
        v.extend_from_slice(&ad);
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn parses_a_none_attestation_object() {
        let bytes = object(&[], 3);
        let obj = AttestationObject::parse(&bytes).unwrap();
        assert_eq!(obj.fmt(), "none");
        assert!(matches!(obj.att_stmt(), Value::Map(m) if m.is_empty()));
        assert_eq!(obj.auth_data().attested_credential_data().unwrap().credential_id(), &[0xcc]);
    }

    #[test]
    fn refuses_trailing_bytes_and_duplicates() {
        assert_eq!(AttestationObject::parse(&object(&[0x00], 3)).unwrap_err().context(), "trailing bytes");
        let dup = object(&[0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e'], 4);
        assert_eq!(AttestationObject::parse(&dup).unwrap_err().context(), "duplicate CBOR map key");
        // A repeated key the parser does not even read is refused too.
        let unknown = object(&[0x61, b'x', 0x01, 0x61, b'x', 0x02], 5);
        assert_eq!(AttestationObject::parse(&unknown).unwrap_err().context(), "duplicate CBOR map key");
        assert_eq!(AttestationObject::parse(&[0x80]).unwrap_err().context(), "not a CBOR map");
    }
}
