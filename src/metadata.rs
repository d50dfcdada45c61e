//! FIDO Metadata Service v3, offline: a metadata BLOB the host supplies, verified against the
//! FIDO root the host configures.
