//! The fast paths' verdicts for tests and fuzzing: what a fast path (the plain-JSON scanner's
//! readers, `b64`'s table decoder) made of some bytes, against its reference (serde_json, the
//! `base64` crate).

/// What a fast path made of some bytes, against its reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// The fast path declined; the reference decided alone.
    Declined,
    /// The fast path read the bytes and the reference reads the same value.
    Agrees,
    /// The fast path read a value that the reference refuses or reads differently: a bug.
    Disagrees,
}

/// Compares the fast path's reading `fast` with the reference's, which is computed only when
/// the fast path read something.
pub(crate) fn verdict<T: PartialEq, E>(fast: Option<T>, reference: impl FnOnce() -> Result<T, E>) -> Scanned {
    match fast {
        None => Scanned::Declined,
        Some(fast) if reference().is_ok_and(|slow| slow == fast) => Scanned::Agrees,
        Some(_) => Scanned::Disagrees,
    }
}
