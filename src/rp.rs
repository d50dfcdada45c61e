//! The relying party's configuration: RP ID, allowed origins (its own, related and app
//! origins) and top origins, and policy.

mod related;

use std::sync::Arc;

use crate::attestation::{AnchorScope, AttestationFormat, AttestationPolicy, TrustAnchor};
use crate::cose::CoseAlgorithm;
use crate::crypto;
use crate::encoding::b64;
use crate::error::{Error, ErrorKind, Result};
use crate::extensions::UnsolicitedExtensions;
use crate::metadata::MetadataBlob;

pub use related::{WellKnownWebAuthn, MAX_RELATED_ORIGIN_LABELS};

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

/// The browser's serialisation: `scheme://host`, then `:port` when the port is not the
/// scheme's default; `android:apk-key-hash:` and the hash in unpadded base64url.
impl core::fmt::Display for Origin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Web { scheme, host, port } => {
                write!(f, "{scheme}://{host}")?;
                match port.filter(|p| Some(*p) != default_port(scheme)) {
                    Some(port) => write!(f, ":{port}"),
                    None => Ok(()),
                }
            }
            Self::AndroidApk { key_hash } => write!(f, "{ANDROID_PREFIX}{}", b64::encode(key_hash)),
        }
    }
}

impl Origin {
    /// Whether this is a web origin whose host is `rp_id` or a subdomain of it (compared ASCII
    /// case-insensitively): the origins a browser lets use that RP ID without a related origin
    /// request. An IP address RP ID has no subdomains. Android origins are never within an RP
    /// ID.
    ///
    /// ```
    /// use passkey_verifier::Origin;
    /// # fn main() -> Result<(), passkey_verifier::Error> {
    /// assert!(Origin::parse("https://login.example.com")?.is_within_rp_id("example.com"));
    /// assert!(!Origin::parse("https://evilexample.com")?.is_within_rp_id("example.com"));
    /// assert!(!Origin::parse("https://example.co.uk")?.is_within_rp_id("example.com"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn is_within_rp_id(&self, rp_id: &str) -> bool {
        let Self::Web { host, .. } = self else { return false };
        if host.eq_ignore_ascii_case(rp_id) {
            return true;
        }
        if rp_id.is_empty() || related::is_ip_address(rp_id) {
            return false;
        }
        let Some(split) = host.len().checked_sub(rp_id.len()) else { return false };
        host.get(split..).is_some_and(|tail| tail.eq_ignore_ascii_case(rp_id))
            && host.get(..split).is_some_and(|head| head.len() > 1 && head.ends_with('.'))
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
    related_origins: Vec<Origin>,
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
    related_origins: Vec<String>,
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
            related_origins: Vec::new(),
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

    /// Whether `origin` (as a client reported it) is one of the configured origins: the RP's
    /// own and app origins ([`RelyingPartyBuilder::origin`]) or a related origin
    /// ([`RelyingPartyBuilder::related_origin`]).
    #[must_use]
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.iter().chain(&self.related_origins).any(|configured| configured.matches(origin))
    }

    /// The related origins (WebAuthn L3 §5.11), in the order they were declared.
    #[must_use]
    pub fn related_origins(&self) -> &[Origin] {
        &self.related_origins
    }

    /// The `/.well-known/webauthn` document listing the related origins, to serve at
    /// `https://<RP ID>/.well-known/webauthn` with content type `application/json` (see
    /// [`WellKnownWebAuthn`]). Without related origins its list is empty and there is nothing
    /// to serve.
    #[must_use]
    pub fn well_known_webauthn(&self) -> WellKnownWebAuthn {
        WellKnownWebAuthn::new(&self.id, &self.related_origins)
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

    /// Adds an accepted origin of the relying party itself: a web origin whose host is the RP
    /// ID or a subdomain of it (`https://example.com`, `https://login.example.com:8443`,
    /// `http://localhost:8080` for RP ID `localhost`), or a native app origin
    /// (`android:apk-key-hash:...`). A web origin on another site is refused at
    /// [`build`](Self::build) unless it is declared with [`related_origin`](Self::related_origin).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Adds accepted origins (each as [`origin`](Self::origin)).
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Declares a related origin (WebAuthn L3 §5.11): a web origin on another site that uses
    /// this RP ID (`https://example.co.uk` for RP ID `example.com`). It is accepted in
    /// verification like [`origin`](Self::origin), and listed in the
    /// [`RelyingParty::well_known_webauthn`] document, which browsers fetch before they let it
    /// use the RP ID. Declare the most important first: browsers read the list in order.
    ///
    /// The related origins may span at most [`MAX_RELATED_ORIGIN_LABELS`] distinct
    /// registrable origin labels (`example` in `example.co.uk` and `example.de` counts once).
    /// An origin without one (an IP address, `localhost`) is accepted and listed, but browsers
    /// skip it, so only non-browser clients can use it.
    ///
    /// ```
    /// use passkey_verifier::RelyingParty;
    /// # fn main() -> Result<(), passkey_verifier::Error> {
    /// let rp = RelyingParty::builder("example.com")
    ///     .origin("https://example.com")
    ///     .related_origin("https://example.co.uk")
    ///     .build()?;
    /// assert!(rp.allows_origin("https://example.co.uk"));
    /// // Without the declaration, the builder refuses the origin.
    /// assert!(RelyingParty::builder("example.com").origin("https://example.co.uk").build().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn related_origin(mut self, origin: impl Into<String>) -> Self {
        self.related_origins.push(origin.into());
        self
    }

    /// Declares related origins (each as [`related_origin`](Self::related_origin)), in order.
    pub fn related_origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.related_origins.extend(origins.into_iter().map(Into::into));
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
    /// given, an origin does not parse, a web origin given to
    /// [`origin`](Self::origin) is neither the RP ID nor a subdomain of it, a related origin is
    /// not a web origin, the related origins span more than [`MAX_RELATED_ORIGIN_LABELS`]
    /// registrable origin labels, an attestation root is not a certificate, or no algorithm is
    /// accepted.
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
        if self.origins.is_empty() && self.related_origins.is_empty() {
            return Err(config("at least one origin is required"));
        }
        let parse_all = |list: &[String]| list.iter().map(|o| Origin::parse(o)).collect::<Result<Vec<_>>>();
        let origins = parse_all(&self.origins)?;
        if origins.iter().any(|o| matches!(o, Origin::Web { .. }) && !o.is_within_rp_id(&id)) {
            return Err(config("origin is neither the RP ID nor a subdomain of it (declare it as a related origin)"));
        }
        let mut related_origins: Vec<Origin> = Vec::with_capacity(self.related_origins.len());
        for origin in parse_all(&self.related_origins)? {
            if !matches!(origin, Origin::Web { .. }) {
                return Err(config("a related origin must be a web origin"));
            }
            if !related_origins.contains(&origin) {
                related_origins.push(origin);
            }
        }
        related::check_label_limit(&related_origins)?;
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
            related_origins,
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

    #[test]
    fn origins_serialise_as_browsers_do() {
        for (configured, serialised) in [
            ("HTTPS://Example.COM:443", "https://example.com"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://localhost:80", "http://localhost"),
            ("https://[::1]:8443", "https://[::1]:8443"),
            (
                "android:apk-key-hash:lZWtQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk",
                "android:apk-key-hash:lZWtQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk",
            ),
        ] {
            let origin = Origin::parse(configured).unwrap();
            assert_eq!(origin.to_string(), serialised);
            assert!(origin.matches(serialised));
        }
    }

    #[test]
    fn web_origins_must_be_within_the_rp_id_unless_related() {
        for ok in
            ["https://example.com", "https://login.example.com", "https://a.b.example.com:8443", "HTTPS://EXAMPLE.COM"]
        {
            assert!(RelyingParty::builder("Example.com").origin(ok).build().is_ok(), "{ok}");
        }
        for refused in [
            "https://evilexample.com",
            "https://example.com.evil.net",
            "https://example.co.uk",
            "https://com",
            "https://.example.com",
        ] {
            let err = RelyingParty::builder("example.com").origin(refused).build().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{refused}");
        }
        // An IP address RP ID has no subdomains.
        assert!(RelyingParty::builder("127.0.0.1").origin("http://127.0.0.1:8080").build().is_ok());
        assert!(RelyingParty::builder("0.0.1").origin("http://127.0.0.0.1").build().is_err());
        // App origins stay explicit entries of `origin`, never related ones.
        let apk = "android:apk-key-hash:lZWtQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk";
        assert!(RelyingParty::builder("example.com").origin(apk).build().is_ok());
        let err = RelyingParty::builder("example.com").origin("https://example.com").related_origin(apk).build();
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Config);
        // Top origins (embedding sites) are not concerned.
        let rp =
            RelyingParty::builder("example.com").origin("https://example.com").top_origin("https://shop.example.net");
        assert!(rp.build().is_ok());
    }

    #[test]
    fn related_origins_are_accepted_and_published() {
        let rp = RelyingParty::builder("example.com")
            .origin("https://example.com")
            .related_origin("https://example.co.uk")
            .related_origins(["https://shop.example.de:8443", "https://example.co.uk", "http://localhost:3000"])
            .build()
            .unwrap();
        for allowed in
            ["https://example.com", "https://example.co.uk", "https://shop.example.de:8443", "http://localhost:3000"]
        {
            assert!(rp.allows_origin(allowed), "{allowed}");
        }
        for refused in ["https://example.de", "https://shop.example.de", "https://www.example.co.uk"] {
            assert!(!rp.allows_origin(refused), "{refused}");
        }
        // Declared once each, in order; the RP's own origins are not listed.
        assert_eq!(
            rp.well_known_webauthn().to_json(),
            r#"{"origins":["https://example.co.uk","https://shop.example.de:8443","http://localhost:3000"]}"#
        );
        assert_eq!(rp.well_known_webauthn().url(), "https://example.com/.well-known/webauthn");
        assert_eq!(WellKnownWebAuthn::PATH, "/.well-known/webauthn");
        assert_eq!(WellKnownWebAuthn::CONTENT_TYPE, "application/json");
        // Related origins alone are a valid configuration.
        assert!(RelyingParty::builder("example.com").related_origin("https://example.co.uk").build().is_ok());
        let plain = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
        assert_eq!(plain.well_known_webauthn().to_json(), r#"{"origins":[]}"#);
    }

    #[test]
    fn related_origins_beyond_five_labels_are_refused() {
        let five = ["https://a.com", "https://b.co.uk", "https://www.c.de", "https://d.fr", "https://e.it"];
        let base = || RelyingParty::builder("example.com").origin("https://example.com").related_origins(five);
        assert!(base().related_origin("https://a.co.uk").related_origin("https://localhost").build().is_ok());
        let err = base().related_origin("https://f.com").build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.category(), crate::Category::Config);
        assert!(err.to_string().contains("registrable origin labels"), "{err}");
    }
}
