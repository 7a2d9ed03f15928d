//! RAR day accounting for an order: maximum, allocated to referrals, delivered, remaining.

use crate::db::orders::OrderRow;
use crate::db::referrals::ReferralRow;
use crate::db::stored_id;
use crate::domain::referral::ReferralStatus;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Days allocated by referrals that hold an allocation, other than `except`.
pub fn allocated_days(referrals: &[ReferralRow], except: Option<&str>) -> u32 {
    referrals
        .iter()
        .filter(|r| Some(r.id.as_str()) != except)
        .filter(|r| r.status.holds_allocation())
        .map(|r| r.rar_days.unwrap_or(0).max(0) as u32)
        .sum()
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralRar {
    pub referral_id: uuid::Uuid,
    pub provider_org: String,
    pub status: ReferralStatus,
    /// Days commissioned from this provider.
    pub rar_days: u32,
    /// Distinct London dates with an attended delivery session (never more than `rarDays`).
    pub delivered_days: u32,
}

/// `GET /orders/{id}/rar`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RarSummary {
    pub order_id: uuid::Uuid,
    /// The order's RAR maximum.
    pub max_days: u32,
    /// Days commissioned by referrals that are sent, accepted, in progress or completed.
    pub allocated_days: u32,
    /// Distinct London dates with an attended delivery session across all referrals.
    pub delivered_days: u32,
    /// Days of the maximum not yet delivered (`maxDays - deliveredDays`).
    pub remaining_days: u32,
    /// Days not yet allocated to any referral (`maxDays - allocatedDays`).
    pub unallocated_days: u32,
    pub referrals: Vec<ReferralRar>,
}

/// Builds the summary; `delivered` gives the delivered days of one referral.
pub fn summary(
    order: &OrderRow,
    referrals: &[ReferralRow],
    delivered: impl Fn(&ReferralRow) -> u32,
    order_delivered: u32,
) -> Result<RarSummary, ApiError> {
    let max_days = order.rar_max_days.max(0) as u32;
    let allocated = allocated_days(referrals, None);
    let per_referral = referrals
        .iter()
        .filter(|r| r.status != ReferralStatus::Draft)
        .map(|r| {
            let rar_days = r.rar_days.unwrap_or(0).max(0) as u32;
            Ok(ReferralRar {
                referral_id: r.uuid()?,
                provider_org: r.provider_org.clone(),
                status: r.status,
                rar_days,
                delivered_days: delivered(r).min(rar_days),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let delivered_days = order_delivered.min(max_days);
    Ok(RarSummary {
        order_id: stored_id(&order.id)?,
        max_days,
        allocated_days: allocated,
        delivered_days,
        remaining_days: max_days.saturating_sub(delivered_days),
        unallocated_days: max_days.saturating_sub(allocated),
        referrals: per_referral,
    })
}
