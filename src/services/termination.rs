//! Termination review use cases: gather the order's facts for the derived checklist, and raise
//! the "start the termination review" prompt ahead of an order's end date.

use super::delivery::delivered_days;
use super::prompts::{prompt_event, system_event_row};
use crate::db::events;
use crate::db::orders::{self, OrderRow};
use crate::db::prompts::{self as prompt_rows, PromptRow};
use crate::db::termination::{self as rows, ReviewRow};
use crate::db::{
    disclosures, from_json, referrals, reports, to_json, write_transaction, DbConnection,
};
use crate::domain::events::EventType;
use crate::domain::prompt::{Outcome, PromptStatus, TriggerKind};
use crate::error::ApiError;
use crate::rules::prompt::{AssigneeRole, CASE_REVIEW};
use crate::rules::termination::{
    Completion, Confirmation, DisclosureFact, PromptFact, ReferralFact, ReviewFacts, RiskChange,
};
use crate::rules::working_days::{add_working_days, end_of_day, london_date};
use crate::rules::{RuleId, RulesConfig};
use chrono::{DateTime, Utc};

pub const REVIEW_DUE_RULE: RuleId = RuleId::TerminationReviewDue;

fn risk_change(s: &str) -> Result<RiskChange, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|e| ApiError::internal_from("stored risk change", e))
}

/// Everything the checklist of `order` is derived from, read now.
pub fn facts(
    conn: &mut DbConnection,
    order: &OrderRow,
) -> Result<(ReviewFacts, Option<ReviewRow>), ApiError> {
    let start = order.start_date;
    let mut referral_facts = Vec::new();
    let all_referrals = referrals::for_order(conn, &order.id)?;
    let order_delivered = super::delivery::order_delivered_days(conn, order, &all_referrals)?;
    for r in all_referrals {
        if r.accepted_at.is_none() {
            continue;
        }
        referral_facts.push(ReferralFact {
            delivered: delivered_days(conn, &r)?,
            end_of_service_at: reports::end_of_service(conn, &r.id)?
                .map(|e| e.submitted_at.and_utc()),
            rar_days: r.rar_days.unwrap_or(0).max(0) as u32,
            provider_org: r.provider_org,
            id: r.id,
        });
    }
    let disclosure_facts = disclosures::for_person(conn, &order.crn)?
        .into_iter()
        .filter(|d| {
            d.order_id.as_deref() == Some(order.id.as_str())
                || london_date(d.disclosed_at.and_utc()) >= start
        })
        .map(|d| DisclosureFact {
            changes_household: d.disclosure_type.changes_household(),
            agency: d.provider_org.clone().unwrap_or(d.recorded_by_org.clone()),
            id: d.id,
            kind: d.disclosure_type.as_str().to_string(),
            summary: d.summary,
            disclosed_at: d.disclosed_at.and_utc(),
            recorded_at: d.recorded_at.and_utc(),
        })
        .collect();
    let prompt_facts = prompt_rows::for_person(conn, &order.crn)?
        .into_iter()
        .filter(|p| {
            p.order_id.as_deref() == Some(order.id.as_str())
                || london_date(p.raised_at.and_utc()) >= start
        })
        .map(|p| PromptFact {
            resolved_at: p.resolved_at.map(|t| t.and_utc()),
            not_required: p.outcome == Some(Outcome::NotRequired),
            raised_at: p.raised_at.and_utc(),
            org: p.org,
            title: p.title,
            id: p.id,
        })
        .collect();
    let confirmations = rows::confirmations(conn, &order.id)?
        .into_iter()
        .map(|c| {
            (
                c.item_id,
                Confirmation {
                    at: c.confirmed_at.and_utc(),
                    by: c.confirmed_by,
                    note: c.note,
                },
            )
        })
        .collect();
    let review = rows::get(conn, &order.id)?;
    let completion = match &review {
        Some(r) => Some(Completion {
            completed_at: r.completed_at.and_utc(),
            risk_of_reoffending: risk_change(&r.risk_of_reoffending_change)?,
            risk_of_serious_harm: risk_change(&r.risk_of_serious_harm_change)?,
            agencies_notified: from_json(&r.agencies_notified, "agencies notified")?,
            signed_off_at: r.signed_off_at.map(|t| t.and_utc()),
        }),
        None => None,
    };
    Ok((
        ReviewFacts {
            order_id: order.id.clone(),
            referrals: referral_facts,
            disclosures: disclosure_facts,
            prompts: prompt_facts,
            confirmations,
            order_rar: (order.rar_max_days.max(0) as u32, order_delivered),
            completion,
            terminated: order.status == orders::TERMINATED,
        },
        review,
    ))
}

/// Raises "start the termination review" for active orders whose end date is within the
/// configured number of working days, once per order. Safe with several instances: the open
/// prompt's unique key lets only one insert win, and each order is its own transaction.
pub fn raise_due_review_prompts(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
) -> Result<usize, ApiError> {
    let horizon = add_working_days(london_date(now), rules.review_lead_days, &rules.calendar);
    let due: Vec<OrderRow> = orders::ending_by(conn, horizon)?;
    let mut raised = 0;
    for order in due {
        let key = format!("{REVIEW_DUE_RULE}|{}|{}", order.crn, order.id);
        if prompt_rows::any_with_key(conn, &key)? {
            continue;
        }
        let outcome = write_transaction(conn, |conn| {
            let row = PromptRow {
                id: uuid::Uuid::now_v7().to_string(),
                crn: order.crn.clone(),
                probation_org: order.managing_org.clone(),
                org: order.managing_org.clone(),
                order_id: Some(order.id.clone()),
                referral_id: None,
                rule: REVIEW_DUE_RULE,
                title: "Start the termination review".into(),
                action: "Triangulate with every provider and agency involved, consider every disclosure and prompt, review the household, and complete the termination review before the order ends.".into(),
                rationale: format!("The order ends on {}; the review must show that everything providers reported was considered.", order.end_date),
                guidance: to_json(&vec![CASE_REVIEW])?,
                triggered_by_kind: TriggerKind::Order,
                triggered_by_id: order.id.clone(),
                assignee_role: AssigneeRole::ResponsibleOfficer,
                assignee: Some(order.responsible_officer.clone()),
                mandatory: true,
                dedup_key: key.clone(),
                status: PromptStatus::Open,
                raised_at: now.naive_utc(),
                due_at: end_of_day(order.end_date, &rules.hours).max(now).naive_utc(),
                escalated_at: None,
                outcome: None,
                resolution_note: None,
                external_reference: None,
                resolved_at: None,
                resolved_by: None,
                resolved_by_role: None,
            };
            prompt_rows::insert(conn, &row)?;
            let e = prompt_event(
                &row,
                EventType::SafeguardingPromptRaised,
                format!("Prompt raised: {}", row.title),
            );
            events::insert_all(conn, &[system_event_row(e, now)])?;
            Ok::<_, ApiError>(())
        });
        match outcome {
            Ok(()) => raised += 1,
            // Another instance raised it first.
            Err(ApiError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(raised)
}
