//! Parsers for the untrusted structures of a ceremony: the credential JSON, `clientDataJSON`,
//! authenticator data and the attestation object. Views borrow the decoded buffers and keep
//! the raw bytes that signatures cover.

pub mod attestation_object;
pub mod auth_data;
pub mod client_data;
pub mod json;
