//! Moving a person's case to another probation organisation (a probation manager's decision): the
//! CRN is national and held by one probation organisation at a time.

use super::access;
use crate::auth::Role;
use crate::db::{organisations, transfer as rows};
use crate::domain::events::{DomainEvent, PersonTransferred};
use crate::domain::{Crn, OrgKind};
use crate::error::{ApiError, FieldError};
use crate::work::{Event, Work};

/// What a transfer asks for, already shaped by the handler.
pub struct TransferRequest {
    pub to_org: String,
    pub note: Option<String>,
    /// The new organisation's responsible officer (`sub`) for the orders and open prompts, when
    /// known; otherwise the orders keep naming the previous officer until the new organisation's
    /// manager transfers them, and open prompts lose their assignee.
    pub responsible_officer: Option<String>,
}

/// Moves the case: the person, orders, referrals, disclosures, case notes, sessions and prompts
/// now belong to `to_org`; the old organisation no longer sees them. Audited by the caller's unit
/// of work; announced to both organisations (`rarlink.person.transferred`).
pub fn transfer(
    w: &mut Work,
    crn: &Crn,
    request: TransferRequest,
) -> Result<rows::Moved, ApiError> {
    if !w.me.has(Role::ProbationManager) {
        return Err(ApiError::Forbidden(
            "only a probation manager transfers a case to another organisation".into(),
        ));
    }
    let person = access::person(w, crn)?;
    let from = person.managing_org.clone();
    let to = request.to_org;
    let field = |code: &str, message: String| {
        ApiError::Validation(vec![FieldError::new("toOrg", code, message)])
    };
    if to == from {
        return Err(field(
            "invalid",
            format!("the case is already managed by {to}"),
        ));
    }
    match organisations::find_by_code(w.conn, &to)? {
        Some(org) if org.kind == OrgKind::Probation => {}
        Some(_) => {
            return Err(field(
                "invalid",
                format!("{to} is not a probation organisation"),
            ))
        }
        None => {
            return Err(field(
                "unknown",
                format!("{to} is not a registered organisation"),
            ))
        }
    }
    let moved = rows::transfer(
        w.conn,
        crn.as_str(),
        &from,
        &to,
        request.responsible_officer.as_deref(),
    )?;
    for org in [&from, &to] {
        w.emit(Event {
            payload: DomainEvent::PersonTransferred(PersonTransferred {
                from_org: from.clone(),
                to_org: to.clone(),
                note: request.note.clone(),
                orders_moved: moved.orders,
                referrals_moved: moved.referrals,
                prompts_moved: moved.open_prompts,
            }),
            description: format!("Case {} transferred from {from} to {to}", crn.as_str()),
            detail_path: format!("/api/v1/people/{}", crn.as_str()),
            crn: Some(crn.to_string()),
            org: org.clone(),
            provider_org: None,
        });
    }
    Ok(moved)
}
