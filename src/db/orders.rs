//! Orders, scoped to the managing probation organisation, with a row lock for allocating RAR days.

use super::people::PersonRow;
use super::schema::{orders, people};
use super::{DbConnection, Scope};
use crate::domain::order::{OrderStatus, OrderType};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = orders, treat_none_as_null = true)]
pub struct OrderRow {
    pub id: String,
    pub crn: String,
    pub managing_org: String,
    pub order_type: OrderType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub rar_max_days: i32,
    pub responsible_officer: String,
    pub responsible_officer_name: Option<String>,
    pub offences: String,
    pub status: OrderStatus,
    pub terminated_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<()> {
    diesel::insert_into(orders::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &OrderRow) -> QueryResult<()> {
    diesel::update(orders::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Any order by id, unscoped: for code that has already established the caller may see it.
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<OrderRow> {
    orders::table
        .find(id)
        .select(OrderRow::as_select())
        .get_result(conn)
}

/// Any order by id with its person, unscoped, in one query: the provider's context of a
/// referral it may already see (the shared view). `get_result` (one row by key), not `first`:
/// a rebound `LIMIT ?` makes SQLite re-prepare the statement on every call.
pub fn with_person(conn: &mut DbConnection, id: &str) -> QueryResult<(OrderRow, PersonRow)> {
    orders::table
        .inner_join(people::table.on(people::crn.eq(orders::crn)))
        .filter(orders::id.eq(id))
        .select((OrderRow::as_select(), PersonRow::as_select()))
        .get_result(conn)
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
        .get_result(conn)
        .optional()
}

/// The order (as [`find_visible`] finds it) with every referral under it, by id, in one
/// statement: the order joined to its referrals.
pub fn find_visible_with_referrals(
    conn: &mut DbConnection,
    scope: Scope,
    id: &str,
) -> QueryResult<Option<(OrderRow, Vec<super::referrals::ReferralRow>)>> {
    use super::referrals::ReferralRow;
    use super::schema::referrals;
    if !scope.is_probation() {
        return Ok(None);
    }
    let rows: Vec<(OrderRow, Option<ReferralRow>)> = orders::table
        .left_join(referrals::table)
        .filter(orders::id.eq(id))
        .filter(orders::managing_org.eq(scope.org))
        .order(referrals::id.asc())
        .select((OrderRow::as_select(), Option::<ReferralRow>::as_select()))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((order, first)) = rows.next() else {
        return Ok(None);
    };
    let referrals = first
        .into_iter()
        .chain(rows.filter_map(|(_, r)| r))
        .collect();
    Ok(Some((order, referrals)))
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

/// Every order of the person, by start date.
pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::crn.eq(crn))
        .order((orders::start_date.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)
}

/// Up to `limit` orders of the person by start date (then id), after the position `after`.
pub fn page_for_person(
    conn: &mut DbConnection,
    crn: &str,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> QueryResult<Vec<OrderRow>> {
    let mut q = orders::table
        .filter(orders::crn.eq(crn))
        .order((orders::start_date.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((start, id)) = after {
        q = q.filter(
            orders::start_date
                .gt(start)
                .or(orders::start_date.eq(start).and(orders::id.gt(id))),
        );
    }
    q.load(conn)
}

/// Active orders ending on or before `date`.
pub fn ending_by(conn: &mut DbConnection, date: NaiveDate) -> QueryResult<Vec<OrderRow>> {
    orders::table
        .filter(orders::status.eq(OrderStatus::Active))
        .filter(orders::end_date.le(date))
        .select(OrderRow::as_select())
        .load(conn)
}
