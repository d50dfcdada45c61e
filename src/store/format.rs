//! The stored form of [`CeremonyState`]: JSON in a versioned envelope.
//!
//! A store that keeps ceremony state outside the process (a SQL row, a Redis value) writes
//! [`CeremonyState::to_versioned_json`] and reads [`CeremonyState::from_versioned_json`]:
//!
//! ```text
//! {"v":1,"state":{"Authentication":{...}}}
//! ```
//!
//! The version is what lets two versions of a server share one database during a rolling
//! deploy. Fields added to the states later are optional (`#[serde(default)]`), so a state
//! written by a newer server of the same format version is still read by an older one;
//! a change an older reader cannot understand raises [`CEREMONY_STATE_FORMAT`], and an
//! older reader then fails that one ceremony with [`StateFormatError::UnsupportedVersion`]
//! (a storage error) instead of misreading it. Stores never map the state to columns.

use serde::{Deserialize, Serialize};

use super::CeremonyState;

/// The format version [`CeremonyState::to_versioned_json`] writes, and the newest
/// [`CeremonyState::from_versioned_json`] reads.
pub const CEREMONY_STATE_FORMAT: u32 = 1;

/// The longest stored state accepted (bytes of JSON), so that a corrupt or hostile row
/// cannot make the reader allocate without bound.
pub const MAX_STORED_STATE_LEN: usize = 64 * 1024;

/// Why a stored ceremony state could not be read or written. The text names the problem
/// only: it never echoes the stored bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateFormatError {
    /// The stored text is not a versioned envelope holding a ceremony state.
    #[error("stored ceremony state is malformed")]
    Malformed,
    /// The stored text is longer than [`MAX_STORED_STATE_LEN`].
    #[error("stored ceremony state is too long")]
    TooLong,
    /// The state was written in a format version this build does not read (a newer server
    /// wrote it).
    #[error("stored ceremony state has format version {found}; this build reads up to {supported}")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
        /// The newest version this build reads ([`CEREMONY_STATE_FORMAT`]).
        supported: u32,
    },
    /// The state could not be serialized.
    #[error("ceremony state could not be serialized")]
    Encode,
}

#[derive(Serialize)]
struct Envelope<'a> {
    v: u32,
    state: &'a CeremonyState,
}

#[derive(Deserialize)]
struct StoredEnvelope<'a> {
    v: u64,
    #[serde(borrow)]
    state: &'a serde_json::value::RawValue,
}

impl CeremonyState {
    /// The state as JSON in a versioned envelope (format [`CEREMONY_STATE_FORMAT`]), for a
    /// store to keep.
    ///
    /// # Errors
    ///
    /// [`StateFormatError::Encode`] if serialization fails (it does not for the states this
    /// crate builds).
    pub fn to_versioned_json(&self) -> Result<String, StateFormatError> {
        serde_json::to_string(&Envelope { v: CEREMONY_STATE_FORMAT, state: self }).map_err(|_| StateFormatError::Encode)
    }

    /// Reads a state written by [`CeremonyState::to_versioned_json`] (by this or an older
    /// build).
    ///
    /// # Errors
    ///
    /// [`StateFormatError::TooLong`], [`StateFormatError::Malformed`] (not an envelope, or its
    /// state does not decode), or [`StateFormatError::UnsupportedVersion`] (version 0 or newer
    /// than this build). Never panics, whatever the input.
    pub fn from_versioned_json(text: &str) -> Result<Self, StateFormatError> {
        if text.len() > MAX_STORED_STATE_LEN {
            return Err(StateFormatError::TooLong);
        }
        let envelope: StoredEnvelope<'_> = serde_json::from_str(text).map_err(|_| StateFormatError::Malformed)?;
        if envelope.v == 0 || envelope.v > u64::from(CEREMONY_STATE_FORMAT) {
            return Err(StateFormatError::UnsupportedVersion { found: envelope.v, supported: CEREMONY_STATE_FORMAT });
        }
        serde_json::from_str(envelope.state.get()).map_err(|_| StateFormatError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::{AuthenticationState, Challenge, UnixTime, UserVerification};

    fn state() -> CeremonyState {
        CeremonyState::Authentication(
            AuthenticationState::new(
                Challenge::from_bytes(vec![9; 32]).unwrap(),
                Some(b"user".to_vec()),
                UserVerification::Required,
                vec![vec![1, 2, 3]],
                UnixTime::from_secs(1_800_000_300),
            )
            .unwrap(),
        )
    }

    #[test]
    fn round_trips_in_a_version_1_envelope() {
        let text = state().to_versioned_json().unwrap();
        assert!(text.starts_with(r#"{"v":1,"state":"#), "{text}");
        assert_eq!(CeremonyState::from_versioned_json(&text).unwrap(), state());
    }

    #[test]
    fn a_newer_version_is_a_clear_error() {
        let text = state().to_versioned_json().unwrap().replacen(r#""v":1"#, r#""v":2"#, 1);
        assert_eq!(
            CeremonyState::from_versioned_json(&text),
            Err(StateFormatError::UnsupportedVersion { found: 2, supported: 1 })
        );
        let text = state().to_versioned_json().unwrap().replacen(r#""v":1"#, r#""v":0"#, 1);
        assert!(matches!(
            CeremonyState::from_versioned_json(&text),
            Err(StateFormatError::UnsupportedVersion { found: 0, .. })
        ));
    }

    #[test]
    fn fields_a_newer_build_adds_are_ignored() {
        let text = state().to_versioned_json().unwrap().replacen(r#""v":1"#, r#""v":1,"written_by":"v2""#, 1);
        assert_eq!(CeremonyState::from_versioned_json(&text).unwrap(), state());
    }

    #[test]
    fn garbage_is_malformed_and_never_echoed() {
        for text in
            ["", "null", "{}", r#"{"v":1}"#, r#"{"v":1,"state":"secret-challenge"}"#, r#"{"v":-1,"state":{}}"#, "\u{0}"]
        {
            let err = CeremonyState::from_versioned_json(text).unwrap_err();
            assert!(!err.to_string().contains("secret"), "{err}");
            assert!(
                matches!(err, StateFormatError::Malformed | StateFormatError::UnsupportedVersion { .. }),
                "{text}: {err:?}"
            );
        }
        let long = format!(r#"{{"v":1,"state":"{}"}}"#, "a".repeat(MAX_STORED_STATE_LEN));
        assert_eq!(CeremonyState::from_versioned_json(&long), Err(StateFormatError::TooLong));
    }
}
