//! `GET /api/v1/dashboard`: what waits on a team, for its manager: overdue and due-soon actions
//! per officer or worker, proposals awaiting approval, reviews awaiting sign-off, referrals not
//! accepted, sessions without attendance, orders ending soon. Lists are capped and say so.

use super::operations::Reach::OwnOrganisation;
use super::operations::{op, Access, PROBATION_FIRST};
use crate::auth::Permission;
use crate::db::dashboard::{ActionItem, EndingItem, SignOffItem, UnacceptedItem, UnrecordedItem};
use crate::db::stored_id;
use crate::domain::prompt::{AssigneeRole, PromptStatus};
use crate::domain::rule_id::RuleId;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::dashboard::{self as service, Dashboard, Section, LIST_CAP};
use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(dashboard);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op(
    "dashboard",
    Permission::ReadDashboard,
    PROBATION_FIRST,
    OwnOrganisation,
)];

/// A safeguarding action on the dashboard.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardAction {
    pub id: uuid::Uuid,
    pub crn: String,
    /// The rule that raised it.
    #[schema(value_type = String)]
    pub rule: RuleId,
    pub title: String,
    pub status: PromptStatus,
    pub assignee_role: AssigneeRole,
    pub assignee: Option<String>,
    pub due_at: DateTime<Utc>,
}

/// A review completed and waiting for a manager's sign-off.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardSignOff {
    pub order_id: uuid::Uuid,
    pub completed_at: DateTime<Utc>,
    pub completed_by: String,
}

/// A referral sent and not yet accepted or declined.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardReferral {
    pub id: uuid::Uuid,
    /// The person's CRN (probation's dashboard only; a provider sees the referral id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crn: Option<String>,
    pub probation_org: String,
    pub provider_org: String,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A session started with no attendance recorded.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardSession {
    pub id: uuid::Uuid,
    pub referral_id: uuid::Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crn: Option<String>,
    pub provider_org: String,
    pub starts_at: DateTime<Utc>,
    /// Who booked it.
    pub booked_by: String,
}

/// An active order ending within 20 working days.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardOrder {
    pub order_id: uuid::Uuid,
    pub crn: String,
    pub end_date: NaiveDate,
    pub responsible_officer: String,
}

/// One section: how many in all, and the first of them.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardSection<T> {
    /// How many there are in all.
    pub count: i64,
    /// The first of them (oldest or soonest first), at most `listCap`.
    pub items: Vec<T>,
    /// True when `items` holds fewer than `count`.
    pub truncated: bool,
}

/// The overdue and due-soon actions waiting on one officer or worker (or, unnamed, on a role).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssigneeSummary {
    /// The named assignee; absent when the action waits on anyone holding `role`.
    pub assignee: Option<String>,
    pub role: AssigneeRole,
    pub overdue: i64,
    pub due_soon: i64,
}

/// What waits on the team.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub org: String,
    /// `probation` or `provider`.
    pub side: String,
    pub generated_at: DateTime<Utc>,
    /// Lists hold at most this many items; counts are always complete.
    pub list_cap: i64,
    /// Overdue and due-soon actions per officer or worker, most overdue first.
    pub per_assignee: Vec<AssigneeSummary>,
    /// `OPEN` past due, or referred to an agency whose decision is past its follow-up date.
    pub overdue_actions: DashboardSection<DashboardAction>,
    /// `OPEN`, due by the end of the second working day from today.
    pub due_soon_actions: DashboardSection<DashboardAction>,
    /// "Not required" proposed on a mandatory action, waiting for a manager (`PENDING_APPROVAL`).
    pub awaiting_approval: DashboardSection<DashboardAction>,
    /// Completed termination reviews waiting for sign-off (probation only).
    pub awaiting_sign_off: Option<DashboardSection<DashboardSignOff>>,
    /// Referrals `SENT` and not yet accepted or declined, longest waiting first.
    pub referrals_not_accepted: DashboardSection<DashboardReferral>,
    /// Sessions not cancelled, started, with no attendance recorded, oldest first.
    pub sessions_without_attendance: DashboardSection<DashboardSession>,
    /// Active orders ending within 20 working days (probation only).
    pub orders_ending: Option<DashboardSection<DashboardOrder>>,
}

fn section<T, V>(
    s: Section<T>,
    f: impl Fn(T) -> Result<V, ApiError>,
) -> Result<DashboardSection<V>, ApiError> {
    let items = s.items.into_iter().map(f).collect::<Result<Vec<_>, _>>()?;
    Ok(DashboardSection {
        truncated: (items.len() as i64) < s.count,
        count: s.count,
        items,
    })
}

fn action(a: ActionItem) -> Result<DashboardAction, ApiError> {
    Ok(DashboardAction {
        id: stored_id(&a.id)?,
        crn: a.crn,
        rule: a.rule,
        title: a.title,
        status: a.status,
        assignee_role: a.assignee_role,
        assignee: a.assignee,
        due_at: a.due_at.and_utc(),
    })
}

/// The dashboard view, from what the service loaded (pure).
pub fn dashboard_view(d: Dashboard, at: DateTime<Utc>) -> Result<DashboardView, ApiError> {
    let probation = d.probation;
    let mut per_assignee: Vec<AssigneeSummary> = d
        .per_assignee
        .into_iter()
        .map(|(k, l)| AssigneeSummary {
            assignee: k.assignee,
            role: k.role,
            overdue: l.overdue,
            due_soon: l.due_soon,
        })
        .collect();
    per_assignee.sort_by(|a, b| {
        (b.overdue, b.due_soon)
            .cmp(&(a.overdue, a.due_soon))
            .then_with(|| a.assignee.cmp(&b.assignee))
    });
    Ok(DashboardView {
        org: d.org,
        side: if probation { "probation" } else { "provider" }.into(),
        generated_at: at,
        list_cap: LIST_CAP,
        per_assignee,
        overdue_actions: section(d.overdue, action)?,
        due_soon_actions: section(d.due_soon, action)?,
        awaiting_approval: section(d.awaiting_approval, action)?,
        awaiting_sign_off: d
            .awaiting_sign_off
            .map(|s| {
                section(s, |r: SignOffItem| {
                    Ok(DashboardSignOff {
                        order_id: stored_id(&r.order_id)?,
                        completed_at: r.completed_at.and_utc(),
                        completed_by: r.completed_by,
                    })
                })
            })
            .transpose()?,
        referrals_not_accepted: section(d.not_accepted, |r: UnacceptedItem| {
            Ok(DashboardReferral {
                id: stored_id(&r.id)?,
                crn: probation.then_some(r.crn),
                probation_org: r.probation_org,
                provider_org: r.provider_org,
                sent_at: r.sent_at.map(|t| t.and_utc()),
            })
        })?,
        sessions_without_attendance: section(d.without_attendance, |s: UnrecordedItem| {
            Ok(DashboardSession {
                id: stored_id(&s.id)?,
                referral_id: stored_id(&s.referral_id)?,
                crn: probation.then_some(s.crn),
                provider_org: s.provider_org,
                starts_at: s.starts_at.and_utc(),
                booked_by: s.created_by,
            })
        })?,
        orders_ending: d
            .orders_ending
            .map(|s| {
                section(s, |o: EndingItem| {
                    Ok(DashboardOrder {
                        order_id: stored_id(&o.id)?,
                        crn: o.crn,
                        end_date: o.end_date,
                        responsible_officer: o.responsible_officer,
                    })
                })
            })
            .transpose()?,
    })
}

/// Read the team dashboard
///
/// For a probation manager: their organisation's cases; for a provider manager: the referrals
/// sent to their provider (sign-offs and order ends are probation's, so absent). Each section
/// gives the whole count and at most `listCap` items (`truncated` when cut). One request, a
/// fixed number of queries (about fourteen) whatever the team's size.
#[utoipa::path(
    tag = "oversight",
    responses(
        (status = 200, description = "The dashboard", body = DashboardView),
        (status = 403, description = "Not a probation or provider manager"),
    ),
    security(("bearer" = []))
)]
#[get("/dashboard")]
pub async fn dashboard(ctx: Ctx) -> Result<web::Json<DashboardView>, ApiError> {
    let at = ctx.now();
    let view = ctx
        .read(Permission::ReadDashboard, "dashboard.read", move |w| {
            dashboard_view(service::dashboard(w)?, at)
        })
        .await?;
    Ok(web::Json(view))
}
