//! The parts below the ceremonies, for fuzzers, benchmark harnesses and tools: the strict
//! parsers of every input the crate reads, the certificate and signature primitives, and the
//! encoders. A relying party needs none of this: [`verify_registration`](crate::verify_registration),
//! [`verify_authentication`](crate::verify_authentication) and [`Ceremonies`](crate::Ceremonies)
//! run every check in order. Each parser here checks only its own layer.

/// X.509 certificates: parsing, chains to trust anchors, key identifiers.
pub mod cert {
    pub use crate::cert::*;
}

/// COSE keys (RFC 9052/9053).
pub mod cose {
    pub use crate::cose::*;
}

/// The base64 policy of response fields.
pub mod b64 {
    pub use crate::encoding::b64::*;
}

/// The bounded, zero-copy CBOR reader.
pub mod cbor {
    pub use crate::encoding::cbor::*;
}

/// The bounds-checked reader of fixed binary layouts.
pub mod reader {
    pub use crate::encoding::reader::*;
}

/// The attestation object (`fmt`, `attStmt`, `authData`).
pub mod attestation_object {
    pub use crate::wire::attestation_object::*;
}

/// Authenticator data (§6.1) and attested credential data (§6.5.1).
pub mod auth_data {
    pub use crate::wire::auth_data::*;
}

/// `clientDataJSON` (§5.8.1).
pub mod client_data {
    pub use crate::wire::client_data::*;
}

/// The browser's `PublicKeyCredential.toJSON()` for both ceremonies.
pub mod json {
    pub use crate::wire::json::*;
}

/// Attestation statement structures (TPM, SafetyNet, Android key description, certificates).
pub mod attestation {
    pub use crate::attestation::hazmat::*;
}

/// Digests, constant-time comparison and signature verification as the crate performs them.
pub mod crypto {
    pub use crate::crypto::{ct_eq, digest, sha1, sha256, sha256_concat, validate_key, Hash, Scheme, SpkiKey};

    use crate::cose::CoseKey;
    use crate::error::Result;

    /// Whether a signature over SHA-1 may verify (`Dangerous::allow_sha1` of a relying party).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Sha1 {
        /// SHA-1 algorithms fail with `AlgorithmNotAllowed` (the default of every relying party).
        Refused,
        /// SHA-1 algorithms verify.
        Allowed,
    }

    /// Verifies `signature` by `key` over the concatenation of `message_parts`, on the
    /// backend the crate is built with.
    ///
    /// # Errors
    ///
    /// `Signature` when it does not verify; `AlgorithmNotAllowed` for SHA-1 when refused;
    /// `UnsupportedKey` when the key is invalid.
    pub fn verify_signature(key: &CoseKey<'_>, message_parts: &[&[u8]], signature: &[u8], sha1: Sha1) -> Result<()> {
        crate::crypto::verify(key, message_parts, signature, sha1 == Sha1::Allowed)
    }
}
