//! Order use cases: recording an order, reading and listing orders, and its RAR day accounting.
//! An order is the case resource its termination review changes ([`CaseResource`]).

use super::access;
use super::change::CaseResource;
use super::delivery::days_delivered;
use super::rar::{self, RarSummary};
use super::referrals::offences;
use crate::db::orders::{self as rows, OrderRow};
use crate::db::referrals::ReferralRow;
use crate::db::to_json;
use crate::domain::events::{DomainEvent, OrderCreated};
use crate::domain::ids::OrderId;
use crate::domain::order::{NewOrder, Offence, OrderStatus};
use crate::domain::{Crn, OrgKind};
use crate::error::ApiError;
use crate::work::{Event, Work};
use chrono::NaiveDate;

/// An order as stored, with its parsed offences.
pub struct Order {
    pub row: OrderRow,
    pub offences: Vec<Offence>,
}

impl Order {
    fn parse(row: OrderRow) -> Result<Self, ApiError> {
        let offences = offences(&row)?;
        Ok(Self { row, offences })
    }
}

impl CaseResource for OrderRow {
    type Id = crate::domain::ids::OrderId;

    fn load(w: &mut Work, id: Self::Id) -> Result<Self, ApiError> {
        access::order(w, id)
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        Ok(rows::save(w.conn, self)?)
    }

    fn wrong_side(_: OrgKind) -> ApiError {
        ApiError::Forbidden("only the probation organisation managing the order changes it".into())
    }
}

/// Records an order (`order` was validated) for a person the caller manages.
pub fn create(w: &mut Work, crn: &Crn, order: NewOrder) -> Result<Order, ApiError> {
    let person = access::person(w, crn)?;
    let row = OrderRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: person.crn.clone(),
        managing_org: person.managing_org.clone(),
        order_type: order.order_type,
        start_date: order.start_date,
        end_date: order.end_date,
        rar_max_days: order.rar_max_days as i32,
        responsible_officer: order.responsible_officer.sub.trim().to_string(),
        responsible_officer_name: order.responsible_officer.name.clone(),
        offences: to_json(&order.offences)?,
        status: OrderStatus::Active,
        terminated_at: None,
        created_at: w.now.naive_utc(),
        created_by: w.me.sub().to_string(),
    };
    rows::insert(w.conn, &row)?;
    w.emit(Event {
        payload: DomainEvent::OrderCreated(OrderCreated {
            order_id: row.id.clone(),
            rar_max_days: row.rar_max_days,
            end_date: row.end_date,
            domestic_abuse_related: order.domestic_abuse_related(),
        }),
        description: format!("{} recorded for {}", order.order_type.as_str(), person.crn),
        detail_path: format!("/api/v1/orders/{}", row.id),
        crn: Some(person.crn.clone()),
        org: person.managing_org.clone(),
        provider_org: None,
    });
    Ok(Order {
        row,
        offences: order.offences,
    })
}

/// An order the caller's organisation manages.
pub fn get(w: &mut Work, id: OrderId) -> Result<Order, ApiError> {
    Order::parse(access::order(w, id)?)
}

/// Up to `limit` orders of a person the caller manages, by start date, after the position
/// `after` (`(start_date, id)` of the last one seen).
pub fn of_person(
    w: &mut Work,
    crn: &Crn,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<Order>, ApiError> {
    let person = access::person(w, crn)?;
    rows::page_for_person(w.conn, &person.crn, after, limit)?
        .into_iter()
        .map(Order::parse)
        .collect()
}

/// The order's RAR days: maximum, allocated, delivered and remaining, per referral.
/// Two statements: the order with its referrals, and the attended delivery sessions under it.
pub fn rar_summary(w: &mut Work, id: OrderId) -> Result<RarSummary, ApiError> {
    let (order, referrals) = access::order_with_referrals(w, id)?;
    let starts = crate::db::appointments::attended_delivery_starts_of_order(w.conn, &order.id)?;
    let all = starts.iter().map(|(_, t)| t);
    let order_delivered = days_delivered(all, order.rar_max_days.max(0) as u32);
    let of_referral = |r: &ReferralRow| {
        let own = starts.iter().filter(|(id, _)| *id == r.id).map(|(_, t)| t);
        days_delivered(own, r.rar_days.unwrap_or(0).max(0) as u32)
    };
    rar::summary(&order, &referrals, of_referral, order_delivered)
}
