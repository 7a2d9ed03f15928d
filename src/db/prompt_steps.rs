//! A safeguarding prompt's stored history (every transition, never changed) and the referral to
//! an agency made in answer to it, with the agency's decision.

use super::schema::safeguarding_prompt_disclosures as pd;
use super::schema::safeguarding_prompt_history as h;
use super::schema::safeguarding_prompt_referrals as r;
use super::DbConnection;
use crate::domain::prompt::{
    Agency, AgencyDecision, Outcome, PromptStatus, PromptStep, ReferralMethod,
};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// One transition: who, in which role, when, why.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = h)]
pub struct HistoryRow {
    pub id: String,
    pub prompt_id: String,
    pub at: NaiveDateTime,
    pub step: PromptStep,
    pub from_status: Option<PromptStatus>,
    pub to_status: PromptStatus,
    pub actor: String,
    pub actor_role: Option<String>,
    pub note: Option<String>,
    pub outcome: Option<Outcome>,
}

pub fn insert_step(conn: &mut DbConnection, row: &HistoryRow) -> QueryResult<()> {
    diesel::insert_into(h::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One prompt's history, oldest first.
pub fn history(conn: &mut DbConnection, prompt_id: &str) -> QueryResult<Vec<HistoryRow>> {
    h::table
        .filter(h::prompt_id.eq(prompt_id))
        .order((h::at.asc(), h::id.asc()))
        .select(HistoryRow::as_select())
        .load(conn)
}

/// The latest step of this kind on a prompt (e.g. who proposed "not required").
pub fn latest_step(
    conn: &mut DbConnection,
    prompt_id: &str,
    step: PromptStep,
) -> QueryResult<Option<HistoryRow>> {
    h::table
        .filter(h::prompt_id.eq(prompt_id))
        .filter(h::step.eq(step))
        .order((h::at.desc(), h::id.desc()))
        .select(HistoryRow::as_select())
        .first(conn)
        .optional()
}

/// A referral to an agency and, once received, the agency's decision.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = r, treat_none_as_null = true)]
pub struct AgencyReferralRow {
    pub prompt_id: String,
    pub agency: Agency,
    pub method: ReferralMethod,
    pub referred_on: NaiveDate,
    pub reference: Option<String>,
    pub follow_up_due_at: NaiveDateTime,
    pub follow_up_notified_at: Option<NaiveDateTime>,
    pub response_received_on: Option<NaiveDate>,
    pub decision: Option<AgencyDecision>,
    pub response_reference: Option<String>,
    pub response_note: Option<String>,
    pub responded_at: Option<NaiveDateTime>,
    pub responded_by: Option<String>,
}

/// Records a referral, replacing an earlier one on the same prompt (a reopened prompt referred again).
pub fn put_referral(conn: &mut DbConnection, row: &AgencyReferralRow) -> QueryResult<()> {
    let exists = diesel::select(diesel::dsl::exists(r::table.find(&row.prompt_id)))
        .get_result::<bool>(conn)?;
    if exists {
        diesel::update(r::table.find(&row.prompt_id))
            .set(row)
            .execute(conn)
            .map(|_| ())
    } else {
        diesel::insert_into(r::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    }
}

pub fn referral(
    conn: &mut DbConnection,
    prompt_id: &str,
) -> QueryResult<Option<AgencyReferralRow>> {
    r::table
        .find(prompt_id)
        .select(AgencyReferralRow::as_select())
        .get_result(conn)
        .optional()
}

/// The referrals of several prompts (a page).
pub fn referrals_of(
    conn: &mut DbConnection,
    prompt_ids: &[&str],
) -> QueryResult<Vec<AgencyReferralRow>> {
    if prompt_ids.is_empty() {
        return Ok(Vec::new());
    }
    r::table
        .filter(r::prompt_id.eq_any(prompt_ids))
        .select(AgencyReferralRow::as_select())
        .load(conn)
}

/// Locks and returns up to `limit` referrals with no decision whose follow-up fell due before
/// `now` and was not yet announced (`SKIP LOCKED` on PostgreSQL, so each is announced once).
pub fn lock_follow_ups_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<AgencyReferralRow>> {
    let q = || {
        r::table
            .filter(r::decision.is_null())
            .filter(r::follow_up_notified_at.is_null())
            .filter(r::follow_up_due_at.lt(now))
            .order(r::follow_up_due_at.asc())
            .limit(limit)
    };
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(AgencyReferralRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        DbConnection::Sqlite(_) => q().select(AgencyReferralRow::as_select()).load(conn),
    }
}

/// Links a later disclosure of the same facts to a prompt (once).
pub fn link_disclosure(
    conn: &mut DbConnection,
    prompt_id: &str,
    disclosure_id: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let exists = diesel::select(diesel::dsl::exists(
        pd::table.find((prompt_id, disclosure_id)),
    ))
    .get_result::<bool>(conn)?;
    if exists {
        return Ok(());
    }
    diesel::insert_into(pd::table)
        .values((
            pd::prompt_id.eq(prompt_id),
            pd::disclosure_id.eq(disclosure_id),
            pd::linked_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// `(prompt id, disclosure id)` for every later disclosure linked to these prompts, oldest first.
pub fn related_disclosures(
    conn: &mut DbConnection,
    prompt_ids: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    if prompt_ids.is_empty() {
        return Ok(Vec::new());
    }
    pd::table
        .filter(pd::prompt_id.eq_any(prompt_ids))
        .order((pd::linked_at.asc(), pd::disclosure_id.asc()))
        .select((pd::prompt_id, pd::disclosure_id))
        .load(conn)
}

/// Locks and returns up to `limit` open, unescalated prompts not yet past due and never reminded
/// (no `DUE_SOON` step), soonest due first after the cursor `(due_at, id)` (`SKIP LOCKED` on
/// PostgreSQL). The caller picks those half-way to their deadline and pages on.
pub fn lock_due_soon_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    after: Option<&(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<super::prompts::PromptRow>> {
    use super::prompts::PromptRow;
    use super::schema::safeguarding_prompts as sp;
    // Without a cursor, start at `now` (every candidate is due after it).
    let (after_due, after_id) = after.cloned().unwrap_or((now, String::new()));
    let q = || {
        sp::table
            .filter(sp::status.eq(PromptStatus::Open))
            .filter(sp::escalated_at.is_null())
            .filter(sp::due_at.gt(now))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                h::table
                    .filter(h::prompt_id.eq(sp::id))
                    .filter(h::step.eq(PromptStep::DueSoon)),
            )))
            .filter(
                sp::due_at
                    .gt(after_due)
                    .or(sp::due_at.eq(after_due).and(sp::id.gt(after_id.clone()))),
            )
            .order((sp::due_at.asc(), sp::id.asc()))
            .limit(limit)
    };
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(PromptRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        DbConnection::Sqlite(_) => q().select(PromptRow::as_select()).load(conn),
    }
}
