//! What delivery use cases share: RAR days delivered (distinct London dates with an attended
//! delivery session), the case a delivery rule is about, and raising its prompts on a referral.

use super::prompts::{self, Origin, Raised};
use crate::db::appointments as rows;
use crate::db::orders::OrderRow;
use crate::db::referrals::ReferralRow;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::rules::attendance::CaseRef;
use crate::rules::prompt::PromptSpec;
use crate::rules::working_days::london_date;
use crate::work::Work;
use std::collections::BTreeSet;

/// RAR days delivered by a referral: distinct London dates with an attended delivery session,
/// never more than the referral's days.
pub fn delivered_days(conn: &mut DbConnection, referral: &ReferralRow) -> Result<u32, ApiError> {
    let dates: BTreeSet<_> = rows::attended_delivery_starts(conn, &[referral.id.as_str()])?
        .into_iter()
        .map(|t| london_date(t.and_utc()))
        .collect();
    let cap = referral.rar_days.unwrap_or(0).max(0) as u32;
    Ok((dates.len() as u32).min(cap))
}

/// RAR days delivered under an order: distinct London dates with an attended delivery session
/// across all its referrals (two providers on the same date make one day), never above the maximum.
pub fn order_delivered_days(
    conn: &mut DbConnection,
    order: &OrderRow,
    referrals: &[ReferralRow],
) -> Result<u32, ApiError> {
    let ids: Vec<&str> = referrals.iter().map(|r| r.id.as_str()).collect();
    let dates: BTreeSet<_> = rows::attended_delivery_starts(conn, &ids)?
        .into_iter()
        .map(|t| london_date(t.and_utc()))
        .collect();
    Ok((dates.len() as u32).min(order.rar_max_days.max(0) as u32))
}

/// Days delivered from loaded session starts: distinct London dates, never more than `cap`.
pub fn days_delivered<'a>(
    starts: impl Iterator<Item = &'a chrono::NaiveDateTime>,
    cap: u32,
) -> u32 {
    let dates: BTreeSet<_> = starts.map(|t| london_date(t.and_utc())).collect();
    (dates.len() as u32).min(cap)
}

/// The case a delivery rule judges: the referral's, with the order's responsible officer.
pub fn case_ref<'a>(referral: &'a ReferralRow, order: &'a OrderRow) -> CaseRef<'a> {
    CaseRef {
        crn: &referral.crn,
        referral_id: &referral.id,
        provider_org: &referral.provider_org,
        responsible_officer: Some(&order.responsible_officer),
        suspended_sentence: order.order_type
            == crate::domain::order::OrderType::SuspendedSentenceOrder,
    }
}

/// Raises prompts about something on a referral (`kind` and `id` name what raised them).
pub fn raise_on_referral(
    w: &mut Work,
    referral: &ReferralRow,
    kind: crate::domain::prompt::TriggerKind,
    id: &str,
    specs: Vec<PromptSpec>,
) -> Result<Raised, ApiError> {
    let origin = Origin {
        crn: &referral.crn,
        probation_org: &referral.probation_org,
        provider_org: Some(&referral.provider_org),
        order_id: Some(&referral.order_id),
        referral_id: Some(&referral.id),
        kind,
        id,
    };
    prompts::raise(w, specs, &origin)
}
