//! `GET /api/v1/events`: the domain events a caller may see, in commit order (HMPPS-style envelope).

use super::operations::Caller::{Integration, Probation, Provider};
use super::operations::Reach::OwnOrganisation;
use super::operations::{op, Access};
use super::pagination::check_limit;
use crate::auth::Permission;
use crate::domain::events::EventType;
use crate::error::{ApiError, FieldError};
use crate::http::Ctx;
use crate::services::events::{self, EventEnvelope};
use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "list_events",
    Permission::ReadEvents,
    &[Integration, Probation, Provider],
    OwnOrganisation,
)];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Return events with a `sequence` greater than this (default 0: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many events (1 to 200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Only events of this type, e.g. `rarlink.referral.sent` (one of `EventType`; an unknown
    /// name is `422`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub items: Vec<EventEnvelope>,
    /// The `sequence` to pass as `after` for more, when this page was full; otherwise `null`
    /// (poll again later with the last `sequence` you saw).
    pub next_cursor: Option<String>,
}

impl EventPage {
    /// A page of up to `limit` events; a full page names its last `sequence` as the cursor.
    fn of(items: Vec<EventEnvelope>, limit: i64) -> Self {
        let next_cursor = if items.len() as i64 == limit {
            items.last().map(|e| e.sequence.to_string())
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

/// Read domain events
///
/// Events about the caller's organisation's cases (and, for a provider, its referrals), in commit
/// order. The cursor is the event `sequence`; it survives restarts and never skips an event.
#[utoipa::path(
    tag = "events",
    params(EventQuery),
    responses((status = 200, description = "Events after the cursor", body = EventPage)),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn list_events(
    ctx: Ctx,
    query: web::Query<EventQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let limit = check_limit(query.limit)?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "after",
            "out_of_range",
            "after must be zero or more",
        )]));
    }
    let event_type = match query.event_type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(name) => Some(EventType::parse(name).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "type",
                "invalid",
                format!("{name:?} is not an event type this service publishes"),
            )])
        })?),
    };
    let page = ctx
        .read(Permission::ReadEvents, "event.list", move |w| {
            let reader = events::Reader::of(w);
            let items = events::feed(w, event_type.map(EventType::as_str), after, limit)?
                .into_iter()
                .map(|row| {
                    let mut envelope = EventEnvelope::try_from(row)?;
                    events::fit_for_reader(&mut envelope, reader);
                    Ok(envelope)
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(EventPage::of(items, limit))
        })
        .await?;
    Ok(web::Json(page))
}
