//! Termination review rows: the officer's confirmations of checklist items, and the review's
//! completion, sign-off and termination.

use super::schema::{termination_confirmations as tc, termination_reviews as tr};
use super::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = tc)]
pub struct ConfirmationRow {
    pub order_id: String,
    pub item_id: String,
    pub confirmed_at: NaiveDateTime,
    pub confirmed_by: String,
    pub note: String,
}

/// Records a confirmation, replacing an earlier one of the same item (e.g. a household re-review).
pub fn confirm(conn: &mut DbConnection, row: &ConfirmationRow) -> QueryResult<()> {
    diesel::delete(tc::table.find((&row.order_id, &row.item_id))).execute(conn)?;
    diesel::insert_into(tc::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn confirmations(conn: &mut DbConnection, order_id: &str) -> QueryResult<Vec<ConfirmationRow>> {
    tc::table
        .filter(tc::order_id.eq(order_id))
        .select(ConfirmationRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = tr, treat_none_as_null = true)]
pub struct ReviewRow {
    pub order_id: String,
    pub completed_at: NaiveDateTime,
    pub completed_by: String,
    pub risk_of_reoffending_change: String,
    pub risk_of_serious_harm_change: String,
    pub evidence: String,
    pub agencies_notified: String,
    pub sign_off_required: bool,
    pub sign_off_reasons: String,
    pub signed_off_at: Option<NaiveDateTime>,
    pub signed_off_by: Option<String>,
    pub terminated_at: Option<NaiveDateTime>,
    pub termination_reason: Option<String>,
    pub termination_date: Option<NaiveDate>,
}

pub fn get(conn: &mut DbConnection, order_id: &str) -> QueryResult<Option<ReviewRow>> {
    tr::table
        .find(order_id)
        .select(ReviewRow::as_select())
        .get_result(conn)
        .optional()
}

/// Inserts or replaces the review's completion.
pub fn save(conn: &mut DbConnection, row: &ReviewRow) -> QueryResult<()> {
    let updated = diesel::update(tr::table.find(&row.order_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(tr::table).values(row).execute(conn)?;
    }
    Ok(())
}
