//! The `android-safetynet` attestation statement format (WebAuthn L3 §8).

use super::{Inputs, Statement};
use crate::error::{Error, Result};

pub(super) fn verify<'a>(_inputs: &Inputs<'a, '_>) -> Result<Statement<'a>> {
    Err(Error::attestation("attestation format not supported yet"))
}
