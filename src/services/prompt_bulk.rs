//! One response to many prompts (`POST /safeguarding-prompts/respond`): each item resolves a
//! prompt or records an agency's decision, all or none. A refused item names itself in a `422`
//! and nothing is changed.

use super::change::{change, unconditional};
use super::prompt_lifecycle::{apply_agency_response, raise_challenge, AgencyResponse};
use super::prompts::{apply_resolution, ResolveRequest};
use crate::db::prompts::PromptRow;
use crate::domain::ids::PromptId;
use crate::error::{ApiError, FieldError};
use crate::work::Work;

/// What one item does.
pub enum Answer {
    Resolve(ResolveRequest),
    AgencyResponse(AgencyResponse),
}

/// Applies every item in order. If any is refused (not visible, not allowed, not in a state that
/// takes it), the whole request fails with a `422` listing each refused item (`items[i]`) and
/// why, and the caller's transaction is rolled back. Errors that are not the item's fault (the
/// database) end the request at once.
pub fn respond(w: &mut Work, items: Vec<(PromptId, Answer)>) -> Result<Vec<PromptRow>, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let mut done = Vec::with_capacity(items.len());
    let mut refused = Vec::new();
    for (i, (id, answer)) in items.into_iter().enumerate() {
        let outcome = match answer {
            Answer::Resolve(request) => {
                change(w, id, side, &unconditional::<PromptRow>, |w, row| {
                    Ok((apply_resolution(w, row, request)?, ()))
                })
                .map(|(row, ())| row)
            }
            Answer::AgencyResponse(response) => {
                change(w, id, side, &unconditional::<PromptRow>, |w, row| {
                    apply_agency_response(w, row, response)
                })
                .and_then(|(row, referral)| {
                    raise_challenge(w, &row, &referral)?;
                    Ok(row)
                })
            }
        };
        match outcome {
            Ok(row) => done.push(row),
            Err(e) => refused.extend(item_errors(i, e)?),
        }
    }
    if refused.is_empty() {
        Ok(done)
    } else {
        Err(ApiError::Validation(refused))
    }
}

/// The item's refusal as field errors naming it, or the error itself when it is not the item's.
fn item_errors(i: usize, e: ApiError) -> Result<Vec<FieldError>, ApiError> {
    let field = format!("items[{i}]");
    let (code, message) = match e {
        ApiError::NotFound(m) => ("not_found", m),
        ApiError::Forbidden(m) => ("forbidden", m),
        ApiError::Conflict { detail, .. } => ("conflict", detail),
        ApiError::Validation(errors) => {
            return Ok(errors
                .into_iter()
                .map(|f| FieldError {
                    field: format!("{field}.{}", f.field),
                    ..f
                })
                .collect())
        }
        other => return Err(other),
    };
    Ok(vec![FieldError::new(field, code, message)])
}
