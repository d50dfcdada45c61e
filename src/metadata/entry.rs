//! Entries of the metadata BLOB (FIDO MDS3 §3.1.1 `MetadataBLOBPayloadEntry`) and their status
//! reports (§3.1.3, §3.1.4).

use core::fmt;

use serde::Deserialize;
use serde_json::Value;

use super::jws::malformed;
use crate::cert::TrustAnchor;
use crate::encoding::b64;
use crate::error::Result;

/// The most status reports accepted in one entry.
const MAX_STATUS_REPORTS: usize = 1024;
/// The most attestation certificate key identifiers accepted in one entry.
const MAX_KEY_IDENTIFIERS: usize = 4096;
/// The most attestation root certificates read from one statement; any beyond are skipped and
/// counted as unusable.
const MAX_ROOTS: usize = 64;
/// The longest key identifier accepted, in bytes (they are SHA-1 hashes: 20 bytes).
const MAX_KEY_IDENTIFIER_LEN: usize = 64;

/// An authenticator status (FIDO MDS3 §3.1.4 `AuthenticatorStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthenticatorStatus {
    /// `NOT_FIDO_CERTIFIED`.
    NotFidoCertified,
    /// `FIDO_CERTIFIED` (functional certification, level unspecified).
    FidoCertified,
    /// `USER_VERIFICATION_BYPASS`: malware can bypass user verification.
    UserVerificationBypass,
    /// `ATTESTATION_KEY_COMPROMISE`: an attestation key is known to be compromised.
    AttestationKeyCompromise,
    /// `USER_KEY_REMOTE_COMPROMISE`: user keys can be extracted remotely.
    UserKeyRemoteCompromise,
    /// `USER_KEY_PHYSICAL_COMPROMISE`: user keys can be extracted with physical access.
    UserKeyPhysicalCompromise,
    /// `UPDATE_AVAILABLE`: a firmware update is available.
    UpdateAvailable,
    /// `REVOKED`: the FIDO Alliance revoked the certification.
    Revoked,
    /// `SELF_ASSERTION_SUBMITTED`.
    SelfAssertionSubmitted,
    /// `FIDO_CERTIFIED_L1`.
    FidoCertifiedL1,
    /// `FIDO_CERTIFIED_L1plus`.
    FidoCertifiedL1Plus,
    /// `FIDO_CERTIFIED_L2`.
    FidoCertifiedL2,
    /// `FIDO_CERTIFIED_L2plus`.
    FidoCertifiedL2Plus,
    /// `FIDO_CERTIFIED_L3`.
    FidoCertifiedL3,
    /// `FIDO_CERTIFIED_L3plus`.
    FidoCertifiedL3Plus,
    /// A status this version does not know, as spelled in the BLOB.
    Other(String),
}

impl AuthenticatorStatus {
    const KNOWN: [(&'static str, Self); 15] = [
        ("NOT_FIDO_CERTIFIED", Self::NotFidoCertified),
        ("FIDO_CERTIFIED", Self::FidoCertified),
        ("USER_VERIFICATION_BYPASS", Self::UserVerificationBypass),
        ("ATTESTATION_KEY_COMPROMISE", Self::AttestationKeyCompromise),
        ("USER_KEY_REMOTE_COMPROMISE", Self::UserKeyRemoteCompromise),
        ("USER_KEY_PHYSICAL_COMPROMISE", Self::UserKeyPhysicalCompromise),
        ("UPDATE_AVAILABLE", Self::UpdateAvailable),
        ("REVOKED", Self::Revoked),
        ("SELF_ASSERTION_SUBMITTED", Self::SelfAssertionSubmitted),
        ("FIDO_CERTIFIED_L1", Self::FidoCertifiedL1),
        ("FIDO_CERTIFIED_L1plus", Self::FidoCertifiedL1Plus),
        ("FIDO_CERTIFIED_L2", Self::FidoCertifiedL2),
        ("FIDO_CERTIFIED_L2plus", Self::FidoCertifiedL2Plus),
        ("FIDO_CERTIFIED_L3", Self::FidoCertifiedL3),
        ("FIDO_CERTIFIED_L3plus", Self::FidoCertifiedL3Plus),
    ];

    /// The status named `name` (exact spelling of the specification); unknown names are kept
    /// as [`AuthenticatorStatus::Other`].
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        Self::KNOWN.iter().find(|(n, _)| *n == name).map_or_else(|| Self::Other(name.to_owned()), |(_, s)| s.clone())
    }

    /// The status as spelled in the specification.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(name) => name,
            known => Self::KNOWN.iter().find(|(_, s)| s == known).map_or("", |(n, _)| n),
        }
    }

    /// Whether this status makes a relying party refuse the authenticator: `REVOKED`,
    /// `ATTESTATION_KEY_COMPROMISE`, `USER_VERIFICATION_BYPASS` or
    /// `USER_KEY_REMOTE_COMPROMISE`.
    #[must_use]
    pub const fn is_refusing(&self) -> bool {
        matches!(
            self,
            Self::Revoked
                | Self::AttestationKeyCompromise
                | Self::UserVerificationBypass
                | Self::UserKeyRemoteCompromise
        )
    }
}

/// One status report of an entry (FIDO MDS3 §3.1.3 `StatusReport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The status.
    pub status: AuthenticatorStatus,
    /// The date the status took effect (`"YYYY-MM-DD"`), as written in the BLOB.
    pub effective_date: Option<String>,
}

/// One authenticator model of the metadata BLOB: its identifiers, its status history and the
/// parts of its metadata statement a relying party uses.
#[derive(Clone)]
pub struct MetadataEntry {
    aaguid: Option<[u8; 16]>,
    aaid: Option<String>,
    key_identifiers: Vec<Vec<u8>>,
    description: Option<String>,
    icon: Option<String>,
    attestation_types: Vec<String>,
    roots: Vec<TrustAnchor>,
    unusable_roots: usize,
    status_reports: Vec<StatusReport>,
    time_of_last_status_change: Option<String>,
    statement: Option<Value>,
}

impl MetadataEntry {
    /// The AAGUID of a FIDO2 authenticator.
    #[must_use]
    pub const fn aaguid(&self) -> Option<&[u8; 16]> {
        self.aaguid.as_ref()
    }

    /// The AAID of a FIDO UAF authenticator.
    #[must_use]
    pub fn aaid(&self) -> Option<&str> {
        self.aaid.as_deref()
    }

    /// The attestation certificate key identifiers (of FIDO U2F authenticators): SHA-1 of the
    /// subject public key of their attestation certificates.
    #[must_use]
    pub fn attestation_certificate_key_identifiers(&self) -> &[Vec<u8>] {
        &self.key_identifiers
    }

    /// The statement's `description`.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The statement's `icon`: a `data:` URL, as written in the BLOB (not validated).
    #[must_use]
    pub fn icon(&self) -> Option<&str> {
        self.icon.as_deref()
    }

    /// The statement's `attestationTypes` (`"basic_full"`, `"attca"`, `"none"`, ...).
    #[must_use]
    pub fn attestation_types(&self) -> &[String] {
        &self.attestation_types
    }

    /// The statement's `attestationRootCertificates`, parsed once when the BLOB was loaded:
    /// the trust anchors of this model's attestation chains.
    #[must_use]
    pub fn attestation_roots(&self) -> &[TrustAnchor] {
        &self.roots
    }

    /// How many `attestationRootCertificates` were skipped because they are not a usable
    /// certificate (bad base64, not X.509, unsupported key, over the per-entry bound).
    #[must_use]
    pub const fn unusable_root_count(&self) -> usize {
        self.unusable_roots
    }

    /// The status reports, in BLOB order.
    #[must_use]
    pub fn status_reports(&self) -> &[StatusReport] {
        &self.status_reports
    }

    /// The entry's `timeOfLastStatusChange` (`"YYYY-MM-DD"`), as written in the BLOB.
    #[must_use]
    pub fn time_of_last_status_change(&self) -> Option<&str> {
        self.time_of_last_status_change.as_deref()
    }

    /// The whole metadata statement as JSON, for anything not surfaced by a getter.
    #[must_use]
    pub const fn statement(&self) -> Option<&Value> {
        self.statement.as_ref()
    }

    /// Whether a relying party should refuse this authenticator: true when **any** status
    /// report is `REVOKED`, `ATTESTATION_KEY_COMPROMISE`, `USER_VERIFICATION_BYPASS` or
    /// `USER_KEY_REMOTE_COMPROMISE`.
    ///
    /// Any report counts, not only the latest: a later report (say `UPDATE_AVAILABLE` or
    /// `FIDO_CERTIFIED_L1` for new firmware) does not clear an earlier compromise, because
    /// authenticators with the compromised keys or firmware remain in the field and attest
    /// under the same identifiers.
    #[must_use]
    pub fn is_refused(&self) -> bool {
        self.status_reports.iter().any(|r| r.status.is_refusing())
    }
}

impl fmt::Debug for MetadataEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataEntry")
            .field("aaguid", &self.aaguid.as_ref().map(format_aaguid))
            .field("aaid", &self.aaid)
            .field("key_identifiers", &self.key_identifiers.len())
            .field("description", &self.description)
            .field("attestation_types", &self.attestation_types)
            .field("attestation_roots", &self.roots.len())
            .field("unusable_roots", &self.unusable_roots)
            .field("status_reports", &self.status_reports)
            .field("time_of_last_status_change", &self.time_of_last_status_change)
            .field("statement", &self.statement.is_some())
            .finish()
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
pub(super) fn format_aaguid(aaguid: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in aaguid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(2) || bytes.len() > 2 * MAX_KEY_IDENTIFIER_LEN {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((hex_nibble(*hi)? << 4) | hex_nibble(*lo)?),
            _ => None,
        })
        .collect()
}

/// Parses an AAGUID in UUID form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, either case).
pub(super) fn parse_aaguid(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes.get(i) != Some(&b'-')) {
        return None;
    }
    let digits: String = text.chars().filter(|&c| c != '-').collect();
    hex(&digits)?.try_into().ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatusReport {
    status: String,
    #[serde(default)]
    effective_date: Option<String>,
}

/// An entry as the BLOB's JSON holds it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEntry {
    #[serde(default)]
    aaguid: Option<String>,
    #[serde(default)]
    aaid: Option<String>,
    #[serde(default)]
    attestation_certificate_key_identifiers: Option<Vec<String>>,
    #[serde(default)]
    metadata_statement: Option<Value>,
    #[serde(default)]
    status_reports: Vec<RawStatusReport>,
    #[serde(default)]
    time_of_last_status_change: Option<String>,
}

fn string_of(statement: Option<&Value>, key: &str) -> Option<String> {
    statement?.get(key)?.as_str().map(str::to_owned)
}

/// The trust anchors of `attestationRootCertificates` (standard base64 DER) and how many
/// members were unusable.
fn roots_of(statement: Option<&Value>) -> (Vec<TrustAnchor>, usize) {
    let Some(items) = statement.and_then(|s| s.get("attestationRootCertificates")).and_then(Value::as_array) else {
        return (Vec::new(), 0);
    };
    let mut roots = Vec::new();
    let mut unusable = items.len().saturating_sub(MAX_ROOTS);
    for item in items.iter().take(MAX_ROOTS) {
        let anchor =
            item.as_str().and_then(|text| b64::decode(text).ok()).and_then(|der| TrustAnchor::from_der(&der).ok());
        match anchor {
            Some(anchor) => roots.push(anchor),
            None => unusable += 1,
        }
    }
    (roots, unusable)
}

impl RawEntry {
    /// Builds the entry: identifiers must be well formed (the BLOB is refused otherwise);
    /// unusable root certificates are skipped and counted.
    pub(super) fn into_entry(self) -> Result<MetadataEntry> {
        let statement = self.metadata_statement;
        let statement_ref = statement.as_ref();
        // The entry's identifiers; the statement's when the entry omits them.
        let aaguid = self.aaguid.or_else(|| string_of(statement_ref, "aaguid"));
        let aaguid =
            aaguid.map(|text| parse_aaguid(&text).ok_or_else(|| malformed("metadata entry AAGUID"))).transpose()?;
        let key_ids = self.attestation_certificate_key_identifiers.or_else(|| {
            statement_ref
                .and_then(|s| s.get("attestationCertificateKeyIdentifiers"))
                .and_then(|v| Vec::<String>::deserialize(v).ok())
        });
        let key_ids = key_ids.unwrap_or_default();
        if key_ids.len() > MAX_KEY_IDENTIFIERS {
            return Err(malformed("too many attestation certificate key identifiers"));
        }
        let key_identifiers = key_ids
            .iter()
            .map(|text| hex(text).ok_or_else(|| malformed("metadata entry certificate key identifier")))
            .collect::<Result<Vec<_>>>()?;
        if self.status_reports.len() > MAX_STATUS_REPORTS {
            return Err(malformed("too many status reports"));
        }
        let status_reports = self
            .status_reports
            .into_iter()
            .map(|r| StatusReport {
                status: AuthenticatorStatus::from_name(&r.status),
                effective_date: r.effective_date,
            })
            .collect();
        let attestation_types = statement_ref
            .and_then(|s| s.get("attestationTypes"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let (roots, unusable_roots) = roots_of(statement_ref);
        Ok(MetadataEntry {
            aaguid,
            aaid: self.aaid.or_else(|| string_of(statement_ref, "aaid")),
            key_identifiers,
            description: string_of(statement_ref, "description"),
            icon: string_of(statement_ref, "icon"),
            attestation_types,
            roots,
            unusable_roots,
            status_reports,
            time_of_last_status_change: self.time_of_last_status_change,
            statement,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aaguids() {
        let text = "ee882879-721c-4913-9775-3dfcce97072a";
        let aaguid = parse_aaguid(text).unwrap();
        assert_eq!(aaguid[0], 0xee);
        assert_eq!(aaguid[15], 0x2a);
        assert_eq!(format_aaguid(&aaguid), text);
        assert_eq!(parse_aaguid(&text.to_uppercase()), Some(aaguid));
        for bad in [
            "",
            "ee882879721c491397753dfcce97072a",
            "ee882879-721c-4913-9775-3dfcce97072",
            "ee882879-721c-4913-9775-3dfcce97072g",
            "ee88287-9721c-4913-9775-3dfcce97072a",
            "ee882879-721c-4913-9775-3dfcce97072a0",
            "ee882879-721c-4913-9775+3dfcce97072a",
        ] {
            assert_eq!(parse_aaguid(bad), None, "{bad}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for (name, status) in AuthenticatorStatus::KNOWN {
            assert_eq!(AuthenticatorStatus::from_name(name), status);
            assert_eq!(status.as_str(), name);
        }
        let other = AuthenticatorStatus::from_name("FIDO_CERTIFIED_L4");
        assert_eq!(other, AuthenticatorStatus::Other("FIDO_CERTIFIED_L4".to_owned()));
        assert_eq!(other.as_str(), "FIDO_CERTIFIED_L4");
        assert!(!other.is_refusing());
        let refusing: Vec<_> =
            AuthenticatorStatus::KNOWN.iter().filter(|(_, s)| s.is_refusing()).map(|(n, _)| *n).collect();
        assert_eq!(
            refusing,
            ["USER_VERIFICATION_BYPASS", "ATTESTATION_KEY_COMPROMISE", "USER_KEY_REMOTE_COMPROMISE", "REVOKED"]
        );
    }

    #[test]
    fn later_reports_do_not_clear_a_compromise() {
        let raw: RawEntry = serde_json::from_value(serde_json::json!({
            "aaguid": "ee882879-721c-4913-9775-3dfcce97072a",
            "statusReports": [
                {"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2020-01-01"},
                {"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2021-01-01"},
                {"status": "FIDO_CERTIFIED_L2", "effectiveDate": "2022-01-01"}
            ],
            "metadataStatement": {
                "description": "Test",
                "attestationRootCertificates": ["AQID", 5, "not base64!"],
                "attestationTypes": ["basic_full"]
            }
        }))
        .unwrap();
        let entry = raw.into_entry().unwrap();
        assert!(entry.is_refused());
        assert_eq!(entry.unusable_root_count(), 3);
        assert!(entry.attestation_roots().is_empty());
        assert_eq!(entry.attestation_types(), ["basic_full"]);
        assert!(format!("{entry:?}").contains("ee882879-721c-4913-9775-3dfcce97072a"));
    }

    #[test]
    fn malformed_identifiers_are_refused() {
        for entry in [
            serde_json::json!({"aaguid": "nope"}),
            serde_json::json!({"attestationCertificateKeyIdentifiers": ["abc"]}),
            serde_json::json!({"attestationCertificateKeyIdentifiers": ["zz"]}),
        ] {
            let raw: RawEntry = serde_json::from_value(entry).unwrap();
            assert!(raw.into_entry().is_err());
        }
    }
}
