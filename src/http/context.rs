//! The unit of work every handler goes through: authenticate, authorise, scope, run, audit, emit events.
//!
//! A handler takes a [`Ctx`] and calls [`Ctx::read`], [`Ctx::write`] or [`Ctx::create`] with the
//! permission it needs and an action name. The context checks the role (`403`), resolves the
//! caller's organisation (unknown organisations are refused on case data), runs the closure on the
//! blocking pool, and audits it. A write appends its audit entry and domain events in the same
//! transaction as the change. A read runs in a read transaction (no write lock) and its entry is
//! committed by the audit writer (`db::audit_writer`, group commit) before the response leaves.
//! Failed attempts are audited too, outside the rolled-back transaction.

use crate::auth::{jwt::Authenticator, Caller, Permission, Role};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::audit::{self, NewAuditRow};
use crate::db::audit_writer::Refused;
use crate::db::events::NewEventRow;
use crate::db::{begin_read, end_read, organisations, write_transaction, Db, DbConnection};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::rules::RulesConfig;
use crate::work::{Actor, Principal, Work};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;

/// Shared, immutable application state.
pub struct AppState {
    pub db: Db,
    pub clock: SharedClock,
    pub auth: Arc<Authenticator>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub rules: Arc<RulesConfig>,
    /// Outbound HTTP (webhook deliveries), through the safe resolver (`services::webhook_send`).
    pub http_client: reqwest::Client,
    /// The SMTP sender for e-mail notifications; `None` when e-mail is off.
    pub mailer: Option<crate::services::mail_send::Mailer>,
    /// Organisation kinds already looked up (organisations never change kind).
    pub org_kinds: super::org_kinds::OrgKinds,
    /// The permission each route declares (`api::operations`), keyed by method and path
    /// template; a handler running with another permission is refused with a `500`.
    pub route_permissions: Arc<HashMap<(String, String), Permission>>,
    /// Every declared path template and its methods (for `405` with `Allow`).
    pub known_routes: Arc<super::routes::KnownRoutes>,
    /// Per-caller token buckets (`http::rate_limit`).
    pub limiters: Arc<super::rate_limit::Limiters>,
    /// The key that seals the audit chain (loaded once at start).
    pub audit_key: Arc<crate::domain::audit_key::AuditKey>,
}

/// The request id, set by the observe middleware and echoed in `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The request's context: the authenticated caller and what is needed to audit its work.
pub struct Ctx {
    pub caller: Caller,
    pub request_id: String,
    method: String,
    resource: String,
    /// The matched route's path template, e.g. `/api/v1/referrals/{id}/send`.
    route: Option<String>,
    /// The CRN the path names, recorded on a refusal too (probes show under the person).
    path_crn: Option<String>,
    /// Marked once this unit of work audits the request (`http::refusals`).
    audit_mark: Option<super::refusals::AuditMark>,
    state: web::Data<AppState>,
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ctx::extract(req))
    }
}

enum Mode {
    Read,
    Write,
}

impl Ctx {
    fn extract(req: &HttpRequest) -> Result<Ctx, ApiError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("application state missing"))?;
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let caller = state.auth.authenticate(authorization)?;
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        Ok(Ctx {
            caller,
            request_id,
            method: req.method().to_string(),
            resource: req.path().to_string(),
            route: req.match_pattern(),
            path_crn: super::refusals::path_crn(req),
            audit_mark: req
                .extensions()
                .get::<super::refusals::AuditMark>()
                .cloned(),
            state,
        })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Runs a read in a read transaction; its audit entry is committed (group commit) before
    /// the value is returned, so no data leaves without it.
    pub async fn read<T, F>(
        &self,
        permission: Permission,
        action: &'static str,
        f: F,
    ) -> Result<T, ApiError>
    where
        F: for<'a> FnOnce(&mut Work<'a>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(Mode::Read, permission, action, 200, f).await
    }

    /// Runs a change in one transaction with its audit entry and events (`200` on success).
    pub async fn write<T, F>(
        &self,
        permission: Permission,
        action: &'static str,
        f: F,
    ) -> Result<T, ApiError>
    where
        F: for<'a> FnOnce(&mut Work<'a>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(Mode::Write, permission, action, 200, f).await
    }

    /// As [`Ctx::write`], for a change that creates a resource (`201`).
    pub async fn create<T, F>(
        &self,
        permission: Permission,
        action: &'static str,
        f: F,
    ) -> Result<T, ApiError>
    where
        F: for<'a> FnOnce(&mut Work<'a>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(Mode::Write, permission, action, 201, f).await
    }

    async fn run<T, F>(
        &self,
        mode: Mode,
        permission: Permission,
        action: &'static str,
        success_status: i32,
        f: F,
    ) -> Result<T, ApiError>
    where
        F: for<'a> FnOnce(&mut Work<'a>) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(mark) = &self.audit_mark {
            mark.set(); // this unit of work audits the request, whatever its outcome
        }
        let caller = self.caller.clone();
        let now = self.now();
        let rules = self.state.rules.clone();
        let org_kinds = self.state.org_kinds.clone();
        let audit = AuditDraft {
            at: now,
            caller: caller.clone(),
            action,
            method: self.method.clone(),
            resource: self.resource.clone(),
            request_id: self.request_id.clone(),
        };
        let failure_audit = audit.clone();
        if let Err(err) = self.check_declared(permission) {
            self.audit_failure(failure_audit, &err).await;
            return Err(err);
        }
        let result = self
            .state
            .db
            .run_with_turn(move |conn, turn| {
                caller.require(permission)?;
                let me = resolve_principal(conn, caller, permission, &org_kinds)?;
                match mode {
                    Mode::Read => {
                        // A read transaction: no write lock; the audit entry is committed by the
                        // audit writer once the connection is back in the pool (below).
                        begin_read(conn)?;
                        let read = (|| {
                            let mut work =
                                Work::new(conn, &me, now, &rules, false).in_snapshot(turn);
                            let value = f(&mut work)?;
                            let outcome = work.finish();
                            if !outcome.events.is_empty() {
                                return Err(ApiError::internal(format!(
                                    "read action {action} emitted events"
                                )));
                            }
                            let status = outcome.status.unwrap_or(success_status);
                            Ok((value, Some(audit.row(outcome.crn, status))))
                        })();
                        end_read(conn, read)
                    }
                    Mode::Write => {
                        let _turn = turn.take();
                        write_transaction(conn, |conn| {
                            crate::services::staff::learn(conn, &me, now)?;
                            let mut work = Work::new(conn, &me, now, &rules, true);
                            let value = f(&mut work)?;
                            let outcome = work.finish();
                            let crn = outcome.crn;
                            let status = outcome.status.unwrap_or(success_status);
                            let actor = Actor::Caller {
                                sub: &me.caller.sub,
                                org: &me.caller.org,
                            };
                            let rows = outcome
                                .events
                                .into_iter()
                                .map(|e| e.into_row(now, actor))
                                .collect::<Result<Vec<NewEventRow>, ApiError>>()?;
                            crate::services::notifications::insert_events(conn, &rows)?;
                            audit::insert(conn, &audit.row(crn, status))?;
                            Ok((value, None))
                        })
                    }
                }
            })
            .await;
        // A read's data leaves only once its audit entry is committed.
        let result = match result {
            Ok((value, Some(row))) => match self.state.db.audit_writer().append(row).await {
                Ok(()) => Ok(value),
                // Its entry is queued (or the queue is stuck): no second entry that would wait
                // on the same stuck writer; the 503 leaves at once.
                Err(refused @ Refused::TimedOut(_)) => return Err(refused.into_error()),
                Err(refused) => Err(refused.into_error()),
            },
            Ok((value, None)) => Ok(value),
            Err(e) => Err(e),
        };
        if let Err(err) = &result {
            self.audit_failure(failure_audit, err).await;
        }
        result
    }

    /// The handler must run with the permission its route declares in `api::operations`.
    fn check_declared(&self, permission: Permission) -> Result<(), ApiError> {
        let Some(route) = &self.route else {
            return Ok(());
        };
        match self
            .state
            .route_permissions
            .get(&(self.method.clone(), route.clone()))
        {
            Some(declared) if *declared == permission => Ok(()),
            declared => Err(ApiError::internal(format!(
                "{} {route} runs with {permission:?} but declares {declared:?} in api::operations",
                self.method
            ))),
        }
    }

    /// Records a refused or failed attempt; its own failure is logged, never hidden.
    /// A caller whose organisation is not registered leaves one such entry a minute at most.
    async fn audit_failure(&self, draft: AuditDraft, err: &ApiError) {
        use actix_web::ResponseError;
        let status = err.status_code().as_u16() as i32;
        let crn = self.path_crn.clone();
        let state = self.state.clone();
        let outcome = self
            .state
            .db
            .run(move |conn| {
                if !super::refusals::may_record(conn, &draft.caller, &state, draft.at)? {
                    return Ok(());
                }
                Ok(audit::insert(conn, &draft.row(crn, status))?)
            })
            .await;
        if let Err(e) = outcome {
            tracing::warn!(error = %e, "could not audit a failed request");
        }
    }
}

#[derive(Clone)]
struct AuditDraft {
    at: DateTime<Utc>,
    caller: Caller,
    action: &'static str,
    method: String,
    resource: String,
    request_id: String,
}

impl AuditDraft {
    fn row(&self, crn: Option<String>, status: i32) -> NewAuditRow {
        NewAuditRow {
            id: uuid::Uuid::now_v7().to_string(),
            at: self.at.naive_utc(),
            actor_sub: self.caller.sub.clone(),
            actor_org: self.caller.org.clone(),
            actor_roles: self.caller.roles_joined(),
            action: self.action.to_string(),
            method: self.method.clone(),
            resource: self.resource.clone(),
            crn,
            request_id: self.request_id.clone(),
            status,
        }
    }
}

/// Permissions that do not touch case data, so the caller's organisation need not be registered.
fn needs_registered_org(permission: Permission) -> bool {
    !matches!(
        permission,
        Permission::ManageOrganisations | Permission::ReadOrganisations | Permission::ReadAudit
    )
}

/// Whether `caller` may do `permission` now: a role grants it, and on case data the
/// organisation is registered with a kind the role fits (as a unit of work checks it).
pub(crate) fn authorise(
    conn: &mut DbConnection,
    caller: Caller,
    permission: Permission,
    known: &super::org_kinds::OrgKinds,
) -> Result<Principal, ApiError> {
    caller.require(permission)?;
    resolve_principal(conn, caller, permission, known)
}

/// Resolves the caller's organisation. On case data the organisation must be registered, and
/// only roles that fit its kind count (a provider role never acts for a probation organisation).
fn resolve_principal(
    conn: &mut DbConnection,
    mut caller: Caller,
    permission: Permission,
    known: &super::org_kinds::OrgKinds,
) -> Result<Principal, ApiError> {
    if !needs_registered_org(permission) {
        return Ok(Principal {
            caller,
            org_kind: None,
        });
    }
    let kind = match known.get(&caller.org) {
        Some(kind) => kind,
        None => {
            let org = organisations::find_by_code(conn, &caller.org)?.ok_or_else(|| {
                ApiError::Forbidden(format!(
                    "organisation {} is not registered with rarlink",
                    caller.org
                ))
            })?;
            known.remember(&caller.org, org.kind);
            org.kind
        }
    };
    caller.roles.retain(|role| match role {
        Role::ProbationPractitioner | Role::ProbationManager | Role::Integration => {
            kind == OrgKind::Probation
        }
        Role::ProviderWorker | Role::ProviderManager => kind == OrgKind::Provider,
        Role::Auditor | Role::Admin => true,
    });
    caller.require(permission).map_err(|_| {
        ApiError::Forbidden(format!(
            "your roles cannot do this for a {} organisation",
            kind.as_str()
        ))
    })?;
    Ok(Principal {
        caller,
        org_kind: Some(kind),
    })
}
