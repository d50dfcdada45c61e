//! The reference server's stand-in for a message gateway: every account has one channel, a
//! verified email address, and each message to it is a file in the outbox folder (what a
//! mail catcher would show). Replace [`Outbox`] with the host's own gateway and channel
//! facts; the recovery code is a secret, so it goes to the channel and nowhere else.

use std::path::PathBuf;

use passkey_axum::{Account, RecoveryHost};
use passkey_recovery::stepup::{ChannelFacts, EmailState};
use passkey_recovery::{AuditEvent, AuditSink, Channel, Notice};

/// Messages as files in `dir`, one per message: `<millis>-<username>.txt`.
pub struct Outbox {
    pub dir: PathBuf,
}

impl Outbox {
    async fn write(&self, account: &Account, text: String) -> std::io::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
        // The username as typed at sign-up; keep only characters safe in a file name.
        let name: String = account.username.chars().filter(char::is_ascii_alphanumeric).collect();
        tokio::fs::write(self.dir.join(format!("{millis}-{name}.txt")), text).await
    }
}

impl RecoveryHost for Outbox {
    type Error = std::io::Error;

    async fn channels(&self, _: Option<&Account>) -> Result<Vec<ChannelFacts>, Self::Error> {
        // Every account (and, for the answer to be the same, every unknown name) has its
        // passkeys and a verified email.
        Ok(vec![ChannelFacts::Passkey { user_verifying: true }, ChannelFacts::Email { state: EmailState::Verified }])
    }

    async fn deliver(&self, account: &Account, _: Channel, message: String) -> Result<(), Self::Error> {
        self.write(account, message).await
    }

    async fn notify(&self, account: &Account, notices: &[Notice]) -> Result<(), Self::Error> {
        for notice in notices {
            if let Notice::Recovered { revoked_credentials, .. } = notice {
                let text = format!("Your account was recovered; {revoked_credentials} other passkeys were revoked.");
                self.write(account, text).await?;
            }
        }
        Ok(())
    }

    async fn end_other_sessions(&self, _: &[u8]) -> Result<u64, Self::Error> {
        // Sessions are encrypted cookies that expire on their own (8 hours); a server-side
        // session store would end them here.
        Ok(0)
    }
}

/// Recovery audit events as log lines (they carry pseudonyms and reasons, never secrets).
pub struct LogAudit;

impl AuditSink for LogAudit {
    fn record(&self, event: AuditEvent) {
        tracing::info!(?event, "recovery audit");
    }
}
