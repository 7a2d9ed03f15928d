//! Referral amendment rows: what an officer changed on a sent referral, oldest first.

use super::schema::referral_amendments;
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = referral_amendments)]
pub struct AmendmentRow {
    pub id: String,
    pub referral_id: String,
    pub crn: String,
    pub reason: String,
    /// The fields changed, each with its value before and after (JSON list of `FieldChange`).
    pub changes: String,
    pub amended_at: NaiveDateTime,
    pub amended_by: String,
    pub amended_by_name: String,
}

pub fn insert(conn: &mut DbConnection, row: &AmendmentRow) -> QueryResult<()> {
    diesel::insert_into(referral_amendments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One page of a referral's amendments, oldest first (`amended_at`, then id), after the cursor
/// `(amended_at, id)`, at most `limit` rows.
pub fn page_for_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AmendmentRow>> {
    let mut q = referral_amendments::table
        .filter(referral_amendments::referral_id.eq(referral_id.to_string()))
        .order((
            referral_amendments::amended_at.asc(),
            referral_amendments::id.asc(),
        ))
        .select(AmendmentRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(referral_amendments::amended_at.ge(at)).filter(
            referral_amendments::amended_at
                .gt(at)
                .or(referral_amendments::id.gt(id)),
        );
    }
    q.load(conn)
}

/// Every amendment of a person's referrals, oldest first (for the chronology).
pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<AmendmentRow>> {
    referral_amendments::table
        .filter(referral_amendments::crn.eq(crn))
        .order((
            referral_amendments::amended_at.asc(),
            referral_amendments::id.asc(),
        ))
        .select(AmendmentRow::as_select())
        .load(conn)
}
