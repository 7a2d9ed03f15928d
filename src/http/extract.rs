//! Extractors whose failures are problems: JSON bodies with field paths, paths, queries, unknown routes.

use crate::error::{ApiError, FieldError};
use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// Request bodies larger than this are refused with `413`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body. Malformed JSON is `400`; a body that is JSON but does not fit the schema
/// (missing field, wrong type, unknown enum value) is `422` naming the field; a missing or wrong
/// `Content-Type` is `415`; more than 1 MiB is `413`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            })
            .unwrap_or(false);
        let bytes = Bytes::from_request(req, payload);
        let timeout = body_read_timeout(req);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be sent as Content-Type: application/json".into(),
                ));
            }
            let bytes = actix_web::rt::time::timeout(timeout, bytes)
                .await
                .map_err(|_| ApiError::RequestTimeout(timeout.as_secs()))?;
            let bytes = bytes.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                } else {
                    ApiError::BadRequest("could not read the request body".into())
                }
            })?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// How long a request body may take to arrive (`RARLINK_BODY_READ_TIMEOUT_SECS`).
pub fn body_read_timeout(req: &HttpRequest) -> std::time::Duration {
    req.app_data::<web::Data<super::AppState>>()
        .map(|state| state.settings.limits.body_read_timeout)
        .unwrap_or_else(|| crate::config::Limits::default().body_read_timeout)
}

/// The longest string any request field may hold, in characters (fields have tighter limits of
/// their own; this one bounds what is parsed at all).
pub const MAX_STRING_CHARS: usize = 20_000;
/// The most items any array in a request may hold.
pub const MAX_ARRAY_ITEMS: usize = 100;
/// The most properties any object in a request may hold (free-form objects such as `details`).
pub const MAX_OBJECT_PROPERTIES: usize = 50;
/// The deepest objects and arrays may nest.
pub const MAX_DEPTH: usize = 10;

/// Parses JSON, naming the failing field: every string, array and object is first checked
/// against the caps above (`422` naming each field over one), then the body is read as `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    refuse_nul_characters(bytes)?;
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let mut errors = Vec::new();
    check_caps(&value, "", 0, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::Validation(vec![FieldError::new(
            field,
            "invalid",
            strip_position(&e.inner().to_string()),
        )])
    })
}

/// Reports each string, array or object over its cap, by JSON path (at most 20 reports).
fn check_caps(value: &serde_json::Value, path: &str, depth: usize, errors: &mut Vec<FieldError>) {
    if errors.len() >= 20 {
        return;
    }
    let field = || {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        serde_json::Value::String(text) if text.chars().count() > MAX_STRING_CHARS => {
            errors.push(FieldError::new(
                field(),
                "too_long",
                format!("at most {MAX_STRING_CHARS} characters"),
            ))
        }
        serde_json::Value::Array(_) | serde_json::Value::Object(_) if depth >= MAX_DEPTH => errors
            .push(FieldError::new(
                field(),
                "too_deep",
                format!("objects and arrays nest at most {MAX_DEPTH} deep"),
            )),
        serde_json::Value::Array(items) if items.len() > MAX_ARRAY_ITEMS => {
            errors.push(FieldError::new(
                field(),
                "too_many",
                format!("at most {MAX_ARRAY_ITEMS} items"),
            ))
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_caps(item, &format!("{path}[{i}]"), depth + 1, errors);
            }
        }
        serde_json::Value::Object(map) if map.len() > MAX_OBJECT_PROPERTIES => {
            errors.push(FieldError::new(
                field(),
                "too_many",
                format!("at most {MAX_OBJECT_PROPERTIES} properties"),
            ))
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                if key.chars().count() > 200 {
                    errors.push(FieldError::new(
                        field(),
                        "too_long",
                        "property names are at most 200 characters",
                    ));
                    continue;
                }
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                check_caps(item, &child, depth + 1, errors);
            }
        }
        _ => {}
    }
}

/// No field of this API needs a NUL character and PostgreSQL text cannot store one, so a body
/// whose strings contain `\u0000` is refused with `422` naming each field (on both backends).
fn refuse_nul_characters(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // malformed: the parse that follows says how
    };
    let mut errors = Vec::new();
    collect_nul_fields(&value, "", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn collect_nul_fields(value: &serde_json::Value, path: &str, errors: &mut Vec<FieldError>) {
    let field = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => errors.push(FieldError::new(
            field(path),
            "invalid",
            "text may not contain NUL (\\u0000) characters",
        )),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_nul_fields(item, &format!("{path}[{i}]"), errors);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.contains('\0') {
                    errors.push(FieldError::new(
                        field(path),
                        "invalid",
                        "names may not contain NUL (\\u0000) characters",
                    ));
                } else {
                    collect_nul_fields(item, &child, errors);
                }
            }
        }
        _ => {}
    }
}

/// Refuses a request whose path or query string carries a NUL character (`%00`) with `400`.
pub async fn refuse_nul_in_uri(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let carries_nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    if carries_nul(uri.path()) || uri.query().is_some_and(carries_nul) {
        let error = ApiError::BadRequest(
            "the path and query string may not contain NUL (%00) characters".into(),
        );
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Applies an RFC 7386 JSON merge patch: fields given replace, `null` removes.
pub fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// serde_json appends " at line 1 column 42"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _req| {
            let api = match &err {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                }
                JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
                    "the request body must be sent as Content-Type: application/json".into(),
                ),
                JsonPayloadError::Deserialize(e) if e.is_data() => {
                    ApiError::Validation(vec![FieldError::new(
                        "body",
                        "invalid",
                        strip_position(&e.to_string()),
                    )])
                }
                other => ApiError::BadRequest(format!("malformed JSON: {other}")),
            };
            api.into()
        })
}

pub fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(MAX_BODY_BYTES)
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let detail = match &err {
            PathError::Deserialize(e) => format!("invalid path parameter: {e}"),
            _ => "invalid path parameter".to_string(),
        };
        ApiError::BadRequest(detail).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match &err {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            _ => "invalid query string".to_string(),
        };
        ApiError::BadRequest(detail).into()
    })
}

/// The answer for any request no route took: `405` with `Allow` when the path is declared for
/// other methods, `404` otherwise.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<super::AppState>>()
        .and_then(|state| state.known_routes.allowed(req.path()));
    match allowed {
        Some(allow) => ApiError::MethodNotAllowed(allow).error_response(),
        None => ApiError::NotFound(format!("no route for {} {}", req.method(), req.path()))
            .error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        kind: Kind,
        rar_days: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        A,
    }

    #[test]
    fn a_merge_patch_replaces_given_fields_and_clears_nulls() {
        use serde_json::json;
        let mut doc = json!({"name": "A", "verified": false, "notes": "x", "source": {"kind": "POLICE", "reportedOn": "2026-01-01"}});
        merge_patch(
            &mut doc,
            &json!({"verified": true, "notes": null, "source": {"kind": "PROVIDER"}}),
        );
        assert_eq!(
            doc,
            json!({"name": "A", "verified": true, "source": {"kind": "PROVIDER", "reportedOn": "2026-01-01"}})
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Body>(b"{\"kind\": "),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn an_unknown_enum_value_names_the_field() {
        match parse_json::<Body>(br#"{"kind": "B", "rarDays": 1}"#) {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "kind"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_negative_number_where_a_count_is_expected_names_the_field() {
        match parse_json::<Body>(br#"{"kind": "A", "rarDays": -3}"#) {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "rarDays"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
