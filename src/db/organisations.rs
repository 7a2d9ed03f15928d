//! Organisation rows: probation organisations and the providers they commission.

use super::schema::organisations;
use super::DbConnection;
use crate::domain::OrgKind;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    pub created_at: NaiveDateTime,
    pub created_by: &'a str,
}

pub fn insert(conn: &mut DbConnection, row: &NewOrganisation) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::code.eq(code))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

/// Organisations ordered by code, after `after` (exclusive), at most `limit`.
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Organisation>> {
    let mut query = organisations::table
        .select(Organisation::as_select())
        .order(organisations::code.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(organisations::code.gt(after.to_string()));
    }
    query.load(conn)
}
