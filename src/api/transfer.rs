//! `POST /api/v1/people/{crn}/transfer`: a probation manager moves a person's case to another
//! probation organisation.

use super::operations::Caller::Probation;
use super::operations::Reach::Case;
use super::operations::{op, Access};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::error::{ApiError, FieldError};
use crate::http::{ApiJson, Ctx};
use crate::services::transfer::{self, TransferRequest};
use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(transfer_person);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "transfer_person",
    Permission::SignOff,
    &[Probation],
    Case,
)];

/// Where the case goes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferBody {
    /// The registered probation organisation that will manage the case.
    #[schema(example = "PDU-NORFOLK", max_length = 64)]
    pub to_org: String,
    /// Why the case moves (kept in the event, for readers of casework).
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// The new organisation's responsible officer (`sub`), when known: the orders name them and
    /// the moving open prompts go to them. Otherwise the new organisation's manager transfers
    /// each order (`PATCH /orders/{id}`) and allocates the prompts.
    #[schema(max_length = 200)]
    pub responsible_officer: Option<String>,
}

/// The transfer, as done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub crn: String,
    pub from_org: String,
    pub to_org: String,
    pub orders_moved: usize,
    pub referrals_moved: usize,
    /// Unresolved prompts the old organisation had to act on, now the new organisation's.
    pub prompts_moved: usize,
}

fn validate(body: &TransferBody) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let to = body.to_org.trim();
    if to.is_empty() {
        errors.push(FieldError::required("toOrg"));
    } else if to.len() > 64 {
        errors.push(FieldError::new(
            "toOrg",
            "too_long",
            "at most 64 characters",
        ));
    }
    if body.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errors.push(FieldError::new(
            "note",
            "too_long",
            "at most 2000 characters",
        ));
    }
    match body.responsible_officer.as_deref().map(str::trim) {
        Some("") => errors.push(FieldError::new(
            "responsibleOfficer",
            "invalid",
            "name an officer or leave it out",
        )),
        Some(o) if o.len() > 200 => errors.push(FieldError::new(
            "responsibleOfficer",
            "too_long",
            "at most 200 characters",
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Transfer a case to another probation organisation
///
/// A probation manager of the managing organisation moves the person, with their orders,
/// referrals, disclosures, case notes, sessions and prompts, to another registered probation
/// organisation. The old organisation loses access at once (`404` from then on); both
/// organisations receive `rarlink.person.transferred`.
#[utoipa::path(
    tag = "people",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = TransferBody,
    responses(
        (status = 200, description = "Transferred", body = TransferView),
        (status = 403, description = "Not a probation manager"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "toOrg missing, unregistered, not a probation organisation or already managing the case; a field too long"),
    ),
    security(("bearer" = []))
)]
#[post("/people/{crn}/transfer")]
pub async fn transfer_person(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<TransferBody>,
) -> Result<web::Json<TransferView>, ApiError> {
    let crn = crn_param(&crn)?;
    let body = body.into_inner();
    validate(&body)?;
    let from_org = ctx.caller.org.clone();
    let request = TransferRequest {
        to_org: body.to_org.trim().to_string(),
        note: body.note.filter(|n| !n.trim().is_empty()),
        responsible_officer: body.responsible_officer.map(|o| o.trim().to_string()),
    };
    let to_org = request.to_org.clone();
    let view_crn = crn.to_string();
    let moved = ctx
        .write(Permission::SignOff, "person.transfer", move |w| {
            transfer::transfer(w, &crn, request)
        })
        .await?;
    Ok(web::Json(TransferView {
        crn: view_crn,
        from_org,
        to_org,
        orders_moved: moved.orders,
        referrals_moved: moved.referrals,
        prompts_moved: moved.open_prompts,
    }))
}
