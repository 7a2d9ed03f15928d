//! E-mail notifications: what kinds there are, where one is in the outbox, how a failed send is
//! retried, and what a message says. A message names no person, no offence and no case detail:
//! the kind of thing that happened, a deadline when there is one, and a link.

use super::validate::Errors;
use super::webhook::Verdict;
use chrono::{DateTime, Utc};

crate::text_enum! {
    /// What a notification tells its recipient.
    pub enum NotificationKind {
        /// A mandatory safeguarding action was raised (to its assignee, else the managers).
        ActionRaised = "ACTION_RAISED",
        /// A safeguarding action was given to someone else (to its new assignee).
        ActionAssigned = "ACTION_ASSIGNED",
        /// A safeguarding action passed its deadline and was escalated (to the managers).
        ActionOverdue = "ACTION_OVERDUE",
        /// Probation sent the organisation a referral (to the provider's managers).
        ReferralReceived = "REFERRAL_RECEIVED",
        /// A referral ended before it was completed (to the responsible officer).
        ReferralEndedEarly = "REFERRAL_ENDED_EARLY",
        /// The other side added a case note to a referral (no content in the e-mail).
        CaseNoteArrived = "CASE_NOTE_ARRIVED",
    }
}

crate::text_enum! {
    /// Where a notification is in the outbox.
    pub enum NotificationStatus {
        /// Waiting for its next attempt.
        Pending = "PENDING",
        /// Leased to an instance that is sending it.
        InFlight = "IN_FLIGHT",
        /// The SMTP server accepted it.
        Sent = "SENT",
        /// Given up after [`MAX_ATTEMPTS`] attempts.
        Failed = "FAILED",
        /// Not sent, and never will be: e-mail is off, or the recipient has no address or
        /// does not want e-mail (`lastError` says which).
        Skipped = "SKIPPED",
    }
}

impl NotificationStatus {
    /// The states an attempt may be due in: waiting, or in flight with an expired lease.
    pub const DUE: [NotificationStatus; 2] = [Self::Pending, Self::InFlight];
}

/// After this many failed attempts a notification is given up.
pub const MAX_ATTEMPTS: i32 = 10;

/// The longest wait between two attempts: one hour (an e-mail about a deadline is stale after
/// longer).
const MAX_BACKOFF_SECS: i64 = 3600;

/// The verdict on attempt number `attempts` (counting this one).
pub fn after_attempt(attempts: i32, sent: bool) -> Verdict {
    if sent {
        Verdict::Delivered
    } else if attempts >= MAX_ATTEMPTS {
        Verdict::GiveUp
    } else {
        Verdict::RetryIn(
            15i64
                .saturating_mul(1i64 << attempts.clamp(0, 11))
                .min(MAX_BACKOFF_SECS),
        )
    }
}

/// The longest e-mail address accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// Checks an e-mail address: one plain address (`name@example.org`), no display name.
pub fn check_email(e: &mut Errors, field: &str, value: &str) {
    if value.trim().is_empty() {
        e.required(field);
    } else if value.len() > MAX_EMAIL
        || value.trim() != value
        || value.parse::<lettre::Address>().is_err()
    {
        e.add(
            field,
            "invalid",
            format!("{field} must be one e-mail address such as name@example.org"),
        );
    }
}

/// What a notification is about, as far as an e-mail may say.
#[derive(Debug, Clone, PartialEq)]
pub enum About {
    /// A safeguarding action: its kind (the rule id) and deadline.
    Action { rule: String, due_at: DateTime<Utc> },
    /// Anything on a referral.
    Referral,
}

/// The subject and body (without the link, which the sender adds from `RARLINK_PUBLIC_URL`).
pub fn message(kind: NotificationKind, about: &About) -> (String, String) {
    let deadline = |due: &DateTime<Utc>| due.format("%A %-d %B %Y, %H:%M UTC").to_string();
    match (kind, about) {
        (NotificationKind::ActionRaised, About::Action { rule, due_at }) => (
            "rarlink: a mandatory safeguarding action needs you".into(),
            format!(
                "A mandatory safeguarding action ({rule}) has been raised for you or your team.\n\
                 Deadline: {}.",
                deadline(due_at)
            ),
        ),
        (NotificationKind::ActionAssigned, About::Action { rule, due_at }) => (
            "rarlink: a safeguarding action was given to you".into(),
            format!(
                "A safeguarding action ({rule}) has been given to you.\nDeadline: {}.",
                deadline(due_at)
            ),
        ),
        (NotificationKind::ActionOverdue, About::Action { rule, due_at }) => (
            "rarlink: a safeguarding action is overdue".into(),
            format!(
                "A safeguarding action ({rule}) passed its deadline and has been escalated to \
                 the managers.\nDeadline was: {}.",
                deadline(due_at)
            ),
        ),
        (NotificationKind::ReferralReceived, _) => (
            "rarlink: a new referral has arrived".into(),
            "Probation has sent your organisation a referral. Read the risk information and \
             accept or decline it."
                .into(),
        ),
        (NotificationKind::ReferralEndedEarly, _) => (
            "rarlink: a referral ended early".into(),
            "A referral on one of your cases ended before it was completed.".into(),
        ),
        (NotificationKind::CaseNoteArrived, _) => (
            "rarlink: a new case note".into(),
            "The other side added a case note to a referral you work on.".into(),
        ),
        (
            NotificationKind::ActionRaised
            | NotificationKind::ActionAssigned
            | NotificationKind::ActionOverdue,
            About::Referral,
        ) => (
            "rarlink: a safeguarding action needs attention".into(),
            "A safeguarding action needs attention.".into(),
        ),
    }
}

/// The whole text sent: the body, then the link.
pub fn full_body(body: &str, public_url: &str, link_path: &str) -> String {
    format!(
        "{body}\n\nOpen it in rarlink: {}{link_path}\n\nThis message names no one on purpose; \
         sign in to see the details.\n",
        public_url.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn kinds_and_statuses_round_trip_through_their_stored_text() {
        for &k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        for &s in NotificationStatus::ALL {
            assert_eq!(NotificationStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_failed_send_is_retried_with_back_off_then_given_up() {
        let cases = [
            (1, true, Verdict::Delivered),
            (1, false, Verdict::RetryIn(30)),
            (2, false, Verdict::RetryIn(60)),
            (9, false, Verdict::RetryIn(3600)),
            (10, false, Verdict::GiveUp),
        ];
        for (attempts, sent, expected) in cases {
            assert_eq!(after_attempt(attempts, sent), expected, "{attempts}");
        }
    }

    #[test]
    fn e_mail_addresses_are_checked() {
        let cases = [
            ("officer@probation.example.gov.uk", true),
            ("a@localhost", true),
            ("", false),
            ("not an address", false),
            ("Name <a@b.org>", false),
            ("a@b.org ", false),
            ("@b.org", false),
            ("a@", false),
        ];
        for (value, ok) in cases {
            let mut e = Errors::default();
            check_email(&mut e, "email", value);
            assert_eq!(e.is_empty(), ok, "{value:?}");
        }
    }

    #[test]
    fn an_action_message_gives_its_kind_and_deadline_and_nothing_else() {
        let due = Utc.with_ymd_and_hms(2026, 3, 4, 17, 0, 0).unwrap();
        let about = About::Action {
            rule: "pregnancy-da-mash-referral".into(),
            due_at: due,
        };
        let (subject, body) = message(NotificationKind::ActionRaised, &about);
        assert!(subject.contains("mandatory safeguarding action"));
        assert!(body.contains("pregnancy-da-mash-referral"));
        assert!(body.contains("Wednesday 4 March 2026, 17:00 UTC"), "{body}");
        let full = full_body(&body, "https://rarlink.example/", "/api/v1/x");
        assert!(full.contains("https://rarlink.example/api/v1/x"), "{full}");
    }
}
