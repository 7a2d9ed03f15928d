//! `GET /api/v1/caseload`: an officer's people, most urgent first, each with its order, RAR days,
//! live referrals, next session, last attendance, safeguarding actions and termination review.

use super::operations::Reach::OwnOrganisation;
use super::operations::{op, Access, PROBATION};
use super::pagination::{encode_cursor, PageQuery};
use crate::auth::Permission;
use crate::db::caseload::CaseloadSession;
use crate::domain::appointment::{AppointmentKind, Attended};
use crate::domain::order::OrderType;
use crate::domain::referral::ReferralStatus;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::rules::working_days::london_date;
use crate::services::caseload::{self as service, CaseloadRecord, Urgency};
use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(caseload);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "caseload",
    Permission::ReadCasework,
    PROBATION,
    OwnOrganisation,
)];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseloadQuery {
    /// The officer (subject id) whose caseload to read; a probation manager only. Default: yours.
    #[param(max_length = 200)]
    pub officer: Option<String>,
}

/// How urgent a case is (the list is ordered by it, then by `urgentAt`).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UrgencyView {
    /// A safeguarding action is overdue (most overdue first).
    Overdue,
    /// A safeguarding action is open, none overdue (soonest due first).
    ActionDue,
    /// The order ends within 20 working days: its termination review is due.
    Ending,
    /// Nothing waiting (order ending soonest first).
    Routine,
}

/// Where the order's termination review stands (as stored: completion, sign-off, termination).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewStateView {
    NotCompleted,
    AwaitingSignOff,
    Completed,
    Terminated,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RarDaysView {
    /// Distinct London dates with an attended delivery session, across the order's referrals,
    /// never above the order's maximum.
    pub delivered: u32,
    /// The order's RAR maximum.
    pub required: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveReferralView {
    pub id: uuid::Uuid,
    pub provider_org: String,
    pub status: ReferralStatus,
    pub rar_days: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionRefView {
    pub referral_id: uuid::Uuid,
    pub starts_at: DateTime<Utc>,
    pub kind: AppointmentKind,
    /// The attendance recorded (absent for a session to come).
    pub attended: Option<Attended>,
}

/// One case on the caseload.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseloadEntry {
    pub crn: String,
    pub first_name: String,
    pub last_name: String,
    pub order_id: uuid::Uuid,
    pub order_type: OrderType,
    pub order_end_date: NaiveDate,
    pub rar_days: RarDaysView,
    /// Referrals sent and not finished (`SENT`, `ACCEPTED`, `IN_PROGRESS`).
    pub live_referrals: Vec<LiveReferralView>,
    /// The first session to come (not cancelled) on any of the order's referrals.
    pub next_session: Option<SessionRefView>,
    /// The latest session with attendance recorded.
    pub last_attendance: Option<SessionRefView>,
    /// Unresolved safeguarding actions addressed to your organisation on this person.
    pub open_actions: usize,
    /// Of those, the overdue ones (`OPEN` past due, or an agency's decision past its follow-up).
    pub overdue_actions: usize,
    /// The earliest due time of an unresolved action.
    pub next_action_due_at: Option<DateTime<Utc>>,
    pub termination_review: ReviewStateView,
    pub urgency: UrgencyView,
    /// Orders cases within an urgency level: the earliest action due time, else the order's end.
    pub urgent_at: DateTime<Utc>,
}

/// A page of a caseload.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseloadPageView {
    /// Whose caseload this is.
    pub officer: String,
    pub items: Vec<CaseloadEntry>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn uuid_of(id: &str) -> Result<uuid::Uuid, ApiError> {
    crate::db::stored_id(id)
}

fn session_view(s: &CaseloadSession) -> Result<SessionRefView, ApiError> {
    Ok(SessionRefView {
        referral_id: uuid_of(&s.referral_id)?,
        starts_at: s.starts_at.and_utc(),
        kind: s.kind,
        attended: s.attended,
    })
}

/// The entry of one case, from its loaded rows, at `now`.
pub fn entry_view(r: CaseloadRecord, now: NaiveDateTime) -> Result<CaseloadEntry, ApiError> {
    let days: BTreeSet<NaiveDate> = r
        .sessions
        .iter()
        .filter(|s| s.kind == AppointmentKind::Delivery)
        .filter(|s| s.attended.is_some_and(Attended::attended))
        .map(|s| london_date(s.starts_at.and_utc()))
        .collect();
    let next = r
        .sessions
        .iter()
        .filter(|s| s.starts_at >= now && s.attended.is_none())
        .min_by_key(|s| s.starts_at);
    let last = r
        .sessions
        .iter()
        .filter(|s| s.attended.is_some())
        .max_by_key(|s| s.starts_at);
    let review = match &r.review {
        None => ReviewStateView::NotCompleted,
        Some(v) if v.terminated_at.is_some() => ReviewStateView::Terminated,
        Some(v) if v.sign_off_required && v.signed_off_at.is_none() => {
            ReviewStateView::AwaitingSignOff
        }
        Some(_) => ReviewStateView::Completed,
    };
    Ok(CaseloadEntry {
        rar_days: RarDaysView {
            delivered: (days.len() as u32).min(r.order.rar_max_days.max(0) as u32),
            required: r.order.rar_max_days,
        },
        live_referrals: r
            .referrals
            .iter()
            .filter(|f| f.status.is_live())
            .map(|f| {
                Ok(LiveReferralView {
                    id: uuid_of(&f.id)?,
                    provider_org: f.provider_org.clone(),
                    status: f.status,
                    rar_days: f.rar_days,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_session: next.map(session_view).transpose()?,
        last_attendance: last.map(session_view).transpose()?,
        open_actions: r.actions.len(),
        overdue_actions: r.actions.iter().filter(|a| a.overdue).count(),
        next_action_due_at: r
            .actions
            .iter()
            .map(|a| a.due_at)
            .min()
            .map(|t| t.and_utc()),
        termination_review: review,
        urgency: match r.urgency {
            Urgency::Overdue => UrgencyView::Overdue,
            Urgency::ActionDue => UrgencyView::ActionDue,
            Urgency::Ending => UrgencyView::Ending,
            Urgency::Routine => UrgencyView::Routine,
        },
        urgent_at: r.urgent_at.and_utc(),
        order_id: uuid_of(&r.order.order_id)?,
        order_type: r.order.order_type,
        order_end_date: r.order.end_date,
        crn: r.order.crn,
        first_name: r.order.first_name,
        last_name: r.order.last_name,
    })
}

/// Read a caseload
///
/// The people whose active orders name the officer as responsible officer (yours by default;
/// `officer=` another officer's, for a probation manager of your organisation), most urgent
/// first: `OVERDUE` (an overdue safeguarding action, most overdue first), `ACTION_DUE` (an open
/// action, soonest due first), `ENDING` (the order ends within 20 working days), `ROUTINE`
/// (order ending soonest first); then by order id. One entry per active order. The whole
/// caseload is ranked with two queries; the page's details take three more.
#[utoipa::path(
    tag = "oversight",
    params(CaseloadQuery, PageQuery),
    responses(
        (status = 200, description = "The caseload, most urgent first", body = CaseloadPageView),
        (status = 403, description = "Not a probation practitioner or manager, or another officer's caseload asked by a practitioner"),
        (status = 422, description = "limit out of range, or a cursor this API did not issue"),
    ),
    security(("bearer" = []))
)]
#[get("/caseload")]
pub async fn caseload(
    ctx: Ctx,
    query: web::Query<CaseloadQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<CaseloadPageView>, ApiError> {
    let limit = page.limit()?;
    let after = page.after()?;
    let officer = query.into_inner().officer.filter(|o| !o.is_empty());
    let now = ctx.now().naive_utc();
    let view = ctx
        .read(Permission::ReadCasework, "caseload.read", move |w| {
            let page = service::caseload(w, officer, after, limit)?;
            let next_cursor = if page.more {
                page.records.last().map(|r| encode_cursor(&r.sort_key()))
            } else {
                None
            };
            Ok(CaseloadPageView {
                officer: page.officer,
                items: page
                    .records
                    .into_iter()
                    .map(|r| entry_view(r, now))
                    .collect::<Result<_, _>>()?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(view))
}
