//! Webhook subscriptions and deliveries. Fan-out and delivery lock rows with `SKIP LOCKED` on
//! PostgreSQL, so several instances never deliver the same event twice to one subscription.

use super::events::EventRow;
use super::schema::{domain_events, webhook_deliveries as wd, webhook_subscriptions as ws};
use super::DbConnection;
use crate::domain::webhook::DeliveryStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ws, treat_none_as_null = true)]
pub struct SubscriptionRow {
    pub id: String,
    pub url: String,
    /// JSON list of the event type names to send; empty for all.
    pub event_types: String,
    pub org: String,
    pub secret: String,
    pub cursor: i64,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// The secret before the last rotation, still signing until it expires.
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    /// When the first of an unbroken run of failed attempts was made.
    pub failing_since: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = wd, treat_none_as_null = true)]
pub struct DeliveryRow {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    /// How long the last attempt took.
    pub last_duration_ms: Option<i32>,
}

pub fn insert_subscription(conn: &mut DbConnection, row: &SubscriptionRow) -> QueryResult<()> {
    diesel::insert_into(ws::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Subscriptions (of `org` when given) by id after the id `after`: `limit` rows at most.
pub fn subscriptions(
    conn: &mut DbConnection,
    org: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<SubscriptionRow>> {
    let mut q = ws::table
        .order(ws::id.asc())
        .limit(limit)
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(org) = org {
        q = q.filter(ws::org.eq(org.to_string()));
    }
    if let Some(a) = after {
        q = q.filter(ws::id.gt(a.to_string()));
    }
    q.load(conn)
}

pub fn save_subscription(conn: &mut DbConnection, row: &SubscriptionRow) -> QueryResult<()> {
    diesel::update(ws::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Deletes a subscription with its delivery log.
pub fn delete_subscription(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::delete(wd::table.filter(wd::subscription_id.eq(id))).execute(conn)?;
    diesel::delete(ws::table.find(id)).execute(conn).map(|_| ())
}

pub fn delivery(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DeliveryRow>> {
    wd::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// The ids of the active subscriptions.
pub fn active_subscription_ids(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    ws::table
        .filter(ws::active.eq(true))
        .order(ws::id.asc())
        .select(ws::id)
        .load(conn)
}

/// The subscriptions with these ids, in one query.
pub fn subscriptions_in(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<Vec<SubscriptionRow>> {
    ws::table
        .filter(ws::id.eq_any(ids))
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

/// The events with these ids, in one query.
pub fn events_in(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<EventRow>> {
    domain_events::table
        .filter(domain_events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load(conn)
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

/// Locks deliveries of active subscriptions that are due: pending ones whose time has come, and
/// in-flight ones whose lease expired (the instance sending them died). A turned-off
/// subscription's deliveries wait, without holding up anyone else's.
pub fn lock_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let q = || {
        wd::table
            .filter(wd::status.eq_any(DeliveryStatus::DUE))
            .filter(wd::next_attempt_at.le(now))
            .filter(
                wd::subscription_id.eq_any(ws::table.filter(ws::active.eq(true)).select(ws::id)),
            )
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

/// A subscription's deliveries by id (oldest first) after the id `after`: `limit` at most.
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
