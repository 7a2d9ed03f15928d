//! A webhook subscription's deliveries: the log (status and timing of each attempt, never the
//! receiver's error text), sending one again, and a signed `rarlink.ping` test delivery.

use super::operations::Access;
use super::pagination::{Page, PageQuery};
use super::webhooks::MANAGERS;
use crate::auth::Permission;
use crate::db::webhooks::DeliveryRow;
use crate::domain::webhook::DeliveryStatus;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::{webhook_send, webhooks};
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

const fn manage(operation: &'static str) -> Access {
    super::operations::op(
        operation,
        Permission::ManageWebhooks,
        MANAGERS,
        super::operations::Reach::OwnOrganisation,
    )
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    manage("test_subscription"),
    manage("list_deliveries"),
    manage("redeliver"),
];

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
    /// The receiver's HTTP status on the last attempt, when it answered.
    pub last_status_code: Option<i32>,
    /// What kind of failure the last attempt was (`HTTP 500`, `timed out`, `could not connect`,
    /// `refused address`); never the receiver's own text.
    pub last_error: Option<String>,
    /// How long the last attempt took.
    pub last_duration_ms: Option<i32>,
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
            last_duration_ms: d.last_duration_ms,
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
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
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
    let platform = ctx.state().settings.platform_org.clone();
    let page = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-delivery.list",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                let views = webhooks::deliveries(w, &who, &id, after.as_deref(), limit + 1)?
                    .into_iter()
                    .map(DeliveryView::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(views, limit, |d| d.id.to_string(), |d| d))
            },
        )
        .await?;
    Ok(web::Json(page))
}

/// Send a delivery again
///
/// The delivery is due again at once (sent by the next background run) with a fresh count of
/// attempts, whatever became of it before.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Delivery id")),
    responses(
        (status = 200, description = "Due again", body = DeliveryView),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such delivery of the caller's organisation's subscriptions"),
        (status = 409, description = "The delivery is being sent now"),
    ),
    security(("bearer" = []))
)]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<DeliveryView>, ApiError> {
    let id = id.into_inner();
    let platform = ctx.state().settings.platform_org.clone();
    let view = ctx
        .write(
            Permission::ManageWebhooks,
            "webhook-delivery.redeliver",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                DeliveryView::try_from(webhooks::redeliver(w, &who, &id)?)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// What a test delivery came to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PingResult {
    /// Whether the receiver answered `2xx`.
    pub delivered: bool,
    pub status_code: Option<u16>,
    /// The kind of failure when it did not answer (`timed out`, `could not connect`, `refused address`).
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// Send a test delivery
///
/// POSTs a signed `rarlink.ping` to the subscription's URL now (through the same checks as
/// every delivery: public addresses only, no redirects, ten seconds at most) and says what
/// came of it. Nothing is logged in the subscription's deliveries.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "What the receiver answered", body = PingResult),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/webhook-subscriptions/{id}/test")]
pub async fn test_subscription(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<PingResult>, ApiError> {
    let id = id.into_inner();
    let platform = ctx.state().settings.platform_org.clone();
    let request = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-subscription.test",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                webhooks::ping(w, &who, &id)
            },
        )
        .await?;
    let state = ctx.state();
    let attempt = webhook_send::send(
        &state.http_client,
        &state.settings.webhook_allow_hosts,
        &request,
    )
    .await;
    Ok(web::Json(PingResult {
        delivered: attempt.status.is_some_and(|s| (200..300).contains(&s)),
        status_code: attempt.status,
        error: attempt.failure.map(str::to_string),
        duration_ms: attempt.duration_ms,
    }))
}
