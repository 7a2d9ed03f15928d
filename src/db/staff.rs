//! The staff directory: who gets e-mail at which address, and who counts among an
//! organisation's managers (the recipients of what is addressed to "the managers").

use super::schema::staff;
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub sub: String,
    pub org: String,
    pub name: String,
    pub email: String,
    /// Whether the person wants e-mail notifications.
    pub notifications: bool,
    /// Whether the person receives what is addressed to the organisation's managers.
    pub manager: bool,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn find(conn: &mut DbConnection, sub: &str) -> QueryResult<Option<StaffRow>> {
    staff::table
        .find(sub)
        .select(StaffRow::as_select())
        .get_result(conn)
        .optional()
}

/// Inserts the entry, or replaces the one with the same subject.
pub fn save(conn: &mut DbConnection, row: &StaffRow) -> QueryResult<()> {
    let updated = diesel::update(staff::table.find(&row.sub))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(staff::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The managers of an organisation, by subject.
pub fn managers(conn: &mut DbConnection, org: &str) -> QueryResult<Vec<StaffRow>> {
    staff::table
        .filter(staff::org.eq(org))
        .filter(staff::manager.eq(true))
        .order(staff::sub.asc())
        .select(StaffRow::as_select())
        .load(conn)
}

/// An organisation's entries by subject after `after`: `limit` rows at most.
pub fn list(
    conn: &mut DbConnection,
    org: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<StaffRow>> {
    let mut q = staff::table
        .filter(staff::org.eq(org.to_string()))
        .order(staff::sub.asc())
        .limit(limit)
        .select(StaffRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(staff::sub.gt(a.to_string()));
    }
    q.load(conn)
}
