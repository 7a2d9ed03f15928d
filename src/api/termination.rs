//! The termination review of an order (derived live from its data), its completion and sign-off,
//! and terminating the order, refused while anything is outstanding.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION};
use crate::auth::Permission;
use crate::db::stored_id;
use crate::domain::agency_notice::AgencyNotified;
use crate::domain::ids::OrderId;
use crate::domain::prompt::Agency;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::rules::termination::{Item, ReviewStatus, RiskChange};
use crate::rules::working_days::london_date;
use crate::services::termination::{self, Judgement, ReviewRecord, Termination};
use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_review)
        .service(confirm_item)
        .service(complete_review)
        .service(sign_off)
        .service(terminate_order);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op("get_review", Permission::ReadCasework, PROBATION, Case),
    op("confirm_item", Permission::Commission, PROBATION, Case),
    op("complete_review", Permission::Commission, PROBATION, Case),
    op("sign_off", Permission::SignOff, PROBATION, Case),
    op("terminate_order", Permission::Commission, PROBATION, Case),
];

/// The termination review of an order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub order_id: uuid::Uuid,
    pub status: ReviewStatus,
    pub items: Vec<Item>,
    pub risk_of_reoffending_change: Option<RiskChange>,
    pub risk_of_serious_harm_change: Option<RiskChange>,
    pub evidence: Option<String>,
    /// The agencies told of the closure, as recorded when the review was completed.
    pub agencies_notified: Vec<AgencyNotified>,
    /// A manager must sign off (risk increased, RAR not fulfilled, or a prompt judged not required).
    pub sign_off_required: bool,
    pub sign_off_reasons: Vec<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<DateTime<Utc>>,
    /// True when the review had been completed but something recorded since reopened it.
    pub reopened: bool,
}

fn review_view(record: ReviewRecord) -> Result<ReviewView, ApiError> {
    let review = record.review();
    let completion = record.facts.completion;
    let row = record.row;
    Ok(ReviewView {
        order_id: stored_id(&record.order.id)?,
        status: review.status,
        risk_of_reoffending_change: completion.as_ref().map(|c| c.risk_of_reoffending),
        risk_of_serious_harm_change: completion.as_ref().map(|c| c.risk_of_serious_harm),
        agencies_notified: completion.map(|c| c.agencies_notified).unwrap_or_default(),
        evidence: row.as_ref().map(|r| r.evidence.clone()),
        sign_off_required: !review.sign_off_reasons.is_empty(),
        sign_off_reasons: review.sign_off_reasons,
        completed_at: row.as_ref().map(|r| r.completed_at.and_utc()),
        completed_by: row.as_ref().map(|r| r.completed_by.clone()),
        signed_off_by: row.as_ref().and_then(|r| r.signed_off_by.clone()),
        signed_off_at: row
            .as_ref()
            .and_then(|r| r.signed_off_at.map(|t| t.and_utc())),
        reopened: review.reopened,
        items: review.items,
    })
}

/// Read the termination review
///
/// The checklist is derived from the order's data every time it is read: RAR days per referral,
/// a report from every provider, every disclosure during the order, every safeguarding prompt,
/// the household, and the agencies told of the closure.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The review", body = ReviewView),
        (status = 404, description = "No such order in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/orders/{id}/termination-review")]
pub async fn get_review(
    ctx: Ctx,
    id: web::Path<OrderId>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(
            Permission::ReadCasework,
            "termination-review.read",
            move |w| review_view(termination::review(w, id)?),
        )
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmItem {
    /// What was considered or decided. Required.
    pub note: String,
}

impl ConfirmItem {
    /// The note, if it is usable (`422` otherwise).
    fn note(self) -> Result<String, ApiError> {
        let mut e = Errors::default();
        e.text("note", &self.note, 4000);
        e.into_result()?;
        Ok(self.note)
    }
}

/// Confirm a review item
///
/// The officer confirms a judgement item (a disclosure considered, the household reviewed, the
/// decision on a RAR shortfall, a provider's feedback recorded) with a note.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id"), ("itemId" = String, Path, description = "Checklist item id")),
    request_body = ConfirmItem,
    responses(
        (status = 200, description = "The review after confirming", body = ReviewView),
        (status = 404, description = "No such order in your organisation, or no such item"),
        (status = 409, description = "The item is satisfied by the system, cannot be confirmed (a prompt must be resolved), or the order is terminated"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/termination-review/items/{itemId}/confirm")]
pub async fn confirm_item(
    ctx: Ctx,
    path: web::Path<(uuid::Uuid, String)>,
    body: ApiJson<ConfirmItem>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let (id, item_id) = path.into_inner();
    let note = body.into_inner().note()?;
    let view = ctx
        .write(
            Permission::Commission,
            "termination-review.confirm",
            move |w| {
                review_view(termination::confirm_item(
                    w,
                    OrderId::from(id),
                    &item_id,
                    &note,
                )?)
            },
        )
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteReview {
    pub risk_of_reoffending_change: RiskChange,
    pub risk_of_serious_harm_change: RiskChange,
    /// The evidence for both judgements, triangulated with providers and agencies.
    pub evidence: String,
    /// Who was told of the closure (e.g. police, children's social care; name any other agency,
    /// such as a provider, in `reference` with agency `OTHER`). At least one, at most 30. When
    /// children or a pregnancy are known, one entry must have agency `CHILDRENS_SOCIAL_CARE` and
    /// the date it was told of the ending, or the answer is `422` naming `agenciesNotified`.
    #[schema(min_items = 1, max_items = 30)]
    pub agencies_notified: Vec<AgencyNotifiedBody>,
}

/// An agency told of the order's ending.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgencyNotifiedBody {
    pub agency: Agency,
    /// When the agency was told of the ending (London date): not in the future, not before 1900.
    pub notified_on: NaiveDate,
    /// The agency's reference, e.g. the MASH contact number (for `OTHER`, also who was told).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reference: Option<String>,
}

/// The most agencies one review may list.
const MAX_AGENCIES: usize = 30;

impl CompleteReview {
    /// The officer's judgement, if the body is complete (`422` listing every problem); no
    /// agency may have been told after `today`.
    fn judgement(self, today: NaiveDate) -> Result<Judgement, ApiError> {
        let mut e = Errors::default();
        e.text("evidence", &self.evidence, 8000);
        if self.agencies_notified.is_empty() {
            e.add(
                "agenciesNotified",
                "required",
                "name the agencies told of the closure",
            );
        } else if self.agencies_notified.len() > MAX_AGENCIES {
            e.add(
                "agenciesNotified",
                "too_many",
                format!("agenciesNotified may hold at most {MAX_AGENCIES} items"),
            );
        }
        for (i, a) in self.agencies_notified.iter().enumerate() {
            let field = format!("agenciesNotified[{i}]");
            if e.plausible_date(&format!("{field}.notifiedOn"), a.notified_on)
                && a.notified_on > today
            {
                e.add(
                    &format!("{field}.notifiedOn"),
                    "future",
                    format!("{field}.notifiedOn cannot be in the future"),
                );
            }
            e.optional_text(&format!("{field}.reference"), a.reference.as_deref(), 200);
        }
        e.into_result()?;
        Ok(Judgement {
            risk_of_reoffending: self.risk_of_reoffending_change,
            risk_of_serious_harm: self.risk_of_serious_harm_change,
            evidence: self.evidence,
            agencies_notified: self
                .agencies_notified
                .into_iter()
                .map(|a| AgencyNotified::new(a.agency, a.notified_on, a.reference))
                .collect(),
        })
    }
}

/// Complete the termination review
///
/// Records whether risk of reoffending and of serious harm went down, up or stayed the same,
/// with evidence, and the agencies told (each with the date it was told). Refused while any item
/// is outstanding.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = CompleteReview,
    responses(
        (status = 200, description = "Completed", body = ReviewView),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "Items are outstanding (listed in blockingItems), or the order is terminated"),
        (status = 422, description = "Evidence missing or too long; agenciesNotified empty or over 30 entries; an unknown agency; a notifiedOn that is not a date, in the future or before 1900; a reference over 200 characters; children or a pregnancy are known and no entry has agency CHILDRENS_SOCIAL_CARE with its date"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/termination-review/complete")]
pub async fn complete_review(
    ctx: Ctx,
    id: web::Path<OrderId>,
    body: ApiJson<CompleteReview>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let judgement = body.into_inner().judgement(london_date(ctx.now()))?;
    let view = ctx
        .write(
            Permission::Commission,
            "termination-review.complete",
            move |w| review_view(termination::complete(w, id, judgement)?),
        )
        .await?;
    Ok(web::Json(view))
}

/// Sign off the termination review (manager)
///
/// By a probation manager other than the person who completed the review.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "Signed off", body = ReviewView),
        (status = 403, description = "Not a probation manager, or the manager who completed the review (separation of duties)"),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "The review is not completed, or it has been reopened"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/termination-review/sign-off")]
pub async fn sign_off(ctx: Ctx, id: web::Path<OrderId>) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .write(
            Permission::SignOff,
            "termination-review.sign-off",
            move |w| review_view(termination::sign_off(w, id)?),
        )
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Terminate {
    #[schema(example = "Order completed")]
    pub reason: String,
    pub termination_date: NaiveDate,
}

impl Terminate {
    /// The termination, if the reason is usable (`422` otherwise).
    fn termination(self) -> Result<Termination, ApiError> {
        let mut e = Errors::default();
        e.text("reason", &self.reason, 2000);
        e.into_result()?;
        Ok(Termination {
            reason: self.reason,
            date: self.termination_date,
        })
    }
}

/// Terminate an order
///
/// Refused with `409` listing every blocking item until the termination review is complete
/// (and signed off where needed). Emits `rarlink.order.terminated` with the review's outcome so
/// whoever holds the case next has the context; live referrals are withdrawn.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = Terminate,
    responses(
        (status = 200, description = "Terminated; the final review", body = ReviewView),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "The review is not complete: blockingItems lists what stops it"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/terminate")]
pub async fn terminate_order(
    ctx: Ctx,
    id: web::Path<OrderId>,
    body: ApiJson<Terminate>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let termination = body.into_inner().termination()?;
    let view = ctx
        .write(Permission::Commission, "order.terminate", move |w| {
            review_view(termination::terminate(w, id, termination)?)
        })
        .await?;
    Ok(web::Json(view))
}
