//! People on probation, their risk assessments and household records, scoped to the managing organisation.

use super::schema::{household_declarations, household_members, people, risk_assessments};
use super::{DbConnection, Scope};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub crn: String,
    pub managing_org: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    pub pnc_number: Option<String>,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
    /// First and last name folded for search ([`crate::domain::person::name_key`]); `None` only
    /// on a row written before search existed, until the startup backfill.
    pub search_name: Option<String>,
}

/// Any person with this CRN, whoever manages them (to refuse creating a duplicate).
pub fn find_any(conn: &mut DbConnection, crn: &str) -> QueryResult<Option<PersonRow>> {
    people::table
        .find(crn)
        .select(PersonRow::as_select())
        .get_result(conn)
        .optional()
}

/// The person if the scope's probation organisation manages them.
pub fn find_visible(
    conn: &mut DbConnection,
    scope: Scope,
    crn: &str,
) -> QueryResult<Option<PersonRow>> {
    if !scope.is_probation() {
        return Ok(None);
    }
    people::table
        .find(crn)
        .filter(people::managing_org.eq(scope.org))
        .select(PersonRow::as_select())
        .get_result(conn)
        .optional()
}

/// Locks the person's row until the transaction ends (PostgreSQL; SQLite's write transaction
/// already excludes other writers). A person not yet created has nothing to lock.
pub fn lock(conn: &mut DbConnection, crn: &str) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        people::table
            .find(crn)
            .select(people::crn)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, row: &PersonRow) -> QueryResult<()> {
    diesel::insert_into(people::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConnection, row: &PersonRow) -> QueryResult<()> {
    diesel::update(people::table.find(&row.crn))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// What a search of people matches: any of a CRN, a prefix of a word of the folded name, a date
/// of birth.
#[derive(Debug, Clone, Default)]
pub struct PeopleSearch {
    pub crn: Option<String>,
    /// Folded ([`crate::domain::person::search_key`]): letters, digits and single spaces only,
    /// so it holds no `LIKE` wildcard.
    pub name_prefix: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// People managed by `org`, by CRN after `after`; only those `search` matches, if given.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    search: Option<&PeopleSearch>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PersonRow>> {
    let mut q = people::table
        .filter(people::managing_org.eq(org))
        .select(PersonRow::as_select())
        .order(people::crn.asc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = search {
        // A condition that never holds, so each kind of match is OR-ed onto it.
        let mut any: Box<
            dyn BoxableExpression<people::table, _, SqlType = diesel::sql_types::Bool>,
        > = Box::new(people::crn.ne(people::crn));
        if let Some(crn) = &s.crn {
            any = Box::new(any.or(people::crn.eq(crn.clone())));
        }
        if let Some(prefix) = &s.name_prefix {
            any = Box::new(
                any.or(people::search_name
                    .assume_not_null()
                    .like(format!("{prefix}%")))
                    .or(people::search_name
                        .assume_not_null()
                        .like(format!("% {prefix}%"))),
            );
        }
        if let Some(dob) = s.date_of_birth {
            any = Box::new(any.or(people::date_of_birth.eq(dob)));
        }
        q = q.filter(any);
    }
    if let Some(after) = after {
        q = q.filter(people::crn.gt(after.to_string()));
    }
    q.load(conn)
}

/// How many people a backfill pass folds at once.
const BACKFILL_BATCH: i64 = 500;

/// Gives every person written before search existed their folded name; returns how many.
/// Runs after migrations (a migration cannot fold accents the same way on both databases).
pub fn backfill_search_names(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut done = 0;
    loop {
        let batch: Vec<(String, String, String)> = people::table
            .filter(people::search_name.is_null())
            .select((people::crn, people::first_name, people::last_name))
            .order(people::crn.asc())
            .limit(BACKFILL_BATCH)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(done);
        }
        for (crn, first, last) in &batch {
            diesel::update(people::table.find(crn))
                .set(people::search_name.eq(crate::domain::person::name_key(first, last)))
                .execute(conn)?;
        }
        done += batch.len();
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = risk_assessments)]
pub struct RiskRow {
    pub id: String,
    pub crn: String,
    pub assessed_on: NaiveDate,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
    pub body: String,
}

pub fn insert_risk(conn: &mut DbConnection, row: &RiskRow) -> QueryResult<()> {
    diesel::insert_into(risk_assessments::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The current assessment: the one recorded last.
pub fn latest_risk(conn: &mut DbConnection, crn: &str) -> QueryResult<Option<RiskRow>> {
    risk_assessments::table
        .filter(risk_assessments::crn.eq(crn))
        .order((
            risk_assessments::recorded_at.desc(),
            risk_assessments::id.desc(),
        ))
        .select(RiskRow::as_select())
        .first(conn)
        .optional()
}

/// Up to `limit` assessments, newest first (by time recorded, then id), after the position `after`.
pub fn risk_page(
    conn: &mut DbConnection,
    crn: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<RiskRow>> {
    let mut q = risk_assessments::table
        .filter(risk_assessments::crn.eq(crn))
        .order((
            risk_assessments::recorded_at.desc(),
            risk_assessments::id.desc(),
        ))
        .select(RiskRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            risk_assessments::recorded_at
                .lt(at)
                .or(risk_assessments::recorded_at
                    .eq(at)
                    .and(risk_assessments::id.lt(id))),
        );
    }
    q.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = household_members)]
pub struct MemberRow {
    pub id: String,
    pub crn: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn insert_member(conn: &mut DbConnection, row: &MemberRow) -> QueryResult<()> {
    diesel::insert_into(household_members::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update_member(
    conn: &mut DbConnection,
    id: &str,
    body: &str,
    at: NaiveDateTime,
    by: &str,
) -> QueryResult<()> {
    diesel::update(household_members::table.find(id))
        .set((
            household_members::body.eq(body),
            household_members::updated_at.eq(at),
            household_members::updated_by.eq(by),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` members in the order they were recorded (then id), after the position `after`.
pub fn members_page(
    conn: &mut DbConnection,
    crn: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<MemberRow>> {
    let mut q = household_members::table
        .filter(household_members::crn.eq(crn))
        .order((
            household_members::created_at.asc(),
            household_members::id.asc(),
        ))
        .select(MemberRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            household_members::created_at
                .gt(at)
                .or(household_members::created_at
                    .eq(at)
                    .and(household_members::id.gt(id))),
        );
    }
    q.load(conn)
}

/// Every member of the person's household record, in the order they were recorded.
pub fn members(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<MemberRow>> {
    household_members::table
        .filter(household_members::crn.eq(crn))
        .order((
            household_members::created_at.asc(),
            household_members::id.asc(),
        ))
        .select(MemberRow::as_select())
        .load(conn)
}

pub fn member(conn: &mut DbConnection, crn: &str, id: &str) -> QueryResult<Option<MemberRow>> {
    household_members::table
        .find(id)
        .filter(household_members::crn.eq(crn))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = household_declarations)]
pub struct DeclarationRow {
    pub id: String,
    pub crn: String,
    pub declared_at: NaiveDateTime,
    pub body: String,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

pub fn insert_declaration(conn: &mut DbConnection, row: &DeclarationRow) -> QueryResult<()> {
    diesel::insert_into(household_declarations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Declarations in the order they were made.
pub fn declarations(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<DeclarationRow>> {
    household_declarations::table
        .filter(household_declarations::crn.eq(crn))
        .order((
            household_declarations::declared_at.asc(),
            household_declarations::id.asc(),
        ))
        .select(DeclarationRow::as_select())
        .load(conn)
}

/// Up to `limit` declarations in the order they were made (then id), after the position `after`.
pub fn declarations_page(
    conn: &mut DbConnection,
    crn: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DeclarationRow>> {
    let mut q = household_declarations::table
        .filter(household_declarations::crn.eq(crn))
        .order((
            household_declarations::declared_at.asc(),
            household_declarations::id.asc(),
        ))
        .select(DeclarationRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            household_declarations::declared_at
                .gt(at)
                .or(household_declarations::declared_at
                    .eq(at)
                    .and(household_declarations::id.gt(id))),
        );
    }
    q.load(conn)
}
