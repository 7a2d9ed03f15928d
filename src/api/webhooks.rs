//! `/api/v1/webhook-subscriptions` (admin): push an organisation's events to an integrator's URL,
//! signed with Standard Webhooks headers, with every delivery attempt logged.

use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::webhooks::{self as rows, DeliveryRow, SubscriptionRow};
use crate::db::{from_json, organisations, to_json};
use crate::domain::events::EventType;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::webhooks::new_secret;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_subscription)
        .service(list_subscriptions)
        .service(list_deliveries);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSubscription {
    /// Where events are POSTed (`http` or `https`).
    #[schema(example = "https://ndelius.example.gov.uk/rarlink-events")]
    pub url: String,
    /// Event types to send; empty for all.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// The organisation whose events are sent (as `GET /events` shows them to it).
    #[schema(example = "PDU-CAMBS")]
    pub org: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    pub id: uuid::Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub org: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// The signing secret (`whsec_…`), shown only when the subscription is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn view(row: SubscriptionRow, with_secret: bool) -> Result<SubscriptionView, ApiError> {
    Ok(SubscriptionView {
        id: row.id.parse().unwrap_or_default(),
        event_types: from_json(&row.event_types, "event types")?,
        secret: with_secret.then_some(row.secret),
        url: row.url,
        org: row.org,
        active: row.active,
        created_at: row.created_at.and_utc(),
    })
}

/// Subscribe to events
///
/// Events visible to `org` are POSTed to `url` as the `GET /events` envelope, with headers
/// `webhook-id`, `webhook-timestamp` and `webhook-signature` (HMAC-SHA256 with the returned
/// secret). Failures are retried with exponential back-off.
#[utoipa::path(
    tag = "webhooks",
    request_body = NewSubscription,
    responses((status = 201, description = "Subscribed; keep the secret", body = SubscriptionView)),
    security(("bearer" = []))
)]
#[post("/webhook-subscriptions")]
pub async fn create_subscription(
    ctx: Ctx,
    body: ApiJson<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut e = Errors::default();
    e.text("url", &body.url, 2000);
    match reqwest::Url::parse(body.url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => e.add(
            "url",
            "invalid",
            "url must be an absolute http or https URL",
        ),
    }
    e.list("eventTypes", &body.event_types, 100, 200);
    for (i, t) in body.event_types.iter().enumerate() {
        if EventType::parse(t).is_none() {
            e.add(
                &format!("eventTypes[{i}]"),
                "unknown",
                format!("{t} is not an event type rarlink publishes (see GET /api/v1/events)"),
            );
        }
    }
    e.into_result()?;
    let view = ctx
        .create(
            Permission::ManageWebhooks,
            "webhook-subscription.create",
            move |w| {
                if organisations::find_by_code(w.conn, &body.org)?.is_none() {
                    return Err(ApiError::field(
                        "org",
                        "unknown",
                        format!("{} is not a registered organisation", body.org),
                    ));
                }
                let row = SubscriptionRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    url: body.url.trim().to_string(),
                    event_types: to_json(&body.event_types)?,
                    org: body.org.clone(),
                    secret: new_secret(),
                    cursor: 0,
                    active: true,
                    created_at: w.now.naive_utc(),
                    created_by: w.me.caller.sub.clone(),
                };
                rows::insert_subscription(w.conn, &row)?;
                view(row, true)
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// List webhook subscriptions
#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses((status = 200, description = "Subscriptions (secrets are not shown)", body = Page<SubscriptionView>)),
    security(("bearer" = []))
)]
#[get("/webhook-subscriptions")]
pub async fn list_subscriptions(
    ctx: Ctx,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<SubscriptionView>>, ApiError> {
    let list = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-subscription.list",
            |w| {
                rows::subscriptions(w.conn)?
                    .into_iter()
                    .map(|r| view(r, false))
                    .collect::<Result<Vec<_>, _>>()
            },
        )
        .await?;
    Ok(web::Json(Page::of_list(list, &page, |i| i.id.to_string())?))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: uuid::Uuid,
    pub event_id: String,
    pub event_type: String,
    /// `PENDING`, `IN_FLIGHT`, `DELIVERED` or `FAILED` (given up after 10 attempts).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(d: DeliveryRow) -> Self {
        Self {
            id: d.id.parse().unwrap_or_default(),
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.and_utc(),
            last_attempt_at: d.last_attempt_at.map(|t| t.and_utc()),
            last_status_code: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
        }
    }
}

/// List a subscription's deliveries
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id"), PageQuery),
    responses(
        (status = 200, description = "Deliveries, oldest first", body = Page<DeliveryView>),
        (status = 404, description = "No such subscription"),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-subscriptions/{id}/deliveries")]
pub async fn list_deliveries(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<DeliveryView>>, ApiError> {
    let id = id.into_inner().to_string();
    let limit = page.limit()?;
    let after = page.after()?;
    let result = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-delivery.list",
            move |w| {
                rows::subscription(w.conn, &id)?
                    .ok_or_else(|| ApiError::not_found("subscription"))?;
                let list = rows::deliveries(w.conn, &id, after.as_deref(), limit + 1)?;
                Ok(Page::from_rows(
                    list,
                    limit,
                    |d| d.id.clone(),
                    DeliveryView::from,
                ))
            },
        )
        .await?;
    Ok(web::Json(result))
}
