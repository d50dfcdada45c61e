//! What attestation verification needs of the relying party: trust anchors by scope, FIDO
//! metadata, whether trust is required, and the dangerous switches that concern statements.
//! The relying party owns one and hands it to the verifiers; nothing here reads the relying
//! party itself.

use std::sync::Arc;

use super::AttestationFormat;
use crate::cert::TrustAnchor;
use crate::metadata::MetadataBlob;

/// Which attestations a configured root anchors: any, one format, or one authenticator model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct AnchorScope {
    pub(crate) format: Option<AttestationFormat>,
    pub(crate) aaguid: Option<[u8; 16]>,
}

/// The attestation part of a relying party's configuration, built by
/// [`RelyingPartyBuilder::build`](crate::RelyingPartyBuilder::build) and read through
/// [`RelyingParty::attestation_policy`](crate::RelyingParty::attestation_policy).
#[derive(Debug, Clone, Default)]
pub struct AttestationPolicy {
    pub(crate) anchors: Vec<(AnchorScope, TrustAnchor)>,
    pub(crate) metadata: Option<Arc<MetadataBlob>>,
    pub(crate) require_trusted: bool,
    pub(crate) metadata_roots_as_anchors: bool,
    pub(crate) allow_sha1: bool,
    pub(crate) allow_test_tpm_vendors: bool,
    pub(crate) allow_safetynet_cts_mismatch: bool,
}

impl AttestationPolicy {
    /// The trust anchors configured for attestations of `format` from authenticator
    /// `aaguid`.
    #[must_use]
    pub fn anchors(&self, format: AttestationFormat, aaguid: &[u8; 16]) -> Vec<&TrustAnchor> {
        self.anchors
            .iter()
            .filter(|(scope, _)| scope.format.is_none_or(|f| f == format) && scope.aaguid.is_none_or(|a| &a == aaguid))
            .map(|(_, anchor)| anchor)
            .collect()
    }

    /// The FIDO metadata consulted at registration, if configured.
    #[must_use]
    pub fn metadata(&self) -> Option<&MetadataBlob> {
        self.metadata.as_deref()
    }

    /// Whether an attestation that does not chain to a trust anchor fails.
    #[must_use]
    pub const fn requires_trust(&self) -> bool {
        self.require_trusted
    }
}
