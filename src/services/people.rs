//! People use cases: upserting a person by CRN for the managing organisation, reading and listing them.

use super::access;
use super::change::Expect;
use crate::db::people::{self as rows, PeopleSearch, PersonRow};
use crate::domain::events::{DomainEvent, PersonUpserted};
use crate::domain::person::{name_key, PersonDetails};
use crate::domain::Crn;
use crate::error::ApiError;
use crate::work::{Event, Work};

/// A person after an upsert, and whether the upsert created them.
pub struct Upserted {
    pub row: PersonRow,
    pub created: bool,
}

/// Creates the person, or updates them if the caller's organisation manages them (`expect` is
/// checked against the current record). A CRN managed by another organisation is `404`, so its
/// existence is never revealed. `details` were validated by the caller.
pub fn upsert(
    w: &mut Work,
    crn: &Crn,
    details: PersonDetails,
    expect: Expect<PersonRow>,
) -> Result<Upserted, ApiError> {
    w.about(crn.as_str())?;
    let now = w.now.naive_utc();
    let sub = w.me.sub().to_string();
    let existing = rows::find_any(w.conn, crn.as_str())?;
    let created = existing.is_none();
    let row = match existing {
        Some(current) if current.managing_org != w.me.org() => {
            return Err(ApiError::not_found("person"))
        }
        Some(current) => {
            expect(w, &current)?;
            PersonRow {
                first_name: details.first_name.trim().to_string(),
                last_name: details.last_name.trim().to_string(),
                date_of_birth: details.date_of_birth,
                pnc_number: details.pnc_number,
                address: details.address,
                updated_at: now,
                updated_by: sub,
                search_name: Some(name_key(&details.first_name, &details.last_name)),
                ..current
            }
        }
        None => PersonRow {
            crn: crn.to_string(),
            managing_org: w.me.org().to_string(),
            first_name: details.first_name.trim().to_string(),
            last_name: details.last_name.trim().to_string(),
            date_of_birth: details.date_of_birth,
            pnc_number: details.pnc_number,
            address: details.address,
            created_at: now,
            updated_at: now,
            updated_by: sub,
            search_name: Some(name_key(&details.first_name, &details.last_name)),
        },
    };
    if created {
        rows::insert(w.conn, &row)?;
        w.created();
    } else {
        rows::update(w.conn, &row)?;
    }
    w.emit(Event {
        payload: DomainEvent::PersonUpserted(PersonUpserted { created }),
        description: format!(
            "Person {} {}",
            row.crn,
            if created { "created" } else { "updated" }
        ),
        detail_path: format!("/api/v1/people/{}", row.crn),
        crn: Some(row.crn.clone()),
        org: row.managing_org.clone(),
        provider_org: None,
    });
    Ok(Upserted { row, created })
}

/// A person the caller's organisation manages.
pub fn get(w: &mut Work, crn: &Crn) -> Result<PersonRow, ApiError> {
    access::person(w, crn)
}

/// Up to `limit` people the caller's organisation manages, by CRN after `after`; only those
/// `search` matches, if given (never another organisation's).
pub fn list(
    w: &mut Work,
    search: Option<&PeopleSearch>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PersonRow>, ApiError> {
    Ok(rows::list(w.conn, w.me.org(), search, after, limit)?)
}
