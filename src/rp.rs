//! The relying party's configuration: RP ID, allowed origins and top origins, and policy.

use std::sync::Arc;

use crate::attestation::{AnchorScope, AttestationFormat, AttestationPolicy, TrustAnchor};
use crate::cose::CoseAlgorithm;
use crate::crypto;
use crate::encoding::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::extensions::UnsolicitedExtensions;
use crate::metadata::MetadataBlob;

fn config(context: &'static str) -> Error {
    Error::new(ErrorKind::Config, context)
}

/// An origin the relying party accepts, compared exactly (scheme, host and port).
///
/// Web origins are `scheme://host[:port]` (default ports 443 for https and 80 for http are
/// implied, host compared ASCII case-insensitively). Native Android apps are
/// `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`. A suffix or
/// subdomain never matches: `https://evilexample.com` is not `https://example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A web origin.
    Web {
        /// Lowercase scheme, such as `https`.
        scheme: String,
        /// Lowercase host (a domain, an IPv4 address, or a bracketed IPv6 address).
        host: String,
        /// The port, explicit or the scheme's default.
        port: Option<u16>,
    },
    /// An Android app identified by the SHA-256 hash of its signing certificate.
    AndroidApk {
        /// SHA-256 of the APK signing certificate.
        key_hash: [u8; 32],
    },
}

const ANDROID_PREFIX: &str = "android:apk-key-hash:";

impl Origin {
    /// Parses an origin. The same parser reads configured origins and the origins clients
    /// send, so that comparison is structural.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when `text` is not an origin (a path, query, fragment, user info
    /// or an empty host is present, for example).
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match OriginRef::parse(text)? {
            OriginRef::Web { scheme, host, port } => {
                Self::Web { scheme: scheme.to_ascii_lowercase(), host: host.to_ascii_lowercase(), port }
            }
            OriginRef::AndroidApk { key_hash } => Self::AndroidApk { key_hash },
        })
    }

    /// Whether `text` (an origin as a client reported it) is exactly this origin as a browser
    /// serialises it: lower-case scheme and host, the port only when it is not the scheme's
    /// default, no trailing slash; an Android origin with its hash in unpadded base64url. The
    /// reported text is not normalised (the configuration was, once). Does not allocate.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Self::Web { scheme, host, port } => {
                let Some(rest) = text
                    .strip_prefix(scheme.as_str())
                    .and_then(|r| r.strip_prefix("://"))
                    .and_then(|r| r.strip_prefix(host.as_str()))
                else {
                    return false;
                };
                match port.filter(|p| Some(*p) != default_port(scheme)) {
                    None => rest.is_empty(),
                    Some(port) => rest.strip_prefix(':').is_some_and(|digits| is_decimal(digits, port)),
                }
            }
            Self::AndroidApk { key_hash } => {
                text.strip_prefix(ANDROID_PREFIX).is_some_and(|hash| b64::is_encoding_of(hash.as_bytes(), key_hash))
            }
        }
    }
}

/// The port a scheme's origins omit (the scheme compared ASCII case-insensitively).
fn default_port(scheme: &str) -> Option<u16> {
    if scheme.eq_ignore_ascii_case("https") {
        Some(443)
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(80)
    } else {
        None
    }
}

/// Whether `digits` is `port` written as a browser does: decimal, no sign, no leading zero.
fn is_decimal(digits: &str, port: u16) -> bool {
    !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse() == Ok(port)
}

/// An origin parsed without copying, for normalising the configuration.
enum OriginRef<'a> {
    Web { scheme: &'a str, host: &'a str, port: Option<u16> },
    AndroidApk { key_hash: [u8; 32] },
}

impl<'a> OriginRef<'a> {
    fn parse(text: &'a str) -> Result<Self> {
        if let Some(hash) = text.strip_prefix(ANDROID_PREFIX) {
            let mut key_hash = [0u8; 35];
            let len = b64::decode_slice(hash, &mut key_hash).map_err(|_| config("apk-key-hash is not base64url"))?;
            let key_hash = key_hash.get(..len).and_then(|h| h.try_into().ok());
            return Ok(Self::AndroidApk { key_hash: key_hash.ok_or_else(|| config("apk-key-hash is not 32 bytes"))? });
        }
        let (scheme, rest) = text.split_once("://").ok_or_else(|| config("origin without scheme"))?;
        let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok {
            return Err(config("invalid origin scheme"));
        }
        if rest.is_empty()
            || rest.bytes().any(|b| {
                matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\') || b.is_ascii_whitespace() || b.is_ascii_control()
            })
        {
            return Err(config("origin must be scheme://host[:port]"));
        }
        let (host, port) = split_port(rest)?;
        if host.is_empty() {
            return Err(config("origin without host"));
        }
        Ok(Self::Web { scheme, host, port: port.or_else(|| default_port(scheme)) })
    }
}

fn split_port(rest: &str) -> Result<(&str, Option<u16>)> {
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']').ok_or_else(|| config("unterminated IPv6 host"))?;
        let (host, after) = rest.split_at(end + 1);
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(config("garbage after IPv6 host")),
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().map_err(|_| config("origin port out of range"))?)
        }
        Some(_) => return Err(config("invalid origin port")),
        None => None,
    };
    Ok((host, port))
}

/// How the signature counter is enforced (WebAuthn L3 §7.2 step 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CounterPolicy {
    /// A count that did not increase (while either count is nonzero) fails the ceremony.
    #[default]
    Reject,
    /// A count that did not increase is reported ([`CounterOutcome::Regressed`](crate::CounterOutcome::Regressed))
    /// but does not fail the ceremony; the stored count is never lowered. For hosts that
    /// tolerate synced passkeys whose counters are unreliable.
    Report,
}

/// Checks a relying party may relax. Every default is fail-closed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// Credential key algorithms accepted (a ceremony's `pubKeyCredParams`), in order of
    /// preference. Default: [`CoseAlgorithm::DEFAULT`] (everything but SHA-1).
    pub algorithms: Vec<CoseAlgorithm>,
    /// Counter enforcement. Default: [`CounterPolicy::Reject`].
    pub counter: CounterPolicy,
    /// When set, a credential whose `uvInitialized` is set (some earlier ceremony verified the
    /// user) must be verified at every sign-in, whatever the ceremony asked. Default: `false`.
    pub sticky_user_verification: bool,
    /// How long issued ceremony state stays valid, in seconds. Default: 300.
    pub ceremony_timeout_secs: u64,
    /// Require attestation trusted up to a configured root: `none`, self attestation and
    /// chains that reach no configured root then fail with the `attestation` category.
    /// Default: `false` (statements are verified; trust is reported, not required).
    pub require_trusted_attestation: bool,
    /// Use the attestation root certificates of the authenticator's FIDO metadata entry as
    /// trust anchors (needs [`RelyingPartyBuilder::metadata`]). Default: `false`.
    pub metadata_roots_as_anchors: bool,
    /// Extension outputs that were not requested: passed over, or refused with the
    /// `extension` category. Default: [`UnsolicitedExtensions::Ignore`].
    pub unsolicited_extensions: UnsolicitedExtensions,
    /// Switches that weaken verification; each one off by default.
    pub dangerous: Dangerous,
}

/// Switches that weaken verification. Each is off by default and named for what it risks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Dangerous {
    /// Accept SHA-1 anywhere: RS1 credential keys, SHA-1 attestation signatures and
    /// certificates. Also adds RS1 to the accepted algorithms.
    pub allow_sha1: bool,
    /// Accept TPM attestation from the FIDO conformance vendor `FFFFF1D0` and vendor IDs
    /// absent from the TCG registry.
    pub allow_test_tpm_vendors: bool,
    /// Accept Android SafetyNet attestations whose `ctsProfileMatch` is false (a device that
    /// failed Android compatibility testing, such as a rooted one).
    pub allow_safetynet_cts_mismatch: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            algorithms: CoseAlgorithm::DEFAULT.to_vec(),
            counter: CounterPolicy::Reject,
            sticky_user_verification: false,
            ceremony_timeout_secs: 300,
            require_trusted_attestation: false,
            metadata_roots_as_anchors: false,
            unsolicited_extensions: UnsolicitedExtensions::Ignore,
            dangerous: Dangerous::default(),
        }
    }
}

/// A relying party: its RP ID, display name, the origins it serves, its attestation trust
/// anchors and its policy.
///
/// ```
/// use passkey_verifier::{Policy, RelyingParty, UserVerification};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let mut policy = Policy::default();
/// policy.sticky_user_verification = true; // a credential registered with UV must keep using it
/// let rp = RelyingParty::builder("example.com")
///     .name("Example")
///     .origin("https://example.com")
///     .origin("https://login.example.com")
///     .policy(policy)
///     .build()?;
/// assert_eq!(rp.id(), "example.com");
/// # let _ = UserVerification::Required;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RelyingParty {
    id: String,
    id_hash: [u8; 32],
    name: String,
    origins: Vec<Origin>,
    top_origins: Vec<Origin>,
    attestation: AttestationPolicy,
    policy: Policy,
}

/// Builds a [`RelyingParty`]; see [`RelyingParty::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct RelyingPartyBuilder {
    id: String,
    name: String,
    origins: Vec<String>,
    top_origins: Vec<String>,
    anchors: Vec<(AnchorScope, Vec<u8>)>,
    metadata: Option<Arc<MetadataBlob>>,
    policy: Policy,
}

impl RelyingParty {
    /// Starts configuring the relying party with RP ID `rp_id` (a registrable domain such as
    /// `example.com`; mandatory).
    pub fn builder(rp_id: impl Into<String>) -> RelyingPartyBuilder {
        RelyingPartyBuilder {
            id: rp_id.into(),
            name: String::new(),
            origins: Vec::new(),
            top_origins: Vec::new(),
            anchors: Vec::new(),
            metadata: None,
            policy: Policy::default(),
        }
    }

    /// The trust anchors configured for attestations of `format` from authenticator
    /// `aaguid`.
    #[must_use]
    pub fn attestation_anchors(&self, format: AttestationFormat, aaguid: &[u8; 16]) -> Vec<&TrustAnchor> {
        self.attestation.anchors(format, aaguid)
    }

    /// The FIDO metadata the relying party consults, if configured.
    #[must_use]
    pub fn metadata(&self) -> Option<&MetadataBlob> {
        self.attestation.metadata()
    }

    /// What attestation verification reads of this relying party: anchors, metadata, the
    /// trust requirement and the dangerous switches that concern statements.
    #[must_use]
    pub const fn attestation_policy(&self) -> &AttestationPolicy {
        &self.attestation
    }

    /// The RP ID.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SHA-256 of the RP ID, as authenticator data carries it.
    #[must_use]
    pub const fn id_hash(&self) -> &[u8; 32] {
        &self.id_hash
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether `origin` (as a client reported it) is one of the configured origins.
    #[must_use]
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().any(|configured| configured.matches(origin))
    }

    /// Whether `origin` may embed ceremonies in a cross-origin iframe.
    #[must_use]
    pub fn allows_top_origin(&self, origin: &str) -> bool {
        self.top_origins.iter().any(|configured| configured.matches(origin))
    }

    /// Whether any cross-origin embedding is configured.
    #[must_use]
    pub fn allows_cross_origin(&self) -> bool {
        !self.top_origins.is_empty()
    }

    /// Whether `alg` is accepted (SHA-1 needs [`Dangerous::allow_sha1`] as well).
    #[must_use]
    pub fn allows_algorithm(&self, alg: CoseAlgorithm) -> bool {
        self.policy.algorithms.contains(&alg) && (!alg.uses_sha1() || self.policy.dangerous.allow_sha1)
    }
}

impl RelyingPartyBuilder {
    /// The display name shown by clients (defaults to the RP ID).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds an accepted origin (`https://example.com`, `http://localhost:8080`,
    /// `android:apk-key-hash:...`).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Adds accepted origins.
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds an origin allowed to embed ceremonies in a cross-origin iframe (`topOrigin`).
    /// Without any, `crossOrigin: true` and every `topOrigin` are refused.
    pub fn top_origin(mut self, origin: impl Into<String>) -> Self {
        self.top_origins.push(origin.into());
        self
    }

    /// Adds an attestation root (DER certificate) trusted for every attestation format.
    pub fn attestation_root(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.anchors.push((AnchorScope::default(), der.into()));
        self
    }

    /// Adds an attestation root trusted for one attestation format only.
    pub fn attestation_root_for_format(mut self, format: AttestationFormat, der: impl Into<Vec<u8>>) -> Self {
        self.anchors.push((AnchorScope { format: Some(format), aaguid: None }, der.into()));
        self
    }

    /// Adds an attestation root trusted only for authenticators with this AAGUID.
    pub fn attestation_root_for_aaguid(mut self, aaguid: [u8; 16], der: impl Into<Vec<u8>>) -> Self {
        self.anchors.push((AnchorScope { format: None, aaguid: Some(aaguid) }, der.into()));
        self
    }

    /// Consults a verified FIDO metadata BLOB at registration: authenticators whose entry
    /// reports REVOKED, ATTESTATION_KEY_COMPROMISE, USER_VERIFICATION_BYPASS or
    /// USER_KEY_REMOTE_COMPROMISE are refused, and with
    /// [`Policy::metadata_roots_as_anchors`] the entry's roots anchor attestation chains.
    /// Replace the relying party when a newer BLOB arrives; check
    /// [`MetadataBlob::is_stale`] to decide what a stale one means for you.
    pub fn metadata(mut self, blob: Arc<MetadataBlob>) -> Self {
        self.metadata = Some(blob);
        self
    }

    /// Replaces the policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Validates the configuration.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the RP ID is empty or not a plausible domain, no origin is
    /// given, an origin does not parse, an attestation root is not a certificate, or no
    /// algorithm is accepted.
    pub fn build(self) -> Result<RelyingParty> {
        let id = self.id.to_ascii_lowercase();
        let id_ok = !id.is_empty()
            && id.len() <= 253
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']'))
            && !id.starts_with('.')
            && !id.ends_with('.');
        if !id_ok {
            return Err(config("RP ID must be a domain"));
        }
        if self.origins.is_empty() {
            return Err(config("at least one origin is required"));
        }
        let parse_all = |list: &[String]| list.iter().map(|o| Origin::parse(o)).collect::<Result<Vec<_>>>();
        let origins = parse_all(&self.origins)?;
        let top_origins = parse_all(&self.top_origins)?;
        let anchors = self
            .anchors
            .iter()
            .map(|(scope, der)| TrustAnchor::from_der(der).map(|a| (*scope, a)))
            .collect::<Result<Vec<_>>>()?;
        let mut policy = self.policy;
        if policy.dangerous.allow_sha1 && !policy.algorithms.contains(&CoseAlgorithm::Rs1) {
            policy.algorithms.push(CoseAlgorithm::Rs1);
        }
        if policy.algorithms.is_empty() {
            return Err(config("no algorithm accepted"));
        }
        Ok(RelyingParty {
            id_hash: crypto::sha256(id.as_bytes()),
            name: if self.name.is_empty() { id.clone() } else { self.name },
            id,
            origins,
            top_origins,
            attestation: AttestationPolicy {
                anchors,
                metadata: self.metadata,
                require_trusted: policy.require_trusted_attestation,
                metadata_roots_as_anchors: policy.metadata_roots_as_anchors,
                allow_sha1: policy.dangerous.allow_sha1,
                allow_test_tpm_vendors: policy.dangerous.allow_test_tpm_vendors,
                allow_safetynet_cts_mismatch: policy.dangerous.allow_safetynet_cts_mismatch,
            },
            policy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let o = Origin::parse("https://example.com").unwrap();
        assert!(o.matches("https://example.com"));
        // The configuration is normalised once; what the client sent must be the browser's
        // serialisation exactly.
        assert!(Origin::parse("HTTPS://Example.COM:443").unwrap().matches("https://example.com"));
        for other in [
            "https://EXAMPLE.com",
            "HTTPS://example.com",
            "https://example.com:443",
            "https://example.com:0443",
            "https://evilexample.com",
            "https://example.com.evil.com",
            "https://sub.example.com",
            "http://example.com",
            "https://example.com:8443",
            "https://example.com/",
            "https://user@example.com",
            "example.com",
            "",
        ] {
            assert!(!o.matches(other), "{other}");
        }
        let local = Origin::parse("http://localhost:8080").unwrap();
        assert!(local.matches("http://localhost:8080") && !local.matches("http://localhost"));
        assert!(!local.matches("http://localhost:08080") && !local.matches("http://localhost:+8080"));
        let v6 = Origin::parse("https://[::1]:8443").unwrap();
        assert!(v6.matches("https://[::1]:8443"));
    }

    #[test]
    fn android_origins_compare_the_hash() {
        let text = "android:apk-key-hash:lZWtQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk";
        let o = Origin::parse(text).unwrap();
        assert!(o.matches(text));
        assert!(!o.matches("android:apk-key-hash:AAAAQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk"));
        assert!(Origin::parse("android:apk-key-hash:AAAA").is_err());
    }

    #[test]
    fn builder_requires_rp_id_and_origins() {
        assert!(RelyingParty::builder("").origin("https://a.com").build().is_err());
        assert!(RelyingParty::builder("a.com").build().is_err());
        assert!(RelyingParty::builder("a.com").origin("https://a.com/path").build().is_err());
        let rp = RelyingParty::builder("a.com").origin("https://a.com").build().unwrap();
        assert_eq!(rp.name(), "a.com");
        assert!(!rp.allows_algorithm(CoseAlgorithm::Rs1));
        assert!(rp.allows_algorithm(CoseAlgorithm::Es256));
    }
}
