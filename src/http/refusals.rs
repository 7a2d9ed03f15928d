//! Auditing what was refused: every `4xx` on `/api/v1` that no unit of work audited (a bad token,
//! bad JSON, a bad CRN, an unknown id) gets its entry here, naming the CRN the path named; and a
//! caller whose organisation is not registered leaves at most one entry a minute.

use super::context::{AppState, RequestId};
use crate::auth::Caller;
use crate::db::audit::{self, NewAuditRow};
use crate::db::{organisations, DbConnection};
use crate::domain::crn::Crn;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set once a unit of work (`Ctx`) wrote the request's audit entry, so it is not written twice.
#[derive(Debug, Clone, Default)]
pub struct AuditMark(Arc<AtomicBool>);

impl AuditMark {
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Marks the request `req` carries, if any.
    pub fn set_on(req: &HttpRequest) {
        if let Some(mark) = req.extensions().get::<AuditMark>() {
            mark.set();
        }
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The statuses audited when nothing else audited them: refusals, not throttling (`429`) nor a
/// body that never arrived (`408`).
fn audited(status: u16) -> bool {
    (400..500).contains(&status) && status != 429 && status != 408
}

/// The CRN the request's path named, when it is one (`{crn}` in the route).
pub fn path_crn(req: &HttpRequest) -> Option<String> {
    req.match_info()
        .get("crn")
        .and_then(|raw| Crn::parse(raw).ok())
        .map(|crn| crn.as_str().to_string())
}

/// The CRN a path names where its template has `{crn}`, when it is one.
pub fn crn_in(template: &str, path: &str) -> Option<String> {
    template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| *t == "{crn}")
        .and_then(|(_, raw)| Crn::parse(raw).ok())
        .map(|crn| crn.as_str().to_string())
}

/// Whether `org` is registered (or is the operator's own organisation, which need not be).
pub fn org_known(
    conn: &mut DbConnection,
    org: &str,
    state: &AppState,
) -> diesel::QueryResult<bool> {
    if org == state.settings.platform_org || state.org_kinds.get(org).is_some() {
        return Ok(true);
    }
    Ok(match organisations::find_by_code(conn, org)? {
        Some(found) => {
            state.org_kinds.remember(org, found.kind);
            true
        }
        None => false,
    })
}

/// Whether a refusal of `caller` may be written now: always for a registered organisation;
/// for an unknown one, once a minute per caller, so a valid token for an organisation rarlink
/// does not know cannot fill the log.
pub fn may_record(
    conn: &mut DbConnection,
    caller: &Caller,
    state: &AppState,
    now: DateTime<Utc>,
) -> diesel::QueryResult<bool> {
    if org_known(conn, &caller.org, state)? {
        return Ok(true);
    }
    let key = serde_json::json!([caller.org, caller.sub]).to_string();
    Ok(state.limiters.unknown_org.take(&key, now).is_ok())
}

/// An entry for a request with no unit of work: `action` names what happened.
pub fn row(
    caller: Option<&Caller>,
    action: &str,
    req: &HttpRequest,
    crn: Option<String>,
    status: u16,
    at: DateTime<Utc>,
) -> NewAuditRow {
    NewAuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: at.naive_utc(),
        actor_sub: caller.map_or_else(|| "(unauthenticated)".into(), |c| c.sub.clone()),
        actor_org: caller.map_or_else(String::new, |c| c.org.clone()),
        actor_roles: caller.map_or_else(String::new, Caller::roles_joined),
        action: action.to_string(),
        method: req.method().to_string(),
        resource: req.path().to_string(),
        crn,
        request_id: req
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default(),
        status: i32::from(status),
    }
}

/// Middleware on `/api/v1`: audits each refusal that no unit of work audited.
pub async fn audit_refusals(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let mark = AuditMark::default();
    req.extensions_mut().insert(mark.clone());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status().as_u16();
    let Some(state) = state.filter(|_| audited(status) && !mark.is_set()) else {
        return Ok(response);
    };
    let request = response.request();
    let caller = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| state.auth.authenticate(Some(a)).ok());
    let now = state.clock.now();
    let action = if caller.is_some() {
        "request.refused"
    } else {
        "request.unauthenticated"
    };
    let entry = row(
        caller.as_ref(),
        action,
        request,
        path_crn(request),
        status,
        now,
    );
    let writer = state.clone();
    let written = state
        .db
        .run(move |conn| {
            if let Some(caller) = &caller {
                if !may_record(conn, caller, &writer, now)? {
                    return Ok(());
                }
            }
            Ok(audit::insert(conn, &entry)?)
        })
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not audit a refused request");
    }
    Ok(response)
}
