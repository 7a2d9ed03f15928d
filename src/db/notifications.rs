//! The e-mail outbox: notifications written with the event that causes them, claimed by senders
//! with `SKIP LOCKED` on PostgreSQL, so several instances never send one twice.

use super::schema::notifications as n;
use super::DbConnection;
use crate::domain::notification::{NotificationKind, NotificationStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = n, treat_none_as_null = true)]
pub struct NotificationRow {
    pub id: String,
    /// The recipient's organisation (whose managers and auditors read it).
    pub org: String,
    pub recipient_sub: Option<String>,
    pub to_address: Option<String>,
    pub kind: NotificationKind,
    pub event_id: String,
    pub subject: String,
    pub body: String,
    /// The API path the link points at (after `RARLINK_PUBLIC_URL`).
    pub link_path: String,
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    /// What kind of failure the last attempt was, or why it was skipped.
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NotificationRow) -> QueryResult<()> {
    diesel::insert_into(n::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &NotificationRow) -> QueryResult<()> {
    diesel::update(n::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Locks notifications that are due: pending ones whose time has come, and in-flight ones whose
/// lease expired (the instance sending them died).
pub fn lock_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let q = || {
        n::table
            .filter(n::status.eq_any(NotificationStatus::DUE))
            .filter(n::next_attempt_at.le(now))
            .order(n::next_attempt_at.asc())
            .limit(limit)
    };
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(NotificationRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        DbConnection::Sqlite(_) => q().select(NotificationRow::as_select()).load(conn),
    }
}

/// An organisation's notifications, newest first, before the id `before`: `limit` at most.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = n::table
        .filter(n::org.eq(org.to_string()))
        .order(n::id.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(n::id.lt(b.to_string()));
    }
    q.load(conn)
}
