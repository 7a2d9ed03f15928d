//! The stored working-day calendar (`working_calendar`), refreshed at startup from the service's
//! rules so SQL can count working days (see the migration that creates it).

use super::schema::working_calendar as wc;
use super::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, max, min};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = wc)]
pub struct CalendarRow {
    pub day: NaiveDate,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub working: bool,
    pub working_seq: i32,
}

/// Makes the stored calendar hold exactly `rows` (ascending by day). When the stored one already
/// has the same first day, number of days and working-day total it is left alone (a restart
/// costs one query); otherwise it is replaced in one transaction. Returns whether it was written.
pub fn ensure(conn: &mut DbConnection, rows: &[CalendarRow]) -> QueryResult<bool> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(false);
    };
    let stored: (i64, Option<NaiveDate>, Option<i32>) = wc::table
        .select((count_star(), min(wc::day), max(wc::working_seq)))
        .first(conn)?;
    if stored == (rows.len() as i64, Some(first.day), Some(last.working_seq)) {
        return Ok(false);
    }
    conn.transaction(|conn| {
        diesel::delete(wc::table).execute(conn)?;
        // Multi-row inserts are backend-specific in diesel, so each backend gets its own. A
        // chunk of 6,000 rows (30,000 values) stays under SQLite's 32,766 bound parameters, so
        // the usual calendar (about 4,700 days) is one statement.
        for chunk in rows.chunks(6000) {
            match conn {
                DbConnection::Sqlite(c) => {
                    diesel::insert_into(wc::table).values(chunk).execute(c)?
                }
                DbConnection::Postgresql(c) => {
                    diesel::insert_into(wc::table).values(chunk).execute(c)?
                }
            };
        }
        Ok(true)
    })
}
