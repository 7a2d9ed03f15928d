//! Amendments to a sent referral: the officer changes what was commissioned with a reason; both
//! sides read the history with each field's value before and after.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION, PROBATION_FIRST};
use super::pagination::{self, Page, PageQuery};
use super::referrals::precondition;
use crate::auth::Permission;
use crate::db::amendments::AmendmentRow;
use crate::db::{from_json, stored_id};
use crate::domain::amendment::{FieldChange, NewAmendment};
use crate::domain::ids::ReferralId;
use crate::error::ApiError;
use crate::http::etag::IfMatch;
use crate::http::{ApiJson, Ctx};
use crate::services::amendments as service;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(amend_referral).service(list_amendments);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op("amend_referral", Permission::Commission, PROBATION, Case),
    op(
        "list_amendments",
        Permission::ReadReferrals,
        PROBATION_FIRST,
        Case,
    ),
];

/// Who amended a referral.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AmendedBy {
    pub sub: String,
    pub name: String,
}

/// One amendment of a referral.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AmendmentView {
    pub id: uuid::Uuid,
    pub referral_id: uuid::Uuid,
    pub reason: String,
    /// Each field that changed, with its value before and after.
    pub changes: Vec<FieldChange>,
    pub amended_at: DateTime<Utc>,
    pub amended_by: AmendedBy,
}

impl TryFrom<AmendmentRow> for AmendmentView {
    type Error = ApiError;

    fn try_from(row: AmendmentRow) -> Result<Self, ApiError> {
        Ok(AmendmentView {
            id: stored_id(&row.id)?,
            referral_id: stored_id(&row.referral_id)?,
            changes: from_json(&row.changes, "amendment changes")?,
            reason: row.reason,
            amended_at: row.amended_at.and_utc(),
            amended_by: AmendedBy {
                sub: row.amended_by,
                name: row.amended_by_name,
            },
        })
    }
}

/// Amend a sent referral
///
/// Changes the completion deadline, RAR days, desired outcomes (the whole list: an outcome with
/// its `id` keeps it, reworded or not; one without an id is new; one left out is removed, and
/// progress already reported against it stays readable), additional needs or relevant history,
/// with a reason. The new values are checked as when sending: RAR days within what the order has
/// not allocated to other referrals (and not below the days already delivered), a deadline within
/// the order. The referral then shows the amended values, and the provider is told
/// (`rarlink.referral.amended`). `If-Match` (the referral's ETag) is honoured when given.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = NewAmendment,
    responses(
        (status = 201, description = "Amended", body = AmendmentView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "The referral is a draft or has ended"),
        (status = 412, description = "`If-Match` does not match the referral's current ETag"),
        (status = 422, description = "No change, a blank reason, an unknown outcome id, or a value that does not fit the order (e.g. `changes.rarDays`)"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/amendments")]
pub async fn amend_referral(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    if_match: IfMatch,
    body: ApiJson<NewAmendment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let amendment = ctx
        .create(Permission::Commission, "referral.amend", move |w| {
            let expect = precondition(&if_match);
            let (_, amendment) = service::amend(w, id, &expect, body)?;
            AmendmentView::try_from(amendment)
        })
        .await?;
    Ok(HttpResponse::Created().json(amendment))
}

/// List a referral's amendments
///
/// Oldest first, a page at a time, each with the before and after of every field it changed.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "Amendments, oldest first", body = Page<AmendmentView>),
        (status = 404, description = "No such referral in your organisation's scope"),
        (status = 422, description = "A bad `limit` or `cursor`"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/amendments")]
pub async fn list_amendments(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<AmendmentView>>, ApiError> {
    let id = id.into_inner();
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let list = ctx
        .read(Permission::ReadReferrals, "referral.amendments", move |w| {
            let rows = service::page(w, id, after, limit)?;
            let key = |r: &AmendmentRow| pagination::key(&r.amended_at, &r.id);
            Page::try_from_rows(rows, limit, key, AmendmentView::try_from)
        })
        .await?;
    Ok(web::Json(list))
}
