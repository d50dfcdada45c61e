//! Conversions between the core's records and column values, shared by both backends. A
//! stored value that does not fit its type is a [`SqlError::Corrupt`], never a panic.

use passkey_verifier::store::{BackupEligibility, KeptAttestation, UnixTime};
use passkey_verifier::{CoseAlgorithm, CredentialRecord, StoredCredential};

use crate::SqlError;

/// The columns of `passkey_credentials`, in the order of [`CREDENTIAL_COLUMNS`].
pub(crate) const CREDENTIAL_COLUMNS: &str = "credential_id, user_handle, public_key, alg, sign_count, \
     backup_eligible, backup_state, uv_initialized, transports, aaguid, attestation_format, created_at, \
     last_used_at, nickname, discoverable, attestation_object, attestation_client_data";

/// How many columns [`CREDENTIAL_COLUMNS`] names.
pub(crate) const CREDENTIAL_COLUMN_COUNT: usize = 17;

/// A credential row as read, before validation.
pub(crate) struct CredentialRow {
    pub(crate) credential_id: Vec<u8>,
    pub(crate) user_handle: Vec<u8>,
    pub(crate) public_key: Vec<u8>,
    pub(crate) alg: i64,
    pub(crate) sign_count: i64,
    pub(crate) backup_eligible: Option<bool>,
    pub(crate) backup_state: bool,
    pub(crate) uv_initialized: bool,
    pub(crate) transports: String,
    pub(crate) aaguid: Vec<u8>,
    pub(crate) attestation_format: String,
    pub(crate) created_at: i64,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) nickname: Option<String>,
    pub(crate) discoverable: Option<bool>,
    pub(crate) attestation_object: Option<Vec<u8>>,
    pub(crate) attestation_client_data: Option<Vec<u8>>,
}

pub(crate) fn time_to_db(t: UnixTime) -> Result<i64, SqlError> {
    i64::try_from(t.as_secs()).map_err(|_| SqlError::OutOfRange("time"))
}

pub(crate) fn time_from_db(secs: i64, column: &'static str) -> Result<UnixTime, SqlError> {
    u64::try_from(secs).map(UnixTime::from_secs).map_err(|_| SqlError::Corrupt(column))
}

/// The record's values as bound by `INSERT`, in the order of [`CREDENTIAL_COLUMNS`].
pub(crate) fn to_row(record: &CredentialRecord) -> Result<CredentialRow, SqlError> {
    let c = &record.credential;
    Ok(CredentialRow {
        credential_id: c.id.clone(),
        user_handle: c.user_handle.clone(),
        public_key: c.public_key.clone(),
        alg: record.alg.id(),
        sign_count: i64::from(c.sign_count),
        backup_eligible: c.backup_eligible.as_flag(),
        backup_state: c.backup_state,
        uv_initialized: c.uv_initialized,
        transports: serde_json::to_string(&record.transports).map_err(|_| SqlError::OutOfRange("transports"))?,
        aaguid: record.aaguid.to_vec(),
        attestation_format: record.attestation_format.clone(),
        created_at: time_to_db(record.created_at)?,
        last_used_at: record.last_used_at.map(time_to_db).transpose()?,
        nickname: record.nickname.clone(),
        discoverable: record.discoverable,
        attestation_object: record.attestation.as_ref().map(|a| a.attestation_object.clone()),
        attestation_client_data: record.attestation.as_ref().map(|a| a.client_data_json.clone()),
    })
}

impl CredentialRow {
    /// Validates the row into a record.
    pub(crate) fn into_record(self) -> Result<CredentialRecord, SqlError> {
        let sign_count = u32::try_from(self.sign_count).map_err(|_| SqlError::Corrupt("sign_count"))?;
        let alg = CoseAlgorithm::from_id(self.alg).ok_or(SqlError::Corrupt("alg"))?;
        let aaguid: [u8; 16] = self.aaguid.as_slice().try_into().map_err(|_| SqlError::Corrupt("aaguid"))?;
        let transports: Vec<String> =
            serde_json::from_str(&self.transports).map_err(|_| SqlError::Corrupt("transports"))?;
        let mut credential = StoredCredential::new(self.credential_id, self.public_key, sign_count, self.user_handle);
        credential.backup_eligible = BackupEligibility::from_stored(self.backup_eligible);
        credential.backup_state = self.backup_state;
        credential.uv_initialized = self.uv_initialized;
        let mut record = CredentialRecord::new(
            credential,
            alg,
            aaguid,
            self.attestation_format,
            time_from_db(self.created_at, "created_at")?,
        );
        record.transports = transports;
        record.last_used_at = self.last_used_at.map(|t| time_from_db(t, "last_used_at")).transpose()?;
        record.nickname = self.nickname;
        record.discoverable = self.discoverable;
        record.attestation = match (self.attestation_object, self.attestation_client_data) {
            (Some(object), Some(client_data)) => Some(KeptAttestation::new(object, client_data)),
            (None, None) => None,
            _ => return Err(SqlError::Corrupt("attestation")),
        };
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::{CREDENTIAL_COLUMNS, CREDENTIAL_COLUMN_COUNT};

    #[test]
    fn the_column_count_is_the_columns_named() {
        assert_eq!(CREDENTIAL_COLUMNS.split(',').count(), CREDENTIAL_COLUMN_COUNT);
    }
}
