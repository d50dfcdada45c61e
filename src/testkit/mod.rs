//! A software authenticator for tests, examples and benchmarks (feature `testkit`).
//!
//! It creates ES256, ES384, RS256, PS256 and EdDSA credentials and produces registration and
//! assertion responses in WebAuthn Level 3 JSON, with knobs for flags, counter, origin, client
//! data and attestation, so that no browser is needed. The lower-level builders
//! ([`client_data_json`], [`authenticator_data`], [`attestation_object`],
//! [`registration_json`], [`authentication_json`]) let negative tests craft any defect.
//!
//! Attestation ([`SoftAttestation`]): `none`, `packed` (self, or with a certificate chain the
//! test supplies), `fido-u2f`, `apple`, `android-key`, `tpm` and `compound`. The `apple`,
//! `android-key` and `tpm` statements need certificates whose content depends on the ceremony
//! (the credential key, the nonce, the challenge): they are minted at registration by the
//! [`pki::TestCa`] the variant carries, valid for the same period as that CA's certificate, so
//! a test only chooses the CA (and configures its root at the relying party for trust).
//!
//! Never enable this feature in production builds: it exists to forge ceremonies.

// Test-support code: slicing known-length encodings is clearer than `get` here.
#![allow(clippy::indexing_slicing)]

mod attest;
mod builders;
mod clock;
mod extensions;
pub mod fast_paths;
pub mod pki;
mod signer;
pub mod store_conformance;
pub mod vectors;

pub use builders::attestation_object_with_statement;
pub use builders::{
    attestation_object, authentication_json, authenticator_data, client_data_json, der_ecdsa_signature, high_s,
    registration_json, AttestedData, ClientDataFields,
};
pub use clock::ManualClock;
pub use extensions::SOFT_MIN_PIN_LENGTH;
pub use signer::KeyKind;

use rand_core::CryptoRng;

use crate::cose::CoseAlgorithm;
use crate::wire::auth_data::Flags;
use signer::Signer;

/// The attestation statement a [`SoftCredential`] produces at registration.
///
/// Statements are honest unless a field says otherwise; the verifier's trust decision then
/// depends only on the relying party's configured roots and policy.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum SoftAttestation {
    /// `fmt: "none"`, empty statement.
    #[default]
    None,
    /// `fmt: "packed"` self attestation signed by the credential key.
    PackedSelf,
    /// Packed self attestation that claims another `alg` than the credential key's.
    PackedSelfWithAlg(i64),
    /// An arbitrary format name with an empty statement (for refusal tests).
    Format(String),
    /// `fmt: "packed"` basic attestation: `key` signs `authData ‖ clientDataHash` with ES256
    /// (`alg: -7`) and the statement carries `x5c` as given (leaf first; the test mints it,
    /// for example with [`pki::TestCa::leaf`] for `key`'s public key).
    Packed {
        /// The attestation key (the public key of `x5c[0]`).
        key: p256::ecdsa::SigningKey,
        /// The certificate chain, DER, leaf first.
        x5c: Vec<Vec<u8>>,
    },
    /// `fmt: "fido-u2f"`: `key` signs `0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖
    /// 0x04 ‖ x ‖ y` (ES256), `x5c` is `[cert]`. Only meaningful for ES256 credentials: for
    /// any other key the raw public key follows the `0x04`, which a verifier must refuse.
    FidoU2f {
        /// The attestation key (the public key of `cert`).
        key: p256::ecdsa::SigningKey,
        /// The attestation certificate, DER.
        cert: Vec<u8>,
    },
    /// `fmt: "apple"`: `ca` issues a certificate for the credential public key with the
    /// nonce extension (1.2.840.113635.100.8.2) holding `SHA-256(authData ‖ clientDataHash)`,
    /// or `nonce_override`. `x5c` is `[credential certificate, ca]`.
    Apple {
        /// The issuing CA (its root, or itself, anchors the chain).
        ca: pki::TestCa,
        /// A nonce to use instead of the honest one.
        nonce_override: Option<[u8; 32]>,
    },
    /// `fmt: "android-key"`: `ca` issues a certificate for the credential public key with a
    /// key description (1.3.6.1.4.1.11129.2.1.17) whose challenge is the client data hash and
    /// whose `teeEnforced` list says purpose SIGN, origin GENERATED; the credential key signs
    /// `authData ‖ clientDataHash` with its own algorithm. `x5c` is `[credential certificate,
    /// ca]`. With `corrupt_signature`, the signature is over another message.
    AndroidKey {
        /// The issuing CA.
        ca: pki::TestCa,
        /// Sign a different message (a well-formed signature that does not verify).
        corrupt_signature: bool,
    },
    /// `fmt: "tpm"`: `pubArea` is the credential key (RSA, or ECC P-256 / P-384) under
    /// `name_alg`, `certInfo` certifies it with `extraData = hash(authData ‖ clientDataHash)`,
    /// and a fresh AIK signs `certInfo`: P-256 and ES256, or with `sha1` RSA-2048 and RS1. `ca`
    /// issues the AIK certificate (empty subject, TPM attributes with `manufacturer` in the
    /// subject alternative name, EKU tcg-kp-AIKCertificate, `cA=FALSE`); `x5c` is `[AIK, ca]`.
    Tpm {
        /// The issuing CA.
        ca: pki::TestCa,
        /// tcg-at-tpmManufacturer, such as `"id:494E5443"` (Intel).
        manufacturer: String,
        /// `pubArea.nameAlg` (`TPM_ALG_SHA256` = `0x000b`; unregistered values are hashed with
        /// SHA-256).
        name_alg: u16,
        /// Sign with RS1 (SHA-1) instead of ES256.
        sha1: bool,
    },
    /// `fmt: "compound"`: an array of `{fmt, attStmt}`, one per item (which may itself be
    /// `Compound`, to test nesting).
    Compound(Vec<SoftAttestation>),
}

impl SoftAttestation {
    /// `apple` attestation by `ca`, with the honest nonce.
    #[must_use]
    pub const fn apple(ca: pki::TestCa) -> Self {
        Self::Apple { ca, nonce_override: None }
    }

    /// Honest `android-key` attestation by `ca`.
    #[must_use]
    pub const fn android_key(ca: pki::TestCa) -> Self {
        Self::AndroidKey { ca, corrupt_signature: false }
    }

    /// Honest `tpm` attestation by `ca`: an Intel TPM (`id:494E5443`), SHA-256 names, ES256.
    #[must_use]
    pub fn tpm(ca: pki::TestCa) -> Self {
        Self::Tpm { ca, manufacturer: "id:494E5443".to_owned(), name_alg: 0x000b, sha1: false }
    }
}

/// Knobs for one ceremony. [`Knobs::new`] gives an honest ceremony: UP and UV set, the
/// counter incremented, `none` attestation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Knobs {
    /// The RP ID whose hash goes into authenticator data.
    pub rp_id: String,
    /// `clientDataJSON.origin`.
    pub origin: String,
    /// The flags byte (AT and ED are added where the data is present).
    pub flags: u8,
    /// The signature counter to report; `None` increments the credential's counter.
    pub sign_count: Option<u32>,
    /// The attestation statement at registration.
    pub attestation: SoftAttestation,
    /// Overrides `clientDataJSON.type`.
    pub client_data_type: Option<String>,
    /// `clientDataJSON.crossOrigin`.
    pub cross_origin: Option<bool>,
    /// `clientDataJSON.topOrigin`.
    pub top_origin: Option<String>,
    /// Whether the assertion returns `userHandle` (discoverable credentials do).
    pub return_user_handle: bool,
    /// The AAGUID reported at registration.
    pub aaguid: [u8; 16],
    /// `clientExtensionResults` (default: `{}`); [`SoftCredential::answer_extensions`] fills
    /// it as an honest client would.
    pub client_extension_results: serde_json::Value,
    /// The authenticator's extension outputs as a CBOR map (sets ED); default: none.
    pub authenticator_extensions: Option<Vec<u8>>,
    /// The RP ID hash to put in authenticator data instead of SHA-256 of `rp_id` (an
    /// authenticator answering for a FIDO U2F AppID signs that AppID's hash).
    pub rp_id_hash: Option<[u8; 32]>,
}

impl Knobs {
    /// An honest ceremony for `rp_id` from `origin`.
    #[must_use]
    pub fn new(rp_id: &str, origin: &str) -> Self {
        Self {
            rp_id: rp_id.to_owned(),
            origin: origin.to_owned(),
            flags: Flags::UP | Flags::UV,
            sign_count: None,
            attestation: SoftAttestation::None,
            client_data_type: None,
            cross_origin: None,
            top_origin: None,
            return_user_handle: true,
            aaguid: *b"passkey-verifier",
            client_extension_results: serde_json::json!({}),
            authenticator_extensions: None,
            rp_id_hash: None,
        }
    }
}

/// A credential held by the software authenticator.
pub struct SoftCredential {
    id: Vec<u8>,
    signer: Signer,
    sign_count: u32,
    user_handle: Vec<u8>,
}

impl core::fmt::Debug for SoftCredential {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftCredential")
            .field("alg", &self.alg())
            .field("sign_count", &self.sign_count)
            .finish_non_exhaustive()
    }
}

impl SoftCredential {
    /// Creates a credential of `kind` for `user_handle`, with a random 16-byte ID.
    pub fn new(kind: KeyKind, user_handle: &[u8], rng: &mut impl CryptoRng) -> Self {
        let mut id = vec![0u8; 16];
        rng.fill_bytes(&mut id);
        Self { id, signer: Signer::generate(kind, rng), sign_count: 0, user_handle: user_handle.to_vec() }
    }

    /// The credential ID.
    #[must_use]
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// The credential's algorithm.
    #[must_use]
    pub fn alg(&self) -> CoseAlgorithm {
        self.signer.alg()
    }

    /// The public key as COSE_Key bytes.
    #[must_use]
    pub fn cose_public_key(&self) -> Vec<u8> {
        self.signer.cose_public_key()
    }

    /// Stores `user_handle` as the credential's owner (what an authenticator does with the
    /// `user.id` of the creation options), returned as `userHandle` in assertions.
    pub fn set_user_handle(&mut self, user_handle: &[u8]) {
        user_handle.clone_into(&mut self.user_handle);
    }

    /// The counter the credential last reported.
    #[must_use]
    pub const fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// Signs `message` with the credential key (DER ECDSA, PKCS#1 v1.5 / PSS, or Ed25519).
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signer.sign(message)
    }

    fn next_count(&mut self, knobs: &Knobs) -> u32 {
        self.sign_count = knobs.sign_count.unwrap_or(self.sign_count.saturating_add(1));
        self.sign_count
    }

    fn client_data(&self, challenge: &[u8], knobs: &Knobs, default_type: &str) -> Vec<u8> {
        client_data_json(&ClientDataFields {
            ty: knobs.client_data_type.as_deref().unwrap_or(default_type),
            challenge,
            origin: &knobs.origin,
            cross_origin: knobs.cross_origin,
            top_origin: knobs.top_origin.as_deref(),
        })
    }

    /// A registration response (`PublicKeyCredential.toJSON()` after `create()`) answering
    /// `challenge`.
    pub fn register(&mut self, challenge: &[u8], knobs: &Knobs) -> String {
        let count = self.next_count(knobs);
        let cose_key = self.cose_public_key();
        let auth_data = with_rp_id_hash(
            authenticator_data(
                &knobs.rp_id,
                knobs.flags,
                count,
                Some(&AttestedData { aaguid: knobs.aaguid, credential_id: &self.id, public_key: &cose_key }),
                knobs.authenticator_extensions.as_deref(),
            ),
            knobs,
        );
        let client_data = self.client_data(challenge, knobs, "webauthn.create");
        let client_data_hash = crate::crypto::sha256(&client_data);
        let ceremony = attest::Ceremony {
            signer: &self.signer,
            credential_id: &self.id,
            auth_data: &auth_data,
            client_data_hash: &client_data_hash,
        };
        let (fmt, statement) = attest::statement(&knobs.attestation, &ceremony);
        let object = attestation_object_with_statement(&fmt, &statement, &auth_data);
        with_client_extension_results(registration_json(&self.id, &client_data, &object), knobs)
    }

    /// An assertion response (`PublicKeyCredential.toJSON()` after `get()`) answering
    /// `challenge`.
    pub fn assert(&mut self, challenge: &[u8], knobs: &Knobs) -> String {
        let count = self.next_count(knobs);
        let auth_data = with_rp_id_hash(
            authenticator_data(&knobs.rp_id, knobs.flags, count, None, knobs.authenticator_extensions.as_deref()),
            knobs,
        );
        let client_data = self.client_data(challenge, knobs, "webauthn.get");
        let signature = self.sign(&[auth_data.as_slice(), &crate::crypto::sha256(&client_data)].concat());
        let user_handle = knobs.return_user_handle.then_some(self.user_handle.as_slice());
        with_client_extension_results(
            authentication_json(&self.id, &client_data, &auth_data, &signature, user_handle),
            knobs,
        )
    }
}

fn with_rp_id_hash(mut auth_data: Vec<u8>, knobs: &Knobs) -> Vec<u8> {
    if let (Some(hash), Some(prefix)) = (knobs.rp_id_hash, auth_data.get_mut(..32)) {
        prefix.copy_from_slice(&hash);
    }
    auth_data
}

fn with_client_extension_results(json: String, knobs: &Knobs) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&json) else { return json };
    value["clientExtensionResults"] = knobs.client_extension_results.clone();
    value.to_string()
}
