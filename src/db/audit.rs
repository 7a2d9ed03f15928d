//! Audit rows: who read or changed what. Rows are appended unsealed and chained later by [`super::ledger`].

use super::schema::{audit_events, people};
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub seq: Option<i64>,
    pub at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_org: String,
    pub actor_roles: String,
    pub action: String,
    pub method: String,
    pub resource: String,
    pub crn: Option<String>,
    pub request_id: String,
    pub status: i32,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_org: String,
    pub actor_roles: String,
    pub action: String,
    pub method: String,
    pub resource: String,
    pub crn: Option<String>,
    pub request_id: String,
    pub status: i32,
}

pub fn insert(conn: &mut DbConnection, row: &NewAuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Inserts many entries (the read audit writer's batches): one statement on PostgreSQL, where
/// each statement is a round trip; one cached statement per row on SQLite, which runs in
/// process (diesel's `MultiConnection` has no multi-row insert).
pub fn insert_batch(conn: &mut DbConnection, rows: &[NewAuditRow]) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(pg) => diesel::insert_into(audit_events::table)
            .values(rows)
            .execute(pg)
            .map(|_| ()),
        DbConnection::Sqlite(_) => rows.iter().try_for_each(|row| insert(conn, row)),
    }
}

/// Filters for the auditor's view of the log.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only entries by staff of this organisation or about people it manages (auditors outside
    /// the operator: a probation organisation is the controller of its people's data, so its
    /// auditor sees a provider's staff reading them too).
    pub actor_org: Option<String>,
    pub crn: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Sealed entries after sequence number `after`, in chain order.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .select(AuditRow::as_select())
        .filter(audit_events::seq.gt(after))
        .order(audit_events::seq.asc())
        .limit(limit)
        .into_boxed();
    if let Some(org) = &filter.actor_org {
        let managed = people::table
            .filter(people::managing_org.eq(org.clone()))
            .select(people::crn);
        query = query.filter(
            audit_events::actor_org
                .eq(org.clone())
                .or(audit_events::crn.eq_any(managed.nullable())),
        );
    }
    if let Some(crn) = &filter.crn {
        query = query.filter(audit_events::crn.eq(crn.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_events::actor_sub.eq(actor.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::at.lt(to));
    }
    query.load(conn)
}
