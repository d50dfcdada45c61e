//! Why extension outputs were refused: matchable reasons inside
//! [`ErrorKind::Extension`](super::ErrorKind::Extension), all in the `extension` category.

use core::fmt;

/// Why the extension outputs of a response were refused (§7.1 step 18, §7.2 step 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtensionError {
    /// An output of an extension that was not requested, under
    /// [`UnsolicitedExtensions::Reject`](crate::UnsolicitedExtensions::Reject).
    Unsolicited,
    /// An output that does not have the extension's shape (a wrong type, a PRF result that is
    /// not 32 bytes, a `credProtect` level outside 1 to 3).
    InvalidOutput,
    /// An output that contradicts what was requested (a second PRF result when one salt was
    /// sent, `written` after a `largeBlob` read, an output the ceremony cannot produce).
    Contradicts,
    /// The authenticator's `credProtect` level is below the level whose enforcement was
    /// requested.
    ProtectionTooWeak,
}

impl ExtensionError {
    /// A short, static description.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unsolicited => "extension output not requested",
            Self::InvalidOutput => "extension output has the wrong shape",
            Self::Contradicts => "extension output contradicts the request",
            Self::ProtectionTooWeak => "credential protection below the enforced level",
        }
    }
}

impl fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
