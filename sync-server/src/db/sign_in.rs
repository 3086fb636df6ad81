//! Sign-in budgets: token buckets that slow down guessing of invite codes
//! and organizer tokens. A bucket holds at most `per_minute` tokens and
//! refills at `per_minute` a minute; each attempt takes one. The embedded
//! store keeps its buckets in the process's memory (one server process
//! serves a data directory; a commit per guess would only help the
//! guesser slow the server down); PostgreSQL keeps them in a table, so
//! replicas behind a load balancer share one budget instead of each
//! granting its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets untouched this long are full again (a bucket refills from empty
/// in one minute), so they can be forgotten: a missing bucket is a full one.
pub(crate) const FORGET_AFTER: Duration = Duration::from_secs(120);

/// What is left in a bucket after `elapsed` since it held `tokens`.
fn refilled(tokens: f64, elapsed: Duration, per_minute: f64) -> f64 {
    (tokens + elapsed.as_secs_f64() * per_minute / 60.0).min(per_minute)
}

/// How long until a bucket holding `tokens` (< 1) has one token.
pub(crate) fn wait_for_token(tokens: f64, per_minute: f64) -> Duration {
    Duration::from_secs_f64(((1.0 - tokens) * 60.0 / per_minute).max(0.0))
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of one process.
#[derive(Default)]
pub(crate) struct LocalBuckets {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl LocalBuckets {
    /// Takes a token from `bucket`, or says how long to wait for one.
    pub(crate) fn take(&self, bucket: &str, per_minute: u32) -> Result<(), Duration> {
        let per_minute = f64::from(per_minute.max(1));
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget the full ones rather than grow without bound.
            buckets.retain(|_, b| now.duration_since(b.at) < FORGET_AFTER);
        }
        let b = buckets.entry(bucket.to_string()).or_insert(Bucket {
            tokens: per_minute,
            at: now,
        });
        b.tokens = refilled(b.tokens, now.duration_since(b.at), per_minute);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(wait_for_token(b.tokens, per_minute))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_grants_its_size_then_says_how_long_to_wait() {
        let buckets = LocalBuckets::default();
        for _ in 0..3 {
            assert_eq!(buckets.take("ip:192.0.2.1", 3), Ok(()));
        }
        let wait = buckets.take("ip:192.0.2.1", 3).unwrap_err();
        // One token comes back every 20 s at 3 a minute.
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another bucket is untouched.
        assert_eq!(buckets.take("ip:192.0.2.2", 3), Ok(()));
    }

    #[test]
    fn refilling_stops_at_the_bucket_size() {
        assert_eq!(refilled(0.0, Duration::from_secs(30), 10.0), 5.0);
        assert_eq!(refilled(4.0, Duration::from_secs(600), 10.0), 10.0);
        assert_eq!(
            wait_for_token(0.5, 10.0),
            Duration::from_secs(3),
            "half a token at 10 a minute"
        );
    }
}
