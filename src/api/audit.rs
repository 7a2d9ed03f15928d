//! `/api/v1/audit-events`: the hash-chained log of every read and change of case data (auditor only).

use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::audit::{self as rows, AuditFilter, AuditRow};
use crate::db::ledger;
use crate::error::{ApiError, FieldError};
use crate::http::Ctx;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(verify_audit_chain).service(list_audit_events);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this person.
    pub crn: Option<String>,
    /// Only entries by this subject (`sub` claim).
    pub actor: Option<String>,
    /// Entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub to: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub sub: String,
    pub org: String,
    pub roles: Vec<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: uuid::Uuid,
    /// Position in the chain.
    pub sequence: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[schema(example = "referral.send")]
    pub action: String,
    pub method: String,
    /// The request path.
    pub resource: String,
    pub crn: Option<String>,
    pub request_id: String,
    /// The HTTP status the request ended with.
    pub status: i32,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id.parse().unwrap_or_default(),
            sequence: r.seq.unwrap_or_default(),
            at: r.at.and_utc(),
            actor: Actor {
                sub: r.actor_sub,
                org: r.actor_org,
                roles: r
                    .actor_roles
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            action: r.action,
            method: r.method,
            resource: r.resource,
            crn: r.crn,
            request_id: r.request_id,
            status: r.status,
            prev_hash: r.prev_hash.unwrap_or_default(),
            hash: r.hash.unwrap_or_default(),
        }
    }
}

/// Read the audit log
///
/// Every read and change of case data: who, when, what, the request id and the outcome.
/// Auditors of the operator's organisation (`RARLINK_PLATFORM_ORG`) see everything; other
/// organisations' auditors see what their own staff did.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery, PageQuery),
    responses((status = 200, description = "Entries in chain order", body = Page<AuditEntry>)),
    security(("bearer" = []))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    ctx: Ctx,
    filter: web::Query<AuditQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let limit = page.limit()?;
    let after = match page.after()? {
        None => 0,
        Some(s) => s.parse::<i64>().map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )])
        })?,
    };
    let filter = filter.into_inner();
    let mut e = crate::domain::validate::Errors::default();
    for (field, t) in [("from", filter.from), ("to", filter.to)] {
        if let Some(t) = t {
            e.plausible_time(field, t);
        }
    }
    e.into_result()?;
    let platform = &ctx.state().settings.platform_org;
    let filter = AuditFilter {
        actor_org: (ctx.caller.org != *platform).then(|| ctx.caller.org.clone()),
        crn: filter.crn,
        actor: filter.actor,
        from: filter.from.map(|t| t.naive_utc()),
        to: filter.to.map(|t| t.naive_utc()),
    };
    let page = ctx
        .read(Permission::ReadAudit, "audit.list", move |w| {
            ledger::seal_audit(w.conn)?;
            let rows = rows::list(w.conn, &filter, after, limit + 1)?;
            Ok(Page::from_rows(
                rows,
                limit,
                |r| r.seq.unwrap_or_default().to_string(),
                AuditEntry::from,
            ))
        })
        .await?;
    Ok(web::Json(page))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrokenEntry {
    pub sequence: i64,
    pub id: Option<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChainVerification {
    /// True when every entry links to the one before and matches its hash.
    pub valid: bool,
    pub entries_checked: i64,
    pub first_broken: Option<BrokenEntry>,
}

/// Verify the audit chain
///
/// Walks the whole chain and reports the first entry that was altered, removed or re-linked.
#[utoipa::path(
    tag = "audit",
    responses((status = 200, description = "The result of the walk", body = ChainVerification)),
    security(("bearer" = []))
)]
#[get("/audit-events/verify")]
pub async fn verify_audit_chain(ctx: Ctx) -> Result<web::Json<ChainVerification>, ApiError> {
    let report = ctx
        .read(Permission::ReadAudit, "audit.verify", |w| {
            ledger::seal_audit(w.conn)?;
            Ok(ledger::verify_audit_chain(w.conn)?)
        })
        .await?;
    Ok(web::Json(ChainVerification {
        valid: report.first_broken.is_none(),
        entries_checked: report.entries_checked,
        first_broken: report.first_broken.map(|b| BrokenEntry {
            sequence: b.seq,
            id: b.id,
            reason: b.reason,
        }),
    }))
}
