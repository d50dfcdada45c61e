//! Attestation statement verification (WebAuthn L3 §8).
//!
//! Every format of §8: `packed` (§8.2), `tpm` (§8.3), `android-key` (§8.4),
//! `android-safetynet` (§8.5), `fido-u2f` (§8.6), `none` (§8.7), `apple` (§8.8) and `compound`
//! (§8.9, every sub-statement must verify). A format verifier checks the statement and returns
//! its certificate chain; [`crate::cert::verify_chain`] then checks the chain's links and validity and
//! whether it reaches a root the host configured. Without roots, trust is reported as not
//! established; `Policy::require_trusted_attestation` turns that into a failure. An unknown
//! format fails with [`Category::Attestation`](crate::Category::Attestation).

mod android_key;
mod android_safetynet;
mod apple;
mod fido_u2f;
pub(crate) mod hazmat;
mod none;
mod packed;
mod policy;
mod stmt;
mod tpm;

pub use crate::cert::{Trust, TrustAnchor, Untrusted};
pub(crate) use policy::AnchorScope;
pub use policy::AttestationPolicy;

use crate::challenge::UnixTime;
use crate::cose::CoseKey;
use crate::encoding::cbor::{Seq, Value};
use crate::error::AttestationError;
use crate::error::{Error, Result};
use crate::metadata::MetadataEntry;
use crate::wire::auth_data::AuthenticatorData;

/// An attestation statement format identifier (the IANA WebAuthn registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttestationFormat {
    /// `none`.
    None,
    /// `packed`.
    Packed,
    /// `tpm`.
    Tpm,
    /// `android-key`.
    AndroidKey,
    /// `android-safetynet`.
    AndroidSafetynet,
    /// `fido-u2f`.
    FidoU2f,
    /// `apple`.
    Apple,
    /// `compound`.
    Compound,
}

impl AttestationFormat {
    /// The format for identifier `fmt` (case-sensitive, as §7.1 step 21 requires).
    #[must_use]
    pub fn from_id(fmt: &str) -> Option<Self> {
        Some(match fmt {
            "none" => Self::None,
            "packed" => Self::Packed,
            "tpm" => Self::Tpm,
            "android-key" => Self::AndroidKey,
            "android-safetynet" => Self::AndroidSafetynet,
            "fido-u2f" => Self::FidoU2f,
            "apple" => Self::Apple,
            "compound" => Self::Compound,
            _ => return None,
        })
    }

    /// The format identifier.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Packed => "packed",
            Self::Tpm => "tpm",
            Self::AndroidKey => "android-key",
            Self::AndroidSafetynet => "android-safetynet",
            Self::FidoU2f => "fido-u2f",
            Self::Apple => "apple",
            Self::Compound => "compound",
        }
    }
}

/// The attestation type (§6.5.4) a verified statement establishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttestationType {
    /// No attestation.
    None,
    /// Self attestation: signed by the credential key itself.
    SelfAttestation,
    /// Basic attestation: an attestation key shared by a batch of authenticators.
    Basic,
    /// Attestation CA (for example a TPM AIK certificate).
    AttCa,
    /// Anonymization CA (for example Apple anonymous attestation).
    AnonCa,
}

impl AttestationType {
    /// A stable lowercase name (`"none"`, `"self"`, `"basic"`, `"attca"`, `"anonca"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::SelfAttestation => "self",
            Self::Basic => "basic",
            Self::AttCa => "attca",
            Self::AnonCa => "anonca",
        }
    }
}

/// The outcome of attestation verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttestationOutcome {
    format: AttestationFormat,
    kind: AttestationType,
    trust: Trust,
    aaguid_attested: bool,
}

impl AttestationOutcome {
    /// The statement format.
    #[must_use]
    pub const fn format(&self) -> AttestationFormat {
        self.format
    }

    /// The attestation type.
    #[must_use]
    pub const fn kind(&self) -> AttestationType {
        self.kind
    }

    /// Whether trust was established up to a root the host configured, or why not. `none`
    /// and self attestation never establish trust.
    #[must_use]
    pub const fn trust(&self) -> Trust {
        self.trust
    }

    /// Whether trust was established (`trust().is_trusted()`).
    #[must_use]
    pub const fn trusted(&self) -> bool {
        self.trust.is_trusted()
    }

    /// Whether the attestation vouches for the AAGUID: the attestation certificate names it
    /// in `id-fido-gen-ce-aaguid` (checked by `packed` and `tpm`). Otherwise (`fido-u2f`,
    /// which signs no AAGUID, `none`, self attestation, and certificates without the
    /// extension) the AAGUID is only what the authenticator claims: display it, never trust
    /// it. FIDO metadata is then looked up by the certificate's key identifier.
    #[must_use]
    pub const fn aaguid_attested(&self) -> bool {
        self.aaguid_attested
    }
}

/// What a statement verifier needs (§8: "attStmt, authenticatorData and clientDataHash").
pub(crate) struct Inputs<'a, 'k> {
    pub att_stmt: Seq<'a>,
    pub auth_data: &'k AuthenticatorData<'a>,
    pub client_data_hash: &'k [u8; 32],
    pub credential_key: &'k CoseKey<'a>,
    pub policy: &'k AttestationPolicy,
    pub now: UnixTime,
}

impl Inputs<'_, '_> {
    const fn allow_sha1(&self) -> bool {
        self.policy.allow_sha1
    }
}

/// What a statement verifier established: the attestation type and the certificate chain
/// (leaf first) whose trust the dispatcher then evaluates.
pub(crate) struct Statement<'a> {
    pub kind: AttestationType,
    pub chain: Vec<crate::cert::Cert<'a>>,
}

impl Statement<'_> {
    const fn without_chain(kind: AttestationType) -> Self {
        Self { kind, chain: Vec::new() }
    }
}

/// §7.1 steps 21-24: determines the format, verifies the statement, and assesses trust
/// against the roots configured for the format and AAGUID.
pub(crate) fn verify(fmt: &str, inputs: &Inputs<'_, '_>) -> Result<AttestationOutcome> {
    let format = AttestationFormat::from_id(fmt)
        .ok_or_else(|| Error::attestation(AttestationError::UnknownFormat, "unknown attestation format"))?;
    let statement = match format {
        AttestationFormat::None => none::verify(inputs)?,
        AttestationFormat::Packed => packed::verify(inputs)?,
        AttestationFormat::Tpm => tpm::verify(inputs)?,
        AttestationFormat::AndroidKey => android_key::verify(inputs)?,
        AttestationFormat::AndroidSafetynet => android_safetynet::verify(inputs)?,
        AttestationFormat::FidoU2f => fido_u2f::verify(inputs)?,
        AttestationFormat::Apple => apple::verify(inputs)?,
        AttestationFormat::Compound => {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "compound attestation nested in compound",
            ))
        }
    };
    let aaguid = inputs.auth_data.attested_credential_data().map(|a| a.aaguid()).unwrap_or_default();
    let leaf = statement.chain.first();
    let aaguid_attested = matches!(format, AttestationFormat::Packed | AttestationFormat::Tpm)
        && leaf.is_some_and(|leaf| leaf.extension(packed::FIDO_GEN_CE_AAGUID).is_some());
    let mut anchors = inputs.policy.anchors(format, &aaguid);
    let (identified, claimed) = metadata_entries(inputs.policy, &aaguid, aaguid_attested, leaf);
    if identified.iter().chain(&claimed).any(|entry| entry.is_refused()) {
        return Err(Error::attestation(
            AttestationError::MetadataRefused,
            "authenticator status in FIDO metadata is refused",
        ));
    }
    // Roots come only from the entry the attestation itself identifies.
    if let Some(entry) = identified.filter(|_| inputs.policy.metadata_roots_as_anchors) {
        anchors.extend(entry.attestation_roots());
    }
    let trust = if statement.chain.is_empty() {
        Trust::Untrusted(Untrusted::NoCertificateChain)
    } else {
        crate::cert::verify_chain(&statement.chain, &anchors, inputs.now, inputs.allow_sha1())?
    };
    Ok(AttestationOutcome { format, kind: statement.kind, trust, aaguid_attested })
}

/// The authenticator's FIDO metadata entries: the one the attestation identifies (by AAGUID
/// when the certificate attests it, otherwise by the attestation certificate's key
/// identifier), and the one an unattested AAGUID merely claims. The claimed entry may only
/// refuse: claiming another model's AAGUID cannot escape a revoked model's refusal, nor
/// borrow that model's roots.
fn metadata_entries<'r>(
    policy: &'r AttestationPolicy,
    aaguid: &[u8; 16],
    aaguid_attested: bool,
    leaf: Option<&crate::cert::Cert<'_>>,
) -> (Option<&'r MetadataEntry>, Option<&'r MetadataEntry>) {
    let Some(blob) = policy.metadata() else {
        return (None, None);
    };
    let by_aaguid = if aaguid == &[0; 16] { None } else { blob.by_aaguid(aaguid) };
    if aaguid_attested {
        return (by_aaguid, None);
    }
    (leaf.and_then(|leaf| blob.by_certificate_key_identifier(&leaf.key_identifier())), by_aaguid)
}

/// The most sub-statements accepted in a `compound` statement.
pub const MAX_COMPOUND: usize = 8;

/// §7.1 steps 21-24 for any `attStmt` (a map, or for `compound` an array of
/// `{fmt, attStmt}` maps, every one of which must verify), then the conveyance policy.
pub(crate) fn verify_statement(fmt: &str, att_stmt: Value<'_>, inputs: &Inputs<'_, '_>) -> Result<AttestationOutcome> {
    let outcome = match (fmt, att_stmt) {
        ("compound", Value::Array(items)) => {
            if items.len() < 2 || items.len() > MAX_COMPOUND {
                return Err(Error::attestation(
                    AttestationError::MalformedStatement,
                    "compound attestation must hold 2 to 8 statements",
                ));
            }
            let mut untrusted = None;
            let mut first = None;
            for item in items.items() {
                let Ok(Value::Map(sub)) = item else {
                    return Err(Error::attestation(
                        AttestationError::MalformedStatement,
                        "compound sub-statement is not a map",
                    ));
                };
                let (sub_fmt, sub_stmt) = compound_member(sub)?;
                let sub_inputs = Inputs { att_stmt: sub_stmt, ..*inputs };
                let outcome = verify(sub_fmt, &sub_inputs)?;
                if let Trust::Untrusted(why) = outcome.trust {
                    untrusted.get_or_insert(why);
                }
                first.get_or_insert(outcome);
            }
            let first = first.ok_or_else(|| {
                Error::attestation(AttestationError::MalformedStatement, "empty compound attestation")
            })?;
            let trust = untrusted.map_or(Trust::Trusted, Trust::Untrusted);
            AttestationOutcome {
                format: AttestationFormat::Compound,
                kind: first.kind,
                trust,
                aaguid_attested: first.aaguid_attested,
            }
        }
        ("compound", _) => {
            return Err(Error::attestation(AttestationError::MalformedStatement, "compound attStmt is not an array"))
        }
        (_, Value::Map(map)) => verify(fmt, &Inputs { att_stmt: map, ..*inputs })?,
        _ => return Err(Error::attestation(AttestationError::MalformedStatement, "attStmt is not a map")),
    };
    if inputs.policy.require_trusted && !outcome.trusted() {
        return Err(Error::attestation(AttestationError::NotTrusted, "attestation not trusted"));
    }
    Ok(outcome)
}

/// Reads `{fmt, attStmt}` of a compound sub-statement.
fn compound_member(map: Seq<'_>) -> Result<(&str, Seq<'_>)> {
    let (mut fmt, mut stmt) = (None, None);
    for entry in map.entries() {
        let (k, v) = entry.map_err(|_| {
            Error::attestation(AttestationError::MalformedStatement, "compound sub-statement is not valid CBOR")
        })?;
        let duplicate = match (k.as_text(), v) {
            (Some("fmt"), Value::Text(t)) => fmt.replace(t).is_some(),
            (Some("attStmt"), Value::Map(m)) => stmt.replace(m).is_some(),
            _ => {
                return Err(Error::attestation(
                    AttestationError::MalformedStatement,
                    "compound sub-statement member unexpected",
                ))
            }
        };
        if duplicate {
            return Err(Error::attestation(
                AttestationError::MalformedStatement,
                "duplicate compound sub-statement member",
            ));
        }
    }
    match (fmt, stmt) {
        (Some("compound"), _) => {
            Err(Error::attestation(AttestationError::MalformedStatement, "compound attestation nested in compound"))
        }
        (Some(f), Some(s)) => Ok((f, s)),
        _ => Err(Error::attestation(AttestationError::MalformedStatement, "compound sub-statement incomplete")),
    }
}
