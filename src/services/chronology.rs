//! The multi-agency chronology of a person: every event about the case, by every agency, in
//! time order, once the events committed so far have their sequence numbers; with the case notes
//! the events name, so the chronology can show what each note says.

use super::access;
use crate::auth::Permission;
use crate::db::case_notes::{self, CaseNoteRow};
use crate::db::events::{self, EventRow};
use crate::db::ledger;
use crate::domain::Crn;
use crate::error::ApiError;
use crate::work::Work;
use std::collections::HashMap;

/// The chronology's events, and the case notes they name (by note id).
pub struct Chronology {
    pub events: Vec<EventRow>,
    pub notes: HashMap<String, CaseNoteRow>,
    /// Whether the caller may read the notes' bodies (else only their subjects are shown).
    pub note_bodies: bool,
}

/// Everything recorded about a person the caller's organisation manages, oldest first.
pub fn of_person(w: &mut Work, crn: &Crn) -> Result<Chronology, ApiError> {
    let person = access::person(w, crn)?;
    // Seal first, so events committed a moment ago are in the chronology and in order.
    w.seal(ledger::seal_events)?;
    let events = events::for_person(w.conn, &person.crn)?;
    let notes = case_notes::for_person(w.conn, &person.crn)?
        .into_iter()
        .map(|n| (n.id.clone(), n))
        .collect();
    Ok(Chronology {
        events,
        notes,
        note_bodies: w.me.caller.may(Permission::ReadReferrals),
    })
}
