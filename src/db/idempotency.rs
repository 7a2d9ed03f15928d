//! Idempotency-key rows: the first response to a POST, replayed to retries with the same key.

use super::schema::idempotency_keys;
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub owner: String,
    pub idem_key: String,
    pub request_hash: String,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub body: Option<String>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub created_at: NaiveDateTime,
}

/// The stored response.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: i32,
    pub content_type: Option<String>,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
}

pub fn find(
    conn: &mut DbConnection,
    owner: &str,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .find((owner, key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Claims a key for a request about to run; a unique violation means another request holds it.
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(owner),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn complete(
    conn: &mut DbConnection,
    owner: &str,
    key: &str,
    response: &StoredResponse,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((owner, key)))
        .set((
            idempotency_keys::status.eq(response.status),
            idempotency_keys::content_type.eq(&response.content_type),
            idempotency_keys::body.eq(&response.body),
            idempotency_keys::location.eq(&response.location),
            idempotency_keys::etag.eq(&response.etag),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn release(conn: &mut DbConnection, owner: &str, key: &str) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find((owner, key)))
        .execute(conn)
        .map(|_| ())
}

/// Forgets keys created before `cutoff`.
pub fn purge_before(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
        .execute(conn)
}
