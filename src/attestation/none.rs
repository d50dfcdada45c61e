//! The `none` attestation statement format (§8.7).

use super::{AttestationType, Inputs};
use crate::error::{Error, Result};

/// `attStmt` must be the empty map.
pub(super) fn verify(inputs: &Inputs<'_, '_>) -> Result<AttestationType> {
    if inputs.att_stmt.is_empty() {
        Ok(AttestationType::None)
    } else {
        Err(Error::attestation(
            "none attestation with a non-empty statement",
        ))
    }
}
