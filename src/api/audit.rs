//! `/api/v1/audit-events`: the hash-chained log of every read and change of case data (auditor only).

use super::operations::Caller::Auditor;
use super::operations::Reach::Platform;
use super::operations::{op, Access};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::audit::{AuditFilter, AuditRow};
use crate::db::ledger::ChainReport;
use crate::domain::validate::Errors;
use crate::error::{ApiError, FieldError};
use crate::http::Ctx;
use crate::services::audit;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(verify_audit_chain).service(list_audit_events);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "list_audit_events",
        Permission::ReadAudit,
        &[Auditor],
        Platform,
    ),
    op(
        "verify_audit_chain",
        Permission::ReadAudit,
        &[Auditor],
        Platform,
    ),
];

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
    /// The request path (a CRN in it replaced by its pseudonym once retention deleted the case).
    pub resource: String,
    /// The person the entry is about: a CRN, or `pseudonym:<hex>` once retention deleted the case.
    pub crn: Option<String>,
    pub request_id: String,
    /// The HTTP status the request ended with.
    pub status: i32,
    /// The previous entry's hash (64 zeros before the first).
    pub prev_hash: String,
    /// `hmac:<hex>`: HMAC-SHA256 under the audit key (64 hex digits alone: the legacy segment).
    pub hash: String,
}

impl AuditQuery {
    /// The filter this query asks for, or `422` for an implausible time.
    fn filter(self) -> Result<AuditFilter, ApiError> {
        let mut e = Errors::default();
        for (field, t) in [("from", self.from), ("to", self.to)] {
            if let Some(t) = t {
                e.plausible_time(field, t);
            }
        }
        e.into_result()?;
        Ok(AuditFilter {
            actor_org: None,
            crn: self.crn,
            actor: self.actor,
            from: self.from.map(|t| t.naive_utc()),
            to: self.to.map(|t| t.naive_utc()),
        })
    }
}

/// The sequence number the page's cursor names (0 for the first page).
fn after_sequence(page: &PageQuery) -> Result<i64, ApiError> {
    match page.after()? {
        None => Ok(0),
        Some(s) => s.parse::<i64>().map_err(|_| {
            ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )])
        }),
    }
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = ApiError;

    /// A sealed entry; one without its sequence number or hashes was not sealed and is a bug.
    fn try_from(r: AuditRow) -> Result<Self, ApiError> {
        let unsealed = || ApiError::internal(format!("audit entry {} is not sealed", r.id));
        Ok(Self {
            sequence: r.seq.ok_or_else(unsealed)?,
            prev_hash: r.prev_hash.clone().ok_or_else(unsealed)?,
            hash: r.hash.clone().ok_or_else(unsealed)?,
            id: crate::db::stored_id(&r.id)?,
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
        })
    }
}

/// Read the audit log
///
/// Every read and change of case data: who, when, what, the request id and the outcome.
/// Auditors of the operator's organisation (`RARLINK_PLATFORM_ORG`) see everything; other
/// organisations' auditors see what their own staff did and, for a probation organisation (the
/// controller of its people's data), every entry about the people it manages, whoever made it
/// (a provider worker reading the shared referral included).
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
    let after = after_sequence(&page)?;
    let filter = filter.into_inner().filter()?;
    let platform = ctx.state().settings.platform_org.clone();
    let key = ctx.state().audit_key.clone();
    let page = ctx
        .read(Permission::ReadAudit, "audit.list", move |w| {
            let entries = audit::list(w, &key, &platform, filter, after, limit + 1)?
                .into_iter()
                .map(AuditEntry::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_rows(
                entries,
                limit,
                |e| e.sequence.to_string(),
                |e| e,
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
    /// Entries at the start of the chain sealed before the audit key (plain SHA-256, the legacy
    /// segment); every entry after them is sealed with HMAC-SHA256 under the key.
    pub legacy_entries: i64,
    pub first_broken: Option<BrokenEntry>,
}

impl From<ChainReport> for ChainVerification {
    fn from(report: ChainReport) -> Self {
        Self {
            valid: report.first_broken.is_none(),
            entries_checked: report.entries_checked,
            legacy_entries: report.legacy_entries,
            first_broken: report.first_broken.map(|b| BrokenEntry {
                sequence: b.seq,
                id: b.id,
                reason: b.reason,
            }),
        }
    }
}

/// Verify the audit chain
///
/// Walks the whole chain and reports the first entry that was altered, removed or re-linked.
/// Only auditors of the operator's organisation (`RARLINK_PLATFORM_ORG`) may start the walk, and
/// each of them at most three at once, then one a minute (`429` with `Retry-After`).
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The result of the walk", body = ChainVerification),
        (status = 403, description = "Not an auditor of the operator's organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/audit-events/verify")]
pub async fn verify_audit_chain(ctx: Ctx) -> Result<web::Json<ChainVerification>, ApiError> {
    let key = serde_json::json!([ctx.caller.org, ctx.caller.sub]).to_string();
    ctx.state()
        .limiters
        .audit_verify
        .take(&key, ctx.now())
        .map_err(ApiError::TooManyRequests)?;
    let platform = ctx.state().settings.platform_org.clone();
    let key = ctx.state().audit_key.clone();
    let report = ctx
        .read(Permission::ReadAudit, "audit.verify", move |w| {
            audit::verify(w, &platform, &key)
        })
        .await?;
    Ok(web::Json(ChainVerification::from(report)))
}
