//! Attendance and enforcement rules: absences for the officer to judge, the cumulative
//! disengagement pattern, warnings and the mandatory breach referral (Sentencing Act 2020
//! Sch. 10 paras 6–7), provider concerns, and referrals ended early. Facts in, prompts out.

use super::prompt::*;
use super::working_days::DeadlinePolicy;
use chrono::{DateTime, Months, Utc};

/// One past session of a referral, oldest first, for the pattern rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact {
    pub appointment_id: String,
    pub starts_at: DateTime<Utc>,
    /// The person missed it (not attended, and not the provider's logistics).
    pub missed: bool,
}

/// How many misses in how many recent sessions make a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisengagementPolicy {
    pub window: usize,
    pub misses: usize,
}

impl Default for DisengagementPolicy {
    fn default() -> Self {
        Self {
            window: 4,
            misses: 3,
        }
    }
}

/// Who and what a case prompt is about.
#[derive(Debug, Clone)]
pub struct CaseRef<'a> {
    pub crn: &'a str,
    pub referral_id: &'a str,
    pub provider_org: &'a str,
    pub responsible_officer: Option<&'a str>,
    /// The order is a suspended sentence order (breach under Sch. 16, not Sch. 10).
    pub suspended_sentence: bool,
}

impl CaseRef<'_> {
    /// The enforcement schedule for the order: Sch. 16 for a suspended sentence order, Sch. 10
    /// for a community order.
    fn enforcement_law(&self) -> Guidance {
        if self.suspended_sentence {
            SCH16
        } else {
            SCH10
        }
    }
}

#[allow(clippy::too_many_arguments)] // a private constructor; every call names its fields in order
fn ro_prompt(
    case: &CaseRef,
    rule: RuleId,
    title: &str,
    action: String,
    deadline: DeadlinePolicy,
    mandatory: bool,
    rationale: String,
    guidance: Vec<Guidance>,
    key: &str,
) -> PromptSpec {
    PromptSpec {
        rule,
        title: title.into(),
        action,
        assignee_role: AssigneeRole::ResponsibleOfficer,
        assignee: case.responsible_officer.map(str::to_string),
        deadline,
        mandatory,
        rationale,
        guidance,
        dedup_key: format!("{rule}|{}|{key}", case.crn),
    }
}

/// A missed session the provider did not judge acceptable: the officer decides.
pub fn absence_decision(
    case: &CaseRef,
    appointment_id: &str,
    starts_at: DateTime<Utc>,
    detail: Option<&str>,
) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::AbsenceDecision,
        "Decide whether the absence was acceptable",
        "Decide whether the person had a reasonable excuse. An unacceptable absence is recorded as a warning, or needs a breach referral if a warning was given in the last 12 months.".into(),
        DeadlinePolicy::WorkingDays(2),
        false,
        format!(
            "{} reported that the person did not attend the session of {} and did not judge the absence acceptable{}.",
            case.provider_org,
            starts_at.format("%Y-%m-%d %H:%M UTC"),
            detail.map(|d| format!(": \"{}\"", d.trim())).unwrap_or_default()
        ),
        vec![case.enforcement_law()],
        appointment_id,
    )
}

/// A missed session the provider judged acceptable (`POP_ACCEPTABLE`): the officer must see it
/// while it can still be overturned. Due at the end of the overturn window (`window_days`
/// working days after attendance was recorded, the day it is raised); not mandatory, since
/// leaving the provider's judgement standing is itself a decision.
pub fn accepted_absence_review(
    case: &CaseRef,
    appointment_id: &str,
    starts_at: DateTime<Utc>,
    detail: Option<&str>,
    window_days: u32,
) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::AcceptedAbsenceReview,
        "Review an absence the provider accepted",
        format!("Review the provider's judgement that the absence was acceptable. Uphold it (ACCEPTABLE) or overturn it (UNACCEPTABLE or BREACH) with POST /api/v1/appointments/{appointment_id}/absence-decision; it can be overturned only within {window_days} working days of being recorded."),
        DeadlinePolicy::WorkingDays(window_days),
        false,
        format!(
            "{} reported that the person did not attend the session of {} and judged the absence acceptable{}.",
            case.provider_org,
            starts_at.format("%Y-%m-%d %H:%M UTC"),
            detail.map(|d| format!(": \"{}\"", d.trim())).unwrap_or_default()
        ),
        vec![case.enforcement_law()],
        appointment_id,
    )
}

/// Misses judged cumulatively over the most recent sessions, not event by event (case review 3.30).
pub fn disengagement(
    case: &CaseRef,
    sessions: &[SessionFact],
    policy: DisengagementPolicy,
) -> Option<PromptSpec> {
    if policy.window == 0 || sessions.len() < policy.misses {
        return None;
    }
    let recent = &sessions[sessions.len().saturating_sub(policy.window)..];
    let missed: Vec<&SessionFact> = recent.iter().filter(|s| s.missed).collect();
    if missed.len() < policy.misses || policy.misses == 0 {
        return None;
    }
    let dates: Vec<String> = missed
        .iter()
        .map(|s| s.starts_at.format("%Y-%m-%d").to_string())
        .collect();
    Some(ro_prompt(
        case,
        RuleId::DisengagementPattern,
        "A pattern of missed sessions",
        "Review engagement as a whole: speak to the person and the provider, consider whether the RAR can still be fulfilled, and decide on enforcement.".into(),
        DeadlinePolicy::WorkingDays(2),
        false,
        format!(
            "The person missed {} of their last {} sessions with {} ({}). Missed sessions are a pattern of disengagement, to be seen cumulatively.",
            missed.len(),
            recent.len(),
            case.provider_org,
            dates.join(", ")
        ),
        vec![case.enforcement_law(), CASE_REVIEW],
        case.referral_id,
    ))
}

/// What an unacceptable absence leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enforcement {
    /// No warning in the previous 12 months: record a warning.
    Warning,
    /// A warning was given within 12 months: breach proceedings must be started.
    BreachReferral { warning_at: DateTime<Utc> },
}

/// Sch. 10 paras 6–7: a failure within 12 months of a warning must be referred for breach.
pub fn enforcement(failure_at: DateTime<Utc>, warnings: &[DateTime<Utc>]) -> Enforcement {
    let window_start = failure_at
        .checked_sub_months(Months::new(12))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    match warnings
        .iter()
        .filter(|w| **w >= window_start && **w <= failure_at)
        .max()
    {
        Some(w) => Enforcement::BreachReferral { warning_at: *w },
        None => Enforcement::Warning,
    }
}

/// The mandatory breach-referral prompt; only a manager may judge it not required.
pub fn breach_referral(
    case: &CaseRef,
    appointment_id: &str,
    failure_at: DateTime<Utc>,
    warning_at: DateTime<Utc>,
) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::BreachReferral,
        "Refer for breach",
        "Start breach proceedings: a further unacceptable failure within 12 months of a warning must be referred to court.".into(),
        DeadlinePolicy::WorkingDays(2),
        true,
        format!(
            "The absence of {} was judged unacceptable, and a warning was given on {} (within the previous 12 months).",
            failure_at.format("%Y-%m-%d"),
            warning_at.format("%Y-%m-%d")
        ),
        vec![case.enforcement_law()],
        appointment_id,
    )
}

/// The officer went straight to a breach referral, without a prior warning.
pub fn breach_without_warning(
    case: &CaseRef,
    appointment_id: &str,
    failure_at: DateTime<Utc>,
    note: &str,
) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::BreachReferral,
        "Refer for breach",
        "Start breach proceedings: you decided this failure goes to court without a prior warning.".into(),
        DeadlinePolicy::WorkingDays(2),
        true,
        format!(
            "The absence of {} was judged unacceptable and referred for breach without a prior warning: \"{}\".",
            failure_at.format("%Y-%m-%d"),
            note.trim()
        ),
        vec![case.enforcement_law()],
        appointment_id,
    )
}

/// The provider flagged a behaviour concern or asked that the officer be told.
pub fn provider_notification(case: &CaseRef, appointment_id: &str, words: &str) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::ProviderNotification,
        "The provider asked that you be told",
        "Read the provider's account and decide whether it changes risk or the plan.".into(),
        DeadlinePolicy::WorkingDays(1),
        false,
        format!(
            "{} reported after a session: \"{}\"",
            case.provider_org,
            words.trim()
        ),
        vec![INFO_SHARING],
        appointment_id,
    )
}

/// The provider ended the referral before completing it.
pub fn ended_early(
    case: &CaseRef,
    reason: &str,
    delivered: u32,
    commissioned: u32,
    note: Option<&str>,
) -> PromptSpec {
    ro_prompt(
        case,
        RuleId::ReferralEndedEarly,
        "The provider ended the referral early",
        format!(
            "Decide on enforcement and on the {} undelivered RAR day(s): recommission, or record the shortfall for the termination review.",
            commissioned.saturating_sub(delivered)
        ),
        DeadlinePolicy::WorkingDays(2),
        true,
        format!(
            "{} ended the referral ({reason}) after {delivered} of {commissioned} RAR days{}.",
            case.provider_org,
            note.map(|n| format!(": \"{}\"", n.trim())).unwrap_or_default()
        ),
        vec![case.enforcement_law(), CASE_REVIEW],
        case.referral_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn case() -> CaseRef<'static> {
        CaseRef {
            crn: "X123456",
            referral_id: "r1",
            provider_org: "MIND-CAMBS",
            responsible_officer: Some("jsmith"),
            suspended_sentence: false,
        }
    }

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 10, 0, 0).unwrap()
    }

    fn sessions(pattern: &str) -> Vec<SessionFact> {
        pattern
            .chars()
            .enumerate()
            .map(|(i, c)| SessionFact {
                appointment_id: format!("a{i}"),
                starts_at: day(i as u32 + 1),
                missed: c == 'x',
            })
            .collect()
    }

    #[test]
    fn an_accepted_absence_is_for_the_officer_due_at_the_end_of_the_overturn_window() {
        let p = accepted_absence_review(&case(), "a1", day(2), Some(" ill "), 5);
        assert_eq!(p.rule, RuleId::AcceptedAbsenceReview);
        assert_eq!(p.assignee_role, AssigneeRole::ResponsibleOfficer);
        assert_eq!(p.assignee.as_deref(), Some("jsmith"));
        assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(5));
        assert!(!p.mandatory);
        assert!(p
            .rationale
            .contains("judged the absence acceptable: \"ill\""));
        assert_eq!(p.dedup_key, "accepted-absence-review|X123456|a1");
    }

    #[test]
    fn three_misses_in_the_last_four_sessions_is_a_pattern() {
        let table = [
            ("..xxx", true),
            ("x.xx", true),
            ("xx.", false),
            ("xxx", true),
            ("xx..x", false),
            ("....", false),
            ("", false),
        ];
        for (pattern, fires) in table {
            let got = disengagement(&case(), &sessions(pattern), DisengagementPolicy::default());
            assert_eq!(got.is_some(), fires, "{pattern}");
        }
    }

    #[test]
    fn the_pattern_prompt_names_the_missed_dates() {
        let p = disengagement(&case(), &sessions("..xxx"), DisengagementPolicy::default()).unwrap();
        assert!(p.rationale.contains("3 of their last 4"), "{}", p.rationale);
        assert!(p.rationale.contains("2026-03-03") && p.rationale.contains("2026-03-05"));
        assert_eq!(p.assignee.as_deref(), Some("jsmith"));
    }

    #[test]
    fn the_policy_is_configurable() {
        let strict = DisengagementPolicy {
            window: 3,
            misses: 2,
        };
        assert!(disengagement(&case(), &sessions(".xx"), strict).is_some());
        assert!(disengagement(&case(), &sessions(".xx"), DisengagementPolicy::default()).is_none());
    }

    #[test]
    fn a_failure_within_twelve_months_of_a_warning_is_a_breach_referral() {
        let failure = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
        let table = [
            (vec![], Enforcement::Warning),
            (
                vec![Utc.with_ymd_and_hms(2025, 5, 31, 10, 0, 0).unwrap()],
                Enforcement::Warning,
            ),
            (
                vec![Utc.with_ymd_and_hms(2025, 6, 2, 10, 0, 0).unwrap()],
                Enforcement::BreachReferral {
                    warning_at: Utc.with_ymd_and_hms(2025, 6, 2, 10, 0, 0).unwrap(),
                },
            ),
            (
                vec![Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).unwrap()],
                Enforcement::BreachReferral {
                    warning_at: Utc.with_ymd_and_hms(2026, 4, 1, 10, 0, 0).unwrap(),
                },
            ),
        ];
        for (warnings, expected) in table {
            assert_eq!(enforcement(failure, &warnings), expected, "{warnings:?}");
        }
    }

    #[test]
    fn a_breach_referral_is_mandatory() {
        let p = breach_referral(&case(), "a1", day(10), day(2));
        assert!(p.mandatory);
        assert_eq!(p.rule, RuleId::BreachReferral);
    }

    #[test]
    fn ending_early_names_the_undelivered_days() {
        let p = ended_early(&case(), "NON_ENGAGEMENT", 2, 10, Some("stopped attending"));
        assert!(p.action.contains("8 undelivered"));
        assert!(p.rationale.contains("2 of 10"));
    }

    #[test]
    fn straight_to_breach_is_mandatory_for_the_officer_and_quotes_the_note() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 4, 10, 0, 0).unwrap();
        let p = breach_without_warning(&case(), "ap1", at, " Threatened staff ");
        assert_eq!(p.rule, RuleId::BreachReferral);
        assert_eq!(p.assignee_role, AssigneeRole::ResponsibleOfficer);
        assert!(p.mandatory);
        assert_eq!(p.deadline, DeadlinePolicy::WorkingDays(2));
        assert!(p
            .rationale
            .contains("without a prior warning: \"Threatened staff\""));
        assert!(p.dedup_key.ends_with("|ap1"));
    }

    #[test]
    fn a_suspended_sentence_order_cites_schedule_16_and_a_community_order_schedule_10() {
        let at = day(4);
        let co = breach_referral(&case(), "ap1", at, at);
        assert_eq!(co.guidance, vec![SCH10]);
        let sso = CaseRef {
            suspended_sentence: true,
            ..case()
        };
        assert_eq!(breach_referral(&sso, "ap1", at, at).guidance, vec![SCH16]);
        assert_eq!(
            breach_without_warning(&sso, "ap1", at, "note").guidance,
            vec![SCH16]
        );
        assert_eq!(
            absence_decision(&sso, "ap1", at, None).guidance,
            vec![SCH16]
        );
    }
}
