//! `/api/v1/webhook-subscriptions`: an organisation's managers and integration clients push its
//! events to their own systems (admins of the platform organisation, to any organisation's),
//! signed with Standard Webhooks headers, to `https` URLs on public addresses only.

use super::operations::Caller::{Admin, Integration, Probation, Provider};
use super::operations::Reach::OwnOrganisation;
use super::operations::{op, Access};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::webhooks::SubscriptionRow;
use crate::domain::events::EventType;
use crate::domain::outbound::AllowHosts;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::webhook_send;
use crate::services::webhooks::{self, Change, Subscribe};
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_subscription)
        .service(list_subscriptions)
        .service(get_subscription)
        .service(update_subscription)
        .service(delete_subscription)
        .service(rotate_secret)
        .service(super::webhook_deliveries::test_subscription)
        .service(super::webhook_deliveries::list_deliveries)
        .service(super::webhook_deliveries::redeliver);
}

/// Who manages subscriptions: an organisation's managers and integration clients, and admins.
pub const MANAGERS: &[super::operations::Caller] = &[Provider, Probation, Integration, Admin];

const fn manage(operation: &'static str) -> Access {
    op(
        operation,
        Permission::ManageWebhooks,
        MANAGERS,
        OwnOrganisation,
    )
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    manage("create_subscription"),
    manage("list_subscriptions"),
    manage("get_subscription"),
    manage("update_subscription"),
    manage("delete_subscription"),
    manage("rotate_secret"),
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSubscription {
    /// Where events are POSTed: `https`, to a public address.
    #[schema(example = "https://ndelius.example.gov.uk/rarlink-events")]
    pub url: String,
    /// Event types to send; empty for all.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// The organisation whose events are sent: the caller's own (the default); platform
    /// admins name any registered organisation.
    #[schema(example = "PDU-CAMBS")]
    pub org: Option<String>,
}

/// A change to a subscription; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `false` stops deliveries; `true` resumes them (and forgets that the subscription was failing).
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    pub id: uuid::Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub org: String,
    /// Off when turned off by its owner, or after failing every delivery for three days.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Since when every delivery attempt has failed, if they have.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation still signs deliveries.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// The signing secret (`whsec_…`), shown only when created or rotated.
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
        failing_since: row.failing_since.map(|t| t.and_utc()),
        previous_secret_expires_at: row.previous_secret_expires_at.map(|t| t.and_utc()),
    })
}

/// The URL, checked: `422` naming `url` when it is not `https` or names or resolves to a
/// refused address.
async fn checked_url(raw: &str, allow: &AllowHosts) -> Result<String, ApiError> {
    let mut e = Errors::default();
    e.text("url", raw, 2000);
    e.into_result()?;
    webhook_send::check_url(raw, allow)
        .await
        .map_err(|reason| ApiError::field("url", "refused", reason))
}

/// Event type names, each one rarlink publishes (`422` naming the first unknown one).
fn checked_types(types: &[String]) -> Result<Vec<EventType>, ApiError> {
    let mut e = Errors::default();
    e.list("eventTypes", types, 100, 200);
    let mut parsed = Vec::new();
    for (i, t) in types.iter().enumerate() {
        match EventType::parse(t) {
            Some(t) => parsed.push(t),
            None => e.add(
                &format!("eventTypes[{i}]"),
                "unknown",
                format!("{t} is not an event type rarlink publishes (see GET /api/v1/events)"),
            ),
        }
    }
    e.into_result()?;
    Ok(parsed)
}

/// Subscribe to events
///
/// Events visible to the organisation are POSTed to `url` as the `GET /events` envelope, with
/// headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks,
/// HMAC-SHA256 with the returned secret). The URL must be `https` and must not name or resolve
/// to a loopback, private, shared, link-local, multicast or unspecified address (checked again
/// at every send); redirects are not followed. Failures are retried with exponential back-off.
#[utoipa::path(
    tag = "webhooks",
    request_body = NewSubscription,
    responses(
        (status = 201, description = "Subscribed; keep the secret", body = SubscriptionView),
        (status = 403, description = "Not a manager or integration client of a registered organisation, nor an admin of the platform organisation"),
        (status = 422, description = "A URL that is not https or names a refused address, an unknown event type, or another organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/webhook-subscriptions")]
pub async fn create_subscription(
    ctx: Ctx,
    body: ApiJson<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let event_types = checked_types(&body.event_types)?;
    let url = checked_url(&body.url, &ctx.state().settings.webhook_allow_hosts).await?;
    let new = Subscribe {
        url,
        event_types,
        org: body.org,
    };
    let platform = ctx.state().settings.platform_org.clone();
    let view = ctx
        .create(
            Permission::ManageWebhooks,
            "webhook-subscription.create",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                view(webhooks::subscribe(w, &who, new)?, true)
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// List webhook subscriptions
///
/// A manager or integration client sees its own organisation's; a platform admin sees all.
#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses(
        (status = 200, description = "Subscriptions (secrets are not shown)", body = Page<SubscriptionView>),
        (status = 403, description = "Not a manager, integration client or platform admin"),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-subscriptions")]
pub async fn list_subscriptions(
    ctx: Ctx,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<SubscriptionView>>, ApiError> {
    let limit = page.limit()?;
    let after = page.after()?;
    let platform = ctx.state().settings.platform_org.clone();
    let page = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-subscription.list",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                let views = webhooks::subscriptions(w, &who, after.as_deref(), limit + 1)?
                    .into_iter()
                    .map(|r| view(r, false))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(views, limit, |v| v.id.to_string(), |v| v))
            },
        )
        .await?;
    Ok(web::Json(page))
}

/// Read a webhook subscription
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription (its secret is not shown)", body = SubscriptionView),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-subscriptions/{id}")]
pub async fn get_subscription(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<SubscriptionView>, ApiError> {
    let id = id.into_inner();
    let platform = ctx.state().settings.platform_org.clone();
    let view = ctx
        .read(
            Permission::ManageWebhooks,
            "webhook-subscription.read",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                view(webhooks::subscription(w, &who, &id)?, false)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// Change a webhook subscription
///
/// Its URL (checked as when subscribing), its event types, or whether it is active.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    request_body = SubscriptionChange,
    responses(
        (status = 200, description = "Changed", body = SubscriptionView),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
        (status = 422, description = "A refused URL or an unknown event type"),
    ),
    security(("bearer" = []))
)]
#[patch("/webhook-subscriptions/{id}")]
pub async fn update_subscription(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<SubscriptionChange>,
) -> Result<web::Json<SubscriptionView>, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let change = Change {
        event_types: body.event_types.as_deref().map(checked_types).transpose()?,
        url: match &body.url {
            Some(u) => Some(checked_url(u, &ctx.state().settings.webhook_allow_hosts).await?),
            None => None,
        },
        active: body.active,
    };
    let platform = ctx.state().settings.platform_org.clone();
    let view = ctx
        .write(
            Permission::ManageWebhooks,
            "webhook-subscription.update",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                view(webhooks::change(w, &who, &id, change)?, false)
            },
        )
        .await?;
    Ok(web::Json(view))
}

/// Delete a webhook subscription
///
/// Deliveries stop and its delivery log is deleted with it.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
    ),
    security(("bearer" = []))
)]
#[delete("/webhook-subscriptions/{id}")]
pub async fn delete_subscription(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let platform = ctx.state().settings.platform_org.clone();
    ctx.write(
        Permission::ManageWebhooks,
        "webhook-subscription.delete",
        move |w| {
            let who = webhooks::manages(w, &platform)?;
            webhooks::delete(w, &who, &id)
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a subscription's secret
///
/// Returns the new secret. The previous one keeps signing deliveries beside it for the overlap
/// (`RARLINK_WEBHOOK_SECRET_OVERLAP_HOURS`, 24 by default): `webhook-signature` then carries
/// two space-separated `v1,` signatures, so a receiver may switch secrets at its own pace.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = uuid::Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "Rotated; keep the new secret", body = SubscriptionView),
        (status = 403, description = "Not a manager, integration client or platform admin"),
        (status = 404, description = "No such subscription of the caller's organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/webhook-subscriptions/{id}/rotate-secret")]
pub async fn rotate_secret(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<SubscriptionView>, ApiError> {
    let id = id.into_inner();
    let platform = ctx.state().settings.platform_org.clone();
    let overlap = ctx.state().settings.webhook_secret_overlap;
    let view = ctx
        .write(
            Permission::ManageWebhooks,
            "webhook-subscription.rotate-secret",
            move |w| {
                let who = webhooks::manages(w, &platform)?;
                view(webhooks::rotate_secret(w, &who, &id, overlap)?, true)
            },
        )
        .await?;
    Ok(web::Json(view))
}
