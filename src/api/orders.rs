//! `/api/v1/orders` and `/people/{crn}/orders`: orders with offences, and their RAR day accounting.

use super::operations::Reach::Case;
use super::operations::{op, Access, CASE_RECORD, PROBATION};
use super::pagination::{self, Page, PageQuery};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::stored_id;
use crate::domain::ids::OrderId;
use crate::domain::order::{NewOrder, Offence, Officer, OfficerRef, OrderStatus, OrderType};
use crate::domain::validate::Errors;
use crate::error::{ApiError, FieldError};
use crate::http::etag::tagged;
use crate::http::{ApiJson, Ctx};
use crate::services::orders::{self, Order};
use crate::services::prompt_assignment;
use crate::services::rar::RarSummary;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(rar_summary)
        .service(transfer_order);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op("list_orders", Permission::ReadCaseRecord, CASE_RECORD, Case),
    op(
        "create_order",
        Permission::WriteCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op("get_order", Permission::ReadCaseRecord, CASE_RECORD, Case),
    op("rar_summary", Permission::ReadCaseRecord, CASE_RECORD, Case),
    op("transfer_order", Permission::Commission, PROBATION, Case),
];

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub id: uuid::Uuid,
    pub crn: String,
    #[serde(rename = "type")]
    pub order_type: OrderType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub offences: Vec<Offence>,
    pub rar_max_days: u32,
    pub responsible_officer: Officer,
    /// `ACTIVE` or `TERMINATED`.
    #[schema(value_type = String, example = "ACTIVE")]
    pub status: OrderStatus,
    pub terminated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn order_view(order: Order) -> Result<OrderView, ApiError> {
    let row = order.row;
    Ok(OrderView {
        id: stored_id(&row.id)?,
        offences: order.offences,
        order_type: row.order_type,
        crn: row.crn,
        start_date: row.start_date,
        end_date: row.end_date,
        rar_max_days: row.rar_max_days.max(0) as u32,
        responsible_officer: Officer {
            sub: row.responsible_officer,
            name: row.responsible_officer_name,
        },
        status: row.status,
        terminated_at: row.terminated_at.map(|t| t.and_utc()),
        created_at: row.created_at.and_utc(),
    })
}

/// Record an order
///
/// A community order or suspended sentence order with its offences and RAR maximum.
#[utoipa::path(
    tag = "orders",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = NewOrder,
    responses(
        (status = 201, description = "Recorded", body = OrderView),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/people/{crn}/orders")]
pub async fn create_order(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<NewOrder>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let order = body.into_inner();
    order
        .validate(crate::rules::working_days::london_date(ctx.now()))
        .into_result()?;
    let view = ctx
        .create(Permission::WriteCaseRecord, "order.create", move |w| {
            order_view(orders::create(w, &crn, order)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/orders/{}", view.id)))
        .json(view))
}

/// List a person's orders
#[utoipa::path(
    tag = "orders",
    params(("crn" = String, Path, description = "Case reference number"), PageQuery),
    responses(
        (status = 200, description = "Orders by start date", body = Page<OrderView>),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/orders")]
pub async fn list_orders(
    ctx: Ctx,
    crn: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<OrderView>>, ApiError> {
    let crn = crn_param(&crn)?;
    let limit = page.limit()?;
    let after = page.after_key::<NaiveDate>()?;
    let list = ctx
        .read(Permission::ReadCaseRecord, "order.list", move |w| {
            let rows = orders::of_person(w, &crn, after, limit + 1)?;
            Page::try_from_rows(
                rows,
                limit,
                |o| pagination::key(&o.row.start_date, &o.row.id),
                order_view,
            )
        })
        .await?;
    Ok(web::Json(list))
}

/// Read an order
#[utoipa::path(
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 404, description = "No such order in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/orders/{id}")]
pub async fn get_order(ctx: Ctx, id: web::Path<OrderId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadCaseRecord, "order.read", move |w| {
            order_view(orders::get(w, id)?)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// RAR days of an order
///
/// The maximum, what is allocated to referrals, what has been delivered (one day per distinct
/// London date with an attended delivery session), and what remains, per referral.
#[utoipa::path(
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    responses(
        (status = 200, description = "RAR day accounting", body = RarSummary),
        (status = 404, description = "No such order in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/orders/{id}/rar")]
pub async fn rar_summary(
    ctx: Ctx,
    id: web::Path<OrderId>,
) -> Result<web::Json<RarSummary>, ApiError> {
    let id = id.into_inner();
    let summary = ctx
        .read(Permission::ReadCaseRecord, "order.rar", move |w| {
            orders::rar_summary(w, id)
        })
        .await?;
    Ok(web::Json(summary))
}

/// A change of responsible officer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPatch {
    /// The new responsible officer: `"jsmith"` or `{"sub": "jsmith", "name": "J Smith"}`. Required.
    #[serde(default)]
    #[schema(value_type = Option<OfficerRef>)]
    pub responsible_officer: Option<Officer>,
}

/// Transfer an order to another responsible officer (probation manager)
///
/// The order names the new officer, and every unresolved safeguarding prompt on it named to the
/// previous officer moves to the new one, in one transaction; the transfer shows in the
/// chronology (`rarlink.order.transferred`) and each prompt's history.
#[utoipa::path(
    tag = "orders",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = OrderPatch,
    responses(
        (status = 200, description = "Transferred", body = OrderView),
        (status = 403, description = "Not a probation manager"),
        (status = 404, description = "No such order in your organisation"),
        (status = 409, description = "The order is already with that officer"),
        (status = 422, description = "responsibleOfficer missing or blank"),
    ),
    security(("bearer" = []))
)]
#[patch("/orders/{id}")]
pub async fn transfer_order(
    ctx: Ctx,
    id: web::Path<OrderId>,
    body: ApiJson<OrderPatch>,
) -> Result<web::Json<OrderView>, ApiError> {
    let id = id.into_inner();
    let Some(officer) = body.into_inner().responsible_officer else {
        return Err(ApiError::Validation(vec![FieldError::required(
            "responsibleOfficer",
        )]));
    };
    let mut e = Errors::default();
    e.text("responsibleOfficer.sub", &officer.sub, 200);
    e.optional_text("responsibleOfficer.name", officer.name.as_deref(), 200);
    e.into_result()?;
    let view = ctx
        .write(Permission::Commission, "order.transfer", move |w| {
            prompt_assignment::transfer_order(w, id, officer)?;
            order_view(orders::get(w, id)?)
        })
        .await?;
    Ok(web::Json(view))
}
