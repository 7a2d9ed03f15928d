//! Disclosure rows: immutable records of what was disclosed, by whom, when.

use super::schema::disclosures;
use super::DbConnection;
use crate::domain::disclosure::{DisclosedBy, DisclosureType};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = disclosures)]
pub struct DisclosureRow {
    pub id: String,
    pub crn: String,
    pub probation_org: String,
    pub referral_id: Option<String>,
    pub order_id: Option<String>,
    pub provider_org: Option<String>,
    pub disclosure_type: DisclosureType,
    pub disclosed_at: NaiveDateTime,
    pub disclosed_by: DisclosedBy,
    pub summary: String,
    pub details: Option<String>,
    pub immediate_action_taken: Option<String>,
    pub corrects: Option<String>,
    pub no_prompt_reason: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
    pub recorded_by_org: String,
    /// Said before the referral reached the provider that reports it (kept, and marked).
    pub predates_referral: bool,
}

pub fn insert(conn: &mut DbConnection, row: &DisclosureRow) -> QueryResult<()> {
    diesel::insert_into(disclosures::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn set_no_prompt_reason(conn: &mut DbConnection, id: &str, reason: &str) -> QueryResult<()> {
    diesel::update(disclosures::table.find(id))
        .set(disclosures::no_prompt_reason.eq(reason))
        .execute(conn)
        .map(|_| ())
}

/// The disclosure with this id, if it was recorded by or for `org` (the case's probation
/// organisation, or the provider that reported it).
pub fn find_visible(
    conn: &mut DbConnection,
    org: &str,
    id: &str,
) -> QueryResult<Option<DisclosureRow>> {
    disclosures::table
        .find(id)
        .filter(
            disclosures::probation_org
                .eq(org)
                .or(disclosures::recorded_by_org.eq(org)),
        )
        .select(DisclosureRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_for_person(
    conn: &mut DbConnection,
    crn: &str,
    id: &str,
) -> QueryResult<Option<DisclosureRow>> {
    disclosures::table
        .find(id)
        .filter(disclosures::crn.eq(crn))
        .select(DisclosureRow::as_select())
        .get_result(conn)
        .optional()
}

/// Every disclosure about a person, in the order they were made.
pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<DisclosureRow>> {
    disclosures::table
        .filter(disclosures::crn.eq(crn))
        .order((disclosures::disclosed_at.asc(), disclosures::id.asc()))
        .select(DisclosureRow::as_select())
        .load(conn)
}

/// One page of a person's disclosures in the order they were made (`disclosed_at`, then id),
/// after the cursor `(disclosed_at, id)`, at most `limit` rows.
pub fn page_for_person(
    conn: &mut DbConnection,
    crn: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DisclosureRow>> {
    let mut q = disclosures::table
        .filter(disclosures::crn.eq(crn.to_string()))
        .order((disclosures::disclosed_at.asc(), disclosures::id.asc()))
        .select(DisclosureRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        // The `>=` lets both backends seek the (crn, disclosed_at) index; the `OR` breaks ties.
        q = q
            .filter(disclosures::disclosed_at.ge(at))
            .filter(disclosures::disclosed_at.gt(at).or(disclosures::id.gt(id)));
    }
    q.load(conn)
}

/// One page of the disclosures `org`'s staff recorded (only `sub`'s, if given), newest first
/// (`recorded_at`, then id, descending), before the cursor `(recorded_at, id)`.
pub fn page_recorded_by(
    conn: &mut DbConnection,
    org: &str,
    sub: Option<&str>,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<DisclosureRow>> {
    let mut q = disclosures::table
        .filter(disclosures::recorded_by_org.eq(org.to_string()))
        .order((disclosures::recorded_at.desc(), disclosures::id.desc()))
        .select(DisclosureRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(sub) = sub {
        q = q.filter(disclosures::recorded_by.eq(sub.to_string()));
    }
    if let Some((at, id)) = before {
        q = q
            .filter(disclosures::recorded_at.le(at))
            .filter(disclosures::recorded_at.lt(at).or(disclosures::id.lt(id)));
    }
    q.load(conn)
}
