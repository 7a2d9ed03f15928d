//! The termination review of an order, derived from the order's facts every time it is read:
//! what is loaded ([`ReviewRecord`]) and what the rules make of it ([`Review`]). Only the
//! officer's confirmations, the completion and the sign-off are stored.

use super::delivery::{delivered_days, order_delivered_days};
use crate::db::orders::OrderRow;
use crate::db::prompts as prompt_rows;
use crate::db::termination::{self as rows, ReviewRow};
use crate::db::{action_plans, appointments};
use crate::db::{disclosures, from_json, referrals, reports, DbConnection};
use crate::domain::action_plan::{Activity, PlanStatus};
use crate::domain::agency_notice::{self, AgencyNotified, StoredAgencyNotified};
use crate::domain::order::OrderStatus;
use crate::error::ApiError;
use crate::rules::termination::{
    checklist, sign_off_reasons, status, Completion, Confirmation, DisclosureFact, Item, PlanFact,
    PromptFact, ReferralFact, ReviewFacts, ReviewStatus, RiskChange,
};
use crate::rules::working_days::london_date;
use chrono::{DateTime, Utc};

/// An order with everything its termination review is derived from, read now.
pub struct ReviewRecord {
    pub order: OrderRow,
    pub facts: ReviewFacts,
    /// The stored completion, sign-off and termination, once the review was completed.
    pub row: Option<ReviewRow>,
}

/// The review derived from a [`ReviewRecord`]: its checklist, status and why a manager must sign off.
pub struct Review {
    pub items: Vec<Item>,
    pub status: ReviewStatus,
    pub sign_off_reasons: Vec<String>,
    /// The review had been completed but something recorded since reopened it.
    pub reopened: bool,
}

impl ReviewRecord {
    /// Reads the facts of `order` at `now`.
    pub fn read(
        conn: &mut DbConnection,
        order: OrderRow,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let (mut facts, row) = facts(conn, &order)?;
        facts.case = super::termination_case::case_facts(conn, &order, now)?;
        Ok(Self { order, facts, row })
    }

    /// Derives the review (pure: the checklist, status and sign-off rules over the facts).
    pub fn review(&self) -> Review {
        let items = checklist(&self.facts);
        let (reoffending, harm) = match &self.facts.completion {
            Some(c) => (c.risk_of_reoffending, c.risk_of_serious_harm),
            None => (RiskChange::Same, RiskChange::Same),
        };
        let reasons = sign_off_reasons(&self.facts, reoffending, harm);
        let status = status(&self.facts, &items, !reasons.is_empty());
        let reopened = self.facts.completion.is_some()
            && matches!(
                status,
                ReviewStatus::InProgress | ReviewStatus::ReadyToComplete
            );
        Review {
            items,
            status,
            sign_off_reasons: reasons,
            reopened,
        }
    }
}

fn risk_change(s: &str) -> Result<RiskChange, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|e| ApiError::internal_from("stored risk change", e))
}

/// Everything the checklist of `order` is derived from, read now.
fn facts(
    conn: &mut DbConnection,
    order: &OrderRow,
) -> Result<(ReviewFacts, Option<ReviewRow>), ApiError> {
    let start = order.start_date;
    let mut referral_facts = Vec::new();
    let all_referrals = referrals::for_order(conn, &order.id)?;
    let order_delivered = order_delivered_days(conn, order, &all_referrals)?;
    for r in all_referrals {
        if r.accepted_at.is_none() {
            continue;
        }
        let plan = match action_plans::with_status(conn, &r.id, PlanStatus::Approved)?
            .into_iter()
            .next()
        {
            None => None,
            Some(p) => Some(PlanFact {
                version: p.version,
                sessions: p.number_of_sessions.max(0) as u32,
                attended: appointments::attended_delivery_starts(conn, &[r.id.as_str()])?.len()
                    as u32,
                activities: from_json::<Vec<Activity>>(&p.activities, "action plan activities")?
                    .into_iter()
                    .map(|a| a.description)
                    .collect(),
                approved_at: p.decided_at.map(|t| t.and_utc()),
            }),
        };
        referral_facts.push(ReferralFact {
            plan,
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
            not_required: p.outcome == Some(crate::domain::prompt::Outcome::NotRequired),
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
            agencies_notified: agencies_notified(&r.agencies_notified)?,
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
            terminated: order.status == OrderStatus::Terminated,
            case: Default::default(),
        },
        review,
    ))
}

/// The agencies told, as stored: typed entries, or strings written before entries were typed
/// (read as `AGENCY YYYY-MM-DD [reference]`, or kept whole as a note).
pub(super) fn agencies_notified(stored: &str) -> Result<Vec<AgencyNotified>, ApiError> {
    let entries: Vec<StoredAgencyNotified> = from_json(stored, "agencies notified")?;
    Ok(agency_notice::from_stored(entries))
}
