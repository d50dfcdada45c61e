//! FIDO Metadata Service v3, offline: a metadata BLOB the host supplies, verified against the
//! FIDO root the host configures.
//!
//! The crate never downloads anything. The host fetches the BLOB (for example from
//! `https://mds3.fidoalliance.org/`) and the FIDO root certificate (published by the FIDO
//! Alliance, to be pinned by the host), and calls [`MetadataBlob::verify`]:
//!
//! 1. the BLOB is a compact JWS (RFC 7515) signed with `RS256`, `PS256`, `ES256` or `EdDSA`
//!    (`none` and every other algorithm are refused) by the leaf of its `x5c` header
//!    (`x5u` is not supported);
//! 2. the `x5c` chain must be valid at `now` and lead to the FIDO root;
//! 3. the payload is parsed: serial number `no`, `nextUpdate`, `legalHeader` and the entries,
//!    whose `attestationRootCertificates` are parsed once into [`TrustAnchor`]s.
//!
//! Hosts should keep the verified BLOB with the highest [`MetadataBlob::serial`], replace it
//! when [`MetadataBlob::is_stale`], and look authenticators up by AAGUID
//! ([`MetadataBlob::by_aaguid`]) or, for FIDO U2F attestation certificates, by key identifier
//! ([`certificate_key_identifier`], [`MetadataBlob::by_certificate_key_identifier`]).
//! [`MetadataEntry::is_refused`] says whether an authenticator model must be refused.

mod date;
mod entry;
mod jws;
pub mod providers;

use std::collections::HashMap;

use serde::Deserialize;

pub use entry::{AuthenticatorStatus, MetadataEntry, StatusReport};
pub use jws::MAX_BLOB_LEN;

pub use crate::cert::certificate_key_identifier;

use crate::cert::TrustAnchor;
use crate::challenge::UnixTime;
use crate::error::Result;
use jws::malformed;

/// The most entries accepted in one BLOB.
pub const MAX_ENTRIES: usize = 1 << 16;

/// The BLOB payload as its JSON holds it (FIDO MDS3 §3.1.6 `MetadataBLOBPayload`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPayload {
    #[serde(default)]
    legal_header: Option<String>,
    no: u64,
    next_update: String,
    entries: Vec<entry::RawEntry>,
}

/// A verified FIDO MDS3 metadata BLOB, indexed for lookups.
#[derive(Clone)]
pub struct MetadataBlob {
    serial: u64,
    next_update: UnixTime,
    legal_header: Option<String>,
    entries: Vec<MetadataEntry>,
    by_aaguid: HashMap<[u8; 16], usize>,
    by_key_identifier: HashMap<Vec<u8>, usize>,
}

impl MetadataBlob {
    /// Verifies a metadata BLOB (the compact JWS, as downloaded) against the FIDO root
    /// certificate `fido_root` at `now`, and parses it.
    ///
    /// When several entries claim the same AAGUID or key identifier, lookups return the first.
    ///
    /// # Errors
    ///
    /// * [`ErrorKind::Attestation`](crate::ErrorKind::Attestation): an unsupported or `none`
    ///   algorithm, no `x5c`, a chain that is broken, expired at `now` or does not lead to
    ///   `fido_root`, or a signature that does not verify;
    /// * malformed ([`Input::Certificate`](crate::Input::Certificate), or [`Input::Base64`](crate::Input::Base64) for an `x5c` member): more
    ///   than [`MAX_BLOB_LEN`] bytes, not three base64url segments, header or payload JSON that
    ///   does not parse, a `nextUpdate` that is not `YYYY-MM-DD`, an ill-formed AAGUID or key
    ///   identifier, more than [`MAX_ENTRIES`] entries.
    pub fn verify(blob: &[u8], fido_root: &TrustAnchor, now: UnixTime) -> Result<Self> {
        let payload = jws::verify(blob, fido_root, now)?;
        Self::from_payload(&payload)
    }

    fn from_payload(payload: &[u8]) -> Result<Self> {
        let raw: RawPayload =
            serde_json::from_slice(payload).map_err(|_| malformed("metadata BLOB payload is not the expected JSON"))?;
        let next_update = date::parse_date(&raw.next_update).ok_or_else(|| malformed("metadata BLOB nextUpdate"))?;
        if raw.entries.len() > MAX_ENTRIES {
            return Err(malformed("too many metadata entries"));
        }
        let entries = raw.entries.into_iter().map(entry::RawEntry::into_entry).collect::<Result<Vec<_>>>()?;
        let mut by_aaguid = HashMap::new();
        let mut by_key_identifier = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            // The all-zero AAGUID means "no AAGUID" (U2F, or an authenticator hiding it).
            if let Some(aaguid) = entry.aaguid().filter(|a| **a != [0; 16]) {
                by_aaguid.entry(*aaguid).or_insert(index);
            }
            for key_id in entry.attestation_certificate_key_identifiers() {
                by_key_identifier.entry(key_id.clone()).or_insert(index);
            }
        }
        Ok(Self { serial: raw.no, next_update, legal_header: raw.legal_header, entries, by_aaguid, by_key_identifier })
    }

    /// The BLOB's serial number (`no`); a host should never replace a BLOB by one with a lower
    /// or equal serial.
    #[must_use]
    pub const fn serial(&self) -> u64 {
        self.serial
    }

    /// `nextUpdate`: 00:00 UTC of the day a newer BLOB is due.
    #[must_use]
    pub const fn next_update(&self) -> UnixTime {
        self.next_update
    }

    /// Whether `nextUpdate` has passed at `now`: the host should fetch a newer BLOB (this one
    /// stays verifiable; refusing a stale BLOB is the host's policy).
    #[must_use]
    pub fn is_stale(&self, now: UnixTime) -> bool {
        now > self.next_update
    }

    /// The `legalHeader`.
    #[must_use]
    pub fn legal_header(&self) -> Option<&str> {
        self.legal_header.as_deref()
    }

    /// Every entry, in BLOB order.
    #[must_use]
    pub fn entries(&self) -> &[MetadataEntry] {
        &self.entries
    }

    /// The entry of the authenticator model with this AAGUID (never for the all-zero AAGUID).
    #[must_use]
    pub fn by_aaguid(&self, aaguid: &[u8; 16]) -> Option<&MetadataEntry> {
        self.by_aaguid.get(aaguid).and_then(|&i| self.entries.get(i))
    }

    /// The entry listing this attestation certificate key identifier (see
    /// [`certificate_key_identifier`]); FIDO U2F authenticators are found this way.
    #[must_use]
    pub fn by_certificate_key_identifier(&self, key_id: &[u8]) -> Option<&MetadataEntry> {
        self.by_key_identifier.get(key_id).and_then(|&i| self.entries.get(i))
    }
}

impl core::fmt::Debug for MetadataBlob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MetadataBlob")
            .field("serial", &self.serial)
            .field("next_update", &self.next_update)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::MAX_CERT_LEN;
    use crate::Input;
    use crate::{Category, ErrorKind};

    fn payload(json: &serde_json::Value) -> Result<MetadataBlob> {
        MetadataBlob::from_payload(&serde_json::to_vec(json).unwrap())
    }

    #[test]
    fn payload_parses_and_indexes() {
        let blob = payload(&serde_json::json!({
            "legalHeader": "Terms",
            "no": 42,
            "nextUpdate": "2024-03-01",
            "entries": [
                {"aaguid": "00000000-0000-0000-0000-000000000000", "statusReports": []},
                {"aaguid": "ee882879-721c-4913-9775-3dfcce97072a", "statusReports": [{"status": "FIDO_CERTIFIED"}]},
                {"aaguid": "ee882879-721c-4913-9775-3dfcce97072a", "statusReports": [{"status": "REVOKED"}]},
                {"attestationCertificateKeyIdentifiers": ["AABBCC"], "statusReports": []}
            ]
        }))
        .unwrap();
        assert_eq!(blob.serial(), 42);
        assert_eq!(blob.legal_header(), Some("Terms"));
        assert_eq!(blob.next_update(), UnixTime::from_secs(1_709_251_200));
        assert!(!blob.is_stale(UnixTime::from_secs(1_709_251_200)));
        assert!(blob.is_stale(UnixTime::from_secs(1_709_251_201)));
        assert_eq!(blob.entries().len(), 4);
        assert!(blob.by_aaguid(&[0; 16]).is_none());
        let aaguid = entry::parse_aaguid("ee882879-721c-4913-9775-3dfcce97072a").unwrap();
        assert!(!blob.by_aaguid(&aaguid).unwrap().is_refused());
        assert!(blob.by_certificate_key_identifier(&[0xaa, 0xbb, 0xcc]).is_some());
        assert!(blob.by_certificate_key_identifier(&[0xaa, 0xbb]).is_none());
        assert!(format!("{blob:?}").contains("entries: 4"));
    }

    #[test]
    fn malformed_payloads() {
        for json in [
            serde_json::json!({"no": 1, "nextUpdate": "2024-02-30", "entries": []}),
            serde_json::json!({"no": -1, "nextUpdate": "2024-02-01", "entries": []}),
            serde_json::json!({"nextUpdate": "2024-02-01", "entries": []}),
            serde_json::json!({"no": 1, "nextUpdate": "2024-02-01"}),
            serde_json::json!({"no": 1, "nextUpdate": "2024-02-01", "entries": [{"aaguid": 5}]}),
            serde_json::json!([]),
        ] {
            let err = payload(&json).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed(Input::Certificate), "{json}");
        }
        let err = MetadataBlob::from_payload(b"\xff{").unwrap_err();
        assert_eq!(err.category(), Category::Malformed);
    }

    #[test]
    fn key_identifier_of_garbage_is_malformed() {
        for bad in [&b""[..], b"\x30\x00", &[0u8; MAX_CERT_LEN + 1]] {
            let err = certificate_key_identifier(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed(Input::Certificate));
        }
    }
}
