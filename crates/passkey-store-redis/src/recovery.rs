//! The recovery crate's stores (feature `recovery`): each check-and-change is one Lua script,
//! which Redis runs atomically (no other command runs in between, and a replica or the AOF
//! receives its effects as one transaction).

use std::sync::LazyLock;

use passkey_recovery::{
    ApproveOutcome, AttemptOutcome, ChallengeRecord, ConsumeOutcome, GrantRecord, OnboardingRecord, PendingRecord,
    PendingStore, RateKey, RateLimitStore, RecoveryStore, SubjectId, TokenHash, WindowCount,
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

/// Consumes approved onboarding `KEYS[1]` and creates grant `KEYS[2]` (record `ARGV[1]`,
/// TTL `ARGV[2]`), both or neither. Returns 0 not found, 1 already consumed, 2 not approved,
/// 3 redeemed, -1 the grant key exists.
static REDEEM_ONBOARDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'consumed') == '1' then return 1 end
if redis.call('HEXISTS', KEYS[1], 'approved_by') == 0 then return 2 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'consumed', '1')
redis.call('HSET', KEYS[2], 'rec', ARGV[1], 'consumed', '0')
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 3",
    )
});

/// Creates pending recovery `KEYS[1]` (record `ARGV[2]`, TTL `ARGV[1]`), its cancel index
/// `KEYS[2]` (-> handle `ARGV[3]`) and adds it to its subject's set `KEYS[3]`. Returns 1
/// when created, 0 when a key exists.
static INSERT_PENDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'version', '0', 'cancelled', '0')
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
if redis.call('TTL', KEYS[3]) < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[3], ARGV[1]) end
return 1",
    )
});

/// Swaps pending recovery `KEYS[1]` to record `ARGV[2]` if its version is `ARGV[1]` and it is
/// not cancelled; with `KEYS[2]`, also creates that grant (record `ARGV[3]`, TTL `ARGV[4]`).
/// Returns 1 swapped, 0 not, -1 the grant key exists (nothing written).
static SWAP_PENDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'cancelled') ~= '0' then return 0 end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1))
if KEYS[2] then
  redis.call('HSET', KEYS[2], 'rec', ARGV[3], 'consumed', '0')
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return 1",
    )
});

/// Cancels the pending recoveries named by handle: `KEYS[1]` a cancel index (a string) or a
/// subject's set, `ARGV[1]` the pending-key prefix, `ARGV[2]` `'one'` or `'set'`. Returns how
/// many this call cancelled. (The pending keys are computed in the script: a single-node or
/// single-slot deployment, as for every key of this store.)
static CANCEL_PENDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local handles
if ARGV[2] == 'one' then
  local h = redis.call('GET', KEYS[1])
  if not h then return 0 end
  handles = {h}
else
  handles = redis.call('SMEMBERS', KEYS[1])
end
local n = 0
for _, h in ipairs(handles) do
  local key = ARGV[1] .. h
  if redis.call('HGET', key, 'cancelled') == '0' then
    redis.call('HSET', key, 'cancelled', '1')
    n = n + 1
  end
end
return n",
    )
});

/// Sets cool-down `KEYS[1]` to `ARGV[1]` (TTL `ARGV[2]`) unless it holds a later value.
static COOLDOWN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1",
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
            self.record_key("rc", &record.handle_hash),
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
        self.create(self.record_key("ro", &record.pairing_hash), self.ttl(record.expires_at), &fields).await
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

    async fn redeem_onboarding(&self, hash: &TokenHash, grant: GrantRecord) -> Result<ConsumeOutcome, RedisStoreError> {
        let mut invocation = REDEEM_ONBOARDING.key(self.record_key("ro", hash));
        invocation.key(self.record_key("rg", &grant.grant_hash)).arg(json(&grant)?).arg(self.ttl(grant.expires_at));
        let code: i64 = invocation.invoke_async(&mut self.connection()).await.map_err(map)?;
        consume_outcome(code)
    }
}

impl RedisStore {
    async fn swap(
        &self,
        record: &PendingRecord,
        expected: u64,
        grant: Option<&GrantRecord>,
    ) -> Result<bool, RedisStoreError> {
        let mut stored = record.clone();
        stored.version = expected.saturating_add(1);
        stored.cancelled = false;
        let mut invocation = SWAP_PENDING.key(self.record_key("rp", &record.handle_hash));
        invocation.arg(expected.to_string()).arg(json(&stored)?);
        if let Some(grant) = grant {
            invocation.key(self.record_key("rg", &grant.grant_hash)).arg(json(grant)?).arg(self.ttl(grant.expires_at));
        }
        let code: i64 = invocation.invoke_async(&mut self.connection()).await.map_err(map)?;
        match code {
            1 => Ok(true),
            0 => Ok(false),
            -1 => Err(RedisStoreError::Exists),
            _ => Err(RedisStoreError::Corrupt("script reply")),
        }
    }

    async fn cancel(&self, index: String, mode: &str) -> Result<u64, RedisStoreError> {
        let n: i64 = CANCEL_PENDING
            .key(index)
            .arg(self.key("rp", ""))
            .arg(mode)
            .invoke_async(&mut self.connection())
            .await
            .map_err(map)?;
        u64::try_from(n).map_err(|_| RedisStoreError::Corrupt("script reply"))
    }
}

impl PendingStore for RedisStore {
    type Error = RedisStoreError;

    async fn insert_pending(&self, record: PendingRecord) -> Result<(), RedisStoreError> {
        let handle = hex(record.handle_hash.as_bytes());
        let created: i64 = INSERT_PENDING
            .key(self.key("rp", &handle))
            .key(self.record_key("rpc", &record.cancel_hash))
            .key(self.key("rps", &hex(record.subject.as_bytes())))
            .arg(self.ttl(record.expires_at))
            .arg(json(&record)?)
            .arg(handle)
            .invoke_async(&mut self.connection())
            .await
            .map_err(map)?;
        if created == 1 {
            Ok(())
        } else {
            Err(RedisStoreError::Exists)
        }
    }

    async fn find_pending(&self, hash: &TokenHash) -> Result<Option<PendingRecord>, RedisStoreError> {
        let Some(values) = self.fields(self.record_key("rp", hash), &["rec", "version", "cancelled"]).await? else {
            return Ok(None);
        };
        let [Some(rec), Some(version), cancelled_flag] = values.as_slice() else {
            return Err(RedisStoreError::Corrupt("pending fields"));
        };
        let mut record: PendingRecord = parse(rec)?;
        record.version = core::str::from_utf8(version)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(RedisStoreError::Corrupt("version"))?;
        record.cancelled = consumed(cancelled_flag.as_ref())?;
        Ok(Some(record))
    }

    async fn swap_pending(&self, record: PendingRecord, expected: u64) -> Result<bool, RedisStoreError> {
        self.swap(&record, expected, None).await
    }

    async fn redeem_pending(
        &self,
        record: PendingRecord,
        expected: u64,
        grant: GrantRecord,
    ) -> Result<bool, RedisStoreError> {
        self.swap(&record, expected, Some(&grant)).await
    }

    async fn cancel_pending(&self, cancel_hash: &TokenHash) -> Result<bool, RedisStoreError> {
        Ok(self.cancel(self.record_key("rpc", cancel_hash), "one").await? > 0)
    }

    async fn cancel_pending_for(&self, subject: &SubjectId) -> Result<u64, RedisStoreError> {
        self.cancel(self.key("rps", &hex(subject.as_bytes())), "set").await
    }

    async fn set_cooldown(&self, subject: &SubjectId, until: UnixTime) -> Result<(), RedisStoreError> {
        let _: i64 = COOLDOWN
            .key(self.key("rcd", &hex(subject.as_bytes())))
            .arg(until.as_secs())
            .arg(self.ttl(until))
            .invoke_async(&mut self.connection())
            .await
            .map_err(map)?;
        Ok(())
    }

    async fn cooldown_until(&self, subject: &SubjectId) -> Result<Option<UnixTime>, RedisStoreError> {
        let until: Option<u64> = redis::cmd("GET")
            .arg(self.key("rcd", &hex(subject.as_bytes())))
            .query_async(&mut self.connection())
            .await
            .map_err(map)?;
        Ok(until.map(UnixTime::from_secs))
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
