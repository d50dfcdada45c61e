//! Device onboarding bound to the new device.
//!
//! New-device-initiated, in the order an HTTP handler calls:
//!
//! 1. The new device calls [`Recovery::start_onboarding`]; it keeps the [`DeviceSecret`]
//!    (never shown, never in the QR code), shows the QR code of the [`PairingRef`]
//!    ([`PairingRef::render_link`]) and the 6-digit [`PairingCode`].
//! 2. The signed-in existing device scans it, shows [`Recovery::onboarding_screen`] (device
//!    name, platform, coarse location, time), asks its user to type the code shown on the new
//!    device, and answers [`Recovery::onboarding_assertion_options`] (whose challenge commits
//!    to the reference *and the typed code*) with a passkey; [`Recovery::approve_onboarding`]
//!    accepts only an assertion over the code the new device shows.
//! 3. The new device calls [`Recovery::redeem_onboarding`] with its secret and gets a
//!    [`Grant`] to register a passkey ([`Recovery::authorize_registration`]).
//!
//! Existing-device-initiated: a signed-in device calls [`Recovery::offer_onboarding`] naming
//! the target device; the host pushes the reference and the device secret to that device
//! only, both devices show the code, and steps 2 and 3 follow (only a passkey of the offering
//! account can approve).
//!
//! A photographed QR code gives a thief the reference only: redeeming needs the device
//! secret ([`RecoveryError::DeviceMismatch`]). A request an attacker started and sent to a
//! victim shows the attacker's device on the approval screen, and the victim cannot type
//! the code shown on the attacker's screen: their assertion does not verify.

use rand_core::CryptoRng;

use crate::code::PairingCode;
use crate::lookup::RequesterKey;
use crate::observe::{self, Flow, RecoveryAuditSink};
use crate::policy::Scope;
use crate::rate_limit::RateLimitStore;
use crate::service::{Grant, Recovery};
use crate::store::{ApprovalDisplay, ApproveOutcome, ConsumeOutcome, OnboardingRecord, RecoveryStore};
use crate::token::{onboarding_challenge, AssertionOptionsJson, DeviceSecret, PairingRef, SubjectId, TokenHash};
use crate::RecoveryError;
use passkey_verifier::audit::{AuditKind, CorrelationId};
use passkey_verifier::hazmat::crypto;
use passkey_verifier::{Challenge, CredentialStore, UnixTime};

/// A new device's request to be onboarded. `Debug` redacts.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnboardingRequest {
    /// The account the new device claims (typed by the user); only its passkey can approve.
    /// `None`: the approving passkey's account.
    pub claimed: Option<SubjectId>,
    /// The keyed requester.
    pub requester: RequesterKey,
    /// What the approving device shows (from the new device's request: user agent,
    /// IP-derived coarse location, the time).
    pub display: ApprovalDisplay,
}

impl OnboardingRequest {
    /// A request from `requester`, described by `display`.
    #[must_use]
    pub const fn new(claimed: Option<SubjectId>, requester: RequesterKey, display: ApprovalDisplay) -> Self {
        Self { claimed, requester, display }
    }
}

impl core::fmt::Debug for OnboardingRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnboardingRequest").field("display", &self.display).finish_non_exhaustive()
    }
}

/// A started onboarding. `Debug` redacts the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnboardingStarted {
    /// What the QR code or link carries.
    pub pairing: PairingRef,
    /// What the new device keeps (never in the QR code).
    pub device_secret: DeviceSecret,
    /// The code both devices show.
    pub pairing_code: PairingCode,
    /// The correlation ID.
    pub correlation_id: CorrelationId,
    /// When it expires.
    pub expires_at: UnixTime,
}

/// What the approving device shows before its user approves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApprovalScreen {
    /// The new device as it described itself.
    pub display: ApprovalDisplay,
    /// Whether an existing device of the account offered it.
    pub offered: bool,
    /// Whether a passkey approved it (the new device may redeem).
    pub approved: bool,
    /// When the request expires.
    pub expires_at: UnixTime,
}

/// An approved onboarding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnboardingApproval {
    /// The correlation ID.
    pub correlation_id: CorrelationId,
}

impl<S: RecoveryStore, L: RateLimitStore, K: CredentialStore, A: RecoveryAuditSink> Recovery<S, L, K, A> {
    /// Assertion options for approving `pairing` with the code the approver typed.
    pub fn onboarding_assertion_options(&self, pairing: &PairingRef, typed_code: &PairingCode) -> AssertionOptionsJson {
        AssertionOptionsJson::new(&self.rp, &onboarding_challenge(pairing, typed_code), self.policy.user_verification)
    }

    /// Starts an onboarding for a new device: it keeps [`OnboardingStarted::device_secret`]
    /// (never in the QR code), shows [`OnboardingStarted::pairing`] as a QR code
    /// ([`PairingRef::render_link`]) and [`OnboardingStarted::pairing_code`] on its screen.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::RateLimited`]; [`RecoveryError::InvalidRequest`] for display text out
    /// of bounds; [`RecoveryError::Storage`].
    pub async fn start_onboarding(
        &self,
        request: &OnboardingRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<OnboardingStarted, RecoveryError> {
        self.start(request.claimed.clone(), false, request, rng, now).await
    }

    /// Offers an onboarding from the signed-in existing device of `subject` to a device it
    /// names: push [`OnboardingStarted::pairing`] and [`OnboardingStarted::device_secret`] to
    /// that device only; show the code on both. Only a passkey of `subject` can approve.
    ///
    /// # Errors
    ///
    /// As [`Recovery::start_onboarding`].
    pub async fn offer_onboarding(
        &self,
        subject: &SubjectId,
        request: &OnboardingRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<OnboardingStarted, RecoveryError> {
        self.start(Some(subject.clone()), true, request, rng, now).await
    }

    async fn start(
        &self,
        claimed: Option<SubjectId>,
        offered: bool,
        request: &OnboardingRequest,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<OnboardingStarted, RecoveryError> {
        observe::initiated(Flow::Onboarding);
        let correlation_id = CorrelationId::random(rng);
        let result = async {
            request.display.validate()?;
            self.check_requester(&request.requester, now).await?;
            let pairing = PairingRef::random(rng);
            let device_secret = DeviceSecret::random(rng);
            let pairing_code = PairingCode::random(rng);
            let expires_at = now.plus_secs(self.policy.onboarding_ttl_secs);
            let challenge = onboarding_challenge(&pairing, &pairing_code);
            let record = OnboardingRecord {
                pairing_hash: pairing.hash(),
                device_secret_hash: device_secret.hash(),
                approval_challenge: TokenHash::from_bytes(challenge_bytes(&challenge)),
                display: request.display.clone(),
                offered,
                correlation_id: correlation_id.clone(),
                claimed,
                approved_by: None,
                expires_at,
                consumed: false,
            };
            self.store.insert_onboarding(record).await.map_err(RecoveryError::storage)?;
            Ok(OnboardingStarted {
                pairing,
                device_secret,
                pairing_code,
                correlation_id: correlation_id.clone(),
                expires_at,
            })
        }
        .await;
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self
            .event(AuditKind::OnboardingStarted, Some(&correlation_id), None, reason, now)
            .with_pseudonyms(None, Some(request.requester.pseudonym().as_str().to_owned()));
        self.finish(Flow::Onboarding, event, result).await
    }

    async fn onboarding(&self, pairing: &PairingRef, now: UnixTime) -> Result<OnboardingRecord, RecoveryError> {
        let record = self
            .store
            .find_onboarding(&pairing.hash())
            .await
            .map_err(RecoveryError::storage)?
            .ok_or(RecoveryError::UnknownToken)?;
        if record.consumed {
            return Err(RecoveryError::Replayed);
        }
        if now >= record.expires_at {
            return Err(RecoveryError::Expired);
        }
        Ok(record)
    }

    /// What the approving device shows for `pairing`.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`], [`RecoveryError::Replayed`],
    /// [`RecoveryError::Expired`], [`RecoveryError::Storage`].
    pub async fn onboarding_screen(
        &self,
        pairing: &PairingRef,
        now: UnixTime,
    ) -> Result<ApprovalScreen, RecoveryError> {
        let record = self.onboarding(pairing, now).await?;
        Ok(ApprovalScreen {
            approved: record.approved_by.is_some(),
            display: record.display,
            offered: record.offered,
            expires_at: record.expires_at,
        })
    }

    /// Approves `pairing` with a passkey assertion over
    /// [`onboarding_challenge`] of the reference and the code the new device shows, by a
    /// passkey of the claimed account (if one was claimed).
    ///
    /// # Errors
    ///
    /// [`RecoveryError::UnknownToken`]; [`RecoveryError::Replayed`] when already approved;
    /// [`RecoveryError::Expired`]; [`RecoveryError::WrongSubject`];
    /// [`RecoveryError::Verification`] (another code, another challenge);
    /// [`RecoveryError::Storage`].
    pub async fn approve_onboarding(
        &self,
        pairing: &PairingRef,
        assertion_json: &[u8],
        now: UnixTime,
    ) -> Result<OnboardingApproval, RecoveryError> {
        let found = self.onboarding(pairing, now).await;
        let correlation = found.as_ref().ok().map(|r| r.correlation_id.clone());
        let result = match found {
            Ok(record) => self.approve_record(&record, assertion_json, now).await,
            Err(e) => Err(e),
        };
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self.event(AuditKind::OnboardingApproved, correlation.as_ref(), None, reason, now);
        self.finish(Flow::Onboarding, event, result).await
    }

    async fn approve_record(
        &self,
        record: &OnboardingRecord,
        assertion_json: &[u8],
        now: UnixTime,
    ) -> Result<OnboardingApproval, RecoveryError> {
        if record.approved_by.is_some() {
            return Err(RecoveryError::Replayed);
        }
        let challenge = Challenge::from_digest(*record.approval_challenge.as_bytes());
        let approver =
            self.verify_passkey(challenge, record.claimed.as_ref(), assertion_json, record.expires_at, now).await?;
        match self.store.approve_onboarding(&record.pairing_hash, &approver).await.map_err(RecoveryError::storage)? {
            ApproveOutcome::Approved => Ok(OnboardingApproval { correlation_id: record.correlation_id.clone() }),
            ApproveOutcome::AlreadyApproved => Err(RecoveryError::Replayed),
            ApproveOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }

    /// Redeems an approved onboarding on the device that started it (its `device_secret`),
    /// once and before expiry, for a grant to register a passkey. A wrong secret changes
    /// nothing: the real device can still redeem.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::DeviceMismatch`]; [`RecoveryError::NotApproved`] (the reference stays
    /// usable); [`RecoveryError::UnknownToken`]; [`RecoveryError::Replayed`];
    /// [`RecoveryError::Expired`]; [`RecoveryError::Storage`].
    pub async fn redeem_onboarding(
        &self,
        pairing: &PairingRef,
        device_secret: &DeviceSecret,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        let found = self.onboarding(pairing, now).await;
        let correlation = found.as_ref().ok().map(|r| r.correlation_id.clone());
        let result = match found {
            Ok(record) => self.redeem_onboarding_record(&record, device_secret, rng, now).await,
            Err(e) => Err(e),
        };
        if result.is_ok() {
            observe::completed(Flow::Onboarding, 0);
        }
        let reason = result.as_ref().err().map(RecoveryError::reason);
        let event = self.event(AuditKind::OnboardingRedeemed, correlation.as_ref(), None, reason, now);
        self.finish(Flow::Onboarding, event, result).await
    }

    async fn redeem_onboarding_record(
        &self,
        record: &OnboardingRecord,
        device_secret: &DeviceSecret,
        rng: &mut (impl CryptoRng + Send),
        now: UnixTime,
    ) -> Result<Grant, RecoveryError> {
        if !crypto::ct_eq(device_secret.hash().as_bytes(), record.device_secret_hash.as_bytes()) {
            return Err(RecoveryError::DeviceMismatch);
        }
        // Approval is write-once, so the approver read here is the one the store keeps.
        let Some(subject) = record.approved_by.clone() else {
            return Err(RecoveryError::NotApproved);
        };
        let (grant, stored) =
            self.new_grant(&subject, &record.correlation_id, None, &[Scope::RegisterPasskey], rng, now);
        match self.store.redeem_onboarding(&record.pairing_hash, stored).await.map_err(RecoveryError::storage)? {
            ConsumeOutcome::Consumed => Ok(grant),
            ConsumeOutcome::AlreadyConsumed => Err(RecoveryError::Replayed),
            ConsumeOutcome::Unavailable => Err(RecoveryError::NotApproved),
            ConsumeOutcome::NotFound => Err(RecoveryError::UnknownToken),
        }
    }
}

fn challenge_bytes(challenge: &Challenge) -> [u8; 32] {
    challenge.as_bytes().try_into().unwrap_or([0; 32])
}
