//! Per-caller rate limits: a token bucket per organisation and subject once a request carries a
//! valid token, per client IP before, answered `429` with `Retry-After` when empty.
//!
//! Buckets live in this process: with several stateless instances behind a balancer the limit a
//! caller sees is the configured one times the instances. Memory is bounded: a bucket that has
//! refilled is the same as no bucket and is dropped, and the table never holds more than
//! [`MAX_BUCKETS`] keys (a new key beyond that is refused until buckets refill).

use super::context::AppState;
use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// The most keys held at once (about 100 bytes each).
pub const MAX_BUCKETS: usize = 100_000;

/// A rate: `per_second` tokens added each second, at most `burst` held. `per_second == 0` is off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Rate {
    pub fn is_off(&self) -> bool {
        self.per_second <= 0.0
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// Token buckets by key.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now`: `Ok` when there was one, else `Err(seconds)` until
    /// the next one (at least 1).
    pub fn take(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        if self.rate.is_off() {
            return Ok(());
        }
        let rate = self.rate;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| refilled(rate, *b, now) < rate.burst);
            if buckets.len() >= MAX_BUCKETS {
                return Err(retry_after(rate, 0.0));
            }
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        let tokens = refilled(rate, *bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(retry_after(rate, tokens))
        }
    }

    /// How many keys are held (for tests of the eviction).
    pub fn len(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The tokens a bucket holds at `now` (never more than the burst).
fn refilled(rate: Rate, b: Bucket, now: DateTime<Utc>) -> f64 {
    let elapsed = (now - b.at).num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6;
    (b.tokens + elapsed * rate.per_second).min(rate.burst)
}

fn retry_after(rate: Rate, tokens: f64) -> u64 {
    (((1.0 - tokens) / rate.per_second).ceil() as u64).max(1)
}

/// The limiters of one instance: every request, and the walk of the audit chain.
#[derive(Debug)]
pub struct Limiters {
    pub requests: RateLimiter,
    pub audit_verify: RateLimiter,
    /// Refusals written for callers whose organisation is not registered: one a minute each.
    pub unknown_org: RateLimiter,
}

/// One audited refusal a minute for a caller of an unknown organisation.
pub const UNKNOWN_ORG_RATE: Rate = Rate {
    per_second: 1.0 / 60.0,
    burst: 1.0,
};

/// Walks of the whole audit chain a caller may start: three at once, then one a minute.
pub const AUDIT_VERIFY_RATE: Rate = Rate {
    per_second: 1.0 / 60.0,
    burst: 3.0,
};

impl Limiters {
    pub fn new(limits: &crate::config::Limits) -> Self {
        Self {
            requests: RateLimiter::new(Rate {
                per_second: f64::from(limits.rate_per_second),
                burst: f64::from(limits.rate_burst.max(1)),
            }),
            audit_verify: RateLimiter::new(AUDIT_VERIFY_RATE),
            unknown_org: RateLimiter::new(UNKNOWN_ORG_RATE),
        }
    }
}

/// Paths never limited: probes and scraping must keep working under load.
fn exempt(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// The key a request is counted under: `caller:` + organisation and subject with a valid token,
/// `ip:` + the peer address otherwise.
fn key(req: &ServiceRequest, state: &AppState) -> String {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match authorization.map(|a| state.auth.authenticate(Some(a))) {
        Some(Ok(caller)) => format!("caller:{}", serde_json::json!([caller.org, caller.sub])),
        _ => format!(
            "ip:{}",
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_else(|| "unknown".into())
        ),
    }
}

/// The answer when a bucket is empty.
pub fn too_many(retry_after: u64) -> ApiError {
    ApiError::TooManyRequests(retry_after)
}

/// Middleware: counts each request against its caller's bucket.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state.filter(|_| !exempt(req.path())) {
        if !state.limiters.requests.rate.is_off() {
            let key = key(&req, &state);
            if let Err(secs) = state.limiters.requests.take(&key, state.clock.now()) {
                return Ok(req.into_response(too_many(secs).error_response()));
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::seconds(secs)
    }

    #[test]
    fn a_bucket_gives_its_burst_then_refills_at_its_rate() {
        let limiter = RateLimiter::new(Rate {
            per_second: 2.0,
            burst: 3.0,
        });
        for _ in 0..3 {
            assert_eq!(limiter.take("a", at(0)), Ok(()));
        }
        assert_eq!(limiter.take("a", at(0)), Err(1));
        assert_eq!(limiter.take("b", at(0)), Ok(()), "keys are independent");
        assert_eq!(limiter.take("a", at(1)), Ok(()));
        assert_eq!(limiter.take("a", at(1)), Ok(()));
        assert_eq!(limiter.take("a", at(1)), Err(1));
    }

    #[test]
    fn a_slow_rate_says_how_long_to_wait() {
        let limiter = RateLimiter::new(AUDIT_VERIFY_RATE);
        for _ in 0..3 {
            assert_eq!(limiter.take("a", at(0)), Ok(()));
        }
        assert_eq!(limiter.take("a", at(0)), Err(60));
        assert_eq!(limiter.take("a", at(30)), Err(30));
        assert_eq!(limiter.take("a", at(60)), Ok(()));
    }

    #[test]
    fn refilled_buckets_are_evicted_when_the_table_is_full() {
        let limiter = RateLimiter::new(Rate {
            per_second: 1.0,
            burst: 1.0,
        });
        for i in 0..MAX_BUCKETS {
            assert!(limiter.take(&i.to_string(), at(0)).is_ok());
        }
        assert_eq!(limiter.len(), MAX_BUCKETS);
        assert!(
            limiter.take("new", at(0)).is_err(),
            "full and nothing refilled"
        );
        assert!(limiter.take("new", at(5)).is_ok());
        assert_eq!(limiter.len(), 1, "every refilled bucket was dropped");
    }

    #[test]
    fn an_off_rate_never_limits_and_holds_nothing() {
        let limiter = RateLimiter::new(Rate {
            per_second: 0.0,
            burst: 0.0,
        });
        for _ in 0..10 {
            assert!(limiter.take("a", at(0)).is_ok());
        }
        assert!(limiter.is_empty());
    }
}
