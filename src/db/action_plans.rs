//! Action plan rows: every version of a referral's plan, and the current approved one.

use super::schema::action_plans;
use super::DbConnection;
use crate::domain::action_plan::PlanStatus;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = action_plans)]
#[diesel(treat_none_as_null = true)]
pub struct ActionPlanRow {
    pub id: String,
    pub referral_id: String,
    pub crn: String,
    pub version: i32,
    pub status: PlanStatus,
    /// The activities, as JSON (a list of `Activity`).
    pub activities: String,
    pub number_of_sessions: i32,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub change_request_note: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &ActionPlanRow) -> QueryResult<()> {
    diesel::insert_into(action_plans::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &ActionPlanRow) -> QueryResult<()> {
    diesel::update(action_plans::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// A plan on this referral, by id.
pub fn find_on_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    id: &str,
) -> QueryResult<Option<ActionPlanRow>> {
    action_plans::table
        .find(id)
        .filter(action_plans::referral_id.eq(referral_id))
        .select(ActionPlanRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every version of a referral's plan, newest first.
pub fn for_referral(conn: &mut DbConnection, referral_id: &str) -> QueryResult<Vec<ActionPlanRow>> {
    action_plans::table
        .filter(action_plans::referral_id.eq(referral_id))
        .order(action_plans::version.desc())
        .select(ActionPlanRow::as_select())
        .load(conn)
}

/// The referral's plans in `status`.
pub fn with_status(
    conn: &mut DbConnection,
    referral_id: &str,
    status: PlanStatus,
) -> QueryResult<Vec<ActionPlanRow>> {
    action_plans::table
        .filter(action_plans::referral_id.eq(referral_id))
        .filter(action_plans::status.eq(status))
        .select(ActionPlanRow::as_select())
        .load(conn)
}

/// Every plan approval of a person's referrals (approved or since superseded), for the chronology.
pub fn decided_for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<ActionPlanRow>> {
    action_plans::table
        .filter(action_plans::crn.eq(crn))
        .filter(action_plans::decided_at.is_not_null())
        .order((action_plans::decided_at.asc(), action_plans::id.asc()))
        .select(ActionPlanRow::as_select())
        .load(conn)
}
