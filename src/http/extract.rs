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
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be sent as Content-Type: application/json".into(),
                ));
            }
            let bytes = bytes.await.map_err(|e| {
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

/// Parses JSON, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    refuse_nul_characters(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest(format!("malformed JSON: {inner}"));
        }
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::Validation(vec![FieldError::new(
            field,
            "invalid",
            strip_position(&inner.to_string()),
        )])
    })?;
    de.end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
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
