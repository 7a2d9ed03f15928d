//! Action plans on a referral: the provider drafts and submits a version, the officer approves it
//! or asks for changes; every version is listed.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION, PROVIDER, PROVIDER_FIRST};
use crate::auth::Permission;
use crate::db::action_plans::ActionPlanRow;
use crate::db::{from_json, stored_id};
use crate::domain::action_plan::{Activity, ChangeRequest, NewActionPlan, PlanStatus};
use crate::domain::ids::{ActionPlanId, ReferralId};
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::action_plans as service;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_action_plan)
        .service(list_action_plans)
        .service(submit_action_plan)
        .service(approve_action_plan)
        .service(request_action_plan_changes);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "create_action_plan",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "submit_action_plan",
        Permission::DeliverReferral,
        PROVIDER,
        Case,
    ),
    op(
        "approve_action_plan",
        Permission::Commission,
        PROBATION,
        Case,
    ),
    op(
        "request_action_plan_changes",
        Permission::Commission,
        PROBATION,
        Case,
    ),
    op(
        "list_action_plans",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
];

/// One version of a referral's action plan.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionPlanView {
    pub id: uuid::Uuid,
    pub referral_id: uuid::Uuid,
    /// 1 for the first version, then 2, 3, …
    pub version: i32,
    pub status: PlanStatus,
    pub activities: Vec<Activity>,
    pub number_of_sessions: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<String>,
    /// When the officer approved it or asked for changes.
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub change_request_note: Option<String>,
}

impl TryFrom<ActionPlanRow> for ActionPlanView {
    type Error = ApiError;

    fn try_from(row: ActionPlanRow) -> Result<Self, ApiError> {
        Ok(ActionPlanView {
            id: stored_id(&row.id)?,
            referral_id: stored_id(&row.referral_id)?,
            activities: from_json(&row.activities, "action plan activities")?,
            version: row.version,
            status: row.status,
            number_of_sessions: row.number_of_sessions,
            created_at: row.created_at.and_utc(),
            created_by: row.created_by,
            submitted_at: row.submitted_at.map(|t| t.and_utc()),
            submitted_by: row.submitted_by,
            decided_at: row.decided_at.map(|t| t.and_utc()),
            decided_by: row.decided_by,
            change_request_note: row.change_request_note,
        })
    }
}

/// Every version of a referral's action plan, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionPlanVersions {
    pub items: Vec<ActionPlanView>,
    /// The id of the current approved version, if any.
    pub current_approved: Option<uuid::Uuid>,
}

/// Draft an action plan (provider)
///
/// A new version: activities, each against one of the referral's desired outcomes, and the
/// number of delivery sessions (1 to 200). Only one version is a draft or waiting at a time.
#[utoipa::path(
    tag = "action-plans",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = NewActionPlan,
    responses(
        (status = 201, description = "Drafted", body = ActionPlanView),
        (status = 404, description = "No such referral sent to your organisation"),
        (status = 409, description = "The referral is not accepted or has ended, or another version is a draft or waiting for a decision"),
        (status = 422, description = "No activities, an unknown desired outcome, or a number of sessions out of range"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/action-plans")]
pub async fn create_action_plan(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<NewActionPlan>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let plan = ctx
        .create(
            Permission::DeliverReferral,
            "action-plan.create",
            move |w| ActionPlanView::try_from(service::create(w, id, body)?),
        )
        .await?;
    Ok(HttpResponse::Created().json(plan))
}

/// List a referral's action plans
///
/// Every version, newest first, with the current approved one named.
#[utoipa::path(
    tag = "action-plans",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Every version", body = ActionPlanVersions),
        (status = 404, description = "No such referral in your organisation's scope"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/action-plans")]
pub async fn list_action_plans(
    ctx: Ctx,
    id: web::Path<ReferralId>,
) -> Result<web::Json<ActionPlanVersions>, ApiError> {
    let id = id.into_inner();
    let list = ctx
        .read(Permission::ReadReferrals, "action-plan.list", move |w| {
            let items: Vec<ActionPlanView> = service::versions(w, id)?
                .into_iter()
                .map(ActionPlanView::try_from)
                .collect::<Result<_, _>>()?;
            let current_approved = items
                .iter()
                .find(|p| p.status == PlanStatus::Approved)
                .map(|p| p.id);
            Ok(ActionPlanVersions {
                items,
                current_approved,
            })
        })
        .await?;
    Ok(web::Json(list))
}

/// Submit an action plan (provider)
#[utoipa::path(
    tag = "action-plans",
    params(
        ("id" = uuid::Uuid, Path, description = "Referral id"),
        ("planId" = uuid::Uuid, Path, description = "Action plan id"),
    ),
    responses(
        (status = 200, description = "Submitted for the officer's decision", body = ActionPlanView),
        (status = 404, description = "No such plan on a referral sent to your organisation"),
        (status = 409, description = "The plan is not a draft"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/action-plans/{planId}/submit")]
pub async fn submit_action_plan(
    ctx: Ctx,
    path: web::Path<(ReferralId, ActionPlanId)>,
) -> Result<web::Json<ActionPlanView>, ApiError> {
    let id = path.into_inner();
    let plan = ctx
        .write(
            Permission::DeliverReferral,
            "action-plan.submit",
            move |w| ActionPlanView::try_from(service::submit(w, id)?),
        )
        .await?;
    Ok(web::Json(plan))
}

/// Approve an action plan (probation)
///
/// The approved version becomes the current plan; an earlier approved version is superseded.
#[utoipa::path(
    tag = "action-plans",
    params(
        ("id" = uuid::Uuid, Path, description = "Referral id"),
        ("planId" = uuid::Uuid, Path, description = "Action plan id"),
    ),
    responses(
        (status = 200, description = "Approved", body = ActionPlanView),
        (status = 404, description = "No such plan in your organisation"),
        (status = 409, description = "The plan is not submitted"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/action-plans/{planId}/approve")]
pub async fn approve_action_plan(
    ctx: Ctx,
    path: web::Path<(ReferralId, ActionPlanId)>,
) -> Result<web::Json<ActionPlanView>, ApiError> {
    let id = path.into_inner();
    let plan = ctx
        .write(Permission::Commission, "action-plan.approve", move |w| {
            ActionPlanView::try_from(service::approve(w, id)?)
        })
        .await?;
    Ok(web::Json(plan))
}

/// Ask for changes to an action plan (probation)
#[utoipa::path(
    tag = "action-plans",
    params(
        ("id" = uuid::Uuid, Path, description = "Referral id"),
        ("planId" = uuid::Uuid, Path, description = "Action plan id"),
    ),
    request_body = ChangeRequest,
    responses(
        (status = 200, description = "Sent back; the provider writes a new version", body = ActionPlanView),
        (status = 404, description = "No such plan in your organisation"),
        (status = 409, description = "The plan is not submitted"),
        (status = 422, description = "A blank or over-long note (at most 4,000 characters)"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/action-plans/{planId}/request-changes")]
pub async fn request_action_plan_changes(
    ctx: Ctx,
    path: web::Path<(ReferralId, ActionPlanId)>,
    body: ApiJson<ChangeRequest>,
) -> Result<web::Json<ActionPlanView>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    let plan = ctx
        .write(
            Permission::Commission,
            "action-plan.request-changes",
            move |w| ActionPlanView::try_from(service::request_changes(w, id, body)?),
        )
        .await?;
    Ok(web::Json(plan))
}
