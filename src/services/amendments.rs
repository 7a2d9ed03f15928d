//! Amending a sent referral: the officer changes its deadline, RAR days, desired outcomes, needs
//! or history with a reason; the new values are checked as when sending, the referral holds them,
//! the before and after are kept, and the provider is told.

use super::change::{change, Expect};
use super::referrals::{self, content, ReferralRecord};
use super::{access, delivery, rar, risk};
use crate::db::amendments::{self as rows, AmendmentRow};
use crate::db::referrals::{self as referral_rows, ReferralRow};
use crate::db::{orders, to_json};
use crate::domain::amendment::NewAmendment;
use crate::domain::events::{DomainEvent, ReferralAmended};
use crate::domain::ids::ReferralId;
use crate::domain::order::OrderStatus;
use crate::domain::referral::SendContext;
use crate::domain::OrgKind;
use crate::error::{ApiError, FieldError};
use crate::rules::working_days::london_date;
use crate::work::Work;
use chrono::NaiveDateTime;

/// The fields an amendment may change, as the sending check names them.
const AMENDABLE: &[&str] = &[
    "completionDeadline",
    "rarDays",
    "desiredOutcomes",
    "additionalNeeds",
    "relevantHistory",
];

/// Amends a live referral (sent, accepted or in progress) under the client's precondition.
/// The amended values must pass the checks made when sending (RAR days within what the order has
/// not allocated to other referrals, a deadline within the order); RAR days may not fall below
/// the days already delivered. Only the checks on the fields that change are applied.
pub fn amend(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    body: NewAmendment,
) -> Result<(ReferralRecord, AmendmentRow), ApiError> {
    let (row, amendment) = change(w, id, OrgKind::Probation, expect, |w, row| {
        if !row.status.is_live() {
            return Err(ApiError::invalid_state(
                "only a sent referral that has not ended can be amended",
                row.status.as_str(),
            ));
        }
        let before = content(row)?;
        let (after, changed) = body.apply(&before)?;
        orders::lock(w.conn, &row.order_id)?;
        let order = orders::get(w.conn, &row.order_id)?;
        let siblings = referral_rows::for_order(w.conn, &row.order_id)?;
        let allocated = rar::allocated_days(&siblings, Some(&row.id));
        let ctx = SendContext {
            today: london_date(w.now),
            order_start: order.start_date,
            order_end: order.end_date,
            order_active: order.status == OrderStatus::Active,
            unallocated_days: (order.rar_max_days.max(0) as u32).saturating_sub(allocated),
            has_risk_assessment: risk::current(w.conn, &row.crn)?.is_some(),
        };
        let fields: Vec<&str> = changed.iter().map(|c| c.field.as_str()).collect();
        let mut problems: Vec<FieldError> = after
            .validate_for_sending(&ctx)
            .into_vec()
            .into_iter()
            .filter(|f| {
                f.field == "order"
                    || fields
                        .iter()
                        .any(|c| AMENDABLE.contains(c) && f.field.starts_with(c))
            })
            .map(|mut f| {
                if f.field != "order" {
                    f.field = format!("changes.{}", f.field);
                }
                f
            })
            .collect();
        let delivered = delivery::delivered_days(w.conn, row)?;
        if after.rar_days.is_some_and(|days| days < delivered) {
            problems.push(FieldError::new(
                "changes.rarDays",
                "below_delivered",
                format!("{delivered} RAR days are already delivered on this referral"),
            ));
        }
        if !problems.is_empty() {
            return Err(ApiError::Validation(problems));
        }
        let now = w.now.naive_utc();
        let amendment = AmendmentRow {
            id: uuid::Uuid::now_v7().to_string(),
            referral_id: row.id.clone(),
            crn: row.crn.clone(),
            reason: body.reason.trim().to_string(),
            changes: to_json(&changed)?,
            amended_at: now,
            amended_by: w.me.caller.sub.clone(),
            amended_by_name: w.me.caller.display_name().to_string(),
        };
        rows::insert(w.conn, &amendment)?;
        row.content = to_json(&after)?;
        row.rar_days = after.rar_days.map(|d| d as i32);
        row.updated_at = now;
        let event = referrals::event(
            row,
            DomainEvent::ReferralAmended,
            format!("Referral amended: {}", fields.join(", ")),
            ReferralAmended {
                amendment_id: amendment.id.clone(),
                fields: fields.iter().map(|f| f.to_string()).collect(),
            },
        );
        Ok((event, amendment))
    })?;
    Ok((referrals::record(w, row)?, amendment))
}

/// A page of a referral's amendments, oldest first, after the cursor `(amended_at, id)`: up to
/// `limit + 1` rows, the extra one only saying that more exist.
pub fn page(
    w: &mut Work,
    referral_id: ReferralId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<AmendmentRow>, ApiError> {
    let referral = access::referral(w, referral_id)?;
    Ok(rows::page_for_referral(
        w.conn,
        &referral.id,
        after,
        limit + 1,
    )?)
}
