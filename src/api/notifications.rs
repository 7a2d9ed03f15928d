//! What e-mail notifications were sent to whom and when (`GET /notifications`): the outbox of
//! the caller's organisation, with each one's status, attempts and the kind of any failure.

use super::operations::{op, Access, Caller, Reach::OwnOrganisation};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::notifications::NotificationRow;
use crate::domain::notification::{NotificationKind, NotificationStatus};
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::notifications;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notifications);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "list_notifications",
    Permission::ReadNotifications,
    &[Caller::Probation, Caller::Provider, Caller::Auditor],
    OwnOrganisation,
)];

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: uuid::Uuid,
    /// `ACTION_RAISED`, `ACTION_ASSIGNED`, `ACTION_OVERDUE`, `REFERRAL_RECEIVED`,
    /// `REFERRAL_ENDED_EARLY` or `CASE_NOTE_ARRIVED`.
    pub kind: NotificationKind,
    /// The recipient's subject; none when nobody could be reached (see `lastError`).
    pub recipient: Option<String>,
    /// The address it was (or is to be) sent to.
    pub to: Option<String>,
    pub subject: String,
    /// The path the e-mail links to (after `RARLINK_PUBLIC_URL`).
    pub link: String,
    /// The event that caused it.
    pub event_id: String,
    /// `PENDING`, `IN_FLIGHT`, `SENT`, `FAILED` (given up after 10 attempts) or `SKIPPED`.
    pub status: NotificationStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The kind of the last failure (`could not connect`, `timed out`, `SMTP 550`…), or why it
    /// was skipped.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl TryFrom<NotificationRow> for NotificationView {
    type Error = ApiError;

    fn try_from(r: NotificationRow) -> Result<Self, ApiError> {
        let waiting = NotificationStatus::DUE.contains(&r.status);
        Ok(Self {
            id: crate::db::stored_id(&r.id)?,
            kind: r.kind,
            recipient: r.recipient_sub,
            to: r.to_address,
            subject: r.subject,
            link: r.link_path,
            event_id: r.event_id,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: waiting.then(|| r.next_attempt_at.and_utc()),
            last_attempt_at: r.last_attempt_at.map(|t| t.and_utc()),
            last_error: r.last_error,
            created_at: r.created_at.and_utc(),
            sent_at: r.sent_at.map(|t| t.and_utc()),
        })
    }
}

/// List e-mail notifications
///
/// What was sent to whom and when: the notifications addressed to the caller's organisation's
/// people and managers, newest first. An e-mail names no person and no case: its subject is
/// shown here, and its link.
#[utoipa::path(
    tag = "notifications",
    params(PageQuery),
    responses(
        (status = 200, description = "Notifications, newest first", body = Page<NotificationView>),
        (status = 403, description = "Not a manager or auditor"),
        (status = 422, description = "A bad limit or cursor"),
    ),
    security(("bearer" = []))
)]
#[get("/notifications")]
pub async fn list_notifications(
    ctx: Ctx,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<NotificationView>>, ApiError> {
    let limit = page.limit()?;
    let before = page.after()?;
    let page = ctx
        .read(
            Permission::ReadNotifications,
            "notification.list",
            move |w| {
                let rows = notifications::page(w, before.as_deref(), limit)?;
                Page::try_from_rows(rows, limit, |r| r.id.clone(), NotificationView::try_from)
            },
        )
        .await?;
    Ok(web::Json(page))
}
