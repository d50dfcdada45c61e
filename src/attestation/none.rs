//! The `none` attestation statement format (§8.7).

use super::{AttestationType, Inputs, Statement};
use crate::error::AttestationError;
use crate::error::{Error, Result};

/// `attStmt` must be the empty map.
pub(super) fn verify<'a>(inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    if inputs.att_stmt.is_empty() {
        Ok(Statement::without_chain(AttestationType::None))
    } else {
        Err(Error::attestation(AttestationError::MalformedStatement, "none attestation with a non-empty statement"))
    }
}
