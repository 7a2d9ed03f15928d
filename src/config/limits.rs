//! Limits on what one caller may consume: requests per second (token bucket) and how long a
//! request body may take to arrive.

use super::{number, Env, FileConfig};
use std::time::Duration;

/// What one caller may consume of this instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Requests per second per caller (organisation and subject; client IP before
    /// authentication), per instance; 0 turns the limit off.
    pub rate_per_second: u32,
    /// Requests a caller may send at once before the rate applies.
    pub rate_burst: u32,
    /// The longest a request body may take to arrive before a `408`.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            rate_per_second: 50,
            rate_burst: 200,
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

pub(super) fn limits(env: &dyn Env, file: &FileConfig, errors: &mut Vec<String>) -> Limits {
    let d = Limits::default();
    let rate_per_second = number(
        env,
        "RARLINK_RATE_LIMIT_PER_SECOND",
        file.rate_limit_per_second,
        d.rate_per_second.into(),
        0..=100_000,
        errors,
    ) as u32;
    let rate_burst = number(
        env,
        "RARLINK_RATE_LIMIT_BURST",
        file.rate_limit_burst,
        d.rate_burst.into(),
        1..=1_000_000,
        errors,
    ) as u32;
    let body_read_timeout = number(
        env,
        "RARLINK_BODY_READ_TIMEOUT_SECS",
        file.body_read_timeout_secs,
        d.body_read_timeout.as_secs(),
        1..=600,
        errors,
    );
    Limits {
        rate_per_second,
        rate_burst,
        body_read_timeout: Duration::from_secs(body_read_timeout),
    }
}
