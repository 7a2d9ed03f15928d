//! `/api/v1/referrals`: commissioning a provider. Drafts are created and edited by probation; the
//! provider sees a referral only once sent, and then only the shared (need-to-know) view.

use super::pagination::{encode_cursor, Page, PageQuery};
use crate::auth::Permission;
use crate::db::orders::{self, OrderRow};
use crate::db::people;
use crate::db::referrals::{self as rows, ReferralRow};
use crate::db::{from_json, organisations, to_json, DbConnection};
use crate::domain::events::EventType;
use crate::domain::order::{Officer, OrderStatus};
use crate::domain::referral::{
    Action, DesiredOutcome, ReferralContent, ReferralStatus, SharedContextVersion,
};
use crate::domain::validate::Errors;
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::extract::{merge_patch, parse_json};
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::referrals::{apply, content, emit};
use crate::work::Principal;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_referral)
        .service(update_referral)
        .service(list_referrals)
        .service(get_referral);
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeInput {
    /// Keep an existing outcome's id when editing; new outcomes get one.
    #[serde(default)]
    pub id: Option<uuid::Uuid>,
    #[schema(example = "Understands the impact of abuse on partners and children")]
    pub description: String,
}

/// A referral being drafted; only `providerOrg` is needed to start, everything is checked on send.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferralDraft {
    /// The provider organisation's code.
    #[schema(example = "MIND-CAMBS")]
    pub provider_org: Option<String>,
    #[schema(example = "Mental health one-to-one sessions")]
    pub intervention_type: Option<String>,
    #[schema(minimum = 1, example = 10)]
    pub rar_days: Option<u32>,
    pub completion_deadline: Option<NaiveDate>,
    pub desired_outcomes: Option<Vec<OutcomeInput>>,
    /// The nature of the offending, in words the provider can act on.
    pub offence_summary: Option<String>,
    pub relevant_history: Option<String>,
    pub risk_management_summary: Option<String>,
    /// How the provider's staff must work with the person ("no specific measures" if none).
    pub staff_safety: Option<String>,
    pub additional_needs: Option<String>,
}

impl ReferralDraft {
    fn from_row(row: &ReferralRow, c: &ReferralContent) -> Self {
        ReferralDraft {
            provider_org: Some(row.provider_org.clone()),
            intervention_type: c.intervention_type.clone(),
            rar_days: c.rar_days,
            completion_deadline: c.completion_deadline,
            desired_outcomes: Some(
                c.desired_outcomes
                    .iter()
                    .map(|o| OutcomeInput {
                        id: Some(o.id),
                        description: o.description.clone(),
                    })
                    .collect(),
            ),
            offence_summary: c.offence_summary.clone(),
            relevant_history: c.relevant_history.clone(),
            risk_management_summary: c.risk_management_summary.clone(),
            staff_safety: c.staff_safety.clone(),
            additional_needs: c.additional_needs.clone(),
        }
    }

    fn into_content(self) -> ReferralContent {
        let trim = |s: Option<String>| s.map(|v| v.trim().to_string());
        ReferralContent {
            intervention_type: trim(self.intervention_type),
            rar_days: self.rar_days,
            completion_deadline: self.completion_deadline,
            desired_outcomes: self
                .desired_outcomes
                .unwrap_or_default()
                .into_iter()
                .map(|o| DesiredOutcome {
                    id: o.id.unwrap_or_else(uuid::Uuid::now_v7),
                    description: o.description.trim().to_string(),
                })
                .collect(),
            offence_summary: trim(self.offence_summary),
            relevant_history: trim(self.relevant_history),
            risk_management_summary: trim(self.risk_management_summary),
            staff_safety: trim(self.staff_safety),
            additional_needs: trim(self.additional_needs),
        }
    }
}

/// Checks a draft against its order and the registered providers (`422` listing every problem).
fn check_draft(
    conn: &mut DbConnection,
    provider_org: Option<&str>,
    content: &ReferralContent,
    order: &OrderRow,
) -> Result<(), ApiError> {
    let mut e: Errors = content.validate_present();
    match provider_org.map(str::trim) {
        None | Some("") => e.required("providerOrg"),
        Some(code) => match organisations::find_by_code(conn, code)? {
            Some(org) if org.kind == "provider" => {}
            _ => e.add(
                "providerOrg",
                "unknown",
                format!("{code} is not a registered provider organisation"),
            ),
        },
    }
    if let Some(days) = content.rar_days {
        if days > order.rar_max_days.max(0) as u32 {
            e.add(
                "rarDays",
                "exceeds_order",
                format!("the order allows at most {} RAR days", order.rar_max_days),
            );
        }
    }
    if let Some(d) = content.completion_deadline {
        if d < order.start_date || d > order.end_date {
            e.add(
                "completionDeadline",
                "outside_order",
                format!(
                    "completionDeadline must fall within the order ({} to {})",
                    order.start_date, order.end_date
                ),
            );
        }
    }
    if order.status != OrderStatus::Active {
        e.add("order", "not_active", "the order has been terminated");
    }
    e.into_result()
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Withdrawal {
    pub code: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ending {
    pub reason: String,
    pub note: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

/// The referral as probation sees it: everything, including drafts and every shared version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProbationReferralView {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    pub status: ReferralStatus,
    #[serde(flatten)]
    pub content: ReferralContent,
    pub assigned_worker: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
    pub decline_reason: Option<String>,
    pub withdrawal: Option<Withdrawal>,
    pub ending: Option<Ending>,
    /// The latest version of the shared context (0 while a draft).
    pub context_version: i32,
    pub acknowledged_version: i32,
    /// True while the provider has not acknowledged the latest risk information.
    pub acknowledgement_required: bool,
    pub shared_context_versions: Vec<SharedContextVersion>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub crn: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
}

/// What a provider sees: what it needs to deliver the work and keep its staff safe, nothing more.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedReferralView {
    pub id: uuid::Uuid,
    pub status: ReferralStatus,
    pub probation_org: String,
    pub provider_org: String,
    pub person: PersonSummary,
    pub responsible_officer: Officer,
    pub intervention_type: Option<String>,
    pub rar_days: Option<u32>,
    pub completion_deadline: Option<NaiveDate>,
    pub relevant_history: Option<String>,
    pub additional_needs: Option<String>,
    pub assigned_worker: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
    pub ending: Option<Ending>,
    /// The latest risk and offence context: offence, RoSH, flags, risk management, staff safety, outcomes.
    pub shared_context: Option<SharedContextVersion>,
    pub acknowledged_version: i32,
    /// True while the latest version has not been acknowledged by the provider.
    pub acknowledgement_required: bool,
    /// Every version sent, oldest first.
    pub shared_context_versions: Vec<SharedContextVersion>,
}

/// A referral: the probation view for probation callers, the shared view for providers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    Probation(Box<ProbationReferralView>),
    Shared(Box<SharedReferralView>),
}

fn versions(conn: &mut DbConnection, id: &str) -> Result<Vec<SharedContextVersion>, ApiError> {
    rows::contexts(conn, id)?
        .into_iter()
        .map(|c| {
            Ok(SharedContextVersion {
                version: c.version,
                reason: c.reason,
                created_at: c.created_at.and_utc(),
                acknowledged_at: c.acknowledged_at.map(|t| t.and_utc()),
                acknowledged_by: c.acknowledged_by,
                context: from_json(&c.body, "shared context")?,
            })
        })
        .collect()
}

fn ending(row: &ReferralRow) -> Option<Ending> {
    row.end_reason.as_ref().map(|reason| Ending {
        reason: reason.clone(),
        note: row.end_note.clone(),
        at: row.ended_at.map(|t| t.and_utc()),
        by: row.ended_by.clone(),
    })
}

/// Builds the view the caller is entitled to.
pub fn referral_view(
    conn: &mut DbConnection,
    me: &Principal,
    row: ReferralRow,
) -> Result<ReferralView, ApiError> {
    let c = content(&row)?;
    let status = row.status;
    let all = versions(conn, &row.id)?;
    let acknowledgement_required =
        status.is_live() && row.acknowledged_version < row.context_version;
    if me.is_probation() {
        return Ok(ReferralView::Probation(Box::new(ProbationReferralView {
            id: row.id.parse().unwrap_or_default(),
            order_id: row.order_id.parse().unwrap_or_default(),
            crn: row.crn.clone(),
            probation_org: row.probation_org.clone(),
            provider_org: row.provider_org.clone(),
            status,
            content: c,
            assigned_worker: row.assigned_worker.clone(),
            created_at: row.created_at.and_utc(),
            created_by: row.created_by.clone(),
            sent_at: row.sent_at.map(|t| t.and_utc()),
            accepted_at: row.accepted_at.map(|t| t.and_utc()),
            accepted_by: row.accepted_by.clone(),
            decline_reason: row.decline_reason.clone(),
            withdrawal: row.withdrawal_code.as_ref().map(|code| Withdrawal {
                code: code.clone(),
                note: row.withdrawal_note.clone(),
            }),
            ending: ending(&row),
            context_version: row.context_version,
            acknowledged_version: row.acknowledged_version,
            acknowledgement_required,
            shared_context_versions: all,
        })));
    }
    let person = people::find_any(conn, &row.crn)?
        .ok_or_else(|| ApiError::internal("referral without a person"))?;
    let order = orders::get(conn, &row.order_id)?;
    Ok(ReferralView::Shared(Box::new(SharedReferralView {
        id: row.id.parse().unwrap_or_default(),
        status,
        probation_org: row.probation_org.clone(),
        provider_org: row.provider_org.clone(),
        person: PersonSummary {
            crn: person.crn,
            first_name: person.first_name,
            last_name: person.last_name,
            date_of_birth: person.date_of_birth,
        },
        responsible_officer: Officer {
            sub: order.responsible_officer,
            name: order.responsible_officer_name,
        },
        intervention_type: c.intervention_type,
        rar_days: c.rar_days,
        completion_deadline: c.completion_deadline,
        relevant_history: c.relevant_history,
        additional_needs: c.additional_needs,
        assigned_worker: row.assigned_worker.clone(),
        sent_at: row.sent_at.map(|t| t.and_utc()),
        accepted_at: row.accepted_at.map(|t| t.and_utc()),
        accepted_by: row.accepted_by.clone(),
        ending: ending(&row),
        shared_context: all.last().cloned(),
        acknowledged_version: row.acknowledged_version,
        acknowledgement_required,
        shared_context_versions: all,
    })))
}

/// Draft a referral
///
/// Starts commissioning a provider under an order. Only `providerOrg` is needed now; everything
/// a provider must be told is checked when the referral is sent.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Order id")),
    request_body = ReferralDraft,
    responses(
        (status = 201, description = "Draft created", body = ProbationReferralView),
        (status = 404, description = "No such order in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/orders/{id}/referrals")]
pub async fn create_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    body: ApiJson<ReferralDraft>,
) -> Result<HttpResponse, ApiError> {
    let order_id = id.into_inner();
    let draft = body.into_inner();
    let view = ctx
        .create(Permission::Commission, "referral.create", move |w| {
            let order = access::order(w, &order_id)?;
            let provider_org = draft.provider_org.clone();
            let content = draft.into_content();
            check_draft(w.conn, provider_org.as_deref(), &content, &order)?;
            let now = w.now.naive_utc();
            let row = ReferralRow {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
                crn: order.crn.clone(),
                probation_org: order.managing_org.clone(),
                provider_org: provider_org.unwrap_or_default().trim().to_string(),
                status: ReferralStatus::Draft,
                rar_days: content.rar_days.map(|d| d as i32),
                content: to_json(&content)?,
                assigned_worker: None,
                created_at: now,
                created_by: w.me.caller.sub.clone(),
                updated_at: now,
                sent_at: None,
                sent_by: None,
                accepted_at: None,
                accepted_by: None,
                decline_reason: None,
                withdrawal_code: None,
                withdrawal_note: None,
                end_reason: None,
                end_note: None,
                ended_at: None,
                ended_by: None,
                context_version: 0,
                acknowledged_version: 0,
            };
            rows::insert(w.conn, &row)?;
            emit(
                w,
                &row,
                EventType::ReferralCreated,
                "Referral drafted".into(),
                serde_json::json!({}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(tagged(StatusCode::CREATED, &view))
}

/// Edit a draft referral
///
/// A JSON merge patch of the draft's fields (`null` clears one). Only drafts can be edited;
/// send `If-Match` to refuse the change if someone else edited it first.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = ReferralDraft,
    responses(
        (status = 200, description = "Updated", body = ProbationReferralView),
        (status = 404, description = "No such referral in your organisation"),
        (status = 409, description = "The referral is no longer a draft"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[patch("/referrals/{id}")]
pub async fn update_referral(
    ctx: Ctx,
    id: web::Path<uuid::Uuid>,
    if_match: IfMatch,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.into_inner();
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "invalid",
            "a merge patch is a JSON object",
        )]));
    }
    let view = ctx
        .write(Permission::Commission, "referral.update", move |w| {
            let mut row = access::referral(w, &id)?;
            if !w.me.is_probation() {
                return Err(ApiError::not_found("referral"));
            }
            if_match.check_with(|| Ok(etag_of(&referral_view(w.conn, w.me, row.clone())?)))?;
            apply(&mut row, Action::EditDraft)?;
            let current = ReferralDraft::from_row(&row, &content(&row)?);
            let mut doc = serde_json::to_value(&current)
                .map_err(|e| ApiError::internal_from("serialising", e))?;
            merge_patch(&mut doc, &patch);
            let draft: ReferralDraft = parse_json(doc.to_string().as_bytes())?;
            let order = orders::get(w.conn, &row.order_id)?;
            let provider_org = draft.provider_org.clone();
            let content = draft.into_content();
            check_draft(w.conn, provider_org.as_deref(), &content, &order)?;
            row.provider_org = provider_org.unwrap_or_default().trim().to_string();
            row.rar_days = content.rar_days.map(|d| d as i32);
            row.content = to_json(&content)?;
            row.updated_at = w.now.naive_utc();
            rows::save(w.conn, &row)?;
            emit(
                w,
                &row,
                EventType::ReferralUpdated,
                "Draft referral edited".into(),
                serde_json::json!({}),
            );
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// Read a referral
///
/// Probation gets the full referral; a provider gets the shared view of a referral sent to it:
/// offence, risk of serious harm, flags, risk management, staff safety and desired outcomes.
#[utoipa::path(
    tag = "referrals",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "The referral", body = ReferralView),
        (status = 404, description = "No such referral visible to your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}")]
pub async fn get_referral(ctx: Ctx, id: web::Path<uuid::Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = ctx
        .read(Permission::ReadReferrals, "referral.read", move |w| {
            let row = access::referral(w, &id)?;
            referral_view(w.conn, w.me, row)
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
}

/// One line of a referral list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralSummary {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    pub crn: String,
    pub status: ReferralStatus,
    pub probation_org: String,
    pub provider_org: String,
    pub rar_days: Option<u32>,
    pub assigned_worker: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledgement_required: bool,
}

/// List referrals
///
/// Probation sees its organisation's referrals (drafts included); a provider sees those sent to it.
/// Newest first.
#[utoipa::path(
    tag = "referrals",
    params(ReferralQuery, PageQuery),
    responses((status = 200, description = "Referrals, newest first", body = Page<ReferralSummary>)),
    security(("bearer" = []))
)]
#[get("/referrals")]
pub async fn list_referrals(
    ctx: Ctx,
    filter: web::Query<ReferralQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<ReferralSummary>>, ApiError> {
    let limit = page.limit()?;
    let before = page.after()?;
    let status_filter = filter.status;
    let result = ctx
        .read(Permission::ReadReferrals, "referral.list", move |w| {
            let rows = rows::list_visible(
                w.conn,
                w.me.scope(),
                status_filter,
                before.as_deref(),
                limit + 1,
            )?;
            let mut items = Vec::new();
            let more = rows.len() as i64 > limit;
            let mut last = None;
            for row in rows.into_iter().take(limit as usize) {
                let status = row.status;
                last = Some(row.id.clone());
                items.push(ReferralSummary {
                    id: row.id.parse().unwrap_or_default(),
                    order_id: row.order_id.parse().unwrap_or_default(),
                    crn: row.crn,
                    status,
                    probation_org: row.probation_org,
                    provider_org: row.provider_org,
                    rar_days: row.rar_days.map(|d| d.max(0) as u32),
                    assigned_worker: row.assigned_worker,
                    created_at: row.created_at.and_utc(),
                    sent_at: row.sent_at.map(|t| t.and_utc()),
                    acknowledgement_required: status.is_live()
                        && row.acknowledged_version < row.context_version,
                });
            }
            Ok(Page {
                items,
                next_cursor: if more {
                    last.map(|l| encode_cursor(&l))
                } else {
                    None
                },
            })
        })
        .await?;
    Ok(web::Json(result))
}
