//! Operations endpoints: liveness, readiness (database and migrations) and Prometheus metrics.

use super::operations::Access;
use super::operations::Caller::Anyone;
use super::operations::Reach::Public;
use crate::error::ApiError;
use crate::http::AppState;
use crate::services::health;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready).service(metrics);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    Access {
        operation: "live",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
    Access {
        operation: "ready",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
    Access {
        operation: "metrics",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
];

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    /// The storage backend in use (`sqlite` or `postgres`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    pub database: Option<String>,
    /// Whether e-mail notifications are sent (`on`), or recorded as skipped because
    /// `RARLINK_SMTP_URL` is not set (`off`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "on")]
    pub email: Option<String>,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: None,
        email: None,
    })
}

/// The database is reachable and every migration is applied.
///
/// `email` says whether e-mail notifications are sent (`on`) or, with `RARLINK_SMTP_URL` unset,
/// recorded as skipped (`off`).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is unreachable or migrations are pending"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let database = state.db.run(health::ready).await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
        database: Some(database.into()),
        email: Some(if state.mailer.is_some() { "on" } else { "off" }.into()),
    }))
}

/// Prometheus metrics: requests and latency per route, database pool state.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.db.pool().state();
    let max = state.db.pool().max_size();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(
            state
                .metrics
                .render(pool.connections, pool.idle_connections, max),
        )
}
