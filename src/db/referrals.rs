//! Referrals and the versions of the shared context sent with them, scoped so that a provider
//! sees only referrals sent to it and never a draft.

use super::schema::{referral_contexts, referrals};
use super::{DbConnection, Scope};
use crate::domain::referral::ReferralStatus;
use crate::error::ApiError;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = referrals, treat_none_as_null = true)]
pub struct ReferralRow {
    pub id: String,
    pub order_id: String,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    pub status: ReferralStatus,
    pub rar_days: Option<i32>,
    pub content: String,
    pub assigned_worker: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub sent_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub decline_reason: Option<String>,
    pub withdrawal_code: Option<String>,
    pub withdrawal_note: Option<String>,
    pub end_reason: Option<String>,
    pub end_note: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub ended_by: Option<String>,
    pub context_version: i32,
    pub acknowledged_version: i32,
    /// The provider's own id for the referral, unique per provider.
    pub provider_reference: Option<String>,
}

impl ReferralRow {
    /// The referral's id as a UUID.
    pub fn uuid(&self) -> Result<uuid::Uuid, ApiError> {
        super::stored_id(&self.id)
    }

    /// The order's id as a UUID.
    pub fn order_uuid(&self) -> Result<uuid::Uuid, ApiError> {
        super::stored_id(&self.order_id)
    }
}

pub fn insert(conn: &mut DbConnection, row: &ReferralRow) -> QueryResult<()> {
    diesel::insert_into(referrals::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &ReferralRow) -> QueryResult<()> {
    diesel::update(referrals::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// The referral with this id, whoever may see it (work that is no caller's, such as notifying).
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<ReferralRow> {
    referrals::table
        .find(id)
        .select(ReferralRow::as_select())
        .get_result(conn)
}

/// The referral if the caller may see it: its probation organisation always, its provider once
/// sent (a draft withdrawn before sending never reaches it). Anything else is `404`, so
/// existence is never revealed.
pub fn find_visible(
    conn: &mut DbConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<ReferralRow>> {
    // One static (cached, prepared once per connection) query per side, not a boxed one; and
    // `get_result`, not `first`: SQLite re-prepares a statement whose `LIMIT ?` is rebound, so
    // a `first` on a primary key is parsed again on every call (see docs/benchmarks-profile.md).
    let q = referrals::table.find(id).select(ReferralRow::as_select());
    if scope.is_probation() {
        q.filter(referrals::probation_org.eq(scope.org))
            .get_result(conn)
            .optional()
    } else if scope.is_provider() {
        q.filter(referrals::provider_org.eq(scope.org))
            .filter(referrals::sent_at.is_not_null())
            .get_result(conn)
            .optional()
    } else {
        Ok(None)
    }
}

/// PostgreSQL, in a write: the referral as [`find_visible`] finds it, read in the statement that
/// takes its case lock (the person's row, then the referral's; see
/// [`super::appointments::find_visible_locking_case`]).
pub fn find_visible_locking_case(
    pg: &mut diesel::pg::PgConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<ReferralRow>> {
    use super::schema::people;
    let q = people::table
        .inner_join(referrals::table.on(referrals::crn.eq(people::crn)))
        .filter(referrals::id.eq(id))
        .select(ReferralRow::as_select());
    if scope.is_probation() {
        q.filter(referrals::probation_org.eq(scope.org))
            .for_update()
            .first(pg)
            .optional()
    } else if scope.is_provider() {
        q.filter(referrals::provider_org.eq(scope.org))
            .filter(referrals::sent_at.is_not_null())
            .for_update()
            .first(pg)
            .optional()
    } else {
        Ok(None)
    }
}

/// Referrals the caller may see, newest first, optionally in one status.
pub fn list_visible(
    conn: &mut DbConnection,
    scope: Scope,
    status: Option<ReferralStatus>,
    provider_reference: Option<&str>,
    assigned_worker: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ReferralRow>> {
    let org = scope.org.to_string();
    let mut q = referrals::table
        .select(ReferralRow::as_select())
        .order(referrals::id.desc())
        .limit(limit)
        .into_boxed();
    if scope.is_probation() {
        q = q.filter(referrals::probation_org.eq(org));
    } else if scope.is_provider() {
        q = q
            .filter(referrals::provider_org.eq(org))
            .filter(referrals::sent_at.is_not_null());
    } else {
        return Ok(Vec::new());
    }
    if let Some(s) = status {
        q = q.filter(referrals::status.eq(s));
    }
    if let Some(r) = provider_reference {
        q = q.filter(referrals::provider_reference.eq(r.to_string()));
    }
    if let Some(worker) = assigned_worker {
        q = q.filter(referrals::assigned_worker.eq(worker.to_string()));
    }
    if let Some(b) = before {
        q = q.filter(referrals::id.lt(b.to_string()));
    }
    q.load(conn)
}

/// Every live referral (sent and not finished), oldest first: what the silence checks read.
pub fn live(conn: &mut DbConnection) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::status.eq_any([
            ReferralStatus::Sent,
            ReferralStatus::Accepted,
            ReferralStatus::InProgress,
        ]))
        .order(referrals::id.asc())
        .select(ReferralRow::as_select())
        .load(conn)
}

/// The provider's referral with this reference, if any.
pub fn by_provider_reference(
    conn: &mut DbConnection,
    provider_org: &str,
    reference: &str,
) -> QueryResult<Option<ReferralRow>> {
    referrals::table
        .filter(referrals::provider_org.eq(provider_org))
        .filter(referrals::provider_reference.eq(reference))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

pub fn for_order(conn: &mut DbConnection, order_id: &str) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::order_id.eq(order_id))
        .order(referrals::id.asc())
        .select(ReferralRow::as_select())
        .load(conn)
}

pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<ReferralRow>> {
    referrals::table
        .filter(referrals::crn.eq(crn))
        .order(referrals::id.asc())
        .select(ReferralRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = referral_contexts)]
pub struct ContextRow {
    pub referral_id: String,
    pub version: i32,
    pub reason: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<String>,
}

pub fn insert_context(conn: &mut DbConnection, row: &ContextRow) -> QueryResult<()> {
    diesel::insert_into(referral_contexts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Every version, oldest first.
pub fn contexts(conn: &mut DbConnection, referral_id: &str) -> QueryResult<Vec<ContextRow>> {
    referral_contexts::table
        .filter(referral_contexts::referral_id.eq(referral_id))
        .order(referral_contexts::version.asc())
        .select(ContextRow::as_select())
        .load(conn)
}

pub fn context(
    conn: &mut DbConnection,
    referral_id: &str,
    version: i32,
) -> QueryResult<Option<ContextRow>> {
    referral_contexts::table
        .find((referral_id, version))
        .select(ContextRow::as_select())
        .get_result(conn)
        .optional()
}

/// Marks every version up to `version` as acknowledged by `by`.
pub fn acknowledge_contexts(
    conn: &mut DbConnection,
    referral_id: &str,
    version: i32,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<()> {
    diesel::update(
        referral_contexts::table
            .filter(referral_contexts::referral_id.eq(referral_id))
            .filter(referral_contexts::version.le(version))
            .filter(referral_contexts::acknowledged_at.is_null()),
    )
    .set((
        referral_contexts::acknowledged_at.eq(at),
        referral_contexts::acknowledged_by.eq(by),
    ))
    .execute(conn)
    .map(|_| ())
}
