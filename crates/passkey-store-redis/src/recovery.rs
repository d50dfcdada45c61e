//! The recovery crate's stores (feature `recovery`): each check-and-change is one Lua script,
//! which Redis runs atomically (no other command runs in between, and a replica or the AOF
//! receives its effects as one transaction).

use std::sync::LazyLock;

use passkey_recovery::{
    ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord, RateKey,
    RateLimitStore, RecoveryStore, SubjectId, TokenHash, WindowCount,
};
use passkey_verifier::UnixTime;
use redis::Script;

use crate::error::map;
use crate::{hex, RedisStore, RedisStoreError, GRACE_SECS};

/// Creates a hash with the field/value pairs `ARGV[2..]` and the TTL `ARGV[1]`, unless the key
/// exists. Returns 1 when created.
static INSERT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1",
    )
});

/// Spends one attempt of a challenge that is not consumed and has attempts left. Returns the
/// attempts left, -1 when nothing was spent, -2 when there is no such challenge.
static DECREMENT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
if redis.call('HGET', KEYS[1], 'consumed') == '1' then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
if not n or n <= 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], 'attempts', -1)",
    )
});

/// Consumes challenge `KEYS[1]` and creates grant `KEYS[2]` (record `ARGV[1]`, TTL
/// `ARGV[2]`), both or neither: every check runs before the first write. Returns 0 not found,
/// 1 already consumed, 2 no attempts left, 3 redeemed, -1 the grant key exists.
static REDEEM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'consumed') == '1' then return 1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
if not n or n <= 0 then return 2 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'consumed', '1')
redis.call('HSET', KEYS[2], 'rec', ARGV[1], 'consumed', '0')
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 3",
    )
});

/// Consumes a grant or (with `ARGV[1] == 'approved'`) an approved onboarding. Returns 0 not
/// found, 1 already consumed, 2 not approved, 3 consumed.
static CONSUME: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'consumed') == '1' then return 1 end
if ARGV[1] == 'approved' and redis.call('HEXISTS', KEYS[1], 'approved_by') == 0 then return 2 end
redis.call('HSET', KEYS[1], 'consumed', '1')
return 3",
    )
});

/// Records approver `ARGV[1]` unless one is recorded. Returns 0 not found, 1 already
/// approved, 2 approved.
static APPROVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'approved_by', ARGV[1]) == 0 then return 1 end
return 2",
    )
});

/// Counts a hit in a window's key, setting its TTL (`ARGV[1]`) with the first: the count and
/// its expiry are never apart.
static HIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n",
    )
});

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

fn consume_outcome(code: i64) -> Result<ConsumeOutcome, RedisStoreError> {
    match code {
        0 => Ok(ConsumeOutcome::NotFound),
        1 => Ok(ConsumeOutcome::AlreadyConsumed),
        2 => Ok(ConsumeOutcome::Unavailable),
        3 => Ok(ConsumeOutcome::Consumed),
        -1 => Err(RedisStoreError::Exists),
        _ => Err(RedisStoreError::Corrupt("script reply")),
    }
}

fn json<T: serde::Serialize>(record: &T) -> Result<String, RedisStoreError> {
    serde_json::to_string(record).map_err(|_| RedisStoreError::Client("record does not serialize"))
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RedisStoreError> {
    serde_json::from_slice(bytes).map_err(|_| RedisStoreError::Corrupt("record"))
}

fn consumed(value: Option<&Vec<u8>>) -> Result<bool, RedisStoreError> {
    match value.map(Vec::as_slice) {
        Some(b"1") => Ok(true),
        Some(b"0") => Ok(false),
        _ => Err(RedisStoreError::Corrupt("consumed")),
    }
}

impl RedisStore {
    fn record_key(&self, kind: &str, hash: &TokenHash) -> String {
        self.key(kind, &hex(hash.as_bytes()))
    }

    async fn create(&self, key: String, ttl: u64, fields: &[(&str, &[u8])]) -> Result<(), RedisStoreError> {
        let mut invocation = INSERT.key(key);
        invocation.arg(ttl);
        for (name, value) in fields {
            invocation.arg(*name).arg(*value);
        }
        let created: i64 = invocation.invoke_async(&mut self.connection()).await.map_err(map)?;
        if created == 1 {
            Ok(())
        } else {
            Err(RedisStoreError::Exists)
        }
    }

    /// The fields `names` of hash `key`; `None` when the key does not exist.
    async fn fields(&self, key: String, names: &[&str]) -> Result<Option<Vec<Option<Vec<u8>>>>, RedisStoreError> {
        let values: Vec<Option<Vec<u8>>> =
            redis::cmd("HMGET").arg(key).arg(names).query_async(&mut self.connection()).await.map_err(map)?;
        Ok(if values.first().is_some_and(Option::is_some) { Some(values) } else { None })
    }

    async fn consume(&self, key: String, requirement: &str) -> Result<ConsumeOutcome, RedisStoreError> {
        let code: i64 = CONSUME.key(key).arg(requirement).invoke_async(&mut self.connection()).await.map_err(map)?;
        consume_outcome(code)
    }
}

impl RecoveryStore for RedisStore {
    type Error = RedisStoreError;

    async fn insert_challenge(&self, record: ChallengeRecord) -> Result<(), RedisStoreError> {
        let attempts = record.attempts_left.to_string();
        self.create(
            self.record_key("rc", &record.token_hash),
            self.ttl(record.expires_at),
            &[
                ("rec", json(&record)?.as_bytes()),
                ("attempts", attempts.as_bytes()),
                ("consumed", flag(record.consumed).as_bytes()),
            ],
        )
        .await
    }

    async fn find_challenge(&self, hash: &TokenHash) -> Result<Option<ChallengeRecord>, RedisStoreError> {
        let Some(values) = self.fields(self.record_key("rc", hash), &["rec", "attempts", "consumed"]).await? else {
            return Ok(None);
        };
        let [Some(rec), Some(attempts), consumed_flag] = values.as_slice() else {
            return Err(RedisStoreError::Corrupt("challenge fields"));
        };
        let mut record: ChallengeRecord = parse(rec)?;
        record.attempts_left = core::str::from_utf8(attempts)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(RedisStoreError::Corrupt("attempts"))?;
        record.consumed = consumed(consumed_flag.as_ref())?;
        Ok(Some(record))
    }

    async fn decrement_attempts(&self, hash: &TokenHash) -> Result<AttemptOutcome, RedisStoreError> {
        let left: i64 =
            DECREMENT.key(self.record_key("rc", hash)).invoke_async(&mut self.connection()).await.map_err(map)?;
        Ok(match left {
            -2 => AttemptOutcome::NotFound,
            -1 => AttemptOutcome::Unchanged,
            n => AttemptOutcome::Decremented(u32::try_from(n).map_err(|_| RedisStoreError::Corrupt("attempts"))?),
        })
    }

    async fn redeem_challenge(&self, hash: &TokenHash, grant: GrantRecord) -> Result<ConsumeOutcome, RedisStoreError> {
        let mut invocation = REDEEM.key(self.record_key("rc", hash));
        invocation.key(self.record_key("rg", &grant.grant_hash)).arg(json(&grant)?).arg(self.ttl(grant.expires_at));
        let code: i64 = invocation.invoke_async(&mut self.connection()).await.map_err(map)?;
        consume_outcome(code)
    }

    async fn find_grant(&self, hash: &TokenHash) -> Result<Option<GrantRecord>, RedisStoreError> {
        let Some(values) = self.fields(self.record_key("rg", hash), &["rec", "consumed"]).await? else {
            return Ok(None);
        };
        let [Some(rec), consumed_flag] = values.as_slice() else {
            return Err(RedisStoreError::Corrupt("grant fields"));
        };
        let mut record: GrantRecord = parse(rec)?;
        record.consumed = consumed(consumed_flag.as_ref())?;
        Ok(Some(record))
    }

    async fn consume_grant(&self, hash: &TokenHash) -> Result<ConsumeOutcome, RedisStoreError> {
        self.consume(self.record_key("rg", hash), "any").await
    }

    async fn insert_onboarding(&self, record: OnboardingRecord) -> Result<(), RedisStoreError> {
        let rec = json(&record)?;
        let mut fields: Vec<(&str, &[u8])> =
            vec![("rec", rec.as_bytes()), ("consumed", flag(record.consumed).as_bytes())];
        if let Some(approver) = &record.approved_by {
            fields.push(("approved_by", approver.as_bytes()));
        }
        self.create(self.record_key("ro", &record.nonce_hash), self.ttl(record.expires_at), &fields).await
    }

    async fn find_onboarding(&self, hash: &TokenHash) -> Result<Option<OnboardingRecord>, RedisStoreError> {
        let Some(values) = self.fields(self.record_key("ro", hash), &["rec", "approved_by", "consumed"]).await? else {
            return Ok(None);
        };
        let [Some(rec), approved_by, consumed_flag] = values.as_slice() else {
            return Err(RedisStoreError::Corrupt("onboarding fields"));
        };
        let mut record: OnboardingRecord = parse(rec)?;
        record.approved_by = approved_by.clone().map(SubjectId::new);
        record.consumed = consumed(consumed_flag.as_ref())?;
        Ok(Some(record))
    }

    async fn approve_onboarding(
        &self,
        hash: &TokenHash,
        approver: &SubjectId,
    ) -> Result<ApproveOutcome, RedisStoreError> {
        let code: i64 = APPROVE
            .key(self.record_key("ro", hash))
            .arg(approver.as_bytes())
            .invoke_async(&mut self.connection())
            .await
            .map_err(map)?;
        match code {
            0 => Ok(ApproveOutcome::NotFound),
            1 => Ok(ApproveOutcome::AlreadyApproved),
            2 => Ok(ApproveOutcome::Approved),
            _ => Err(RedisStoreError::Corrupt("script reply")),
        }
    }

    async fn consume_onboarding(&self, hash: &TokenHash) -> Result<ConsumeOutcome, RedisStoreError> {
        self.consume(self.record_key("ro", hash), "approved").await
    }
}

impl RateLimitStore for RedisStore {
    type Error = RedisStoreError;

    async fn hit(&self, key: &RateKey, window_secs: u64, now: UnixTime) -> Result<WindowCount, RedisStoreError> {
        let secs = now.as_secs();
        let start = secs.checked_rem(window_secs).map_or(secs, |offset| secs - offset);
        let name = format!("{}rl:{}:{window_secs}:{start}", self.prefix, hex(key.as_bytes()));
        // The key lives at least until its window ends (its first hit is inside the window).
        let count: i64 = HIT
            .key(name)
            .arg(window_secs.saturating_add(GRACE_SECS))
            .invoke_async(&mut self.connection())
            .await
            .map_err(map)?;
        Ok(WindowCount {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            resets_at: UnixTime::from_secs(start.saturating_add(window_secs)),
        })
    }
}
