//! Where recovery events go: the audit sink (possibly async and fallible; the host chooses
//! fail-open or fail-closed) and the `metrics` facade.
//!
//! Metrics (labels are static names only, never data):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `passkey_recovery_initiations_total` | counter | `flow` |
//! | `passkey_recovery_completions_total` | counter | `flow` |
//! | `passkey_recovery_refusals_total` | counter | `flow`, `reason` |
//! | `passkey_recovery_time_to_recover_seconds` | histogram | `flow` |
//!
//! Recovery success rate is completions over initiations; the median time to recover comes
//! from the histogram; abuse attempts per account from the audit events' subject pseudonym.

use core::future::Future;

use passkey_verifier::audit::{AuditEvent, AuditSink};

use crate::RecoveryError;

/// A sink that may be async and may fail. Every [`AuditSink`] is one (it never fails).
pub trait RecoveryAuditSink: Send + Sync {
    /// Records `event`; an error means it may not have been recorded.
    fn record_event(&self, event: AuditEvent) -> impl Future<Output = Result<(), AuditFailed>> + Send;
}

impl<T: AuditSink + ?Sized> RecoveryAuditSink for T {
    fn record_event(&self, event: AuditEvent) -> impl Future<Output = Result<(), AuditFailed>> + Send {
        self.record(event);
        core::future::ready(Ok(()))
    }
}

/// The audit sink failed to record an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("audit sink failed")]
pub struct AuditFailed;

/// What a failing audit sink does to the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuditMode {
    /// The operation's result stands; the failure is counted
    /// (`passkey_recovery_audit_failures_total`).
    #[default]
    FailOpen,
    /// The operation returns [`RecoveryError::AuditUnavailable`] instead of its result (a
    /// store change it made stays: a consumed token is not handed back, so fail-closed may
    /// cost a user a retry).
    FailClosed,
}

/// The flow a metric is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Flow {
    Passkey,
    Passkeyless,
    Onboarding,
}

impl Flow {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Passkey => "passkey",
            Self::Passkeyless => "passkeyless",
            Self::Onboarding => "onboarding",
        }
    }
}

pub(crate) fn initiated(flow: Flow) {
    metrics::counter!("passkey_recovery_initiations_total", "flow" => flow.as_str()).increment(1);
}

pub(crate) fn completed(flow: Flow, secs: u64) {
    metrics::counter!("passkey_recovery_completions_total", "flow" => flow.as_str()).increment(1);
    #[allow(clippy::cast_precision_loss)]
    metrics::histogram!("passkey_recovery_time_to_recover_seconds", "flow" => flow.as_str()).record(secs as f64);
}

pub(crate) fn refused(flow: Flow, e: &RecoveryError) {
    metrics::counter!("passkey_recovery_refusals_total", "flow" => flow.as_str(), "reason" => e.label()).increment(1);
}

pub(crate) fn audit_failed() {
    metrics::counter!("passkey_recovery_audit_failures_total").increment(1);
}
