//! After a recovery or onboarding: the registration permission that consumes a grant, the
//! grant's scopes executed through the stores and the host's session hook, the notices for
//! every channel, and the cool-down that blocks high-risk operations.

use core::future::Future;

use crate::observe::{Flow, RecoveryAuditSink};
use crate::pending_store::PendingStore;
use crate::policy::Scope;
use crate::rate_limit::RateLimitStore;
use crate::service::Recovery;
use crate::store::{ConsumeOutcome, GrantRecord, RecoveryStore};
use crate::token::{GrantToken, SubjectId};
use crate::RecoveryError;
use passkey_verifier::audit::{AuditKind, CorrelationId};
use passkey_verifier::{CredentialStore, UnixTime, User};
use serde::{Deserialize, Serialize};

/// Ends sessions: the host's session store, as a hook.
pub trait SessionHook: Send + Sync {
    /// The hook's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Ends every session of `subject` except the current one; returns how many it ended.
    fn end_other_sessions(&self, subject: &SubjectId) -> impl Future<Output = Result<u64, Self::Error>> + Send;
}

/// What the host knows of the account a registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountState {
    /// The account exists: a grant is required.
    Exists,
    /// A new account (sign-up): no grant is needed, unless the credential store already
    /// holds credentials for the handle (then it is treated as existing).
    New,
}

/// Why a registration may proceed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RegistrationAuthority {
    /// A consumed grant of a recovery or onboarding, with its scopes.
    Grant {
        /// The correlation ID of the recovery or onboarding.
        correlation_id: CorrelationId,
        /// What the grant allowed.
        scopes: Vec<Scope>,
    },
    /// A new account.
    NewAccount,
}

/// Permission to register a passkey for `subject` (only [`Recovery::authorize_registration`]
/// makes one). `Debug` redacts the subject.
///
/// A permit is authority over the account. It serializes so that it can travel from the
/// start of the registration ceremony to its end; keep it only where the server
/// authenticates it (an encrypted cookie, a server-side session), never where a client can
/// write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegistrationPermit {
    /// The account.
    pub subject: SubjectId,
    /// Why.
    pub authority: RegistrationAuthority,
}

impl RegistrationPermit {
    /// The [`User`] to start the registration ceremony for.
    #[must_use]
    pub fn user(&self, name: impl Into<String>, display_name: impl Into<String>) -> User {
        User { id: self.subject.as_bytes().to_vec(), name: name.into(), display_name: display_name.into() }
    }
}

/// A notice for the host's gateway, to send to every channel and device of the account. It
/// carries no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The account was recovered and a passkey registered.
    Recovered {
        /// The correlation ID.
        correlation_id: CorrelationId,
        /// How many other credentials were revoked.
        revoked_credentials: u64,
        /// How many other sessions were ended.
        ended_sessions: u64,
        /// Until when high-risk operations are blocked.
        cooldown_until: Option<UnixTime>,
    },
}

/// What [`Recovery::finish_registration`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AfterRecovery {
    /// Other credentials revoked.
    pub revoked_credentials: u64,
    /// Other sessions ended.
    pub ended_sessions: u64,
    /// The cool-down's end, if one applies.
    pub cooldown_until: Option<UnixTime>,
    /// What to send to every channel and device.
    pub notices: Vec<Notice>,
}

/// The operations the cool-down blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HighRiskOperation {
    /// Adding, replacing or removing a credential or recovery channel.
    CredentialChange,
    /// Changing a payout destination or payment method.
    PayoutChange,
}

impl<S, L, K, A> Recovery<S, L, K, A>
where
    S: RecoveryStore + PendingStore,
    L: RateLimitStore,
    K: CredentialStore,
    A: RecoveryAuditSink,
{
    /// Decides whether a passkey registration for `subject` may start, consuming `grant`
    /// when one is presented. Call it in the registration endpoint before
    /// [`Ceremonies::start_registration`](passkey_verifier::Ceremonies::start_registration)
    /// with [`RegistrationPermit::user`]. An existing account (the host says so, or the
    /// credential store holds a credential for the handle) needs a grant for this subject
    /// with [`Scope::RegisterPasskey`]; a grant of another subject is refused without being
    /// consumed.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::GrantRequired`]; [`RecoveryError::WrongSubject`]; the grant's
    /// [`UnknownToken`](RecoveryError::UnknownToken), [`Replayed`](RecoveryError::Replayed),
    /// [`Expired`](RecoveryError::Expired), [`ScopeNotGranted`](RecoveryError::ScopeNotGranted);
    /// [`RecoveryError::Storage`].
    pub async fn authorize_registration(
        &self,
        subject: &SubjectId,
        account: AccountState,
        grant: Option<&GrantToken>,
        now: UnixTime,
    ) -> Result<RegistrationPermit, RecoveryError> {
        let result = self.authorize_inner(subject, account, grant, now).await;
        let (correlation, reason) = match &result {
            Ok(RegistrationPermit { authority: RegistrationAuthority::Grant { correlation_id, .. }, .. }) => {
                (Some(correlation_id.clone()), None)
            }
            Ok(_) => (None, None),
            Err(e) => (None, Some(e.reason())),
        };
        let event = self
            .event(AuditKind::RegistrationAuthorized, correlation.as_ref(), None, reason, now)
            .with_pseudonyms(self.pseudonym(Some(subject)), None);
        self.finish(Flow::Passkey, event, result).await
    }

    async fn authorize_inner(
        &self,
        subject: &SubjectId,
        account: AccountState,
        grant: Option<&GrantToken>,
        now: UnixTime,
    ) -> Result<RegistrationPermit, RecoveryError> {
        let Some(token) = grant else {
            let has_credentials =
                !self.credentials.list_for_user(subject.as_bytes()).await.map_err(RecoveryError::storage)?.is_empty();
            if account == AccountState::Exists || has_credentials {
                return Err(RecoveryError::GrantRequired);
            }
            return Ok(RegistrationPermit { subject: subject.clone(), authority: RegistrationAuthority::NewAccount });
        };
        let record = self.find_grant_for(token, Scope::RegisterPasskey, now).await?;
        if record.subject != *subject {
            return Err(RecoveryError::WrongSubject);
        }
        self.consume_grant_record(&record).await?;
        Ok(RegistrationPermit {
            subject: subject.clone(),
            authority: RegistrationAuthority::Grant { correlation_id: record.correlation_id, scopes: record.scopes },
        })
    }

    /// Redeems a grant for `scope` alone, once (for a host action other than registration).
    /// A grant without `scope` is refused and left unconsumed.
    ///
    /// # Errors
    ///
    /// As [`Recovery::authorize_registration`] for the grant.
    pub async fn consume_grant(
        &self,
        token: &GrantToken,
        scope: Scope,
        now: UnixTime,
    ) -> Result<(SubjectId, Vec<Scope>), RecoveryError> {
        let found = self.find_grant_for(token, scope, now).await;
        let correlation = found.as_ref().ok().map(|r| r.correlation_id.clone());
        let subject = found.as_ref().ok().map(|r| r.subject.clone());
        let result = async {
            let record = found?;
            self.consume_grant_record(&record).await?;
            Ok((record.subject, record.scopes))
        }
        .await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(AuditKind::GrantConsumed, correlation.as_ref(), None, reason, now)
            .with_pseudonyms(self.pseudonym(subject.as_ref()), None);
        self.finish(Flow::Passkey, event, result).await
    }

    /// Checks, without consuming it, that `token` is a live grant for `scope` of `subject`:
    /// lets a registration start with the grant and consume it only when the new passkey is
    /// ready ([`Recovery::authorize_registration`]), so a cancelled browser prompt does not
    /// cost the user their recovery.
    ///
    /// # Errors
    ///
    /// As [`Recovery::authorize_registration`] for the grant, without consuming it.
    pub async fn check_grant(
        &self,
        subject: &SubjectId,
        token: &GrantToken,
        scope: Scope,
        now: UnixTime,
    ) -> Result<(), RecoveryError> {
        let record = self.find_grant_for(token, scope, now).await?;
        if record.subject != *subject {
            return Err(RecoveryError::WrongSubject);
        }
        Ok(())
    }

    async fn find_grant_for(
        &self,
        token: &GrantToken,
        scope: Scope,
        now: UnixTime,
    ) -> Result<GrantRecord, RecoveryError> {
        let record = self
            .store
            .find_grant(&token.hash())
            .await
            .map_err(RecoveryError::storage)?
            .ok_or(RecoveryError::UnknownToken)?;
        if record.consumed {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        if !record.scopes.contains(&scope) {
            return Err(RecoveryError::ScopeNotGranted);
        }
        Ok(record)
    }

    async fn consume_grant_record(&self, record: &GrantRecord) -> Result<(), RecoveryError> {
        match self.store.consume_grant(&record.grant_hash).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => Ok(()),
            ConsumeOutcome::AlreadyConsumed | ConsumeOutcome::Unavailable => Err(RecoveryError::Replayed),
            ConsumeOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }

    /// Executes a grant's scopes once the new passkey `new_credential_id` is registered:
    /// revokes every other credential of the subject ([`Scope::RevokeOtherCredentials`]),
    /// ends the other sessions through `sessions` ([`Scope::EndOtherSessions`]), starts the
    /// cool-down, and returns the notices for every channel. A new-account permit does
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::Storage`] (the credential store, the session hook or the cool-down);
    /// what was done before the failure stays done, and calling again is safe.
    pub async fn finish_registration<H: SessionHook>(
        &self,
        permit: &RegistrationPermit,
        new_credential_id: &[u8],
        sessions: &H,
        now: UnixTime,
    ) -> Result<AfterRecovery, RecoveryError> {
        let RegistrationAuthority::Grant { correlation_id, scopes } = &permit.authority else {
            return Ok(AfterRecovery {
                revoked_credentials: 0,
                ended_sessions: 0,
                cooldown_until: None,
                notices: Vec::new(),
            });
        };
        let result =
            self.execute_scopes(&permit.subject, correlation_id, scopes, new_credential_id, sessions, now).await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(AuditKind::ScopesExecuted, Some(correlation_id), None, reason, now)
            .with_pseudonyms(self.pseudonym(Some(&permit.subject)), None);
        self.finish(Flow::Passkey, event, result).await
    }

    async fn execute_scopes<H: SessionHook>(
        &self,
        subject: &SubjectId,
        correlation_id: &CorrelationId,
        scopes: &[Scope],
        new_credential_id: &[u8],
        sessions: &H,
        now: UnixTime,
    ) -> Result<AfterRecovery, RecoveryError> {
        let mut revoked = 0u64;
        if scopes.contains(&Scope::RevokeOtherCredentials) {
            let all = self.credentials.list_for_user(subject.as_bytes()).await.map_err(RecoveryError::storage)?;
            for record in all.iter().filter(|r| r.credential.id != new_credential_id) {
                if self.credentials.delete(&record.credential.id).await.map_err(RecoveryError::storage)? {
                    revoked += 1;
                }
            }
        }
        let mut ended = 0u64;
        if scopes.contains(&Scope::EndOtherSessions) {
            ended = sessions.end_other_sessions(subject).await.map_err(RecoveryError::storage)?;
        }
        let cooldown_until = if self.policy.cooldown_secs > 0 {
            let until = now.plus_secs(self.policy.cooldown_secs);
            self.store.set_cooldown(subject, until).await.map_err(RecoveryError::storage)?;
            Some(until)
        } else {
            None
        };
        let notices = vec![Notice::Recovered {
            correlation_id: correlation_id.clone(),
            revoked_credentials: revoked,
            ended_sessions: ended,
            cooldown_until,
        }];
        Ok(AfterRecovery { revoked_credentials: revoked, ended_sessions: ended, cooldown_until, notices })
    }

    /// Refuses `operation` during the cool-down after a recovery of `subject`. Call it before
    /// every credential or payout change.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::CoolingDown`]; [`RecoveryError::Storage`].
    pub async fn check_cooldown(
        &self,
        subject: &SubjectId,
        operation: HighRiskOperation,
        now: UnixTime,
    ) -> Result<(), RecoveryError> {
        let _ = operation;
        match self.store.cooldown_until(subject).await.map_err(RecoveryError::storage)? {
            Some(until) if now < until => {
                Err(RecoveryError::CoolingDown { retry_after_secs: until.as_secs().saturating_sub(now.as_secs()) })
            }
            _ => Ok(()),
        }
    }
}
