//! The termination review checklist, derived from the order's facts every time it is read, so
//! nothing recorded later can be missed: RAR days per referral, a report from every provider,
//! every disclosure, every prompt, the household, and the agencies told of the closure.

use crate::domain::agency_notice::AgencyNotified;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemKind {
    RarDays,
    ProviderReport,
    Disclosure,
    SafeguardingPrompt,
    Household,
    AgenciesNotified,
    /// The activities of the referral's approved action plan, and whether they were delivered.
    ActionPlan,
    /// A referral declined, withdrawn or never accepted.
    ReferralNotDelivered,
    /// An outcome not (or partly) achieved: the officer comments on it.
    OutcomeNotAchieved,
    /// Children or a pregnancy are known: children's social care told of the ending.
    ChildrensSocialCare,
    /// The risk assessment is stale or older than the last disclosure that raised a prompt.
    RiskReview,
    /// A breach referral not yet decided, or a warning in the last 12 months.
    Enforcement,
    /// The order is past its end date.
    PastEndDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemState {
    Outstanding,
    /// The system checked it.
    Satisfied,
    /// The officer confirmed it with a note.
    Confirmed,
}

pub use crate::domain::order::RiskChange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewStatus {
    /// Items are outstanding.
    InProgress,
    /// Every item is done; the officer records the outcome (`complete`).
    ReadyToComplete,
    /// Completed; a manager must sign off.
    AwaitingSignOff,
    /// The order may be terminated.
    Complete,
    Terminated,
}

/// A referral of the order that a provider accepted.
#[derive(Debug, Clone)]
pub struct ReferralFact {
    pub id: String,
    pub provider_org: String,
    pub rar_days: u32,
    pub delivered: u32,
    pub end_of_service_at: Option<DateTime<Utc>>,
    /// The referral's current approved action plan, if it has one.
    pub plan: Option<PlanFact>,
}

/// A referral's approved action plan and the delivery sessions attended under the referral.
#[derive(Debug, Clone)]
pub struct PlanFact {
    pub version: i32,
    pub sessions: u32,
    /// Attended delivery sessions on the referral.
    pub attended: u32,
    pub activities: Vec<String>,
    pub approved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct DisclosureFact {
    pub id: String,
    pub kind: String,
    pub summary: String,
    pub disclosed_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub agency: String,
    pub changes_household: bool,
}

#[derive(Debug, Clone)]
pub struct PromptFact {
    pub id: String,
    pub title: String,
    pub raised_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub not_required: bool,
    pub org: String,
}

#[derive(Debug, Clone)]
pub struct Confirmation {
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct Completion {
    pub completed_at: DateTime<Utc>,
    pub risk_of_reoffending: RiskChange,
    pub risk_of_serious_harm: RiskChange,
    pub agencies_notified: Vec<AgencyNotified>,
    pub signed_off_at: Option<DateTime<Utc>>,
}

/// Everything the checklist is derived from.
#[derive(Debug, Clone, Default)]
pub struct ReviewFacts {
    pub order_id: String,
    pub referrals: Vec<ReferralFact>,
    pub disclosures: Vec<DisclosureFact>,
    pub prompts: Vec<PromptFact>,
    pub confirmations: HashMap<String, Confirmation>,
    /// The order's RAR maximum and the days delivered across all referrals.
    pub order_rar: (u32, u32),
    pub completion: Option<Completion>,
    pub terminated: bool,
    /// What the case-wide items are derived from.
    pub case: super::termination_items::CaseReviewFacts,
}

/// One checklist item.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Stable id, used to confirm the item.
    pub id: String,
    pub kind: ItemKind,
    pub description: String,
    pub state: ItemState,
    /// What the system found.
    pub evidence: String,
    /// The agency the item comes from.
    pub source: String,
    /// Where to look or act.
    pub link: Option<String>,
    /// The officer may confirm it with a note (judgement items, and shortfalls to decide).
    pub confirmable: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// When the item last changed; a completion older than this is stale.
    #[serde(skip)]
    pub changed_at: Option<DateTime<Utc>>,
}

impl ReviewFacts {
    /// A judgement item the officer confirms with a note; a confirmation older than
    /// `changed_at` does not count.
    #[allow(clippy::too_many_arguments)] // each call site lists the fields in order
    pub(super) fn item_for(
        &self,
        id: String,
        kind: ItemKind,
        description: String,
        evidence: String,
        source: String,
        link: Option<String>,
        satisfied: bool,
        changed_at: Option<DateTime<Utc>>,
    ) -> Item {
        self.item(
            id,
            kind,
            description,
            evidence,
            source,
            link,
            satisfied,
            true,
            changed_at,
            changed_at,
        )
    }

    fn confirmed(&self, id: &str, after: Option<DateTime<Utc>>) -> Option<&Confirmation> {
        self.confirmations
            .get(id)
            .filter(|c| after.is_none_or(|a| c.at >= a))
    }

    #[allow(clippy::too_many_arguments)] // private; each call site lists the fields in order
    fn item(
        &self,
        id: String,
        kind: ItemKind,
        description: String,
        evidence: String,
        source: String,
        link: Option<String>,
        satisfied: bool,
        confirmable: bool,
        changed_at: Option<DateTime<Utc>>,
        confirm_after: Option<DateTime<Utc>>,
    ) -> Item {
        let confirmation = if satisfied || !confirmable {
            None
        } else {
            self.confirmed(&id, confirm_after)
        };
        let state = match (satisfied, confirmation) {
            (true, _) => ItemState::Satisfied,
            (false, Some(_)) => ItemState::Confirmed,
            (false, None) => ItemState::Outstanding,
        };
        Item {
            changed_at: confirmation.map(|c| c.at).max(changed_at),
            confirmed_by: confirmation.map(|c| c.by.clone()),
            confirmed_at: confirmation.map(|c| c.at),
            note: confirmation.map(|c| c.note.clone()),
            id,
            kind,
            description,
            state,
            evidence,
            source,
            link,
            confirmable: confirmable && !satisfied,
        }
    }
}

/// Derives the checklist.
pub fn checklist(f: &ReviewFacts) -> Vec<Item> {
    let mut items = Vec::new();
    let (max, delivered) = f.order_rar;
    items.push(f.item(
        "rar-days-order".into(),
        ItemKind::RarDays,
        "RAR days delivered under the order".into(),
        format!("{delivered} of the order's {max} RAR days delivered{}",
            if delivered < max { "; record what happens to the days not delivered (they lapse at the end of the order)" } else { "" }),
        "probation".into(),
        Some(format!("/api/v1/orders/{}/rar", f.order_id)),
        delivered >= max,
        true,
        None,
        None,
    ));
    for r in &f.referrals {
        let link = Some(format!("/api/v1/referrals/{}", r.id));
        items.push(f.item(
            format!("rar-days-{}", r.id),
            ItemKind::RarDays,
            format!("RAR days delivered by {}", r.provider_org),
            format!(
                "{} of {} RAR days delivered{}",
                r.delivered,
                r.rar_days,
                if r.delivered < r.rar_days {
                    "; record what happens to the shortfall"
                } else {
                    ""
                }
            ),
            r.provider_org.clone(),
            Some(format!("/api/v1/orders/{}/rar", f.order_id)),
            r.delivered >= r.rar_days,
            true,
            None,
            None,
        ));
        items.push(f.item(
            format!("provider-report-{}", r.id),
            ItemKind::ProviderReport,
            format!(
                "End-of-service report or written feedback from {}",
                r.provider_org
            ),
            match r.end_of_service_at {
                Some(at) => format!("End-of-service report submitted {}", at.format("%Y-%m-%d")),
                None => {
                    "No end-of-service report: obtain and record the provider's feedback".into()
                }
            },
            r.provider_org.clone(),
            link,
            r.end_of_service_at.is_some(),
            true,
            r.end_of_service_at,
            None,
        ));
    }
    for (r, plan) in f
        .referrals
        .iter()
        .filter_map(|r| r.plan.as_ref().map(|p| (r, p)))
    {
        let delivered = plan.attended >= plan.sessions;
        items.push(f.item(
            format!("action-plan-{}", r.id),
            ItemKind::ActionPlan,
            format!("Action plan (version {}) of {} delivered", plan.version, r.provider_org),
            if delivered {
                format!("{} of {} planned sessions attended", plan.attended, plan.sessions)
            } else if plan.attended == 0 {
                format!(
                    "No planned session was attended: these activities were never delivered: {}",
                    plan.activities.join("; ")
                )
            } else {
                format!(
                    "{} of {} planned sessions attended; sessions are not linked to activities, so record which of these were never delivered: {}",
                    plan.attended,
                    plan.sessions,
                    plan.activities.join("; ")
                )
            },
            r.provider_org.clone(),
            Some(format!("/api/v1/referrals/{}/action-plans", r.id)),
            delivered,
            true,
            plan.approved_at,
            plan.approved_at,
        ));
    }
    for d in &f.disclosures {
        items.push(f.item(
            format!("disclosure-{}", d.id),
            ItemKind::Disclosure,
            format!(
                "{} disclosure of {} considered",
                d.kind,
                d.disclosed_at.format("%Y-%m-%d")
            ),
            format!("Reported by {}: \"{}\"", d.agency, d.summary),
            d.agency.clone(),
            None,
            false,
            true,
            Some(d.recorded_at),
            None,
        ));
    }
    for p in &f.prompts {
        items.push(f.item(
            format!("prompt-{}", p.id),
            ItemKind::SafeguardingPrompt,
            format!("Safeguarding prompt resolved: {}", p.title),
            match p.resolved_at {
                Some(at) => format!(
                    "Resolved {}{}",
                    at.format("%Y-%m-%d"),
                    if p.not_required {
                        " as not required"
                    } else {
                        ""
                    }
                ),
                None => "Still open: resolve it with an outcome".into(),
            },
            p.org.clone(),
            Some(format!("/api/v1/safeguarding-prompts/{}", p.id)),
            p.resolved_at.is_some(),
            false,
            Some(p.resolved_at.unwrap_or(p.raised_at)),
            None,
        ));
    }
    let last_household_change = f
        .disclosures
        .iter()
        .filter(|d| d.changes_household)
        .map(|d| d.recorded_at)
        .max();
    items.push(
        f.item(
            "household".into(),
            ItemKind::Household,
            "Household composition reviewed (partners, children including unborn, where they live)"
                .into(),
            match last_household_change {
                Some(at) => format!(
                    "Last changed by a disclosure recorded {}; review it since then",
                    at.format("%Y-%m-%d")
                ),
                None => {
                    "No disclosure changed the household during the order; confirm it was reviewed"
                        .into()
                }
            },
            "probation".into(),
            None,
            false,
            true,
            last_household_change,
            last_household_change,
        ),
    );
    items.extend(super::termination_items::items(f));
    let agencies = f
        .completion
        .as_ref()
        .map(|c| c.agencies_notified.clone())
        .unwrap_or_default();
    items.push(Item {
        id: "agencies".into(),
        kind: ItemKind::AgenciesNotified,
        description: "Agencies told of the closure (flags are removed at termination, so context must be handed on)".into(),
        state: if agencies.is_empty() { ItemState::Outstanding } else { ItemState::Satisfied },
        evidence: if agencies.is_empty() {
            "Recorded when the review is completed".into()
        } else {
            agencies.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        },
        source: "probation".into(),
        link: None,
        confirmable: false,
        confirmed_by: None,
        confirmed_at: None,
        note: None,
        changed_at: None,
    });
    items
}

/// Items that stop the review being completed (the agencies items are completed by the review
/// itself).
pub fn blocking_completion(items: &[Item]) -> Vec<&Item> {
    items
        .iter()
        .filter(|i| {
            i.state == ItemState::Outstanding
                && !matches!(
                    i.kind,
                    ItemKind::AgenciesNotified | ItemKind::ChildrensSocialCare
                )
        })
        .collect()
}

/// Why a manager must sign off, if they must.
pub fn sign_off_reasons(
    f: &ReviewFacts,
    reoffending: RiskChange,
    serious_harm: RiskChange,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if reoffending == RiskChange::Increased {
        reasons.push("risk of reoffending increased".into());
    }
    if serious_harm == RiskChange::Increased {
        reasons.push("risk of serious harm increased".into());
    }
    let (max, delivered) = f.order_rar;
    if delivered < max {
        reasons.push(format!(
            "RAR not fulfilled under the order ({delivered} of {max} days)"
        ));
    }
    for r in f.referrals.iter().filter(|r| r.delivered < r.rar_days) {
        reasons.push(format!(
            "RAR not fulfilled with {} ({} of {} days)",
            r.provider_org, r.delivered, r.rar_days
        ));
    }
    let not_required = f.prompts.iter().filter(|p| p.not_required).count();
    if not_required > 0 {
        reasons.push(format!(
            "{not_required} safeguarding prompt(s) resolved as not required"
        ));
    }
    reasons
}

/// The review's status, derived from the items and the recorded completion.
pub fn status(f: &ReviewFacts, items: &[Item], sign_off_required: bool) -> ReviewStatus {
    if f.terminated {
        return ReviewStatus::Terminated;
    }
    if !blocking_completion(items).is_empty() {
        return ReviewStatus::InProgress;
    }
    let latest_change = items.iter().filter_map(|i| i.changed_at).max();
    // A completion that did not record children's social care being told must be made again.
    let untold = items
        .iter()
        .any(|i| i.kind == ItemKind::ChildrensSocialCare && i.state == ItemState::Outstanding);
    if untold {
        return ReviewStatus::ReadyToComplete;
    }
    match &f.completion {
        Some(c) if latest_change.is_none_or(|l| c.completed_at >= l) => {
            if sign_off_required && c.signed_off_at.is_none_or(|s| s < c.completed_at) {
                ReviewStatus::AwaitingSignOff
            } else {
                ReviewStatus::Complete
            }
        }
        _ => ReviewStatus::ReadyToComplete,
    }
}

#[cfg(test)]
#[path = "termination_tests.rs"]
mod tests;
