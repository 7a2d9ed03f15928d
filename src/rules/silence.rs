//! Silence: what nobody said. A referral left unanswered, an accepted referral with no session,
//! a session with no attendance recorded, a referral past its completion deadline, an order still
//! active after its end date. Facts (and today's London date) in, prompt specifications out; the
//! background task raises each once per fact.

use super::prompt::*;
use super::working_days::{add_working_days, DeadlinePolicy, HolidayCalendar};
use crate::domain::referral::ReferralStatus;
use chrono::NaiveDate;

/// Working days of silence before a prompt, from configuration (validated at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilenceThresholds {
    /// Sent and neither accepted nor declined.
    pub referral_not_accepted: u32,
    /// Accepted and no session booked.
    pub no_first_appointment: u32,
    /// A session ended with no attendance recorded: the provider's managers.
    pub attendance_provider: u32,
    /// The same, longer: the officer as well.
    pub attendance_officer: u32,
}

impl Default for SilenceThresholds {
    fn default() -> Self {
        Self {
            referral_not_accepted: 5,
            no_first_appointment: 10,
            attendance_provider: 2,
            attendance_officer: 5,
        }
    }
}

/// True when more than `n` working days have passed since `date`: today is after the nth
/// working day following it.
pub fn silent_for(date: NaiveDate, n: u32, today: NaiveDate, cal: &HolidayCalendar) -> bool {
    today > add_working_days(date, n, cal)
}

/// Who the case is, and who acts on each side.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    pub crn: &'a str,
    pub responsible_officer: Option<&'a str>,
    pub provider_org: &'a str,
}

#[allow(clippy::too_many_arguments)] // a private constructor; every call names its fields in order
fn spec(
    p: &Parties,
    rule: RuleId,
    role: AssigneeRole,
    title: &str,
    action: &str,
    deadline: DeadlinePolicy,
    rationale: String,
    key: String,
) -> PromptSpec {
    PromptSpec {
        rule,
        title: title.into(),
        action: action.into(),
        assignee: match role {
            AssigneeRole::ResponsibleOfficer => p.responsible_officer.map(str::to_string),
            _ => None,
        },
        assignee_role: role,
        deadline,
        mandatory: false,
        rationale,
        guidance: vec![CASE_REVIEW],
        dedup_key: format!("{rule}|{}|{key}", p.crn),
    }
}

/// A live referral as the silence rules see it.
#[derive(Debug, Clone)]
pub struct ReferralFact<'a> {
    pub parties: Parties<'a>,
    pub referral_id: &'a str,
    pub status: ReferralStatus,
    /// London dates.
    pub sent_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    /// A session (not cancelled) was ever booked.
    pub session_booked: bool,
    pub completion_deadline: Option<NaiveDate>,
}

/// `referral-not-accepted`, `no-first-appointment` and `referral-overdue` for one referral.
pub fn referral_silence(
    r: &ReferralFact,
    today: NaiveDate,
    t: &SilenceThresholds,
    cal: &HolidayCalendar,
) -> Vec<PromptSpec> {
    let p = &r.parties;
    let id = r.referral_id;
    let mut out = Vec::new();
    let both = |rule, title: &str, action_ro: &str, action_psl: &str, why: String| {
        vec![
            spec(
                p,
                rule,
                AssigneeRole::ResponsibleOfficer,
                title,
                action_ro,
                DeadlinePolicy::WorkingDays(1),
                why.clone(),
                format!("{id}|officer"),
            ),
            spec(
                p,
                rule,
                AssigneeRole::ProviderSafeguardingLead,
                title,
                action_psl,
                DeadlinePolicy::WorkingDays(1),
                why,
                format!("{id}|provider"),
            ),
        ]
    };
    match (r.status, r.sent_on, r.accepted_on) {
        (ReferralStatus::Sent, Some(sent), _)
            if silent_for(sent, t.referral_not_accepted, today, cal) =>
        {
            out.extend(both(
                RuleId::ReferralNotAccepted,
                "A referral has not been answered",
                "Contact the provider: the person is not receiving the intervention the order requires.",
                "Accept or decline the referral, or tell the officer why you cannot yet.",
                format!(
                    "The referral to {} was sent on {sent} and neither accepted nor declined within {} working days.",
                    p.provider_org, t.referral_not_accepted
                ),
            ));
        }
        (ReferralStatus::Accepted, _, Some(accepted))
            if !r.session_booked && silent_for(accepted, t.no_first_appointment, today, cal) =>
        {
            out.extend(both(
                RuleId::NoFirstAppointment,
                "No first session has been booked",
                "Contact the provider about the first session; the person may be going without the intervention.",
                "Book the first session, or tell the officer why it cannot be booked.",
                format!(
                    "{} accepted the referral on {accepted} and booked no session within {} working days.",
                    p.provider_org, t.no_first_appointment
                ),
            ));
        }
        _ => {}
    }
    if let Some(deadline) = r.completion_deadline {
        if r.status.is_live() && today > deadline {
            out.push(spec(
                p,
                RuleId::ReferralOverdue,
                AssigneeRole::ResponsibleOfficer,
                "A referral is past its completion deadline",
                "Agree with the provider whether to extend the deadline, end the referral or take enforcement action; record the decision.",
                DeadlinePolicy::WorkingDays(2),
                format!(
                    "The referral to {} had to be completed by {deadline} and is still {}.",
                    p.provider_org,
                    r.status.as_str()
                ),
                id.to_string(),
            ));
        }
    }
    out
}

/// A past session with no attendance recorded.
#[derive(Debug, Clone)]
pub struct SessionFact<'a> {
    pub parties: Parties<'a>,
    pub appointment_id: &'a str,
    /// The London date the session ended.
    pub ended_on: NaiveDate,
}

/// `attendance-not-recorded`: the provider's managers after the first threshold, the officer too
/// after the second.
pub fn attendance_silence(
    s: &SessionFact,
    today: NaiveDate,
    t: &SilenceThresholds,
    cal: &HolidayCalendar,
) -> Vec<PromptSpec> {
    let p = &s.parties;
    let id = s.appointment_id;
    let why = |days: u32| {
        format!(
            "The session of {} with {} ended more than {days} working days ago and no attendance is recorded.",
            s.ended_on, p.provider_org
        )
    };
    let mut out = Vec::new();
    if silent_for(s.ended_on, t.attendance_provider, today, cal) {
        out.push(spec(
            p,
            RuleId::AttendanceNotRecorded,
            AssigneeRole::ProviderSafeguardingLead,
            "Attendance has not been recorded",
            "Record whether the person attended; the officer cannot enforce or safeguard on a session nobody reported.",
            DeadlinePolicy::WorkingDays(1),
            why(t.attendance_provider),
            format!("{id}|provider"),
        ));
    }
    if silent_for(s.ended_on, t.attendance_officer, today, cal) {
        out.push(spec(
            p,
            RuleId::AttendanceNotRecorded,
            AssigneeRole::ResponsibleOfficer,
            "Attendance has not been recorded",
            "Ask the provider whether the person attended, and check on the person if nobody knows.",
            DeadlinePolicy::WorkingDays(1),
            why(t.attendance_officer),
            format!("{id}|officer"),
        ));
    }
    out
}

/// `order-past-end`: an active order after its end date, for the officer and the manager.
pub fn order_past_end(
    crn: &str,
    responsible_officer: &str,
    order_id: &str,
    end_date: NaiveDate,
    today: NaiveDate,
) -> Vec<PromptSpec> {
    if today <= end_date {
        return Vec::new();
    }
    let p = Parties {
        crn,
        responsible_officer: Some(responsible_officer),
        provider_org: "",
    };
    let why = format!("The order ended on {end_date} and is still active.");
    let action = "Complete the termination review and terminate the order, explaining the delay.";
    [
        (AssigneeRole::ResponsibleOfficer, "officer"),
        (AssigneeRole::ProbationManager, "manager"),
    ]
    .into_iter()
    .map(|(role, who)| {
        spec(
            &p,
            RuleId::OrderPastEnd,
            role,
            "The order is past its end date",
            action,
            DeadlinePolicy::WorkingDays(1),
            why.clone(),
            format!("{order_id}|{who}"),
        )
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    const P: Parties = Parties {
        crn: "X1",
        responsible_officer: Some("jsmith"),
        provider_org: "MIND",
    };

    fn referral(status: ReferralStatus) -> ReferralFact<'static> {
        ReferralFact {
            parties: P,
            referral_id: "r1",
            status,
            sent_on: Some(d(2)), // Monday
            accepted_on: Some(d(2)),
            session_booked: false,
            completion_deadline: Some(d(31)),
        }
    }

    type Fired = Vec<(RuleId, AssigneeRole)>;

    fn fired(specs: &[PromptSpec]) -> Fired {
        specs.iter().map(|s| (s.rule, s.assignee_role)).collect()
    }

    #[test]
    fn referral_silence_fires_after_the_threshold_and_not_before() {
        use AssigneeRole::{ProviderSafeguardingLead as Psl, ResponsibleOfficer as Ro};
        use ReferralStatus::*;
        let cal = HolidayCalendar::england_and_wales();
        let t = SilenceThresholds::default();
        let booked = ReferralFact {
            session_booked: true,
            ..referral(Accepted)
        };
        // Sent Monday 2 March: five working days run to Monday 9 March; silent from Tuesday 10.
        let rows: Vec<(&str, ReferralFact, NaiveDate, Fired)> = vec![
            ("sent, 5 working days", referral(Sent), d(9), vec![]),
            (
                "sent, 6 working days",
                referral(Sent),
                d(10),
                vec![
                    (RuleId::ReferralNotAccepted, Ro),
                    (RuleId::ReferralNotAccepted, Psl),
                ],
            ),
            (
                "accepted, 10 working days",
                referral(Accepted),
                d(16),
                vec![],
            ),
            (
                "accepted, 11 working days, no session",
                referral(Accepted),
                d(17),
                vec![
                    (RuleId::NoFirstAppointment, Ro),
                    (RuleId::NoFirstAppointment, Psl),
                ],
            ),
            ("accepted, a session booked", booked, d(17), vec![]),
            ("in progress", referral(InProgress), d(20), vec![]),
            ("declined", referral(Declined), d(20), vec![]),
            ("on the deadline", referral(InProgress), d(31), vec![]),
            (
                "past the deadline",
                referral(InProgress),
                NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                vec![(RuleId::ReferralOverdue, Ro)],
            ),
            (
                "completed after the deadline",
                referral(Completed),
                NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                vec![],
            ),
        ];
        for (name, r, today, expected) in rows {
            let out = referral_silence(&r, today, &t, &cal);
            assert_eq!(fired(&out), expected, "{name}");
            for s in &out {
                assert!(!s.mandatory);
                if s.assignee_role == Ro {
                    assert_eq!(s.assignee.as_deref(), Some("jsmith"));
                }
            }
        }
        let out = referral_silence(&referral(Sent), d(10), &t, &cal);
        assert_eq!(out[0].dedup_key, "referral-not-accepted|X1|r1|officer");
        assert_eq!(out[1].dedup_key, "referral-not-accepted|X1|r1|provider");
        assert_eq!(out[0].deadline, DeadlinePolicy::WorkingDays(1));
    }

    #[test]
    fn attendance_silence_reaches_the_provider_first_and_the_officer_later() {
        use AssigneeRole::{ProviderSafeguardingLead as Psl, ResponsibleOfficer as Ro};
        let cal = HolidayCalendar::england_and_wales();
        let t = SilenceThresholds::default();
        let s = SessionFact {
            parties: P,
            appointment_id: "a1",
            ended_on: d(4), // Wednesday
        };
        let rows = [
            (d(6), vec![]),
            (d(9), vec![(RuleId::AttendanceNotRecorded, Psl)]),
            (d(11), vec![(RuleId::AttendanceNotRecorded, Psl)]),
            (
                d(12),
                vec![
                    (RuleId::AttendanceNotRecorded, Psl),
                    (RuleId::AttendanceNotRecorded, Ro),
                ],
            ),
        ];
        for (today, expected) in rows {
            assert_eq!(
                fired(&attendance_silence(&s, today, &t, &cal)),
                expected,
                "{today}"
            );
        }
    }

    #[test]
    fn an_order_past_its_end_date_goes_to_the_officer_and_the_manager() {
        assert!(order_past_end("X1", "jsmith", "o1", d(4), d(4)).is_empty());
        let out = order_past_end("X1", "jsmith", "o1", d(4), d(5));
        assert_eq!(
            fired(&out),
            vec![
                (RuleId::OrderPastEnd, AssigneeRole::ResponsibleOfficer),
                (RuleId::OrderPastEnd, AssigneeRole::ProbationManager)
            ]
        );
        assert_eq!(out[0].assignee.as_deref(), Some("jsmith"));
        assert_eq!(out[1].assignee, None);
        assert_eq!(out[1].dedup_key, "order-past-end|X1|o1|manager");
    }
}
