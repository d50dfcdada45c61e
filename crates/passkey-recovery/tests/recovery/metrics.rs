//! The `metrics` facade counts what the field's KPIs need: initiations, completions,
//! refusals by reason, and time to recover. A recorder of the test's own (local to this
//! thread) reads them back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use passkey_recovery::{recovery_challenge, Channel, InitiateRequest, Proof, SubjectId};
use passkey_verifier::testkit::store_conformance::block_on;

use super::from_link;
use super::support::*;

type Values = Arc<Mutex<BTreeMap<String, Vec<f64>>>>;

/// Every counter increment and histogram sample, by name and labels (`name{k=v,...}`).
#[derive(Default)]
struct Readings(Values);

struct Series(String, Values);

impl CounterFn for Series {
    #[allow(clippy::cast_precision_loss)]
    fn increment(&self, value: u64) {
        self.1.lock().unwrap().entry(self.0.clone()).or_default().push(value as f64);
    }
    fn absolute(&self, _: u64) {}
}

impl HistogramFn for Series {
    fn record(&self, value: f64) {
        self.1.lock().unwrap().entry(self.0.clone()).or_default().push(value);
    }
}

fn series(key: &Key) -> String {
    let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Recorder for Readings {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Series(series(key), Arc::clone(&self.0))))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(Series(series(key), Arc::clone(&self.0))))
    }
}

#[test]
fn initiations_completions_refusals_and_time_to_recover_are_counted() {
    let env = env();
    let mut laptop = env.register(ALICE, "laptop");
    let mut other = env.register(BOB, "bob's laptop");
    let readings = Readings::default();
    metrics::with_local_recorder(&readings, || {
        let request = InitiateRequest::new(
            lookup("alice@example.com"),
            requester("198.51.100.1"),
            Some(SubjectId::new(ALICE)),
            Channel::Rcs,
            vec![passkey(), rcs_e2ee()],
        );
        let initiated = block_on(env.recovery.initiate(&request, &mut rng(), NOW)).unwrap();
        let (handle, secret) = from_link(&initiated.payload.render_link(BASE).unwrap());
        let challenge = recovery_challenge(&handle, &secret);
        // Bob's passkey: refused as another account's.
        let wrong = other.assert(challenge.as_bytes(), &knobs());
        let user = requester("198.51.100.1");
        let refused = block_on(env.recovery.complete(
            &handle,
            &secret,
            Proof::Passkey(wrong.as_bytes()),
            &user,
            &mut rng(),
            NOW.plus_secs(10),
        ));
        assert!(refused.is_err());
        let right = laptop.assert(challenge.as_bytes(), &knobs());
        let later = NOW.plus_secs(40);
        block_on(env.recovery.complete(&handle, &secret, Proof::Passkey(right.as_bytes()), &user, &mut rng(), later))
            .unwrap();
    });
    let values = readings.0.lock().unwrap();
    let total = |name: &str| values.get(name).map_or(0.0, |v| v.iter().sum::<f64>());
    assert_eq!(total("passkey_recovery_initiations_total{flow=passkey}"), 1.0, "{values:?}");
    assert_eq!(total("passkey_recovery_completions_total{flow=passkey}"), 1.0, "{values:?}");
    assert_eq!(total("passkey_recovery_refusals_total{flow=passkey,reason=wrong_subject}"), 1.0, "{values:?}");
    let recovered = &values["passkey_recovery_time_to_recover_seconds{flow=passkey}"];
    assert_eq!(recovered.as_slice(), [40.0], "time to recover: initiated at NOW, completed 40 s later");
    assert!(values.keys().all(|k| !k.contains("alice")), "labels carry names, never data: {values:?}");
}
