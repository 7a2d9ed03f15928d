//! `/api/v1/safeguarding-prompts/{id}/agency-response` and `…/approval`: the agency's decision on
//! a referral a prompt asked for, and a manager's decision on a proposed "not required".

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, PROBATION_FIRST};
use super::prompts::{current_etag, record_view, PromptView, ReferralBody, ResolvePrompt};
use crate::auth::Permission;
use crate::domain::ids::PromptId;
use crate::domain::prompt::{AgencyDecision, ApprovalDecision, Outcome};
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::{ApiJson, Ctx};
use crate::services::prompt_assignment;
use crate::services::prompt_bulk::{self, Answer};
use crate::services::prompt_lifecycle::{self as lifecycle, AgencyResponse};
use actix_web::{post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    // Registered before `GET /safeguarding-prompts/{id}`, so that another method on this path
    // is answered `405` with `Allow: POST` rather than taken as a prompt id.
    cfg.service(respond_to_prompts)
        .route(
            "/safeguarding-prompts/respond",
            web::route().to(crate::http::extract::not_found),
        )
        .service(record_agency_response)
        .service(decide_approval)
        .service(reassign_prompt)
        .service(reopen_prompt);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "respond_to_prompts",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        OwnOrganisation,
    ),
    op(
        "record_agency_response",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
    op(
        "decide_approval",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
    op(
        "reassign_prompt",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
    op(
        "reopen_prompt",
        Permission::ResolvePrompts,
        PROBATION_FIRST,
        Case,
    ),
];

/// The agency's decision on the referral a prompt asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgencyResponseBody {
    /// When the decision was received (London date); not in the future, not before the referral.
    pub received_on: NaiveDate,
    pub decision: AgencyDecision,
    /// The agency's reference for its decision.
    #[serde(default)]
    pub reference: Option<String>,
    /// What the agency said and why. Required.
    pub note: String,
}

impl AgencyResponseBody {
    /// The response once its fields are checked; `prefix` names the item in a bulk response.
    pub fn checked_as(self, prefix: &str, e: &mut Errors) -> AgencyResponse {
        e.plausible_date(&format!("{prefix}receivedOn"), self.received_on);
        e.text(&format!("{prefix}note"), &self.note, 4000);
        e.optional_text(
            &format!("{prefix}reference"),
            self.reference.as_deref(),
            200,
        );
        AgencyResponse {
            received_on: self.received_on,
            decision: self.decision,
            reference: self.reference,
            note: self.note,
        }
    }
}

/// Record an agency's decision on a referral
///
/// Resolves a prompt that is `AWAITING_RESPONSE`. A `NO_FURTHER_ACTION` from children's social
/// care on a case with a domestic-abuse profile and a pregnancy or children raises a
/// `challenge-agency-decision` prompt for the officer's manager.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = AgencyResponseBody,
    responses(
        (status = 200, description = "Resolved with the agency's decision", body = PromptView),
        (status = 403, description = "The prompt is addressed to the provider's safeguarding lead and the caller is not a provider manager"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "The prompt is not awaiting an agency's response"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "Unknown decision, note missing, receivedOn in the future or before the referral"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/agency-response")]
pub async fn record_agency_response(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<AgencyResponseBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let mut e = Errors::default();
    let response = body.into_inner().checked_as("", &mut e);
    e.into_result()?;
    let view = ctx
        .write(
            Permission::ResolvePrompts,
            "prompt.agency-response",
            move |w| {
                let expect = current_etag(&if_match);
                let row = lifecycle::agency_response(w, id, &expect, response)?;
                record_view(lifecycle::record(w, row)?, w.now)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// A manager's decision on a proposed "not required".
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalBody {
    pub decision: ApprovalDecision,
    /// Why. Required.
    pub note: String,
}

/// Approve or reject a proposed "not required"
///
/// By a manager of the organisation the prompt is addressed to who did not propose it. `APPROVE`
/// resolves the prompt as `NOT_REQUIRED`; `REJECT` opens it again.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ApprovalBody,
    responses(
        (status = 200, description = "Decided", body = PromptView),
        (status = 403, description = "Not a manager of the prompt's organisation, or the proposer"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "No proposal awaits a decision (already decided, or never proposed)"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "Unknown decision or note missing"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/approval")]
pub async fn decide_approval(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<ApprovalBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("note", &body.note, 4000);
    e.into_result()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.approval", move |w| {
            let expect = current_etag(&if_match);
            let row = lifecycle::decide_approval(w, id, &expect, body.decision, body.note)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Most items one `respond` call may carry.
const MAX_ITEMS: usize = 100;

/// Many prompts answered at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RespondBody {
    /// 1 to 100 items, applied in order, all or none.
    pub items: Vec<RespondItem>,
}

/// One prompt's answer: either the body of `resolve` (`outcome`, `note`, `externalReference`,
/// `referral`) or the body of `agency-response` (`decision`, `receivedOn`, `reference`, `note`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RespondItem {
    pub prompt_id: uuid::Uuid,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    pub note: String,
    #[serde(default)]
    pub external_reference: Option<String>,
    #[serde(default)]
    pub referral: Option<ReferralBody>,
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    #[serde(default)]
    pub decision: Option<AgencyDecision>,
    #[serde(default)]
    pub reference: Option<String>,
}

impl RespondItem {
    /// The item's answer once checked; problems are named `items[i].<field>`.
    fn checked(self, i: usize, e: &mut Errors) -> Option<(PromptId, Answer)> {
        let prefix = format!("items[{i}].");
        let id = PromptId::from(self.prompt_id);
        let not_here = |e: &mut Errors, field: &str, what: &str| {
            e.add(
                &format!("{prefix}{field}"),
                "not_allowed",
                format!("{field} is not part of {what}"),
            )
        };
        match (self.outcome, self.decision) {
            (Some(_), Some(_)) => {
                not_here(
                    e,
                    "decision",
                    "a resolution (give outcome or decision, not both)",
                );
                None
            }
            (None, None) => {
                e.required(&format!("{prefix}outcome"));
                None
            }
            (Some(outcome), None) => {
                if self.received_on.is_some() {
                    not_here(e, "receivedOn", "a resolution");
                }
                if self.reference.is_some() {
                    not_here(e, "reference", "a resolution (use externalReference)");
                }
                let body = ResolvePrompt {
                    outcome,
                    note: self.note,
                    external_reference: self.external_reference,
                    referral: self.referral,
                };
                body.checked_as(&prefix, e)
                    .map(|r| (id, Answer::Resolve(r)))
            }
            (None, Some(decision)) => {
                if self.external_reference.is_some() {
                    not_here(e, "externalReference", "an agency response (use reference)");
                }
                if self.referral.is_some() {
                    not_here(e, "referral", "an agency response");
                }
                let Some(received_on) = self.received_on else {
                    e.required(&format!("{prefix}receivedOn"));
                    return None;
                };
                let body = AgencyResponseBody {
                    received_on,
                    decision,
                    reference: self.reference,
                    note: self.note,
                };
                Some((id, Answer::AgencyResponse(body.checked_as(&prefix, e))))
            }
        }
    }
}

/// The prompts as they stand after a `respond` call, in the order of its items.
#[derive(Debug, Serialize, ToSchema)]
pub struct RespondResult {
    pub items: Vec<PromptView>,
}

/// Answer many prompts at once
///
/// One call for the prompts one fact raised ("one response, not eight notes"). Each item is
/// what `resolve` or `agency-response` would take for that prompt, with its `promptId`. All or
/// none: if any item is refused (unknown or invisible prompt, not allowed, wrong state, bad
/// field), nothing is changed and the `422` names each refused item as `items[i]`.
#[utoipa::path(
    tag = "safeguarding-prompts",
    request_body = RespondBody,
    responses(
        (status = 200, description = "Every item applied", body = RespondResult),
        (status = 422, description = "Nothing changed: `errors` names each refused item (`items[i]`, or `items[i].<field>`), with code `not_found`, `forbidden`, `conflict` or the field's own"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/respond")]
pub async fn respond_to_prompts(
    ctx: Ctx,
    body: ApiJson<RespondBody>,
) -> Result<web::Json<RespondResult>, ApiError> {
    let items = body.into_inner().items;
    let mut e = Errors::default();
    if items.is_empty() || items.len() > MAX_ITEMS {
        e.add(
            "items",
            "out_of_range",
            format!("items must hold 1 to {MAX_ITEMS} answers"),
        );
    }
    let answers: Vec<_> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| item.checked(i, &mut e))
        .collect();
    e.into_result()?;
    let items = ctx
        .write(Permission::ResolvePrompts, "prompt.respond", move |w| {
            let rows = prompt_bulk::respond(w, answers)?;
            let records = lifecycle::records(w, rows)?;
            records
                .into_iter()
                .map(|r| record_view(r, w.now))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(RespondResult { items }))
}

/// Give a prompt to another person.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReassignBody {
    /// The subject id of the person who must act now.
    pub assignee: String,
    /// Why. Required.
    pub note: String,
}

/// Reassign a safeguarding prompt (manager)
///
/// By a manager of the organisation the prompt is addressed to, while it is not resolved.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ReassignBody,
    responses(
        (status = 200, description = "Reassigned", body = PromptView),
        (status = 403, description = "Not a manager of the prompt's organisation"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "The prompt is resolved (reopen it instead)"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "assignee or note missing"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/reassign")]
pub async fn reassign_prompt(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<ReassignBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("assignee", &body.assignee, 200);
    e.text("note", &body.note, 4000);
    e.into_result()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.reassign", move |w| {
            let expect = current_etag(&if_match);
            let row = prompt_assignment::reassign(w, id, &expect, body.assignee, body.note)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(web::Json(view))
}

/// Why a prompt is opened again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReopenBody {
    /// Why. Required.
    pub note: String,
}

/// Reopen a resolved safeguarding prompt (manager)
///
/// By a manager of the organisation the prompt is addressed to. The resolution is cleared from
/// the prompt and kept in its history.
#[utoipa::path(
    tag = "safeguarding-prompts",
    params(("id" = uuid::Uuid, Path, description = "Prompt id")),
    request_body = ReopenBody,
    responses(
        (status = 200, description = "Open again", body = PromptView),
        (status = 403, description = "Not a manager of the prompt's organisation"),
        (status = 404, description = "No such prompt visible to your organisation"),
        (status = 409, description = "The prompt is not resolved, or another unresolved prompt covers the same facts"),
        (status = 412, description = "`If-Match` does not match the prompt's ETag"),
        (status = 422, description = "note missing"),
    ),
    security(("bearer" = []))
)]
#[post("/safeguarding-prompts/{id}/reopen")]
pub async fn reopen_prompt(
    ctx: Ctx,
    id: web::Path<PromptId>,
    if_match: IfMatch,
    body: ApiJson<ReopenBody>,
) -> Result<web::Json<PromptView>, ApiError> {
    let id = id.into_inner();
    let note = body.into_inner().note;
    let mut e = Errors::default();
    e.text("note", &note, 4000);
    e.into_result()?;
    let view = ctx
        .write(Permission::ResolvePrompts, "prompt.reopen", move |w| {
            let expect = current_etag(&if_match);
            let row = prompt_assignment::reopen(w, id, &expect, note)?;
            record_view(lifecycle::record(w, row)?, w.now)
        })
        .await?;
    Ok(web::Json(view))
}
