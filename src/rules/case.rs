//! Rules over the case itself rather than over what someone said: a household that changed, risk
//! that rose, a partner change in pregnancy, police incidents seen together, and a single missed
//! session when risk is high. Facts in, prompt specifications out; no I/O, no clock reads.

use super::prompt::*;
use super::working_days::DeadlinePolicy;
use crate::domain::household::{ChildStatus, HouseholdMember, Relationship};
use crate::domain::risk::{RiskAssessment, RiskFlag, RoshLevel};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The risk profile a case rule needs, derived by the service from the current risk assessment,
/// the offences on the order, the household and the disclosures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Profile {
    /// The domestic-abuse concern of `rules::disclosure::CaseFacts::domestic_abuse_concern`.
    pub domestic_abuse: bool,
    /// The child concern of `rules::disclosure::CaseFacts::child_concern`.
    pub child_risk: bool,
    /// The highest RoSH level in any group, when an assessment is recorded.
    pub highest_rosh: Option<RoshLevel>,
    /// Children (living in the household or in regular contact, or unborn) or a pregnancy are
    /// on record: household members, disclosures or the latest declaration.
    pub children_or_pregnancy: bool,
}

/// Who the case is and who acts for probation.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    pub crn: &'a str,
    /// The responsible officer's subject id, where an order names one.
    pub responsible_officer: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)] // a private constructor; every call names its fields in order
fn spec(
    case: &Case,
    rule: RuleId,
    role: AssigneeRole,
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
        assignee: match role {
            AssigneeRole::ResponsibleOfficer => case.responsible_officer.map(str::to_string),
            _ => None,
        },
        assignee_role: role,
        deadline,
        mandatory,
        rationale,
        guidance,
        dedup_key: format!("{rule}|{}|{key}", case.crn),
    }
}

// ---------------------------------------------------------------------------------------------
// Household

/// A household member added (`before` is `None`) or changed.
#[derive(Debug, Clone, Copy)]
pub struct MemberChange<'a> {
    pub member_id: &'a str,
    pub before: Option<&'a HouseholdMember>,
    pub after: &'a HouseholdMember,
}

/// A child living in the household or in regular contact (visits), or an unborn child.
pub fn child_in_contact(m: &HouseholdMember) -> bool {
    m.relationship == Relationship::UnbornChild
        || (m.relationship.is_child() && (m.lives_in_household || m.visits.is_some()))
}

/// A child protection plan or looked after.
fn statutory_status(m: &HouseholdMember) -> Option<ChildStatus> {
    m.child_status.filter(|s| {
        matches!(
            s,
            ChildStatus::ChildProtectionPlan | ChildStatus::LookedAfter
        )
    })
}

fn status_name(s: ChildStatus) -> &'static str {
    match s {
        ChildStatus::ChildProtectionPlan => "CHILD_PROTECTION_PLAN",
        ChildStatus::LookedAfter => "LOOKED_AFTER",
        ChildStatus::ChildInNeed => "CHILD_IN_NEED",
        ChildStatus::None => "NONE",
    }
}

/// Every household change raises one prompt: `household-child-added` when a child comes into
/// the household or regular contact (or an unborn child is recorded), or a child's status becomes
/// a child protection plan or looked after, for a person with a domestic-abuse or child-risk
/// profile; `household-change-review` for any other change.
pub fn household_change(case: &Case, profile: &Profile, change: &MemberChange) -> PromptSpec {
    let after = change.after;
    let became_child_in_contact =
        child_in_contact(after) && !change.before.is_some_and(child_in_contact);
    let new_status =
        statutory_status(after).filter(|s| change.before.and_then(statutory_status) != Some(*s));
    let concern = profile.domestic_abuse || profile.child_risk;
    let what = match change.before {
        None => "added to the household record",
        Some(_) => "changed on the household record",
    };
    let who = format!(
        "{} ({:?}{})",
        after.name.trim(),
        after.relationship,
        if after.lives_in_household {
            ", lives in the household"
        } else if after.visits.is_some() {
            ", in regular contact"
        } else {
            ""
        }
    );
    if concern && (became_child_in_contact || new_status.is_some()) {
        let reason = match (new_status, after.relationship) {
            (Some(s), _) => format!("status:{}", status_name(s)),
            (None, Relationship::UnbornChild) => "unborn".into(),
            (None, _) => "in-contact".into(),
        };
        let social_worker = match after.allocated_social_worker.as_deref() {
            Some(sw) => format!(
                " The allocated social worker is {}: contact them.",
                sw.trim()
            ),
            None => String::new(),
        };
        let status = new_status
            .map(|s| format!("; status now {}", status_name(s)))
            .unwrap_or_default();
        return spec(
            case,
            RuleId::HouseholdChildAdded,
            AssigneeRole::ResponsibleOfficer,
            "A child is now in the household or in contact: check with children's social care",
            format!(
                "Check with children's social care whether the child is known and share the person's domestic-abuse and child-risk history; update the risk management plan.{social_worker}"
            ),
            DeadlinePolicy::WorkingDays(1),
            true,
            format!(
                "{who} was {what}{status}, for a person with a domestic-abuse or child-risk profile."
            ),
            vec![WORKING_TOGETHER, INFO_SHARING, CASE_REVIEW],
            &format!("member:{}:{reason}", change.member_id),
        );
    }
    spec(
        case,
        RuleId::HouseholdChangeReview,
        AssigneeRole::ResponsibleOfficer,
        "Review a household change",
        "Check who now lives in or visits the household and whether the risk assessment, the risk management plan or the information shared with providers must change.".into(),
        DeadlinePolicy::WorkingDays(5),
        false,
        format!("{who} was {what}."),
        vec![CASE_REVIEW],
        &format!("member:{}", change.member_id),
    )
}

// ---------------------------------------------------------------------------------------------
// Risk rising

/// The flags whose addition always needs a review.
const REVIEW_FLAGS: [RiskFlag; 3] = [
    RiskFlag::ChildProtection,
    RiskFlag::RiskToChildren,
    RiskFlag::Mappa,
];

/// What rose between two assessments, in words, and the highest level among the groups that rose.
fn rises(previous: &RiskAssessment, next: &RiskAssessment) -> (Vec<String>, Option<RoshLevel>) {
    let groups = [
        ("children", previous.rosh_children, next.rosh_children, true),
        (
            "a known adult",
            previous.rosh_known_adult,
            next.rosh_known_adult,
            true,
        ),
        ("the public", previous.rosh_public, next.rosh_public, false),
        ("staff", previous.rosh_staff, next.rosh_staff, false),
    ];
    let mut why = Vec::new();
    let mut top = None;
    for (group, before, now, any_rise) in groups {
        if now > before && (any_rise || now >= RoshLevel::High) {
            why.push(format!(
                "RoSH to {group} {} → {}",
                before.as_str(),
                now.as_str()
            ));
            top = top.max(Some(now));
        }
    }
    let has = |a: &RiskAssessment, flag: RiskFlag| {
        a.has(flag) || (flag == RiskFlag::Mappa && a.mappa.is_some())
    };
    for flag in REVIEW_FLAGS {
        if has(next, flag) && !has(previous, flag) {
            let name = serde_json::to_value(flag)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{flag:?}"));
            why.push(format!("flag {name} added"));
        }
    }
    (why, top)
}

/// A new assessment that raises RoSH to children or a known adult, raises any group to `HIGH` or
/// above, or adds `CHILD_PROTECTION`, `RISK_TO_CHILDREN` or `MAPPA`: the officer reviews the
/// plan (`risk-increased-review`), and when a level that rose is now `HIGH`+ the manager gives
/// oversight (`risk-increased-oversight`). A first assessment is not a rise.
pub fn risk_increase(
    case: &Case,
    assessment_id: &str,
    previous: Option<&RiskAssessment>,
    next: &RiskAssessment,
) -> Vec<PromptSpec> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    let (why, top) = rises(previous, next);
    if why.is_empty() {
        return Vec::new();
    }
    let rationale = format!(
        "The assessment of {} raised risk: {}.",
        next.assessed_on,
        why.join("; ")
    );
    let key = format!("assessment:{assessment_id}");
    let mut out = vec![spec(
        case,
        RuleId::RiskIncreasedReview,
        AssigneeRole::ResponsibleOfficer,
        "Risk has risen: review the risk management plan",
        "Review the risk management plan and decide who must be told (children's social care, police, MAPPA or MARAC, the providers working with the person).".into(),
        DeadlinePolicy::WorkingDays(2),
        true,
        rationale.clone(),
        vec![CASE_REVIEW, INFO_SHARING],
        &key,
    )];
    if top >= Some(RoshLevel::High) {
        out.push(spec(
            case,
            RuleId::RiskIncreasedOversight,
            AssigneeRole::ProbationManager,
            "High risk of serious harm: management oversight",
            "Give management oversight of the risk management plan and of who has been told."
                .into(),
            DeadlinePolicy::WorkingDays(2),
            true,
            rationale,
            vec![CASE_REVIEW],
            &key,
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Partner change in pregnancy

/// Weeks from the likely conception to the expected due date.
const GESTATION_DAYS: i64 = 40 * 7;

/// A pregnancy on record (a disclosure or an unborn child on the household record).
#[derive(Debug, Clone)]
pub struct PregnancyFact<'a> {
    pub expected_due_date: Option<NaiveDate>,
    /// The partner named with the pregnancy.
    pub partner: Option<&'a str>,
    /// Where it is recorded, for the rationale.
    pub source: String,
}

/// A relationship on record (a `NEW_RELATIONSHIP` disclosure or a partner on the household record).
#[derive(Debug, Clone)]
pub struct RelationshipFact<'a> {
    pub partner: Option<&'a str>,
    pub started_on: Option<NaiveDate>,
    pub source: String,
}

/// What is known about pregnancies and partners.
#[derive(Debug, Clone, Default)]
pub struct PartnerFacts<'a> {
    pub pregnancies: Vec<PregnancyFact<'a>>,
    pub relationships: Vec<RelationshipFact<'a>>,
    /// The partner the person named in their latest declaration.
    pub declared_partner: Option<&'a str>,
}

fn same_person(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A relationship that started after the likely conception date (expected due date minus 40
/// weeks), or a pregnancy or new relationship naming a partner other than the declared one while
/// a pregnancy is known, for a domestic-abuse profile: the man may be presenting as the father of
/// a child he did not conceive. One prompt per pregnancy and partner.
pub fn pregnancy_partner_change(
    case: &Case,
    profile: &Profile,
    facts: &PartnerFacts,
) -> Vec<PromptSpec> {
    if !profile.domestic_abuse {
        return Vec::new();
    }
    let mut out: Vec<PromptSpec> = Vec::new();
    for p in &facts.pregnancies {
        let due = p
            .expected_due_date
            .map(|d| d.to_string())
            .unwrap_or_default();
        let mut push = |partner: &str, why: String| {
            let key = format!("pregnancy:{due}:{}", partner.trim().to_lowercase());
            let s = spec(
                case,
                RuleId::PregnancyPartnerChange,
                AssigneeRole::ResponsibleOfficer,
                "A partner change in pregnancy: share with children's social care",
                "Establish who the father is and when the relationship began; share with children's social care (the person may be presenting as the father of a child he did not conceive) and review the risk to the mother and the unborn child.".into(),
                DeadlinePolicy::WorkingDays(1),
                true,
                why,
                vec![WORKING_TOGETHER, PRE_BIRTH, CASE_REVIEW],
                &key,
            );
            if !out.iter().any(|o| o.dedup_key == s.dedup_key) {
                out.push(s);
            }
        };
        if let Some(due_date) = p.expected_due_date {
            let conception = due_date - Duration::days(GESTATION_DAYS);
            for r in &facts.relationships {
                if let Some(started) = r.started_on.filter(|s| *s > conception) {
                    push(
                        r.partner.unwrap_or_default(),
                        format!(
                            "{}: a relationship{} started on {started}, after the likely conception date {conception} of the pregnancy due {due_date} ({}).",
                            r.source,
                            r.partner.map(|n| format!(" with {}", n.trim())).unwrap_or_default(),
                            p.source
                        ),
                    );
                }
            }
        }
        if let Some(declared) = facts.declared_partner {
            let named = p.partner.map(|n| (n, p.source.clone())).into_iter().chain(
                facts
                    .relationships
                    .iter()
                    .filter_map(|r| r.partner.map(|n| (n, r.source.clone()))),
            );
            for (name, source) in named {
                if !same_person(name, declared) {
                    push(
                        name,
                        format!(
                            "{source} names {} as the partner, but the person declared {} as their partner; a pregnancy is known ({}).",
                            name.trim(),
                            declared.trim(),
                            p.source
                        ),
                    );
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Police incidents seen together

/// A `DOMESTIC_ABUSE_INCIDENT` disclosure, from any source.
#[derive(Debug, Clone)]
pub struct Incident<'a> {
    pub id: &'a str,
    pub at: DateTime<Utc>,
    pub summary: &'a str,
}

/// How many incidents in how many days are a pattern.
pub const INCIDENTS: usize = 3;
pub const INCIDENT_WINDOW_DAYS: i64 = 90;

/// Three or more incidents within 90 days, the newest among them: the officer's manager looks at
/// them together. Keyed by the first incident of the window, so further incidents in the same
/// window raise nothing new while the prompt is open.
pub fn domestic_incidents_pattern(case: &Case, incidents: &[Incident]) -> Option<PromptSpec> {
    let newest = incidents.iter().map(|i| i.at).max()?;
    let mut window: Vec<&Incident> = incidents
        .iter()
        .filter(|i| i.at > newest - Duration::days(INCIDENT_WINDOW_DAYS))
        .collect();
    if window.len() < INCIDENTS {
        return None;
    }
    window.sort_by_key(|i| (i.at, i.id));
    let listed: Vec<String> = window
        .iter()
        .map(|i| format!("{} \"{}\"", i.at.format("%Y-%m-%d"), i.summary.trim()))
        .collect();
    Some(spec(
        case,
        RuleId::DomesticIncidentsPattern,
        AssigneeRole::ProbationManager,
        "Repeated domestic abuse incidents: review them together",
        "Review the incidents together, not one at a time: the risk assessment, a MARAC referral, and whether children's social care and the police DA unit have the whole picture.".into(),
        DeadlinePolicy::WorkingDays(1),
        true,
        format!(
            "{} domestic abuse incidents within {INCIDENT_WINDOW_DAYS} days: {}.",
            window.len(),
            listed.join("; ")
        ),
        vec![MARAC, CASE_REVIEW],
        &format!("since:{}", window[0].id),
    ))
}

// ---------------------------------------------------------------------------------------------
// A single missed session when risk is high

/// An absence not judged acceptable, for a person with RoSH `HIGH`+ in any group, or a
/// domestic-abuse profile with children or a pregnancy on record: the officer makes contact the
/// same working day.
pub fn missed_session_high_risk(
    case: &Case,
    profile: &Profile,
    appointment_id: &str,
    starts_at: DateTime<Utc>,
    provider_org: &str,
) -> Option<PromptSpec> {
    let high = profile.highest_rosh >= Some(RoshLevel::High);
    let da_children = profile.domestic_abuse && profile.children_or_pregnancy;
    if !high && !da_children {
        return None;
    }
    let why = match (high, da_children) {
        (true, _) => format!(
            "RoSH is {} in at least one group",
            profile.highest_rosh.map(RoshLevel::as_str).unwrap_or("")
        ),
        _ => "a domestic-abuse profile with children or a pregnancy on record".into(),
    };
    Some(spec(
        case,
        RuleId::MissedSessionHighRisk,
        AssigneeRole::ResponsibleOfficer,
        "A missed session when risk is high: make contact today",
        "Make contact with the person today and check on the household (partner and children); record what you found.".into(),
        DeadlinePolicy::SameWorkingDay,
        true,
        format!(
            "{provider_org} reported that the person missed the session of {} without an acceptable reason; {why}.",
            starts_at.format("%Y-%m-%d %H:%M UTC")
        ),
        vec![CASE_REVIEW, INFO_SHARING],
        appointment_id,
    ))
}

// ---------------------------------------------------------------------------------------------
// A pregnancy probation recorded, for a provider working with the person

/// Probation recorded a pregnancy while `provider_org` works with the person on a live referral:
/// its safeguarding lead reviews staff safety and the support it gives. One per referral and
/// disclosure.
pub fn pregnancy_provider_review(
    case: &Case,
    provider_org: &str,
    referral_id: &str,
    disclosure_id: &str,
    summary: &str,
) -> PromptSpec {
    spec(
        case,
        RuleId::PregnancyProviderReview,
        AssigneeRole::ProviderSafeguardingLead,
        "A pregnancy is known: review staff safety and support",
        "Probation has recorded a pregnancy in the household of a person you are working with: review your staff safety arrangements and the support you give, and tell the officer of anything you know.".into(),
        DeadlinePolicy::WorkingDays(1),
        false,
        format!("Probation recorded a pregnancy: \"{}\"; {provider_org} is working with the person.", summary.trim()),
        vec![WORKING_TOGETHER, CASE_REVIEW],
        &format!("{referral_id}|disclosure:{disclosure_id}"),
    )
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;
