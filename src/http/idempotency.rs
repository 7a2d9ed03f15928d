//! `Idempotency-Key` on every POST: the first response is stored and replayed to retries.
//!
//! Keys are scoped per caller (organisation and subject) and kept 24 hours. The same key with a
//! different request is `422`; a retry while the first request is still running is `409`.
//! Responses of `5xx` are not stored, so a retry after a failure runs again.

use super::context::AppState;
use super::refusals;
use crate::db::idempotency::{self, StoredResponse};
use crate::error::ApiError;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use chrono::Duration;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "idempotency-key";
pub const MAX_BODY: usize = 1024 * 1024;
/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;
/// A claimed key whose request never finished (the process died) may be reused after this.
const STALE_CLAIM_SECS: i64 = 60;

enum Decision {
    Run,
    /// Not remembered: the caller's organisation is not registered, so nothing is written.
    PassThrough,
    Replay(StoredResponse),
    /// A replay the caller may no longer see (audited).
    Refused(ApiError),
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value,
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_string()
        }
        _ => {
            return Ok(problem(
                req,
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 255 printable ASCII characters".into(),
                ),
            ))
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // Unauthenticated requests pass through: the handler answers 401.
    let Ok(caller) = state.auth.authenticate(authorization) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // A JSON pair, so no organisation code or subject can be crafted to collide with another's.
    let owner = serde_json::json!([caller.org, caller.sub]).to_string();

    let timeout = state.settings.limits.body_read_timeout;
    let body = match actix_web::rt::time::timeout(timeout, read_body(req.take_payload())).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => return Ok(problem(req, e)),
        Err(_) => return Ok(problem(req, ApiError::RequestTimeout(timeout.as_secs()))),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.uri().to_string());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_hash = hex::encode(hasher.finalize());

    let now = state.clock.now();
    // A replay is audited and re-checked against the permission its route declares.
    let template = state
        .known_routes
        .template("POST", req.path())
        .map(str::to_string);
    let permission = template
        .as_ref()
        .and_then(|t| {
            state
                .route_permissions
                .get(&("POST".to_string(), t.clone()))
        })
        .copied();
    let crn = template
        .as_deref()
        .and_then(|t| refusals::crn_in(t, req.path()));
    let mut replay_row = refusals::row(
        Some(&caller),
        "request.replayed",
        req.request(),
        crn,
        0,
        now,
    );
    let decision = {
        let (owner, key) = (owner.clone(), key.clone());
        let state = state.clone();
        state
            .db
            .clone()
            .run(move |conn| {
                if !refusals::org_known(conn, &caller.org, &state)? {
                    return Ok(Decision::PassThrough);
                }
                match idempotency::find(conn, &owner, &key)? {
                    Some(row) if row.created_at < (now - Duration::hours(RETENTION_HOURS)).naive_utc() => {
                        idempotency::release(conn, &owner, &key)?;
                    }
                    Some(row) if row.request_hash != request_hash => {
                        return Err(ApiError::Unprocessable(
                            "this Idempotency-Key was already used with a different request".into(),
                        ))
                    }
                    Some(row) => match (row.status, row.body) {
                        (Some(status), Some(body)) => {
                            let allowed = match permission {
                                Some(p) => super::context::authorise(conn, caller, p, &state.org_kinds)
                                    .map(|_| ()),
                                None => Ok(()),
                            };
                            replay_row.status = match &allowed {
                                Ok(()) => status,
                                Err(e) => i32::from(e.status_code().as_u16()),
                            };
                            crate::db::audit::insert(conn, &replay_row)?;
                            if let Err(e) = allowed {
                                return Ok(Decision::Refused(e));
                            }
                            return Ok(Decision::Replay(StoredResponse {
                                status,
                                content_type: row.content_type,
                                body,
                                location: row.location,
                                etag: row.etag,
                            }))
                        }
                        _ if row.created_at
                            < (now - Duration::seconds(STALE_CLAIM_SECS)).naive_utc() =>
                        {
                            idempotency::release(conn, &owner, &key)?;
                        }
                        _ => {
                            return Err(ApiError::conflict(
                                "a request with this Idempotency-Key is still being processed; retry shortly",
                            ))
                        }
                    },
                    None => {}
                }
                idempotency::claim(conn, &owner, &key, &request_hash, now.naive_utc()).map_err(
                    |e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        ) => ApiError::conflict(
                            "a request with this Idempotency-Key is still being processed; retry shortly",
                        ),
                        other => other.into(),
                    },
                )?;
                Ok(Decision::Run)
            })
            .await
    };
    match decision {
        Err(e) => Ok(problem(req, e)),
        Ok(Decision::Refused(e)) => {
            refusals::AuditMark::set_on(req.request());
            Ok(problem(req, e))
        }
        Ok(Decision::PassThrough) => {
            req.set_payload(bytes_payload(body));
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
        Ok(Decision::Replay(stored)) => {
            refusals::AuditMark::set_on(req.request());
            let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
            let mut builder = HttpResponse::build(status);
            builder.insert_header(("idempotent-replayed", "true"));
            if let Some(ct) = &stored.content_type {
                builder.insert_header((header::CONTENT_TYPE, ct.as_str()));
            }
            if let Some(location) = &stored.location {
                builder.insert_header((header::LOCATION, location.as_str()));
            }
            if let Some(etag) = &stored.etag {
                builder.insert_header((header::ETAG, etag.as_str()));
            }
            let response = builder.body(stored.body);
            Ok(req.into_response(response))
        }
        Ok(Decision::Run) => {
            req.set_payload(bytes_payload(body));
            let response = next.call(req).await?;
            let (http_req, response) = response.into_parts();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = body::to_bytes(response.into_body())
                .await
                .map_err(|_| ApiError::internal("could not read the response body"))?;
            let store = StoredResponse {
                status: status.as_u16() as i32,
                content_type: header_string(&headers, header::CONTENT_TYPE),
                body: String::from_utf8_lossy(&bytes).into_owned(),
                location: header_string(&headers, header::LOCATION),
                etag: header_string(&headers, header::ETAG),
            };
            let saved = state
                .db
                .run(move |conn| {
                    if status.is_server_error() {
                        idempotency::release(conn, &owner, &key)?;
                    } else {
                        idempotency::complete(conn, &owner, &key, &store)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = saved {
                tracing::error!(error = %e, "could not record the idempotent response");
            }
            let mut rebuilt = HttpResponse::build(status);
            for (name, value) in headers.iter() {
                rebuilt.append_header((name.clone(), value.clone()));
            }
            Ok(ServiceResponse::new(http_req, rebuilt.body(bytes)))
        }
    }
}

fn header_string(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn problem(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

async fn read_body(mut payload: Payload) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::BadRequest("could not read the request body".into()))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::PayloadTooLarge(MAX_BODY));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn bytes_payload(bytes: Bytes) -> Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    Payload::from(payload)
}
