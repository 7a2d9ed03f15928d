//! The termination review items over the whole case: referrals that never ran, outcomes not
//! achieved (the officer comments on each), children's social care told of the ending when
//! children or a pregnancy are known, a stale risk assessment, enforcement in flight, and an
//! order past its end date. Each carries its evidence and blocks the review until confirmed or
//! resolved.

use super::termination::{Item, ItemKind, ReviewFacts};
use crate::domain::agency_notice::AgencyNotified;
use crate::domain::prompt::Agency;
use chrono::{DateTime, Months, NaiveDate, Utc};

/// A referral of the order that was declined, withdrawn or never accepted.
#[derive(Debug, Clone)]
pub struct UnrunReferral {
    pub id: String,
    pub provider_org: String,
    /// `DECLINED`, `WITHDRAWN` or `SENT` (never accepted).
    pub status: String,
    pub reason: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// An outcome an end-of-service report gave as `NOT_ACHIEVED` or `PARTIALLY_ACHIEVED`.
#[derive(Debug, Clone)]
pub struct ShortOutcome {
    pub referral_id: String,
    pub provider_org: String,
    pub outcome_id: String,
    pub description: String,
    pub level: String,
    pub provider_comment: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// What the case-wide items are derived from.
#[derive(Debug, Clone, Default)]
pub struct CaseReviewFacts {
    /// The London date of the review (the read); without it no date-based item is derived.
    pub today: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub unrun_referrals: Vec<UnrunReferral>,
    pub short_outcomes: Vec<ShortOutcome>,
    /// Where children or a pregnancy are known from (household, disclosures); empty if none.
    pub children_known: Vec<String>,
    /// When the latest of those facts was recorded.
    pub children_known_since: Option<DateTime<Utc>>,
    /// The date of the latest risk assessment, if any.
    pub latest_risk_on: Option<NaiveDate>,
    /// The date of the latest disclosure that raised a prompt.
    pub last_prompting_disclosure: Option<NaiveDate>,
    /// Open breach-referral prompts: (id, raised at).
    pub open_breach_prompts: Vec<(String, DateTime<Utc>)>,
    /// Warnings given in the 12 months before the review.
    pub recent_warnings: Vec<DateTime<Utc>>,
}

/// The entry of `agencies` telling that children's social care was told of the ending on or
/// before `today`, if there is one.
pub fn social_care_told(agencies: &[AgencyNotified], today: NaiveDate) -> Option<&AgencyNotified> {
    agencies
        .iter()
        .find(|a| a.tells(Agency::ChildrensSocialCare, today))
}

/// The case-wide items, in a stable order.
pub fn items(f: &ReviewFacts) -> Vec<Item> {
    let c = &f.case;
    let mut items = Vec::new();
    for r in &c.unrun_referrals {
        let what = match r.status.as_str() {
            "SENT" => "was never accepted".to_string(),
            other => format!("was {}", other.to_lowercase()),
        };
        items.push(f.item_for(
            format!("referral-not-delivered-{}", r.id),
            ItemKind::ReferralNotDelivered,
            format!(
                "The referral to {} {what}: record what replaced it",
                r.provider_org
            ),
            match &r.reason {
                Some(reason) => format!("Reason given: {reason}"),
                None => "No reason recorded".into(),
            },
            r.provider_org.clone(),
            Some(format!("/api/v1/referrals/{}", r.id)),
            false,
            Some(r.changed_at),
        ));
    }
    for o in &c.short_outcomes {
        items.push(f.item_for(
            format!("outcome-{}-{}", o.referral_id, o.outcome_id),
            ItemKind::OutcomeNotAchieved,
            format!(
                "Comment on an outcome {} with {}: {}",
                o.level, o.provider_org, o.description
            ),
            match &o.provider_comment {
                Some(comment) => format!("{} reported: \"{comment}\"", o.provider_org),
                None => format!("{} gave no comment", o.provider_org),
            },
            o.provider_org.clone(),
            Some(format!(
                "/api/v1/referrals/{}/end-of-service-report",
                o.referral_id
            )),
            false,
            Some(o.submitted_at),
        ));
    }
    if !c.children_known.is_empty() {
        let told = c.today.and_then(|today| {
            f.completion
                .as_ref()
                .and_then(|done| social_care_told(&done.agencies_notified, today))
        });
        let known = format!(
            "Children or a pregnancy are known: {}",
            c.children_known.join("; ")
        );
        let mut item = f.item_for(
            "childrens-social-care".into(),
            ItemKind::ChildrensSocialCare,
            "Children's social care told of the ending (an agenciesNotified entry with agency CHILDRENS_SOCIAL_CARE and its notifiedOn date)".into(),
            match told {
                Some(entry) => format!("{known}. Told: {entry}"),
                None => format!(
                    "{known}. agenciesNotified has no CHILDRENS_SOCIAL_CARE entry with a date yet"
                ),
            },
            "probation".into(),
            None,
            told.is_some(),
            c.children_known_since,
        );
        item.confirmable = false;
        items.push(item);
    }
    if let Some(today) = c.today {
        let six_months_ago = today.checked_sub_months(Months::new(6));
        let stale = match c.latest_risk_on {
            None => Some("No risk assessment is recorded".to_string()),
            Some(on) if six_months_ago.is_some_and(|limit| on < limit) => Some(format!(
                "The latest risk assessment ({on}) is more than 6 months old"
            )),
            Some(on) if c.last_prompting_disclosure.is_some_and(|d| on < d) => Some(format!(
                "The latest risk assessment ({on}) is older than the disclosure of {} that raised a prompt",
                c.last_prompting_disclosure.map(|d| d.to_string()).unwrap_or_default()
            )),
            Some(_) => None,
        };
        items.push(f.item_for(
            "risk-review".into(),
            ItemKind::RiskReview,
            "Risk of serious harm reviewed before closing".into(),
            stale.clone().unwrap_or_else(|| {
                format!(
                    "The latest risk assessment ({}) is current",
                    c.latest_risk_on.map(|d| d.to_string()).unwrap_or_default()
                )
            }),
            "probation".into(),
            None,
            stale.is_none(),
            None,
        ));
        if let Some(end) = c.end_date.filter(|end| today > *end) {
            items.push(f.item_for(
                "past-end-date".into(),
                ItemKind::PastEndDate,
                "The order is past its end date: explain the delay".into(),
                format!("The order ended on {end}; the review is on {today}"),
                "probation".into(),
                None,
                false,
                None,
            ));
        }
    }
    if !c.open_breach_prompts.is_empty() || !c.recent_warnings.is_empty() {
        let mut evidence = Vec::new();
        for (id, raised) in &c.open_breach_prompts {
            evidence.push(format!(
                "breach referral not yet decided (prompt {id}, raised {})",
                raised.format("%Y-%m-%d")
            ));
        }
        for w in &c.recent_warnings {
            evidence.push(format!("warning given {}", w.format("%Y-%m-%d")));
        }
        let latest = c
            .open_breach_prompts
            .iter()
            .map(|(_, at)| *at)
            .chain(c.recent_warnings.iter().copied())
            .max();
        items.push(f.item_for(
            "enforcement".into(),
            ItemKind::Enforcement,
            "Enforcement in flight: decide it before closing".into(),
            evidence.join("; "),
            "probation".into(),
            None,
            false,
            latest,
        ));
    }
    items
}

#[cfg(test)]
#[path = "termination_items_tests.rs"]
mod tests;
