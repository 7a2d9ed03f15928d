//! Orders, scoped to the managing probation organisation, with a row lock for allocating RAR days.

use super::schema::orders;
use super::{DbConnection, Scope};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub crn: String,
    pub managing_org: String,
    pub order_type: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub rar_max_days: i32,
    pub responsible_officer: String,
    pub responsible_officer_name: Option<String>,
    pub offences: String,
    pub status: String,
    pub terminated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub const ACTIVE: &str = "ACTIVE";
pub const TERMINATED: &str = "TERMINATED";

pub fn insert(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<()> {
    diesel::insert_into(orders::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Any order by id, unscoped: for code that has already established the caller may see it.
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<OrderRow> {
    orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
}

/// The order if the scope's probation organisation manages it.
pub fn find_visible(
    conn: &mut DbConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<OrderRow>> {
    if !scope.is_probation() {
        return Ok(None);
    }
    orders::table
        .find(id)
        .filter(orders::managing_org.eq(scope.org))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the order row until the transaction ends (PostgreSQL), so concurrent allocations of its
/// RAR days are serialised. On SQLite the write transaction already holds the database lock.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        orders::table
            .find(id)
            .select(orders::id)
            .for_update()
            .first::<String>(pg)?;
    }
    Ok(())
}

pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::crn.eq(crn))
        .order((orders::start_date.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)
}

/// Active orders ending on or before `date`.
pub fn ending_by(conn: &mut DbConnection, date: NaiveDate) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::status.eq(ACTIVE))
        .filter(orders::end_date.le(date))
        .select(OrderRow::as_select())
        .load(conn)
}

pub fn terminate(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(orders::table.find(id))
        .set((orders::status.eq(TERMINATED), orders::terminated_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}
