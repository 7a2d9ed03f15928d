//! Organisation use cases: registering a probation organisation or provider, and listing them.

use crate::db::organisations::{self as rows, NewOrganisation, Organisation};
use crate::domain::events::{DomainEvent, OrganisationCreated};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::work::{Event, Work};

/// An organisation to register, its shape already checked.
#[derive(Debug, Clone)]
pub struct Registration {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
}

/// Registers an organisation (`409` when its code is taken) and announces it.
pub fn register(w: &mut Work, new: Registration) -> Result<Organisation, ApiError> {
    if rows::find_by_code(w.conn, &new.code)?.is_some() {
        return Err(ApiError::conflict(format!(
            "organisation {} already exists",
            new.code
        )));
    }
    let id = uuid::Uuid::now_v7().to_string();
    rows::insert(
        w.conn,
        &NewOrganisation {
            id: &id,
            code: &new.code,
            name: new.name.trim(),
            kind: new.kind,
            created_at: w.now.naive_utc(),
            created_by: &w.me.caller.sub,
        },
    )?;
    let row = rows::find_by_code(w.conn, &new.code)?
        .ok_or_else(|| ApiError::internal("organisation vanished"))?;
    w.emit(Event {
        payload: DomainEvent::OrganisationCreated(OrganisationCreated {
            code: row.code.clone(),
            kind: row.kind,
        }),
        description: format!("Organisation {} registered", row.code),
        detail_path: "/api/v1/organisations".into(),
        crn: None,
        org: row.code.clone(),
        provider_org: None,
    });
    Ok(row)
}

/// Organisations by code after the code `after`: `limit` rows at most.
pub fn list(w: &mut Work, after: Option<&str>, limit: i64) -> Result<Vec<Organisation>, ApiError> {
    Ok(rows::list(w.conn, after, limit)?)
}

/// True when an organisation with this code is registered.
pub fn is_registered(w: &mut Work, code: &str) -> Result<bool, ApiError> {
    Ok(rows::find_by_code(w.conn, code)?.is_some())
}
