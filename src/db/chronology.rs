//! The chronology's sources, each read one page at a time in the order things happened
//! (`occurred`, then id), after a keyset position, within a time window and for one agency.

use super::appointments::AppointmentRow;
use super::case_notes::CaseNoteRow;
use super::disclosures::DisclosureRow;
use super::events::EventRow;
use super::people::{DeclarationRow, RiskRow};
use super::prompts::PromptRow;
use super::schema::{
    appointments, case_notes, disclosures, domain_events, household_declarations, risk_assessments,
    safeguarding_prompts,
};
use super::DbConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Which rows of a source a page reads.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// The position after which the page starts: when it happened, then id.
    pub after: Option<(NaiveDateTime, String)>,
    /// Only what happened at or after this time.
    pub from: Option<NaiveDateTime>,
    /// Only what happened before this time.
    pub to: Option<NaiveDateTime>,
    /// At most this many rows.
    pub limit: i64,
}

/// Applies a window to a boxed query over a table ordered by `$at`, then `$id`.
macro_rules! windowed {
    ($q:expr, $w:expr, $at:expr, $id:expr) => {{
        let mut q = $q.order(($at.asc(), $id.asc())).limit($w.limit);
        if let Some((at, id)) = $w.after.clone() {
            q = q.filter($at.ge(at)).filter($at.gt(at).or($id.gt(id)));
        }
        if let Some(from) = $w.from {
            q = q.filter($at.ge(from));
        }
        if let Some(to) = $w.to {
            q = q.filter($at.lt(to));
        }
        q
    }};
}

/// The person's disclosures, by when they were made; only those `agency` recorded, if given.
pub fn disclosures(
    conn: &mut DbConnection,
    crn: &str,
    agency: Option<&str>,
    w: &Window,
) -> QueryResult<Vec<DisclosureRow>> {
    let mut q = disclosures::table
        .filter(disclosures::crn.eq(crn.to_string()))
        .select(DisclosureRow::as_select())
        .into_boxed();
    if let Some(a) = agency {
        q = q.filter(disclosures::recorded_by_org.eq(a.to_string()));
    }
    windowed!(q, w, disclosures::disclosed_at, disclosures::id).load(conn)
}

/// The person's household declarations, by when they were made.
pub fn declarations(
    conn: &mut DbConnection,
    crn: &str,
    w: &Window,
) -> QueryResult<Vec<DeclarationRow>> {
    let q = household_declarations::table
        .filter(household_declarations::crn.eq(crn.to_string()))
        .select(DeclarationRow::as_select())
        .into_boxed();
    windowed!(
        q,
        w,
        household_declarations::declared_at,
        household_declarations::id
    )
    .load(conn)
}

/// The person's sessions with attendance recorded, by the session's time; only `agency`'s.
pub fn attendance(
    conn: &mut DbConnection,
    crn: &str,
    agency: Option<&str>,
    w: &Window,
) -> QueryResult<Vec<AppointmentRow>> {
    let mut q = appointments::table
        .filter(appointments::crn.eq(crn.to_string()))
        .filter(appointments::attendance_recorded_at.is_not_null())
        .select(AppointmentRow::as_select())
        .into_boxed();
    if let Some(a) = agency {
        q = q.filter(appointments::provider_org.eq(a.to_string()));
    }
    windowed!(q, w, appointments::starts_at, appointments::id).load(conn)
}

/// The person's safeguarding prompts, by when they were raised; only those addressed to `agency`.
pub fn prompts(
    conn: &mut DbConnection,
    crn: &str,
    agency: Option<&str>,
    w: &Window,
) -> QueryResult<Vec<PromptRow>> {
    let mut q = safeguarding_prompts::table
        .filter(safeguarding_prompts::crn.eq(crn.to_string()))
        .select(PromptRow::as_select())
        .into_boxed();
    if let Some(a) = agency {
        q = q.filter(safeguarding_prompts::org.eq(a.to_string()));
    }
    windowed!(
        q,
        w,
        safeguarding_prompts::raised_at,
        safeguarding_prompts::id
    )
    .load(conn)
}

/// The most assessments of one person the chronology reads (each entry says what changed since
/// the one before, so they are read together).
pub const MAX_RISK_ASSESSMENTS: i64 = 1000;

/// The person's risk assessments, oldest first (by the date assessed, then when recorded).
pub fn risk_assessments(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<RiskRow>> {
    risk_assessments::table
        .filter(risk_assessments::crn.eq(crn))
        .order((
            risk_assessments::assessed_on.asc(),
            risk_assessments::recorded_at.asc(),
            risk_assessments::id.asc(),
        ))
        .limit(MAX_RISK_ASSESSMENTS)
        .select(RiskRow::as_select())
        .load(conn)
}

/// Sequenced events about the person other than the `covered` types (whose records the
/// chronology reads from their own tables), by time; only `event_type` and only by `agency`
/// (`None` actor for the system) when given.
pub fn events(
    conn: &mut DbConnection,
    crn: &str,
    covered: &[&str],
    event_type: Option<&str>,
    agency: Option<Option<&str>>,
    w: &Window,
) -> QueryResult<Vec<EventRow>> {
    let mut q = domain_events::table
        .filter(domain_events::crn.eq(crn.to_string()))
        .filter(domain_events::seq.is_not_null())
        .filter(domain_events::event_type.ne_all(covered.iter().map(|t| t.to_string())))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(t) = event_type {
        q = q.filter(domain_events::event_type.eq(t.to_string()));
    }
    match agency {
        Some(Some(org)) => q = q.filter(domain_events::actor_org.eq(org.to_string())),
        Some(None) => q = q.filter(domain_events::actor_org.is_null()),
        None => {}
    }
    windowed!(q, w, domain_events::occurred_at, domain_events::id).load(conn)
}

/// The case notes with these ids (those a page of events names).
pub fn notes(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<CaseNoteRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    case_notes::table
        .filter(case_notes::id.eq_any(ids))
        .select(CaseNoteRow::as_select())
        .load(conn)
}
