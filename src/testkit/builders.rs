//! Byte-level builders for crafting ceremonies, honest or not.

use crate::encoding::b64;
use crate::wire::auth_data::Flags;

pub(super) fn cbor(value: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    #[allow(clippy::expect_used)]
    ciborium::into_writer(value, &mut out).expect("CBOR encoding into a Vec");
    out
}

/// The members of a `clientDataJSON`.
#[derive(Debug, Clone, Copy)]
pub struct ClientDataFields<'a> {
    /// `type`.
    pub ty: &'a str,
    /// The challenge bytes (encoded as unpadded base64url).
    pub challenge: &'a [u8],
    /// `origin`.
    pub origin: &'a str,
    /// `crossOrigin`, when present.
    pub cross_origin: Option<bool>,
    /// `topOrigin`, when present.
    pub top_origin: Option<&'a str>,
}

/// Serializes `clientDataJSON` the way browsers do (members in the spec's order).
#[must_use]
pub fn client_data_json(fields: &ClientDataFields<'_>) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert("type".into(), fields.ty.into());
    map.insert("challenge".into(), b64::encode(fields.challenge).into());
    map.insert("origin".into(), fields.origin.into());
    if let Some(cross) = fields.cross_origin {
        map.insert("crossOrigin".into(), cross.into());
    }
    if let Some(top) = fields.top_origin {
        map.insert("topOrigin".into(), top.into());
    }
    serde_json::to_vec(&serde_json::Value::Object(map)).unwrap_or_default()
}

/// Attested credential data to include in authenticator data.
#[derive(Debug, Clone, Copy)]
pub struct AttestedData<'a> {
    /// The AAGUID.
    pub aaguid: [u8; 16],
    /// The credential ID.
    pub credential_id: &'a [u8],
    /// The COSE_Key bytes.
    pub public_key: &'a [u8],
}

/// Builds authenticator data. AT is set when `attested` is given and ED when `extensions` is
/// (in addition to whatever `flags` says, so tests can also set them without the data).
#[must_use]
pub fn authenticator_data(
    rp_id: &str,
    flags: u8,
    sign_count: u32,
    attested: Option<&AttestedData<'_>>,
    extensions: Option<&[u8]>,
) -> Vec<u8> {
    let mut flags = flags;
    if attested.is_some() {
        flags |= Flags::AT;
    }
    if extensions.is_some() {
        flags |= Flags::ED;
    }
    let mut out = crate::crypto::sha256(rp_id.as_bytes()).to_vec();
    out.push(flags);
    out.extend_from_slice(&sign_count.to_be_bytes());
    if let Some(a) = attested {
        out.extend_from_slice(&a.aaguid);
        let len = u16::try_from(a.credential_id.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(a.credential_id);
        out.extend_from_slice(a.public_key);
    }
    if let Some(e) = extensions {
        out.extend_from_slice(e);
    }
    out
}

/// Builds an attestation object `{fmt, attStmt, authData}`.
#[must_use]
pub fn attestation_object(fmt: &str, statement: &[(&str, ciborium::Value)], auth_data: &[u8]) -> Vec<u8> {
    let statement = statement.iter().map(|(k, v)| (ciborium::Value::Text((*k).to_owned()), v.clone())).collect();
    attestation_object_with_statement(fmt, &ciborium::Value::Map(statement), auth_data)
}

/// A registration response in Level 3 JSON.
#[must_use]
pub fn registration_json(raw_id: &[u8], client_data_json: &[u8], attestation_object: &[u8]) -> String {
    let id = b64::encode(raw_id);
    serde_json::json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "clientDataJSON": b64::encode(client_data_json),
            "attestationObject": b64::encode(attestation_object),
            "transports": ["internal", "hybrid"],
        },
        "clientExtensionResults": {},
        "authenticatorAttachment": "platform",
    })
    .to_string()
}

/// An authentication response in Level 3 JSON.
#[must_use]
pub fn authentication_json(
    raw_id: &[u8],
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
    user_handle: Option<&[u8]>,
) -> String {
    let id = b64::encode(raw_id);
    serde_json::json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "clientDataJSON": b64::encode(client_data_json),
            "authenticatorData": b64::encode(authenticator_data),
            "signature": b64::encode(signature),
            "userHandle": user_handle.map(b64::encode),
        },
        "clientExtensionResults": {},
        "authenticatorAttachment": "platform",
    })
    .to_string()
}

fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len().saturating_sub(1));
    let mut body = bytes.get(start..).unwrap_or_default().to_vec();
    if body.is_empty() {
        body.push(0);
    }
    if body.first().is_some_and(|b| b & 0x80 != 0) {
        body.insert(0, 0);
    }
    let mut out = vec![0x02, u8::try_from(body.len()).unwrap_or(0)];
    out.extend_from_slice(&body);
    out
}

/// A DER ECDSA signature with arbitrary `r` and `s` (big-endian), for malformed-signature tests.
#[must_use]
pub fn der_ecdsa_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut body = der_integer(r);
    body.extend_from_slice(&der_integer(s));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap_or(0)];
    out.extend_from_slice(&body);
    out
}

/// Replaces `s` by `n - s` in a DER P-256 ECDSA signature: the other, equally valid signature
/// (one of the pair is "high-S").
#[must_use]
pub fn high_s(der: &[u8]) -> Vec<u8> {
    let Ok(sig) = p256::ecdsa::Signature::from_der(der) else {
        return der.to_vec();
    };
    let (r, s) = sig.split_scalars();
    let negated = -*s.as_ref();
    der_ecdsa_signature(&r.to_bytes(), &negated.to_bytes())
}

/// Builds an attestation object `{fmt, attStmt, authData}` whose `attStmt` is any CBOR value
/// (an array for `compound`, or a statement that is not a map at all).
#[must_use]
pub fn attestation_object_with_statement(fmt: &str, att_stmt: &ciborium::Value, auth_data: &[u8]) -> Vec<u8> {
    cbor(&ciborium::Value::Map(vec![
        (ciborium::Value::Text("fmt".into()), ciborium::Value::Text(fmt.to_owned())),
        (ciborium::Value::Text("attStmt".into()), att_stmt.clone()),
        (ciborium::Value::Text("authData".into()), ciborium::Value::Bytes(auth_data.to_vec())),
    ]))
}
