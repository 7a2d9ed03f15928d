//! The facts behind the case-wide termination items (`rules::termination_items`): referrals that
//! never ran, outcomes not achieved, children or a pregnancy known, the latest risk assessment
//! against the last disclosure that raised a prompt, and enforcement in flight.

use crate::db::orders::OrderRow;
use crate::db::DbConnection;
use crate::db::{appointments, disclosures, from_json, people, prompts, referrals, reports};
use crate::domain::disclosure::DisclosureType;
use crate::domain::household::HouseholdMember;
use crate::domain::prompt::{PromptStatus, TriggerKind};
use crate::domain::referral::{ReferralContent, ReferralStatus};
use crate::domain::report::{AchievementLevel, EndOfServiceReport};
use crate::domain::rule_id::RuleId;
use crate::error::ApiError;
use crate::rules::case::child_in_contact;
use crate::rules::termination_items::{CaseReviewFacts, ShortOutcome, UnrunReferral};
use crate::rules::working_days::london_date;
use chrono::{DateTime, Months, Utc};
use std::collections::HashSet;

/// Reads the case-wide facts of `order`'s termination review at `now`.
pub fn case_facts(
    conn: &mut DbConnection,
    order: &OrderRow,
    now: DateTime<Utc>,
) -> Result<CaseReviewFacts, ApiError> {
    let mut f = CaseReviewFacts {
        today: Some(london_date(now)),
        end_date: Some(order.end_date),
        ..Default::default()
    };
    for r in referrals::for_order(conn, &order.id)? {
        let reason = match r.status {
            ReferralStatus::Declined => r.decline_reason.clone(),
            ReferralStatus::Withdrawn => {
                r.withdrawal_code
                    .clone()
                    .map(|code| match &r.withdrawal_note {
                        Some(note) => format!("{code}: {note}"),
                        None => code,
                    })
            }
            ReferralStatus::Sent => None,
            _ => {
                if let Some(eos) = reports::end_of_service(conn, &r.id)? {
                    let report: EndOfServiceReport = from_json(&eos.body, "end-of-service report")?;
                    let content: ReferralContent = from_json(&r.content, "referral content")?;
                    for o in report.outcomes {
                        let level = match o.achievement_level {
                            AchievementLevel::Achieved => continue,
                            AchievementLevel::PartiallyAchieved => "PARTIALLY_ACHIEVED",
                            AchievementLevel::NotAchieved => "NOT_ACHIEVED",
                        };
                        f.short_outcomes.push(ShortOutcome {
                            referral_id: r.id.clone(),
                            provider_org: r.provider_org.clone(),
                            outcome_id: o.desired_outcome_id.to_string(),
                            description: content
                                .desired_outcomes
                                .iter()
                                .find(|d| d.id == o.desired_outcome_id)
                                .map(|d| d.description.clone())
                                .unwrap_or_default(),
                            level: level.into(),
                            provider_comment: o.comment,
                            submitted_at: eos.submitted_at.and_utc(),
                        });
                    }
                }
                continue;
            }
        };
        f.unrun_referrals.push(UnrunReferral {
            id: r.id.clone(),
            provider_org: r.provider_org.clone(),
            status: r.status.as_str().to_string(),
            reason,
            changed_at: r.updated_at.and_utc(),
        });
    }

    for m in people::members(conn, &order.crn)? {
        let member: HouseholdMember = from_json(&m.body, "household member")?;
        if child_in_contact(&member) {
            f.children_known.push(format!(
                "{} ({:?}) on the household record",
                member.name.trim(),
                member.relationship
            ));
            f.children_known_since = f.children_known_since.max(Some(m.updated_at.and_utc()));
        }
    }
    let all_prompts = prompts::for_person(conn, &order.crn)?;
    let prompting: HashSet<&str> = all_prompts
        .iter()
        .filter(|p| p.triggered_by_kind == TriggerKind::Disclosure)
        .map(|p| p.triggered_by_id.as_str())
        .collect();
    for d in disclosures::for_person(conn, &order.crn)? {
        if matches!(
            d.disclosure_type,
            DisclosureType::Pregnancy
                | DisclosureType::ChildrenInHousehold
                | DisclosureType::ContactWithChildren
        ) {
            f.children_known.push(format!(
                "{} disclosure of {}",
                d.disclosure_type.as_str(),
                d.disclosed_at.format("%Y-%m-%d")
            ));
            f.children_known_since = f.children_known_since.max(Some(d.recorded_at.and_utc()));
        }
        if prompting.contains(d.id.as_str()) {
            let on = london_date(d.disclosed_at.and_utc());
            f.last_prompting_disclosure = f.last_prompting_disclosure.max(Some(on));
        }
    }
    f.latest_risk_on = people::latest_risk(conn, &order.crn)?.map(|r| r.assessed_on);
    f.open_breach_prompts = all_prompts
        .iter()
        .filter(|p| p.rule == RuleId::BreachReferral && p.status == PromptStatus::Open)
        .map(|p| (p.id.clone(), p.raised_at.and_utc()))
        .collect();
    let year_ago = now.checked_sub_months(Months::new(12)).unwrap_or(now);
    f.recent_warnings = appointments::warnings_for(conn, &order.crn)?
        .into_iter()
        .filter(|w| w.order_id == order.id && w.issued_at.and_utc() > year_ago)
        .map(|w| w.issued_at.and_utc())
        .collect();
    Ok(f)
}
