//! `/api/v1/orders` and `/people/{crn}/orders`: orders with offences, and their RAR day accounting.

use super::pagination::{Page, PageQuery};
use super::people::crn_param;
use crate::auth::Permission;
use crate::db::orders::{self as rows, OrderRow};
use crate::db::referrals;
use crate::db::to_json;
use crate::domain::events::EventType;
use crate::domain::order::{NewOrder, Offence, Officer, OrderStatus, OrderType};
use crate::error::ApiError;
use crate::http::etag::tagged;
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::delivery::{delivered_days, order_delivered_days};
use crate::services::rar::{self, RarSummary};
use crate::services::referrals::offences;
use crate::work::Event;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(rar_summary);
}

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

pub fn order_view(row: OrderRow) -> Result<OrderView, ApiError> {
    Ok(OrderView {
        id: row.id.parse().unwrap_or_default(),
        offences: offences(&row)?,
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
            let person = access::person(w, &crn)?;
            let row = OrderRow {
                id: uuid::Uuid::now_v7().to_string(),
                crn: person.crn.clone(),
                managing_org: person.managing_org.clone(),
                order_type: order.order_type,
                start_date: order.start_date,
                end_date: order.end_date,
                rar_max_days: order.rar_max_days as i32,
                responsible_officer: order.responsible_officer.sub.trim().to_string(),
                responsible_officer_name: order.responsible_officer.name.clone(),
                offences: to_json(&order.offences)?,
                status: OrderStatus::Active,
                terminated_at: None,
                created_at: w.now.naive_utc(),
                created_by: w.me.caller.sub.clone(),
            };
            rows::insert(w.conn, &row)?;
            w.emit(Event {
                event_type: EventType::OrderCreated,
                description: format!("{} recorded for {}", order.order_type.as_str(), person.crn),
                detail_path: format!("/api/v1/orders/{}", row.id),
                additional_information: serde_json::json!({
                    "orderId": row.id,
                    "rarMaxDays": row.rar_max_days,
                    "endDate": row.end_date,
                    "domesticAbuseRelated": order.domestic_abuse_related(),
                }),
                crn: Some(person.crn.clone()),
                org: person.managing_org.clone(),
                provider_org: None,
            });
            order_view(row)
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
    let list = ctx
        .read(Permission::ReadCaseRecord, "order.list", move |w| {
            let person = access::person(w, &crn)?;
            rows::for_person(w.conn, &person.crn)?
                .into_iter()
                .map(order_view)
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(web::Json(Page::of_list(list, &page, |i| i.id.to_string())?))
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
pub async fn get_order(ctx: Ctx, id: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadCaseRecord, "order.read", move |w| {
            order_view(access::order(w, &id)?)
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
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<RarSummary>, ApiError> {
    let id = id.into_inner();
    let summary = ctx
        .read(Permission::ReadCaseRecord, "order.rar", move |w| {
            let order = access::order(w, &id)?;
            let referrals = referrals::for_order(w.conn, &order.id)?;
            let mut delivered = std::collections::HashMap::new();
            for r in &referrals {
                delivered.insert(r.id.clone(), delivered_days(w.conn, r)?);
            }
            let order_delivered = order_delivered_days(w.conn, &order, &referrals)?;
            Ok(rar::summary(
                &order,
                &referrals,
                |r| delivered.get(&r.id).copied().unwrap_or(0),
                order_delivered,
            ))
        })
        .await?;
    Ok(web::Json(summary))
}
