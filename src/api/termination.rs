//! The termination review of an order (derived live from its data), its completion and sign-off,
//! and terminating the order, refused while anything is outstanding.

use crate::auth::Permission;
use crate::db::orders::{self, OrderRow};
use crate::db::referrals::{self as referral_rows};
use crate::db::termination::{self as rows, ConfirmationRow, ReviewRow};
use crate::db::{from_json, to_json};
use crate::domain::appointment::enum_str;
use crate::domain::events::EventType;
use crate::domain::order::OrderStatus;
use crate::domain::referral::{Action, ReferralStatus};
use crate::domain::validate::Errors;
use crate::error::{ApiError, BlockingItem};
use crate::http::{ApiJson, Ctx};
use crate::rules::termination::{
    blocking_completion, checklist, sign_off_reasons, status, Item, ItemState, ReviewStatus,
    RiskChange,
};
use crate::services::access;
use crate::services::referrals::{apply, emit};
use crate::services::termination::facts;
use crate::work::{Event, Work};
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
    pub agencies_notified: Vec<String>,
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

fn review_view(w: &mut Work, order: &OrderRow) -> Result<ReviewView, ApiError> {
    let (f, row) = facts(w.conn, order)?;
    let items = checklist(&f);
    let (reoffending, harm) = match &f.completion {
        Some(c) => (c.risk_of_reoffending, c.risk_of_serious_harm),
        None => (RiskChange::Same, RiskChange::Same),
    };
    let reasons = sign_off_reasons(&f, reoffending, harm);
    let st = status(&f, &items, !reasons.is_empty());
    let reopened = f.completion.is_some()
        && matches!(st, ReviewStatus::InProgress | ReviewStatus::ReadyToComplete);
    Ok(ReviewView {
        order_id: order.id.parse().unwrap_or_default(),
        status: st,
        risk_of_reoffending_change: f.completion.as_ref().map(|c| c.risk_of_reoffending),
        risk_of_serious_harm_change: f.completion.as_ref().map(|c| c.risk_of_serious_harm),
        agencies_notified: f
            .completion
            .as_ref()
            .map(|c| c.agencies_notified.clone())
            .unwrap_or_default(),
        evidence: row.as_ref().map(|r| r.evidence.clone()),
        sign_off_required: !reasons.is_empty(),
        sign_off_reasons: reasons,
        completed_at: row.as_ref().map(|r| r.completed_at.and_utc()),
        completed_by: row.as_ref().map(|r| r.completed_by.clone()),
        signed_off_by: row.as_ref().and_then(|r| r.signed_off_by.clone()),
        signed_off_at: row
            .as_ref()
            .and_then(|r| r.signed_off_at.map(|t| t.and_utc())),
        reopened,
        items,
    })
}

fn blocking(item: &Item) -> BlockingItem {
    BlockingItem {
        kind: enum_str(&item.kind),
        description: format!("{}: {}", item.description, item.evidence),
        link: item.link.clone(),
    }
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
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(
            Permission::ReadCasework,
            "termination-review.read",
            move |w| {
                let order = access::order(w, &id)?;
                review_view(w, &order)
            },
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
    let note = body.into_inner().note;
    let mut e = Errors::default();
    e.text("note", &note, 4000);
    e.into_result()?;
    let view = ctx
        .write(
            Permission::Commission,
            "termination-review.confirm",
            move |w| {
                let order = access::order(w, &id)?;
                if order.status == OrderStatus::Terminated {
                    return Err(ApiError::invalid_state(
                        "the order is terminated",
                        OrderStatus::Terminated.as_str(),
                    ));
                }
                let (f, _) = facts(w.conn, &order)?;
                let items = checklist(&f);
                let item = items
                    .iter()
                    .find(|i| i.id == item_id)
                    .ok_or_else(|| ApiError::not_found("review item"))?;
                if !item.confirmable {
                    return Err(ApiError::invalid_state(
                        if item.state == ItemState::Satisfied {
                            "the system already found this item satisfied"
                        } else {
                            "this item cannot be confirmed; act on it (e.g. resolve the prompt)"
                        },
                        enum_str(&item.state),
                    ));
                }
                rows::confirm(
                    w.conn,
                    &ConfirmationRow {
                        order_id: order.id.clone(),
                        item_id: item_id.clone(),
                        confirmed_at: w.now.naive_utc(),
                        confirmed_by: w.me.caller.sub.clone(),
                        note: note.trim().to_string(),
                    },
                )?;
                w.emit(review_event(
                    &order,
                    EventType::TerminationReviewItemConfirmed,
                    format!("Review item confirmed: {}", item.description),
                    serde_json::json!({"itemId": item_id, "note": note.trim()}),
                ));
                review_view(w, &order)
            },
        )
        .await?;
    Ok(web::Json(view))
}

fn review_event(
    order: &OrderRow,
    event_type: EventType,
    description: String,
    info: serde_json::Value,
) -> Event {
    Event {
        event_type,
        description,
        detail_path: format!("/api/v1/orders/{}/termination-review", order.id),
        additional_information: info,
        crn: Some(order.crn.clone()),
        org: order.managing_org.clone(),
        provider_org: None,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteReview {
    pub risk_of_reoffending_change: RiskChange,
    pub risk_of_serious_harm_change: RiskChange,
    /// The evidence for both judgements, triangulated with providers and agencies.
    pub evidence: String,
    /// Who was told of the closure (e.g. police, children's social care, the provider).
    pub agencies_notified: Vec<String>,
}

/// Complete the termination review
///
/// Records whether risk of reoffending and of serious harm went down, up or stayed the same,
/// with evidence, and the agencies told. Refused while any item is outstanding.
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = CompleteReview,
    responses(
        (status = 200, description = "Completed", body = ReviewView),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "Items are outstanding (listed in blockingItems), or the order is terminated"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/termination-review/complete")]
pub async fn complete_review(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<CompleteReview>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("evidence", &body.evidence, 8000);
    if body.agencies_notified.is_empty() {
        e.add(
            "agenciesNotified",
            "required",
            "name the agencies told of the closure",
        );
    }
    e.list("agenciesNotified", &body.agencies_notified, 30, 200);
    e.into_result()?;
    let view = ctx
        .write(
            Permission::Commission,
            "termination-review.complete",
            move |w| {
                let order = access::order(w, &id)?;
                if order.status == OrderStatus::Terminated {
                    return Err(ApiError::invalid_state(
                        "the order is terminated",
                        OrderStatus::Terminated.as_str(),
                    ));
                }
                let (f, _) = facts(w.conn, &order)?;
                let items = checklist(&f);
                let outstanding = blocking_completion(&items);
                if !outstanding.is_empty() {
                    return Err(ApiError::Conflict {
                        detail: format!("{} review item(s) are outstanding", outstanding.len()),
                        current_state: None,
                        blocking_items: outstanding.into_iter().map(blocking).collect(),
                    });
                }
                let reasons = sign_off_reasons(
                    &f,
                    body.risk_of_reoffending_change,
                    body.risk_of_serious_harm_change,
                );
                rows::save(
                    w.conn,
                    &ReviewRow {
                        order_id: order.id.clone(),
                        completed_at: w.now.naive_utc(),
                        completed_by: w.me.caller.sub.clone(),
                        risk_of_reoffending_change: enum_str(&body.risk_of_reoffending_change),
                        risk_of_serious_harm_change: enum_str(&body.risk_of_serious_harm_change),
                        evidence: body.evidence.trim().to_string(),
                        agencies_notified: to_json(&body.agencies_notified)?,
                        sign_off_required: !reasons.is_empty(),
                        sign_off_reasons: to_json(&reasons)?,
                        signed_off_at: None,
                        signed_off_by: None,
                        terminated_at: None,
                        termination_reason: None,
                        termination_date: None,
                    },
                )?;
                w.emit(review_event(
                    &order,
                    EventType::TerminationReviewCompleted,
                    "Termination review completed".into(),
                    serde_json::json!({
                        "riskOfReoffendingChange": body.risk_of_reoffending_change,
                        "riskOfSeriousHarmChange": body.risk_of_serious_harm_change,
                        "signOffRequired": !reasons.is_empty(),
                    }),
                ));
                review_view(w, &order)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// Sign off the termination review (manager)
#[utoipa::path(
    tag = "termination",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "Signed off", body = ReviewView),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "The review is not completed, or it has been reopened"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/termination-review/sign-off")]
pub async fn sign_off(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .write(
            Permission::SignOff,
            "termination-review.sign-off",
            move |w| {
                let order = access::order(w, &id)?;
                let current = review_view(w, &order)?;
                if !matches!(
                    current.status,
                    ReviewStatus::AwaitingSignOff | ReviewStatus::Complete
                ) {
                    return Err(ApiError::invalid_state(
                        "only a completed review can be signed off",
                        enum_str(&current.status),
                    ));
                }
                let mut row = rows::get(w.conn, &order.id)?
                    .ok_or_else(|| ApiError::internal("completed review without a row"))?;
                row.signed_off_at = Some(w.now.naive_utc());
                row.signed_off_by = Some(w.me.caller.sub.clone());
                rows::save(w.conn, &row)?;
                w.emit(review_event(
                    &order,
                    EventType::TerminationReviewSignedOff,
                    "Termination review signed off by a manager".into(),
                    serde_json::json!({"signedOffBy": w.me.caller.sub}),
                ));
                review_view(w, &order)
            },
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
    id: web::Path<uuid::Uuid>,
    body: ApiJson<Terminate>,
) -> Result<web::Json<ReviewView>, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("reason", &body.reason, 2000);
    e.into_result()?;
    let view = ctx
        .write(Permission::Commission, "order.terminate", move |w| {
            let order = access::order(w, &id)?;
            if order.status == OrderStatus::Terminated {
                return Err(ApiError::invalid_state(
                    "the order is already terminated",
                    OrderStatus::Terminated.as_str(),
                ));
            }
            let today = crate::rules::working_days::london_date(w.now);
            if body.termination_date < order.start_date || body.termination_date > today {
                return Err(ApiError::field(
                    "terminationDate",
                    "out_of_range",
                    format!(
                        "terminationDate must be between the order's start ({}) and today",
                        order.start_date
                    ),
                ));
            }
            let review = review_view(w, &order)?;
            if review.status != ReviewStatus::Complete {
                let mut items: Vec<BlockingItem> = review
                    .items
                    .iter()
                    .filter(|i| i.state == ItemState::Outstanding)
                    .map(blocking)
                    .collect();
                let link = Some(format!("/api/v1/orders/{}/termination-review", order.id));
                match review.status {
                    ReviewStatus::AwaitingSignOff => items.push(BlockingItem {
                        kind: "SIGN_OFF".into(),
                        description: format!(
                            "A manager must sign off: {}",
                            review.sign_off_reasons.join("; ")
                        ),
                        link,
                    }),
                    _ => items.push(BlockingItem {
                        kind: "REVIEW_NOT_COMPLETE".into(),
                        description:
                            "The termination review has not been completed since the last change"
                                .into(),
                        link,
                    }),
                }
                return Err(ApiError::Conflict {
                    detail: format!(
                        "the order cannot be terminated: {} item(s) block it",
                        items.len()
                    ),
                    current_state: Some(enum_str(&review.status)),
                    blocking_items: items,
                });
            }
            let now = w.now.naive_utc();
            for mut r in referral_rows::for_order(w.conn, &order.id)? {
                if r.status.is_live() || r.status == ReferralStatus::Draft {
                    apply(&mut r, Action::Withdraw)?;
                    r.withdrawal_code = Some("ORDER_REVOKED_OR_ENDED".into());
                    r.withdrawal_note = Some(format!("Order terminated: {}", body.reason.trim()));
                    r.updated_at = now;
                    referral_rows::save(w.conn, &r)?;
                    emit(
                        w,
                        &r,
                        EventType::ReferralWithdrawn,
                        "Referral withdrawn: the order was terminated".into(),
                        serde_json::json!({"code": "ORDER_REVOKED_OR_ENDED"}),
                    );
                }
            }
            orders::terminate(w.conn, &order.id, now)?;
            let mut row = rows::get(w.conn, &order.id)?
                .ok_or_else(|| ApiError::internal("complete review without a row"))?;
            row.terminated_at = Some(now);
            row.termination_reason = Some(body.reason.trim().to_string());
            row.termination_date = Some(body.termination_date);
            rows::save(w.conn, &row)?;
            let agencies: Vec<String> = from_json(&row.agencies_notified, "agencies notified")?;
            w.emit(Event {
                event_type: EventType::OrderTerminated,
                description: format!("Order terminated: {}", body.reason.trim()),
                detail_path: format!("/api/v1/orders/{}/termination-review", order.id),
                additional_information: serde_json::json!({
                    "orderId": order.id,
                    "reason": body.reason.trim(),
                    "terminationDate": body.termination_date,
                    "riskOfReoffendingChange": review.risk_of_reoffending_change,
                    "riskOfSeriousHarmChange": review.risk_of_serious_harm_change,
                    "evidence": row.evidence,
                    "agenciesNotified": agencies,
                    "signOffReasons": review.sign_off_reasons,
                    "signedOffBy": row.signed_off_by,
                }),
                crn: Some(order.crn.clone()),
                org: order.managing_org.clone(),
                provider_org: None,
            });
            let terminated = orders::get(w.conn, &order.id)?;
            review_view(w, &terminated)
        })
        .await?;
    Ok(web::Json(view))
}
