//! Domain-event rows: the transactional outbox integrators read through `GET /api/v1/events`.

use super::schema::domain_events;
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = domain_events)]
pub struct EventRow {
    pub id: String,
    pub seq: Option<i64>,
    pub event_type: String,
    pub version: i32,
    pub occurred_at: NaiveDateTime,
    pub description: String,
    pub detail_url: String,
    pub additional_information: String,
    pub crn: Option<String>,
    pub org_code: String,
    pub provider_org_code: Option<String>,
    pub actor_sub: Option<String>,
    pub actor_org: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = domain_events)]
pub struct NewEventRow {
    pub id: String,
    pub event_type: String,
    pub version: i32,
    pub occurred_at: NaiveDateTime,
    pub description: String,
    pub detail_url: String,
    pub additional_information: String,
    pub crn: Option<String>,
    pub org_code: String,
    pub provider_org_code: Option<String>,
    pub actor_sub: Option<String>,
    pub actor_org: Option<String>,
}

pub fn insert_all(conn: &mut DbConnection, rows: &[NewEventRow]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(domain_events::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Sequenced events visible to organisation `org` after cursor `after`, in commit order.
pub fn list_visible(
    conn: &mut DbConnection,
    org: &str,
    event_type: Option<&str>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = domain_events::table
        .select(EventRow::as_select())
        .filter(domain_events::seq.gt(after))
        .filter(
            domain_events::org_code
                .eq(org.to_string())
                .or(domain_events::provider_org_code.eq(org.to_string())),
        )
        .order(domain_events::seq.asc())
        .limit(limit)
        .into_boxed();
    if let Some(t) = event_type {
        query = query.filter(domain_events::event_type.eq(t.to_string()));
    }
    query.load(conn)
}

/// Every sequenced event about a person, in time order: the multi-agency chronology.
pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<EventRow>> {
    domain_events::table
        .filter(domain_events::crn.eq(crn))
        .order((domain_events::occurred_at.asc(), domain_events::seq.asc()))
        .select(EventRow::as_select())
        .load(conn)
}
