//! Webhook deliveries: the states a delivery goes through, and what one attempt's result means
//! for it (delivered, retried later with exponential back-off, or given up).

crate::text_enum! {
    /// Where a delivery of one event to one subscription is.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "PENDING",
        /// Leased to an instance that is sending it.
        InFlight = "IN_FLIGHT",
        /// The receiver answered `2xx`.
        Delivered = "DELIVERED",
        /// Given up after [`MAX_ATTEMPTS`] attempts.
        Failed = "FAILED",
    }
}

impl DeliveryStatus {
    /// The states an attempt may be due in: waiting, or in flight with a lease that may have
    /// expired (the instance sending it died).
    pub const DUE: [DeliveryStatus; 2] = [Self::Pending, Self::InFlight];
}

/// After this many failed attempts a delivery is given up (its log says why).
pub const MAX_ATTEMPTS: i32 = 10;

/// The longest wait between two attempts: six hours.
const MAX_BACKOFF_SECS: i64 = 6 * 3600;

/// What one attempt's result means for its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Try again after this many seconds.
    RetryIn(i64),
    GiveUp,
}

/// The verdict on attempt number `attempts` (counting this one) that ended with the receiver's
/// HTTP `status`, or with none when it could not be reached.
pub fn after_attempt(attempts: i32, status: Option<u16>) -> Verdict {
    if status.is_some_and(|s| (200..300).contains(&s)) {
        Verdict::Delivered
    } else if attempts >= MAX_ATTEMPTS {
        Verdict::GiveUp
    } else {
        Verdict::RetryIn(
            10i64
                .saturating_mul(1i64 << attempts.clamp(0, 11))
                .min(MAX_BACKOFF_SECS),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_stored_text_and_json() {
        for &s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(DeliveryStatus::parse("pending"), None);
    }

    #[test]
    fn an_attempt_is_delivered_retried_with_back_off_or_given_up() {
        let cases = [
            (1, Some(200), Verdict::Delivered),
            (10, Some(204), Verdict::Delivered),
            (1, Some(500), Verdict::RetryIn(20)),
            (1, None, Verdict::RetryIn(20)),
            (2, Some(302), Verdict::RetryIn(40)),
            (9, Some(404), Verdict::RetryIn(5120)),
            (10, Some(500), Verdict::GiveUp),
            (11, None, Verdict::GiveUp),
        ];
        for (attempts, status, expected) in cases {
            assert_eq!(
                after_attempt(attempts, status),
                expected,
                "{attempts} {status:?}"
            );
        }
    }

    #[test]
    fn back_off_never_exceeds_six_hours() {
        for attempts in 0..MAX_ATTEMPTS {
            match after_attempt(attempts, None) {
                Verdict::RetryIn(secs) => assert!((10..=MAX_BACKOFF_SECS).contains(&secs)),
                other => panic!("{attempts}: {other:?}"),
            }
        }
    }
}
