//! Subject access (UK GDPR Art. 15): everything held about a person, for a probation manager of
//! the organisation that manages the case.

use super::access;
use crate::auth::Role;
use crate::db::export::{self as rows, CaseRows};
use crate::domain::Crn;
use crate::error::ApiError;
use crate::work::Work;

/// Every row held about the person: `403` for anyone but a probation manager, `404` when the
/// caller's organisation does not manage the case.
pub fn case_rows(w: &mut Work, crn: &Crn) -> Result<CaseRows, ApiError> {
    if !w.me.has(Role::ProbationManager) {
        return Err(ApiError::Forbidden(
            "only a probation manager exports what is held about a person".into(),
        ));
    }
    let person = access::person(w, crn)?;
    Ok(rows::case_rows(w.conn, person)?)
}
