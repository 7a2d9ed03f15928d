//! Webhook subscriptions and deliveries. Fan-out and delivery lock rows with `SKIP LOCKED` on
//! PostgreSQL, so several instances never deliver the same event twice to one subscription.

use super::events::EventRow;
use super::schema::{domain_events, webhook_deliveries as wd, webhook_subscriptions as ws};
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ws)]
pub struct SubscriptionRow {
    pub id: String,
    pub url: String,
    pub event_types: String,
    pub org: String,
    pub secret: String,
    pub cursor: i64,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = wd, treat_none_as_null = true)]
pub struct DeliveryRow {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

pub const PENDING: &str = "PENDING";
pub const IN_FLIGHT: &str = "IN_FLIGHT";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

pub fn insert_subscription(conn: &mut DbConnection, row: &SubscriptionRow) -> QueryResult<()> {
    diesel::insert_into(ws::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn subscriptions(conn: &mut DbConnection) -> QueryResult<Vec<SubscriptionRow>> {
    ws::table
        .order(ws::id.asc())
        .select(SubscriptionRow::as_select())
        .load(conn)
}

pub fn subscription(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SubscriptionRow>> {
    ws::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()
}

/// Locks one subscription for fan-out; `None` when another instance holds it (PostgreSQL).
pub fn lock_subscription(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<SubscriptionRow>> {
    let q = || ws::table.find(id.to_string()).filter(ws::active.eq(true));
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(SubscriptionRow::as_select())
            .for_update()
            .skip_locked()
            .first(pg)
            .optional(),
        DbConnection::Sqlite(_) => q()
            .select(SubscriptionRow::as_select())
            .first(conn)
            .optional(),
    }
}

pub fn set_cursor(conn: &mut DbConnection, id: &str, cursor: i64) -> QueryResult<()> {
    diesel::update(ws::table.find(id))
        .set(ws::cursor.eq(cursor))
        .execute(conn)
        .map(|_| ())
}

/// Sealed events after `after` visible to `org`, in commit order.
pub fn events_after(
    conn: &mut DbConnection,
    org: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    domain_events::table
        .filter(domain_events::seq.gt(after))
        .filter(
            domain_events::org_code
                .eq(org)
                .or(domain_events::provider_org_code.eq(org)),
        )
        .order(domain_events::seq.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
}

pub fn event(conn: &mut DbConnection, id: &str) -> QueryResult<EventRow> {
    domain_events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
}

pub fn insert_delivery(conn: &mut DbConnection, row: &DeliveryRow) -> QueryResult<()> {
    diesel::insert_into(wd::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save_delivery(conn: &mut DbConnection, row: &DeliveryRow) -> QueryResult<()> {
    diesel::update(wd::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Locks deliveries that are due: pending ones whose time has come, and in-flight ones whose
/// lease expired (the instance sending them died).
pub fn lock_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let q = || {
        wd::table
            .filter(wd::status.eq_any([PENDING, IN_FLIGHT]))
            .filter(wd::next_attempt_at.le(now))
            .order(wd::next_attempt_at.asc())
            .limit(limit)
    };
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(DeliveryRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        DbConnection::Sqlite(_) => q().select(DeliveryRow::as_select()).load(conn),
    }
}

pub fn deliveries(
    conn: &mut DbConnection,
    subscription_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut q = wd::table
        .filter(wd::subscription_id.eq(subscription_id))
        .order(wd::id.asc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(wd::id.gt(a.to_string()));
    }
    q.load(conn)
}
