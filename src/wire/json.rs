//! The `PublicKeyCredential` in its WebAuthn Level 3 JSON form (`toJSON()`), for both ceremonies.
//!
//! Parsing borrows from the input where it can and decodes every base64url field once, under
//! the policy of [`crate::encoding::b64`], into one buffer per response. A response in the
//! plain form browsers send is read by [`crate::encoding::scan`]; everything else, and every
//! refusal, is serde_json's.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::Result;

mod fields;
mod scanned;

pub use fields::MAX_TRANSPORTS;
use fields::{check_id, check_members, err, is_transport, push_text, slice, text, Extras, Packer};
use scanned::{ScannedAssertion, ScannedAttestation, ScannedCredential};

/// The largest credential JSON accepted, in bytes (attestation objects with certificate
/// chains are a few kilobytes; anything near this is not a real ceremony).
pub const MAX_RESPONSE_LEN: usize = 256 * 1024;

/// The bytes of a JSON string, borrowed from the input when it has no escapes. Read as bytes,
/// so that serde_json does not validate UTF-8 of long base64 strings (base64 decoding checks
/// every byte anyway; text members are validated where they are read as text).
struct Text<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        struct Visitor<'a>(core::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> core::result::Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> core::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_vec())))
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> core::result::Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v.as_bytes())))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        deserializer.deserialize_bytes(Visitor(core::marker::PhantomData))
    }
}

impl core::ops::Deref for Text<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Raw JSON kept as text: borrowed from the input by [`RegistrationResponse::from_json`],
/// owned when the response is deserialized by serde from another source.
trait RawJson {
    fn json(&self) -> &str;
}

impl RawJson for &RawValue {
    fn json(&self) -> &str {
        self.get()
    }
}

impl RawJson for Box<RawValue> {
    fn json(&self) -> &str {
        self.get()
    }
}

/// An absent optional member (without requiring `Default` of its type).
const fn absent<T>() -> Option<T> {
    None
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a, R, X = &'a RawValue> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    raw_id: Text<'a>,
    #[serde(rename = "type", borrow)]
    ty: Text<'a>,
    response: R,
    #[serde(default = "absent")]
    client_extension_results: Option<X>,
    #[serde(borrow, default)]
    authenticator_attachment: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct AttestationWire<'a> {
    #[serde(rename = "clientDataJSON", borrow)]
    client_data_json: Text<'a>,
    #[serde(rename = "attestationObject", borrow)]
    attestation_object: Text<'a>,
    #[serde(borrow, default)]
    transports: Option<Vec<Text<'a>>>,
}

#[derive(Deserialize)]
struct AssertionWire<'a> {
    #[serde(rename = "clientDataJSON", borrow)]
    client_data_json: Text<'a>,
    #[serde(rename = "authenticatorData", borrow)]
    authenticator_data: Text<'a>,
    #[serde(borrow)]
    signature: Text<'a>,
    #[serde(rename = "userHandle", borrow, default)]
    user_handle: Option<Text<'a>>,
}

fn check_len(json: &[u8]) -> Result<()> {
    if json.len() > MAX_RESPONSE_LEN {
        return Err(err("response larger than the limit"));
    }
    Ok(())
}

fn parse_envelope<'a, R: Deserialize<'a>>(json: &'a [u8]) -> Result<Envelope<'a, R>> {
    check_len(json)?;
    let envelope: Envelope<'a, R> =
        serde_json::from_slice(json).map_err(|_| err("not a PublicKeyCredential JSON object"))?;
    check_envelope(&envelope)?;
    Ok(envelope)
}

fn check_envelope<R, X>(envelope: &Envelope<'_, R, X>) -> Result<()> {
    check_members(&envelope.ty, envelope.authenticator_attachment.as_deref())
}

/// Deserializes an envelope from any serde deserializer (the extension results owned), and
/// builds the response from it with the same checks as `from_json`.
fn deserialize_response<'de, D, R, T>(
    deserializer: D,
    build: impl FnOnce(Envelope<'de, R, Box<RawValue>>) -> Result<T>,
) -> core::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    R: Deserialize<'de>,
{
    use serde::de::Error as _;
    let envelope = Envelope::<'de, R, Box<RawValue>>::deserialize(deserializer)?;
    check_envelope(&envelope).and_then(|()| build(envelope)).map_err(D::Error::custom)
}

/// The texts [`Extras`] keeps of an envelope, for the buffer's capacity.
fn extras_texts<'e, R, X: RawJson>(envelope: &'e Envelope<'_, R, X>) -> [&'e [u8]; 2] {
    [
        envelope.client_extension_results.as_ref().map(|raw| raw.json().as_bytes()).unwrap_or_default(),
        envelope.authenticator_attachment.as_deref().unwrap_or_default(),
    ]
}

fn pack_extras<R, X: RawJson>(envelope: &Envelope<'_, R, X>, packer: &mut Packer) -> Extras {
    let client_extension_results = envelope.client_extension_results.as_ref().map(|raw| raw.json().as_bytes());
    Extras::pack_texts(client_extension_results, envelope.authenticator_attachment.as_deref(), &mut packer.buf)
}

/// A registration response (`PublicKeyCredential` with an `AuthenticatorAttestationResponse`).
///
/// Two responses are equal when every member is (however their buffer is laid out).
#[derive(Clone)]
pub struct RegistrationResponse {
    buf: Vec<u8>,
    raw_id: Range<usize>,
    client_data_json: Range<usize>,
    attestation_object: Range<usize>,
    /// Ranges of the transport names in `buf`.
    transports: Vec<Range<usize>>,
    extras: Extras,
}

impl RegistrationResponse {
    /// Parses the JSON produced by `PublicKeyCredential.toJSON()` after `create()`.
    ///
    /// Unknown members (including the Level 3 convenience members `publicKey`,
    /// `publicKeyAlgorithm` and `authenticatorData`) are ignored: verification reads the
    /// attestation object itself.
    ///
    /// The plain form browsers send (no escapes, no duplicate members) is read by a scanner;
    /// anything else by serde_json, which decides every refusal.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::CredentialJson`] or [`Input::Base64`]; [`ErrorKind::CredentialId`]
    /// when `id` is not the encoding of `rawId`.
    ///
    /// [`Input::CredentialJson`]: crate::Input::CredentialJson
    /// [`Input::Base64`]: crate::Input::Base64
    /// [`ErrorKind::CredentialId`]: crate::ErrorKind::CredentialId
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_len(json)?;
        match Self::scanned(json) {
            Some(response) => Ok(response),
            None => Self::from_envelope(parse_envelope::<AttestationWire<'_>>(json)?),
        }
    }

    /// The response read by the scanner; `None` unless the JSON is in the plain form and every
    /// check passes (serde_json then decides).
    fn scanned(json: &[u8]) -> Option<Self> {
        let read = ScannedCredential::scan(json, ScannedAttestation::scan)?;
        Some(Self {
            buf: read.buf,
            raw_id: read.raw_id,
            client_data_json: read.response.client_data_json,
            attestation_object: read.response.attestation_object,
            transports: read.response.transports,
            extras: read.extras,
        })
    }

    /// What the scanner made of `json`, against serde_json (differential tests, fuzzing).
    #[cfg(any(test, feature = "testkit"))]
    pub(crate) fn scanner_verdict(json: &[u8]) -> crate::encoding::fast_path::Scanned {
        let slow = || parse_envelope::<AttestationWire<'_>>(json).and_then(Self::from_envelope);
        crate::encoding::fast_path::verdict(Self::scanned(json), slow)
    }

    fn from_envelope<X: RawJson>(envelope: Envelope<'_, AttestationWire<'_>, X>) -> Result<Self> {
        let r = &envelope.response;
        let transports = r.transports.as_deref().unwrap_or_default();
        if transports.len() > MAX_TRANSPORTS || !transports.iter().all(|t| is_transport(t)) {
            return Err(err("too many or too long transports"));
        }
        let fields = [&*envelope.id, &*envelope.raw_id, &*r.client_data_json, &*r.attestation_object];
        let transport_len: usize = transports.iter().map(|t| t.len()).sum();
        let [ext, attachment] = extras_texts(&envelope);
        let mut packer = Packer::with_capacity(&fields, &[ext, attachment], transport_len);
        let raw_id = packer.decode(&envelope.raw_id)?;
        let client_data_json = packer.decode(&r.client_data_json)?;
        let attestation_object = packer.decode(&r.attestation_object)?;
        check_id(&packer.buf, &envelope.id, &raw_id)?;
        let extras = pack_extras(&envelope, &mut packer);
        let transports = transports.iter().map(|t| push_text(&mut packer.buf, t)).collect();
        Ok(Self { transports, extras, buf: packer.buf, raw_id, client_data_json, attestation_object })
    }

    /// Parses a JSON string; see [`RegistrationResponse::from_json`].
    ///
    /// # Errors
    ///
    /// As [`RegistrationResponse::from_json`].
    pub fn from_json_str(json: &str) -> Result<Self> {
        Self::from_json(json.as_bytes())
    }

    /// The credential ID (`rawId`).
    #[must_use]
    pub fn raw_id(&self) -> &[u8] {
        slice(&self.buf, &self.raw_id)
    }

    /// The raw `clientDataJSON` bytes.
    #[must_use]
    pub fn client_data_json(&self) -> &[u8] {
        slice(&self.buf, &self.client_data_json)
    }

    /// The raw attestation object bytes.
    #[must_use]
    pub fn attestation_object(&self) -> &[u8] {
        slice(&self.buf, &self.attestation_object)
    }

    /// The transports the client reported (unknown values kept as sent).
    pub fn transports(&self) -> impl Iterator<Item = &str> + '_ {
        self.transports.iter().filter_map(|r| text(&self.buf, Some(r)))
    }

    /// `clientExtensionResults` as raw JSON, when present.
    #[must_use]
    pub fn client_extension_results(&self) -> Option<&str> {
        text(&self.buf, self.extras.client_extension_results.as_ref())
    }

    /// `authenticatorAttachment` (`"platform"` or `"cross-platform"`), when present.
    #[must_use]
    pub fn authenticator_attachment(&self) -> Option<&str> {
        text(&self.buf, self.extras.authenticator_attachment.as_ref())
    }
}

impl PartialEq for RegistrationResponse {
    fn eq(&self, other: &Self) -> bool {
        self.raw_id() == other.raw_id()
            && self.client_data_json() == other.client_data_json()
            && self.attestation_object() == other.attestation_object()
            && self.transports().eq(other.transports())
            && self.client_extension_results() == other.client_extension_results()
            && self.authenticator_attachment() == other.authenticator_attachment()
    }
}

impl Eq for RegistrationResponse {}

/// Deserializes the browser's JSON directly (`Json<RegistrationResponse>` in a handler), with
/// the checks of [`RegistrationResponse::from_json`]; the raw bytes that are hashed and
/// verified are kept. The size limit is the caller's body limit here.
impl<'de> Deserialize<'de> for RegistrationResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserialize_response(deserializer, Self::from_envelope)
    }
}

impl core::fmt::Debug for RegistrationResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegistrationResponse")
            .field("raw_id_len", &self.raw_id().len())
            .field("client_data_json_len", &self.client_data_json().len())
            .field("attestation_object_len", &self.attestation_object().len())
            .field("transports", &self.transports().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// An authentication response (`PublicKeyCredential` with an `AuthenticatorAssertionResponse`).
///
/// Two responses are equal when every member is (however their buffer is laid out).
#[derive(Clone)]
pub struct AuthenticationResponse {
    buf: Vec<u8>,
    raw_id: Range<usize>,
    client_data_json: Range<usize>,
    authenticator_data: Range<usize>,
    signature: Range<usize>,
    user_handle: Option<Range<usize>>,
    extras: Extras,
}

impl AuthenticationResponse {
    /// Parses the JSON produced by `PublicKeyCredential.toJSON()` after `get()`.
    ///
    /// A `userHandle` that is `null`, absent or empty means "no user handle".
    ///
    /// The plain form browsers send (no escapes, no duplicate members) is read by a scanner;
    /// anything else by serde_json, which decides every refusal.
    ///
    /// # Errors
    ///
    /// Malformed [`Input::CredentialJson`] or [`Input::Base64`]; [`ErrorKind::CredentialId`]
    /// when `id` is not the encoding of `rawId`.
    ///
    /// [`Input::CredentialJson`]: crate::Input::CredentialJson
    /// [`Input::Base64`]: crate::Input::Base64
    /// [`ErrorKind::CredentialId`]: crate::ErrorKind::CredentialId
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_len(json)?;
        match Self::scanned(json) {
            Some(response) => Ok(response),
            None => Self::from_envelope(parse_envelope::<AssertionWire<'_>>(json)?),
        }
    }

    /// The response read by the scanner, which decodes each binary field as it reads it; `None`
    /// unless the JSON is in the plain form and every check passes (serde_json then decides).
    fn scanned(json: &[u8]) -> Option<Self> {
        let read = ScannedCredential::scan(json, ScannedAssertion::scan)?;
        let response = read.response;
        Some(Self {
            buf: read.buf,
            raw_id: read.raw_id,
            client_data_json: response.client_data_json,
            authenticator_data: response.authenticator_data,
            signature: response.signature,
            user_handle: response.user_handle.filter(|r| !r.is_empty()),
            extras: read.extras,
        })
    }

    /// What the scanner made of `json`, against serde_json (differential tests, fuzzing).
    #[cfg(any(test, feature = "testkit"))]
    pub(crate) fn scanner_verdict(json: &[u8]) -> crate::encoding::fast_path::Scanned {
        let slow = || parse_envelope::<AssertionWire<'_>>(json).and_then(Self::from_envelope);
        crate::encoding::fast_path::verdict(Self::scanned(json), slow)
    }

    fn from_envelope<X: RawJson>(envelope: Envelope<'_, AssertionWire<'_>, X>) -> Result<Self> {
        let r = &envelope.response;
        let user_handle = r.user_handle.as_deref().unwrap_or_default();
        let fields = [
            &*envelope.id,
            &*envelope.raw_id,
            &*r.client_data_json,
            &*r.authenticator_data,
            &*r.signature,
            user_handle,
        ];
        let mut packer = Packer::with_capacity(&fields, &extras_texts(&envelope), 0);
        let raw_id = packer.decode(&envelope.raw_id)?;
        let client_data_json = packer.decode(&r.client_data_json)?;
        let authenticator_data = packer.decode(&r.authenticator_data)?;
        let signature = packer.decode(&r.signature)?;
        let user_handle = packer.decode(user_handle)?;
        check_id(&packer.buf, &envelope.id, &raw_id)?;
        let extras = pack_extras(&envelope, &mut packer);
        Ok(Self {
            extras,
            buf: packer.buf,
            raw_id,
            client_data_json,
            authenticator_data,
            signature,
            user_handle: (!user_handle.is_empty()).then_some(user_handle),
        })
    }

    /// Parses a JSON string; see [`AuthenticationResponse::from_json`].
    ///
    /// # Errors
    ///
    /// As [`AuthenticationResponse::from_json`].
    pub fn from_json_str(json: &str) -> Result<Self> {
        Self::from_json(json.as_bytes())
    }

    /// The credential ID (`rawId`).
    #[must_use]
    pub fn raw_id(&self) -> &[u8] {
        slice(&self.buf, &self.raw_id)
    }

    /// The raw `clientDataJSON` bytes.
    #[must_use]
    pub fn client_data_json(&self) -> &[u8] {
        slice(&self.buf, &self.client_data_json)
    }

    /// The raw authenticator data bytes.
    #[must_use]
    pub fn authenticator_data(&self) -> &[u8] {
        slice(&self.buf, &self.authenticator_data)
    }

    /// The signature bytes.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        slice(&self.buf, &self.signature)
    }

    /// The user handle, when the authenticator returned one (discoverable credentials).
    #[must_use]
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.user_handle.as_ref().map(|r| slice(&self.buf, r))
    }

    /// `clientExtensionResults` as raw JSON, when present.
    #[must_use]
    pub fn client_extension_results(&self) -> Option<&str> {
        text(&self.buf, self.extras.client_extension_results.as_ref())
    }

    /// `authenticatorAttachment`, when present.
    #[must_use]
    pub fn authenticator_attachment(&self) -> Option<&str> {
        text(&self.buf, self.extras.authenticator_attachment.as_ref())
    }
}

impl PartialEq for AuthenticationResponse {
    fn eq(&self, other: &Self) -> bool {
        self.raw_id() == other.raw_id()
            && self.client_data_json() == other.client_data_json()
            && self.authenticator_data() == other.authenticator_data()
            && self.signature() == other.signature()
            && self.user_handle() == other.user_handle()
            && self.client_extension_results() == other.client_extension_results()
            && self.authenticator_attachment() == other.authenticator_attachment()
    }
}

impl Eq for AuthenticationResponse {}

/// Deserializes the browser's JSON directly (`Json<AuthenticationResponse>` in a handler),
/// with the checks of [`AuthenticationResponse::from_json`]; the raw bytes that are hashed and
/// verified are kept. The size limit is the caller's body limit here.
impl<'de> Deserialize<'de> for AuthenticationResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        deserialize_response(deserializer, Self::from_envelope)
    }
}

impl core::fmt::Debug for AuthenticationResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthenticationResponse")
            .field("raw_id_len", &self.raw_id().len())
            .field("client_data_json_len", &self.client_data_json().len())
            .field("authenticator_data_len", &self.authenticator_data().len())
            .field("has_user_handle", &self.user_handle.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Input};

    const ASSERTION: &str = r#"{"id":"AQID","rawId":"AQID","type":"public-key",
        "response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"BAU=","userHandle":null},
        "clientExtensionResults":{},"authenticatorAttachment":"platform"}"#;

    #[test]
    fn parses_an_assertion_with_padding_and_null_user_handle() {
        let r = AuthenticationResponse::from_json_str(ASSERTION).unwrap();
        assert_eq!(r.raw_id(), &[1, 2, 3]);
        assert_eq!(r.client_data_json(), b"{}");
        assert_eq!(r.authenticator_data(), &[0, 0, 0]);
        assert_eq!(r.signature(), &[4, 5]);
        assert_eq!(r.user_handle(), None);
        assert_eq!(r.client_extension_results(), Some("{}"));
        assert_eq!(r.authenticator_attachment(), Some("platform"));
    }

    #[test]
    fn refuses_id_mismatch_wrong_type_and_bad_base64() {
        let id = ASSERTION.replacen(r#""id":"AQID""#, r#""id":"AQIE""#, 1);
        assert_eq!(AuthenticationResponse::from_json_str(&id).unwrap_err().kind(), ErrorKind::CredentialId);
        let ty = ASSERTION.replace("public-key", "password");
        assert_eq!(AuthenticationResponse::from_json_str(&ty).unwrap_err().context(), "type is not public-key");
        let b64 = ASSERTION.replace("BAU=", "BA*U");
        assert_eq!(
            AuthenticationResponse::from_json_str(&b64).unwrap_err().kind(),
            ErrorKind::Malformed(Input::Base64)
        );
        let too_big = vec![b' '; MAX_RESPONSE_LEN + 1];
        assert_eq!(
            AuthenticationResponse::from_json(&too_big).unwrap_err().context(),
            "response larger than the limit"
        );
    }
}
