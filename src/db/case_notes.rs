//! Case note rows: immutable notes on a referral, newest first a page at a time.

use super::schema::case_notes;
use super::DbConnection;
use crate::domain::case_note::Sensitivity;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = case_notes)]
pub struct CaseNoteRow {
    pub id: String,
    pub referral_id: String,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    /// The organisation the author wrote for (the referral's probation or provider organisation).
    pub author_org: String,
    pub author_sub: String,
    pub author_name: String,
    pub subject: String,
    pub body: String,
    pub sensitivity: Sensitivity,
    pub corrects: Option<String>,
    pub disclosure_id: Option<String>,
    pub not_a_disclosure_reason: Option<String>,
    /// What the detector found, as JSON (`PossibleDisclosure`), if anything.
    pub possible_disclosure: Option<String>,
    /// The `case-note-possible-disclosure` prompt the note raised, if any.
    pub prompt_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &CaseNoteRow) -> QueryResult<()> {
    diesel::insert_into(case_notes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn set_prompt(conn: &mut DbConnection, id: &str, prompt_id: &str) -> QueryResult<()> {
    diesel::update(case_notes::table.find(id))
        .set(case_notes::prompt_id.eq(prompt_id))
        .execute(conn)
        .map(|_| ())
}

/// A note by id, whoever may see it (the service checks the referral's scope).
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CaseNoteRow>> {
    case_notes::table
        .find(id)
        .select(CaseNoteRow::as_select())
        .get_result(conn)
        .optional()
}

/// A note on this referral, by id.
pub fn find_on_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    id: &str,
) -> QueryResult<Option<CaseNoteRow>> {
    case_notes::table
        .find(id)
        .filter(case_notes::referral_id.eq(referral_id))
        .select(CaseNoteRow::as_select())
        .get_result(conn)
        .optional()
}

/// One page of a referral's notes, newest first (`created_at`, then id, both descending),
/// after the cursor `(created_at, id)`, at most `limit` rows.
pub fn page_for_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<CaseNoteRow>> {
    let mut q = case_notes::table
        .filter(case_notes::referral_id.eq(referral_id.to_string()))
        .order((case_notes::created_at.desc(), case_notes::id.desc()))
        .select(CaseNoteRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = after {
        // The `<=` lets both backends seek the (referral_id, created_at) index; the `OR` breaks ties.
        q = q
            .filter(case_notes::created_at.le(at))
            .filter(case_notes::created_at.lt(at).or(case_notes::id.lt(id)));
    }
    q.load(conn)
}

/// Every note on the referrals of a person, oldest first (for the chronology).
pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<CaseNoteRow>> {
    case_notes::table
        .filter(case_notes::crn.eq(crn))
        .order((case_notes::created_at.asc(), case_notes::id.asc()))
        .select(CaseNoteRow::as_select())
        .load(conn)
}
