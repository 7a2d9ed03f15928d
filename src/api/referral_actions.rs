//! Referral state changes: send (probation), accept / decline / acknowledge risk (provider),
//! assign a worker (provider manager), withdraw (probation).

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION, PROVIDER};
use super::referrals::{precondition, referral_view, ReferralView};
use crate::auth::Permission;
use crate::db::referrals::ReferralRow;
use crate::domain::ids::ReferralId;
use crate::domain::referral::WithdrawalCode;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::extract::parse_json;
use crate::http::{ApiJson, Ctx};
use crate::services::change::Expect;
use crate::services::referrals::{self, ReferralRecord};
use crate::work::Work;
use actix_web::{post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(send_referral)
        .service(accept_referral)
        .service(decline_referral)
        .service(assign_worker)
        .service(set_provider_reference)
        .service(withdraw_referral)
        .service(acknowledge_risk);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op("send_referral", Permission::Commission, PROBATION, Case),
    op("withdraw_referral", Permission::Commission, PROBATION, Case),
    op(
        "accept_referral",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "decline_referral",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op("assign_worker", Permission::AssignWorker, PROVIDER, Case),
    op(
        "set_provider_reference",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "acknowledge_risk",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
];

/// Runs one state change of a referral under the client's `If-Match`, answering with the
/// caller's view of the result.
async fn act(
    ctx: Ctx,
    permission: Permission,
    action: &'static str,
    if_match: IfMatch,
    change: impl FnOnce(&mut Work, Expect<ReferralRow>) -> Result<ReferralRecord, ApiError>
        + Send
        + 'static,
) -> Result<web::Json<ReferralView>, ApiError> {
    let view = ctx
        .write(permission, action, move |w| {
            let expect = precondition(&if_match);
            referral_view(change(w, &expect)?)
        })
        .await?;
    Ok(web::Json(view))
}

/// Send a referral
///
/// Checks that the provider will be told everything recommendation 2 of the case review
/// requires (offence, RoSH to all four groups from the current assessment, risk management,
/// staff safety, at least one outcome, RAR days within what the order has left, a deadline within
/// the order) and snapshots it as version 1 of the shared context. `422` lists every problem.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Sent", body = ReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "Not a draft"),
        (status = 422, description = "Something the provider must be told is missing or wrong"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/send")]
pub async fn send_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    act(
        ctx,
        Permission::Commission,
        "referral.send",
        if_match,
        move |w, expect| referrals::send(w, id, expect),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcceptReferral {
    /// Must be `true`: the provider confirms it has read the offence and risk information.
    pub risk_information_acknowledged: bool,
}

/// Accept a referral
///
/// The provider accepts, confirming it has read the shared risk information; who and when are recorded.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = AcceptReferral,
    responses(
        (status = 200, description = "Accepted", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not awaiting acceptance"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<AcceptReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    if !body.0.risk_information_acknowledged {
        return Err(ApiError::field(
            "riskInformationAcknowledged",
            "must_be_true",
            "accepting requires confirming the risk information was read",
        ));
    }
    act(
        ctx,
        Permission::DeliverReferral,
        "referral.accept",
        if_match,
        move |w, expect| referrals::accept(w, id, expect),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclineReferral {
    #[schema(example = "No capacity for one-to-one work before the deadline")]
    pub reason: String,
}

/// Decline a referral
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = DeclineReferral,
    responses(
        (status = 200, description = "Declined", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not awaiting acceptance"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/decline")]
pub async fn decline_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<DeclineReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    let mut e = Errors::default();
    e.text("reason", &reason, 2000);
    e.into_result()?;
    act(
        ctx,
        Permission::DeliverReferral,
        "referral.decline",
        if_match,
        move |w, expect| referrals::decline(w, id, expect, &reason),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignWorker {
    /// The worker's subject id.
    #[schema(example = "akhan")]
    pub worker: String,
}

/// Assign a provider worker
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = AssignWorker,
    responses(
        (status = 200, description = "Assigned", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not accepted, or already ended"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/assign")]
pub async fn assign_worker(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<AssignWorker>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let worker = body.into_inner().worker;
    let mut e = Errors::default();
    e.text("worker", &worker, 200);
    e.into_result()?;
    act(
        ctx,
        Permission::AssignWorker,
        "referral.assign",
        if_match,
        move |w, expect| referrals::assign_worker(w, id, expect, &worker),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderReference {
    /// The provider's own id for the referral (its case-management system's), unique per provider.
    #[schema(example = "MIND-2026-0412")]
    pub provider_reference: String,
}

/// Record the provider's own reference
///
/// The provider keeps its own case id on a referral it has accepted, so its system and rarlink
/// can be kept in step: `GET /api/v1/referrals?providerReference=` finds it, and every later
/// event about the referral carries it.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = ProviderReference,
    responses(
        (status = 200, description = "Recorded", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not accepted yet, or another of your referrals has this reference"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[put("/referrals/{id}/provider-reference")]
pub async fn set_provider_reference(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<ProviderReference>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let reference = body.into_inner().provider_reference;
    let mut e = Errors::default();
    e.text("providerReference", &reference, 100);
    e.into_result()?;
    act(
        ctx,
        Permission::DeliverReferral,
        "referral.provider-reference",
        if_match,
        move |w, expect| referrals::set_provider_reference(w, id, expect, &reference),
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WithdrawReferral {
    pub code: WithdrawalCode,
    #[serde(default)]
    pub note: Option<String>,
}

/// Withdraw a referral
///
/// Probation stops the commission, with a coded reason.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = WithdrawReferral,
    responses(
        (status = 200, description = "Withdrawn", body = ReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "Already ended, declined or withdrawn"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<WithdrawReferral>,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.optional_text("note", body.note.as_deref(), 2000);
    e.into_result()?;
    act(
        ctx,
        Permission::Commission,
        "referral.withdraw",
        if_match,
        move |w, expect| referrals::withdraw(w, id, expect, body.code, body.note.as_deref()),
    )
    .await
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskAcknowledgement {
    /// The version read; defaults to the latest. Acknowledging an older version is refused.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Acknowledge updated risk information
///
/// After probation records a risk change, the provider confirms it has read the new version of
/// the shared context.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body(content = Option<RiskAcknowledgement>, description = "Optional; an empty body acknowledges the latest version"),
    responses(
        (status = 200, description = "Acknowledged", body = ReferralView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "Not live, or the version given is not the latest"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/risk-acknowledgement")]
pub async fn acknowledge_risk(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: web::Bytes,
) -> Result<web::Json<ReferralView>, ApiError> {
    let id = id.into_inner();
    let version = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_json::<RiskAcknowledgement>(&body)?.version
    };
    let action = "referral.acknowledge-risk";
    act(
        ctx,
        Permission::DeliverReferral,
        action,
        if_match,
        move |w, expect| referrals::acknowledge_risk(w, id, expect, version),
    )
    .await
}
