//! The multi-agency chronology of a person: every event about the case, by every agency, in
//! time order, once the events committed so far have their sequence numbers.

use super::access;
use crate::db::events::{self, EventRow};
use crate::db::ledger;
use crate::domain::Crn;
use crate::error::ApiError;
use crate::work::Work;

/// Everything recorded about a person the caller's organisation manages, oldest first.
pub fn of_person(w: &mut Work, crn: &Crn) -> Result<Vec<EventRow>, ApiError> {
    let person = access::person(w, crn)?;
    // Seal first, so events committed a moment ago are in the chronology and in order.
    ledger::seal_events(w.conn)?;
    Ok(events::for_person(w.conn, &person.crn)?)
}
