//! Related origin requests (WebAuthn Level 3 §5.11): the `/.well-known/webauthn` document a
//! relying party serves, and the limit on the registrable origin labels it may span.
//!
//! A browser lets an origin use an RP ID without further ado only when the origin's host is
//! the RP ID or a subdomain of it. For any other origin (`https://example.co.uk` for RP ID
//! `example.com`), the browser fetches `https://<RP ID>/.well-known/webauthn` and accepts the
//! origin only if the document lists it (§5.11.1), skipping entries once it has seen as many
//! distinct *registrable origin labels* as its policy allows (at least five).
//!
//! # The Public Suffix List
//!
//! A registrable origin label is the first label of an origin's registrable domain
//! (`example` for both `www.example.co.uk` and `example.de`), and the registrable domain comes
//! from the Public Suffix List. The crate uses the [`psl`](https://docs.rs/psl) crate: a
//! snapshot of the list compiled into the binary (`no_std`, no I/O, no `unsafe`), republished
//! as the list changes, so `cargo update -p psl` refreshes it. It includes the list's private
//! section (`github.io`, `azurewebsites.net`), as browsers do, and applies the list's default
//! rule (`*`) to unlisted top-level labels. A configuration is checked once, at build time, so
//! a stale snapshot can at worst misjudge a label that the list changed recently; a hand-made
//! rule ("the label before the last") would misjudge every multi-label suffix (`co.uk`)
//! instead, and could under-count.

use serde::Serialize;

use super::{config, Origin};
use crate::error::Result;

/// How many distinct registrable origin labels the related origins may span: the minimum
/// every client that supports related origin requests must process (WebAuthn L3 §5.11,
/// "at least five"). Clients skip listed origins with a new label beyond their own limit, so
/// a longer list would work in some browsers and silently not in others;
/// [`RelyingPartyBuilder::build`](super::RelyingPartyBuilder::build) refuses it.
pub const MAX_RELATED_ORIGIN_LABELS: usize = 5;

/// The `/.well-known/webauthn` document (WebAuthn L3 §5.11): `{"origins":[...]}`, the related
/// origins in the order they were declared (clients read them in order, so declare the most
/// important first), each exactly as a browser serialises it.
///
/// Serve [`to_json`](Self::to_json) at [`url`](Self::url) (`https://<RP ID>/.well-known/webauthn`,
/// over HTTPS, status 200, without redirects to other hosts) with the content type
/// [`CONTENT_TYPE`](Self::CONTENT_TYPE) (`application/json`); clients refuse any other.
///
/// ```
/// use passkey_verifier::{RelyingParty, WellKnownWebAuthn};
/// # fn main() -> Result<(), passkey_verifier::Error> {
/// let rp = RelyingParty::builder("example.com")
///     .origin("https://example.com")
///     .related_origin("https://example.co.uk")
///     .related_origin("https://example.de")
///     .build()?;
/// let document = rp.well_known_webauthn();
/// assert_eq!(document.url(), "https://example.com/.well-known/webauthn");
/// assert_eq!(WellKnownWebAuthn::CONTENT_TYPE, "application/json");
/// assert_eq!(document.to_json(), r#"{"origins":["https://example.co.uk","https://example.de"]}"#);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WellKnownWebAuthn {
    #[serde(skip)]
    rp_id: String,
    origins: Vec<String>,
}

impl WellKnownWebAuthn {
    /// The path the document is served at, on the RP ID's host.
    pub const PATH: &'static str = "/.well-known/webauthn";
    /// The content type clients require.
    pub const CONTENT_TYPE: &'static str = "application/json";

    pub(super) fn new(rp_id: &str, related: &[Origin]) -> Self {
        Self { rp_id: rp_id.to_owned(), origins: related.iter().map(Origin::to_string).collect() }
    }

    /// Where clients fetch the document: `https://<RP ID>/.well-known/webauthn`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://{}{}", self.rp_id, Self::PATH)
    }

    /// The listed origins, in order.
    #[must_use]
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// The document's body: `{"origins":[...]}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The registrable origin label of `host` (WebAuthn L3 §5.11): the first label of its
/// registrable domain; `None` for IP addresses and for hosts without a registrable domain
/// (`localhost`, a public suffix such as `co.uk` or `github.io`), which clients skip.
#[must_use]
pub(crate) fn registrable_origin_label(host: &str) -> Option<&str> {
    if is_ip_address(host) {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    // `domain` is a suffix of `host`: slice the label out of `host` itself (no UTF-8 step).
    let start = host.len().checked_sub(domain.as_bytes().len())?;
    let registrable = host.get(start..)?;
    registrable.split('.').next().filter(|label| !label.is_empty())
}

/// An IPv6 literal, or a host whose last label is numeric (the URL standard parses those as
/// IPv4 addresses).
pub(super) fn is_ip_address(host: &str) -> bool {
    host.starts_with('[')
        || host.trim_end_matches('.').rsplit('.').next().is_some_and(|last| {
            !last.is_empty()
                && (last.bytes().all(|b| b.is_ascii_digit())
                    || last
                        .strip_prefix("0x")
                        .or_else(|| last.strip_prefix("0X"))
                        .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit())))
        })
}

/// Refuses related origins that span more than [`MAX_RELATED_ORIGIN_LABELS`] distinct
/// registrable origin labels (origins without a label do not count: clients skip them).
pub(super) fn check_label_limit(related: &[Origin]) -> Result<()> {
    let mut labels: Vec<&str> = Vec::new();
    for origin in related {
        let Origin::Web { host, .. } = origin else { continue };
        if let Some(label) = registrable_origin_label(host) {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    if labels.len() > MAX_RELATED_ORIGIN_LABELS {
        return Err(config("related origins span more than 5 registrable origin labels"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_public_suffix_list() {
        for (host, label) in [
            ("example.com", Some("example")),
            ("www.example.co.uk", Some("example")),
            ("example.de", Some("example")),
            ("login.example-shop.fr", Some("example-shop")),
            // The private section, as browsers read it.
            ("app.github.io", Some("app")),
            ("webauthntest.azurewebsites.net", Some("webauthntest")),
            // The default rule for an unlisted top-level label.
            ("evil.example", Some("evil")),
            // No registrable domain.
            ("localhost", None),
            ("co.uk", None),
            ("github.io", None),
            ("com", None),
            // IP addresses.
            ("127.0.0.1", None),
            ("[::1]", None),
            ("0x7f.1", None),
        ] {
            assert_eq!(registrable_origin_label(host), label, "{host}");
        }
    }

    #[test]
    fn the_limit_counts_distinct_labels() {
        let parse = |list: &[&str]| list.iter().map(|o| Origin::parse(o).unwrap()).collect::<Vec<_>>();
        // Many origins, one label.
        let same = parse(&[
            "https://example.co.uk",
            "https://example.de",
            "https://www.example.fr",
            "https://example.it",
            "https://example.es",
            "https://example.nl",
        ]);
        check_label_limit(&same).unwrap();
        let five = parse(&["https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com"]);
        check_label_limit(&five).unwrap();
        // Origins without a label do not count.
        let mut unlabelled = five.clone();
        unlabelled.extend(parse(&["http://localhost:8080", "https://127.0.0.1", "https://co.uk"]));
        check_label_limit(&unlabelled).unwrap();
        let mut six = five;
        six.extend(parse(&["https://f.co.uk"]));
        let err = check_label_limit(&six).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
    }
}
