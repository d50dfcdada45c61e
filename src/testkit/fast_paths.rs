//! The fast paths' promise, checkable from tests and fuzz targets: whatever the plain-JSON
//! scanners of a response or of `clientDataJSON` read, serde_json reads the same, and whatever
//! the base64 table decoder decodes, the `base64` crate decodes the same.

pub use crate::encoding::fast_path::Scanned;
use crate::wire::client_data::ClientData;
use crate::wire::json::{AuthenticationResponse, RegistrationResponse};

/// The scanner of [`AuthenticationResponse::from_json`] on `json`.
#[must_use]
pub fn assertion(json: &[u8]) -> Scanned {
    AuthenticationResponse::scanner_verdict(json)
}

/// The scanner of [`RegistrationResponse::from_json`] on `json`.
#[must_use]
pub fn registration(json: &[u8]) -> Scanned {
    RegistrationResponse::scanner_verdict(json)
}

/// The scanner of [`ClientData::parse`] on `raw`.
#[must_use]
pub fn client_data(raw: &[u8]) -> Scanned {
    ClientData::scanner_verdict(raw)
}

/// The base64url table decoder of every binary field on `text`.
#[must_use]
pub fn base64(text: &[u8]) -> Scanned {
    crate::encoding::b64::table_decoder_verdict(text)
}
