//! `/api/v1/webhook-subscriptions` (admin): push an organisation's events to an integrator's URL,
//! signed with Standard Webhooks headers, with every delivery attempt logged.

use super::operations::Caller::Admin;
use super::operations::Reach::Platform;
use super::operations::{op, Access};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::webhooks::{DeliveryRow, SubscriptionRow};
use crate::domain::events::EventType;
use crate::domain::validate::Errors;
use crate::domain::webhook::DeliveryStatus;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::webhooks::{self, Subscribe};
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

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "create_subscription",
        Permission::ManageWebhooks,
        &[Admin],
        Platform,
    ),
    op(
        "list_subscriptions",
        Permission::ManageWebhooks,
        &[Admin],
        Platform,
    ),
    op(
        "list_deliveries",
        Permission::ManageWebhooks,
        &[Admin],
        Platform,
    ),
];

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
        id: crate::db::stored_id(&row.id)?,
        event_types: webhooks::event_types(&row)?,
        secret: with_secret.then_some(row.secret),
        url: row.url,
        org: row.org,
        active: row.active,
        created_at: row.created_at.and_utc(),
    })
}

impl NewSubscription {
    /// The subscription this body asks for, or `422` naming every bad field.
    fn subscription(self) -> Result<Subscribe, ApiError> {
        let mut e = Errors::default();
        e.text("url", &self.url, 2000);
        match reqwest::Url::parse(self.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => e.add(
                "url",
                "invalid",
                "url must be an absolute http or https URL",
            ),
        }
        e.list("eventTypes", &self.event_types, 100, 200);
        let mut event_types = Vec::new();
        for (i, t) in self.event_types.iter().enumerate() {
            match EventType::parse(t) {
                Some(t) => event_types.push(t),
                None => e.add(
                    &format!("eventTypes[{i}]"),
                    "unknown",
                    format!("{t} is not an event type rarlink publishes (see GET /api/v1/events)"),
                ),
            }
        }
        e.into_result()?;
        Ok(Subscribe {
            url: self.url.trim().to_string(),
            event_types,
            org: self.org,
        })
    }
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
    let subscription = body.into_inner().subscription()?;
    let view = ctx
        .create(
            Permission::ManageWebhooks,
            "webhook-subscription.create",
            move |w| view(webhooks::subscribe(w, subscription)?, true),
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
    let limit = page.limit()?;
    let after = page.after()?;
    let page = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-subscription.list",
            move |w| {
                let views = webhooks::subscriptions(w, after.as_deref(), limit + 1)?
                    .into_iter()
                    .map(|r| view(r, false))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(views, limit, |v| v.id.to_string(), |v| v))
            },
        )
        .await?;
    Ok(web::Json(page))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: uuid::Uuid,
    pub event_id: String,
    pub event_type: String,
    /// `PENDING`, `IN_FLIGHT`, `DELIVERED` or `FAILED` (given up after 10 attempts).
    #[schema(value_type = String)]
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl TryFrom<DeliveryRow> for DeliveryView {
    type Error = ApiError;

    fn try_from(d: DeliveryRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: crate::db::stored_id(&d.id)?,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.and_utc(),
            last_attempt_at: d.last_attempt_at.map(|t| t.and_utc()),
            last_status_code: d.last_status,
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| t.and_utc()),
        })
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
    let id = id.into_inner();
    let limit = page.limit()?;
    let after = page.after()?;
    let page = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-delivery.list",
            move |w| {
                let views = webhooks::deliveries(w, &id, after.as_deref(), limit + 1)?
                    .into_iter()
                    .map(DeliveryView::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(views, limit, |d| d.id.to_string(), |d| d))
            },
        )
        .await?;
    Ok(web::Json(page))
}
