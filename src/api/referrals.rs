//! `/api/v1/referrals`: commissioning a provider. Drafts are created and edited by probation; the
//! provider sees a referral only once sent, and then only the shared (need-to-know) view.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, PROBATION, PROBATION_FIRST};
use super::pagination::{Page, PageQuery};
pub use super::referral_views::{
    precondition, referral_summary, referral_view, Ending, PersonSummary, ProbationReferralView,
    ReferralSummary, ReferralView, SharedReferralView, Withdrawal,
};
use crate::auth::Permission;
use crate::domain::ids::{OrderId, ReferralId};
use crate::domain::referral::{DesiredOutcome, ReferralContent, ReferralStatus};
use crate::error::{ApiError, FieldError};
use crate::http::etag::{tagged, IfMatch};
use crate::http::extract::{merge_patch, parse_json};
use crate::http::{ApiJson, Ctx};
use crate::services::referrals::{self, Draft};
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_referral)
        .service(update_referral)
        .service(list_referrals)
        .service(get_referral);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op("create_referral", Permission::Commission, PROBATION, Case),
    op(
        "list_referrals",
        Permission::ReadReferrals,
        PROBATION_FIRST,
        OwnOrganisation,
    ),
    op(
        "get_referral",
        Permission::ReadReferrals,
        PROBATION_FIRST,
        Case,
    ),
    op("update_referral", Permission::Commission, PROBATION, Case),
];

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeInput {
    /// Keep an existing outcome's id when editing; new outcomes get one.
    #[serde(default)]
    pub id: Option<uuid::Uuid>,
    #[schema(example = "Understands the impact of abuse on partners and children")]
    pub description: String,
}

/// A referral being drafted; only `providerOrg` is needed to start, everything is checked on send.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralDraft {
    /// The provider organisation's code.
    #[schema(example = "MIND-CAMBS")]
    pub provider_org: Option<String>,
    #[schema(example = "Mental health one-to-one sessions")]
    pub intervention_type: Option<String>,
    #[schema(minimum = 1, example = 10)]
    pub rar_days: Option<u32>,
    pub completion_deadline: Option<NaiveDate>,
    pub desired_outcomes: Option<Vec<OutcomeInput>>,
    /// The nature of the offending, in words the provider can act on.
    pub offence_summary: Option<String>,
    pub relevant_history: Option<String>,
    pub risk_management_summary: Option<String>,
    /// How the provider's staff must work with the person ("no specific measures" if none).
    pub staff_safety: Option<String>,
    pub additional_needs: Option<String>,
}

/// The draft as the client wrote it: the base a merge patch applies to.
impl From<Draft> for ReferralDraft {
    fn from(
        Draft {
            provider_org,
            content: c,
        }: Draft,
    ) -> Self {
        ReferralDraft {
            provider_org,
            intervention_type: c.intervention_type,
            rar_days: c.rar_days,
            completion_deadline: c.completion_deadline,
            desired_outcomes: Some(
                c.desired_outcomes
                    .into_iter()
                    .map(|o| OutcomeInput {
                        id: Some(o.id),
                        description: o.description,
                    })
                    .collect(),
            ),
            offence_summary: c.offence_summary,
            relevant_history: c.relevant_history,
            risk_management_summary: c.risk_management_summary,
            staff_safety: c.staff_safety,
            additional_needs: c.additional_needs,
        }
    }
}

/// The draft as stored: text trimmed, and an id for each new outcome.
impl From<ReferralDraft> for Draft {
    fn from(d: ReferralDraft) -> Self {
        let trim = |s: Option<String>| s.map(|v| v.trim().to_string());
        Draft {
            provider_org: d.provider_org,
            content: ReferralContent {
                intervention_type: trim(d.intervention_type),
                rar_days: d.rar_days,
                completion_deadline: d.completion_deadline,
                desired_outcomes: d
                    .desired_outcomes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|o| DesiredOutcome {
                        id: o.id.unwrap_or_else(uuid::Uuid::now_v7),
                        description: o.description.trim().to_string(),
                    })
                    .collect(),
                offence_summary: trim(d.offence_summary),
                relevant_history: trim(d.relevant_history),
                risk_management_summary: trim(d.risk_management_summary),
                staff_safety: trim(d.staff_safety),
                additional_needs: trim(d.additional_needs),
            },
        }
    }
}

/// The draft after the client's JSON merge patch, read as a new draft would be.
fn patched(current: Draft, patch: &serde_json::Value) -> Result<Draft, ApiError> {
    let mut doc = serde_json::to_value(ReferralDraft::from(current))
        .map_err(|e| ApiError::internal_from("serialising", e))?;
    merge_patch(&mut doc, patch);
    Ok(parse_json::<ReferralDraft>(doc.to_string().as_bytes())?.into())
}

/// Draft a referral
///
/// Starts commissioning a provider under an order. Only `providerOrg` is needed now; everything
/// a provider must be told is checked when the referral is sent.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = ReferralDraft,
    responses(
        (status = 201, description = "Draft created", body = ProbationReferralView),
        (status = 404, description = "No such order in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/referrals")]
pub async fn create_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<ReferralDraft>,
) -> Result<HttpResponse, ApiError> {
    let order_id = id.into_inner();
    let draft = Draft::from(body.into_inner());
    let view = ctx
        .create(Permission::Commission, "referral.create", move |w| {
            referral_view(referrals::create_draft(w, OrderId::from(order_id), draft)?)
        })
        .await?;
    Ok(tagged(StatusCode::CREATED, &view))
}

/// Edit a draft referral
///
/// A JSON merge patch of the draft's fields (`null` clears one). Only drafts can be edited;
/// send `If-Match` to refuse the change if someone else edited it first.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = ReferralDraft,
    responses(
        (status = 200, description = "Updated", body = ProbationReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "The referral is no longer a draft"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[patch("/referrals/{id}")]
pub async fn update_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "invalid",
            "a merge patch is a JSON object",
        )]));
    }
    let view = ctx
        .write(Permission::Commission, "referral.update", move |w| {
            let expect = precondition(&if_match);
            let record =
                referrals::update_draft(w, id, &expect, |current| patched(current, &patch))?;
            referral_view(record)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// Read a referral
///
/// Probation gets the full referral; a provider gets the shared view of a referral sent to it:
/// offence, risk of serious harm, flags, risk management, staff safety and desired outcomes.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView),
        (status = 404, description = "No such referral visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}")]
pub async fn get_referral(ctx: Ctx, id: web::Path<ReferralId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadReferrals, "referral.read", move |w| {
            referral_view(referrals::get(w, id)?)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Only the referral the provider knows by this reference (its own case id).
    #[serde(rename = "providerReference")]
    #[param(rename = "providerReference")]
    pub provider_reference: Option<String>,
    /// `true`: only referrals assigned to the caller (a provider worker's own caseload).
    #[serde(rename = "assignedToMe")]
    #[param(rename = "assignedToMe")]
    pub assigned_to_me: Option<bool>,
}

/// List referrals
///
/// Probation sees its organisation's referrals (drafts included); a provider sees those sent to it.
/// Newest first. `assignedToMe=true` keeps those assigned to the caller (a provider worker's own).
#[utoipa::path(
    tag = "referrals",
    params(ReferralQuery, PageQuery),
    responses((status = 200, description = "Referrals, newest first", body = Page<ReferralSummary>)),
    security(("bearer" = []))
)]
#[get("/referrals")]
pub async fn list_referrals(
    ctx: Ctx,
    filter: web::Query<ReferralQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<ReferralSummary>>, ApiError> {
    let limit = page.limit()?;
    let before = page.after()?;
    let status = filter.status;
    let provider_reference = filter.provider_reference.clone();
    let assigned_to_me = filter.assigned_to_me.unwrap_or(false);
    let result = ctx
        .read(Permission::ReadReferrals, "referral.list", move |w| {
            let rows = referrals::list(
                w,
                status,
                provider_reference.as_deref(),
                assigned_to_me,
                before.as_deref(),
                limit,
            )?;
            let items = rows
                .into_iter()
                .map(referral_summary)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_rows(items, limit, |s| s.id.to_string(), |s| s))
        })
        .await?;
    Ok(web::Json(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft() -> Draft {
        Draft::from(ReferralDraft {
            provider_org: Some("MIND-CAMBS".into()),
            intervention_type: Some(" One-to-one ".into()),
            rar_days: Some(10),
            desired_outcomes: Some(vec![OutcomeInput {
                id: None,
                description: "Manages anger ".into(),
            }]),
            ..ReferralDraft::default()
        })
    }

    #[test]
    fn a_draft_is_stored_trimmed_with_an_id_for_each_new_outcome() {
        let d = draft();
        assert_eq!(d.content.intervention_type.as_deref(), Some("One-to-one"));
        assert_eq!(d.content.desired_outcomes[0].description, "Manages anger");
        assert!(!d.content.desired_outcomes[0].id.is_nil());
    }

    #[test]
    fn a_merge_patch_replaces_clears_and_keeps_fields() {
        let current = draft();
        let outcome = current.content.desired_outcomes[0].id;
        let cases: [(serde_json::Value, Option<u32>, Option<&str>); 3] = [
            (json!({}), Some(10), Some("One-to-one")),
            (json!({"rarDays": 8}), Some(8), Some("One-to-one")),
            (json!({"interventionType": null}), Some(10), None),
        ];
        for (patch, rar_days, intervention) in cases {
            let next = patched(current.clone(), &patch).unwrap();
            assert_eq!(next.content.rar_days, rar_days, "{patch}");
            assert_eq!(
                next.content.intervention_type.as_deref(),
                intervention,
                "{patch}"
            );
            assert_eq!(next.content.desired_outcomes[0].id, outcome, "{patch}");
            assert_eq!(next.provider_org.as_deref(), Some("MIND-CAMBS"));
        }
        let unknown = patched(current, &json!({"colour": "blue"})).unwrap_err();
        assert_eq!(unknown.to_problem().status, 422);
    }
}
