//! Provider reports: progress against desired outcomes, and the end-of-service report.

use super::schema::{end_of_service_reports, progress_reports};
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = progress_reports)]
pub struct ProgressRow {
    pub id: String,
    pub referral_id: String,
    pub submitted_at: NaiveDateTime,
    pub submitted_by: String,
    pub body: String,
}

pub fn insert_progress(conn: &mut DbConnection, row: &ProgressRow) -> QueryResult<()> {
    diesel::insert_into(progress_reports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` of a referral's progress reports, oldest first, after the cursor
/// `(submitted_at, id)`.
pub fn progress_page(
    conn: &mut DbConnection,
    referral_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<ProgressRow>> {
    let mut q = progress_reports::table
        .filter(progress_reports::referral_id.eq(referral_id))
        .order((
            progress_reports::submitted_at.asc(),
            progress_reports::id.asc(),
        ))
        .select(ProgressRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            progress_reports::submitted_at
                .gt(at)
                .or(progress_reports::submitted_at
                    .eq(at)
                    .and(progress_reports::id.gt(id))),
        );
    }
    q.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = end_of_service_reports)]
pub struct EndOfServiceRow {
    pub referral_id: String,
    pub submitted_at: NaiveDateTime,
    pub submitted_by: String,
    pub body: String,
}

pub fn insert_end_of_service(conn: &mut DbConnection, row: &EndOfServiceRow) -> QueryResult<()> {
    diesel::insert_into(end_of_service_reports::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn end_of_service(
    conn: &mut DbConnection,
    referral_id: &str,
) -> QueryResult<Option<EndOfServiceRow>> {
    end_of_service_reports::table
        .find(referral_id)
        .select(EndOfServiceRow::as_select())
        .first(conn)
        .optional()
}
