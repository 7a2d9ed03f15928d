//! The multi-agency chronology of a person: what each agency recorded, with its words, read one
//! page at a time from the tables that hold the records (disclosures, household declarations,
//! attendance, safeguarding prompts, risk assessments) and from the event log for the rest.
//!
//! Paging: every source is read in the order things happened (`occurred`, then id) after the
//! page's position, `limit + 1` rows at most each; the caller merges them and keeps the first
//! `limit + 1`. So a page reads at most six keyset queries of `limit + 1` rows (and the
//! person's risk assessments, at most [`MAX_RISK_ASSESSMENTS`], since each entry says what
//! changed since the one before).

use super::access;
use crate::auth::Permission;
use crate::db::appointments::AppointmentRow;
use crate::db::case_notes::CaseNoteRow;
use crate::db::chronology::{self as rows, Window};
use crate::db::disclosures::DisclosureRow;
use crate::db::events::EventRow;
use crate::db::ledger;
use crate::db::people::{DeclarationRow, PersonRow, RiskRow};
use crate::db::prompt_steps::{self, AgencyReferralRow};
use crate::db::prompts::PromptRow;
use crate::domain::events::EventType;
use crate::domain::Crn;
use crate::error::{ApiError, FieldError};
use crate::work::Work;
use std::collections::HashMap;

pub use crate::db::chronology::MAX_RISK_ASSESSMENTS;

/// The kinds of entry read from their own tables, and the event types they stand for (so those
/// events are not listed twice).
pub const RECORD_KINDS: &[(&str, &str)] = &[
    ("disclosure", "rarlink.disclosure.recorded"),
    (
        "household-declaration",
        "rarlink.household-declaration.recorded",
    ),
    ("attendance", "rarlink.appointment.attended"),
    ("attendance", "rarlink.appointment.missed"),
    ("safeguarding-prompt", "rarlink.safeguarding-prompt.raised"),
    ("risk-assessment", "rarlink.risk.assessed"),
];

/// What a chronology page is asked for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub window: Window,
    /// Only entries of this kind: a record kind of [`RECORD_KINDS`] or an event type without
    /// its `rarlink.` prefix (e.g. `referral.sent`).
    pub kind: Option<String>,
    /// Only entries recorded by this organisation (`rarlink` for what the system did).
    pub agency: Option<String>,
}

/// `422` for a kind that is neither a record kind nor a published event type.
pub fn check_kind(kind: &str) -> Result<(), ApiError> {
    let record = RECORD_KINDS.iter().any(|(k, _)| *k == kind);
    let event = EventType::parse(&format!("rarlink.{kind}"))
        .is_some_and(|t| !RECORD_KINDS.iter().any(|(_, e)| *e == t.as_str()));
    if record || event {
        Ok(())
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            "kind",
            "unknown",
            "kind must be disclosure, household-declaration, attendance, safeguarding-prompt, \
             risk-assessment or an event type such as referral.sent",
        )]))
    }
}

/// One page of what was recorded about a person, source by source (each in occurrence order).
pub struct ChronologyRows {
    pub person: PersonRow,
    pub disclosures: Vec<DisclosureRow>,
    pub declarations: Vec<DeclarationRow>,
    pub attendance: Vec<AppointmentRow>,
    /// Prompts the caller may read, each with its referral to an agency, if any.
    pub prompts: Vec<(PromptRow, Option<AgencyReferralRow>)>,
    /// Every assessment of the person, oldest first: the view picks the page's.
    pub risks: Vec<RiskRow>,
    pub events: Vec<EventRow>,
    /// The case notes the events name, by id.
    pub notes: HashMap<String, CaseNoteRow>,
    /// Whether the caller may read case notes (else their entries are left out).
    pub note_bodies: bool,
}

/// One page of the chronology of a person the caller's organisation manages.
pub fn page(w: &mut Work, crn: &Crn, q: &Query) -> Result<ChronologyRows, ApiError> {
    let person = access::person(w, crn)?;
    // Seal first, so events committed a moment ago are in the chronology and in order.
    w.seal(ledger::seal_events)?;
    let wants = |kind: &str| q.kind.as_deref().is_none_or(|k| k == kind);
    let agency = q.agency.as_deref();
    let probation_side = agency.is_none_or(|a| a == person.managing_org);
    let crn = person.crn.clone();
    let win = &q.window;
    let disclosures = if wants("disclosure") {
        rows::disclosures(w.conn, &crn, agency, win)?
    } else {
        Vec::new()
    };
    let declarations = if wants("household-declaration") && probation_side {
        rows::declarations(w.conn, &crn, win)?
    } else {
        Vec::new()
    };
    let attendance = if wants("attendance") {
        rows::attendance(w.conn, &crn, agency, win)?
    } else {
        Vec::new()
    };
    let prompts = if wants("safeguarding-prompt") {
        let visible: Vec<PromptRow> = rows::prompts(w.conn, &crn, agency, win)?
            .into_iter()
            .filter(|p| access::prompt_visible_to(p, w.me))
            .collect();
        let ids: Vec<&str> = visible.iter().map(|p| p.id.as_str()).collect();
        let mut referrals: HashMap<String, AgencyReferralRow> =
            prompt_steps::referrals_of(w.conn, &ids)?
                .into_iter()
                .map(|r| (r.prompt_id.clone(), r))
                .collect();
        visible
            .into_iter()
            .map(|p| {
                let r = referrals.remove(&p.id);
                (p, r)
            })
            .collect()
    } else {
        Vec::new()
    };
    let risks = if wants("risk-assessment") && probation_side {
        rows::risk_assessments(w.conn, &crn)?
    } else {
        Vec::new()
    };
    let record_kind = q
        .kind
        .as_deref()
        .is_some_and(|k| RECORD_KINDS.iter().any(|(r, _)| *r == k));
    let events = if record_kind {
        Vec::new()
    } else {
        let covered: Vec<&str> = RECORD_KINDS.iter().map(|(_, e)| *e).collect();
        let event_type = q.kind.as_deref().map(|k| format!("rarlink.{k}"));
        let actor = agency.map(|a| (a != "rarlink").then_some(a));
        rows::events(w.conn, &crn, &covered, event_type.as_deref(), actor, win)?
    };
    let note_ids: Vec<&str> = events
        .iter()
        .filter_map(|e| e.detail_url.strip_prefix("/api/v1/case-notes/"))
        .collect();
    let notes = rows::notes(w.conn, &note_ids)?
        .into_iter()
        .filter(|n| n.crn == crn)
        .map(|n| (n.id.clone(), n))
        .collect();
    Ok(ChronologyRows {
        note_bodies: w.me.caller.may(Permission::ReadReferrals),
        person,
        disclosures,
        declarations,
        attendance,
        prompts,
        risks,
        events,
        notes,
    })
}
