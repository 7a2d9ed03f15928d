//! The one error type of the API and its mapping to RFC 9457 `application/problem+json`, in one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// One bad field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `desiredOutcomes[0].description`.
    pub field: String,
    /// Machine-readable code, e.g. `required`, `invalid`, `out_of_range`.
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
    pub fn required(field: impl Into<String>) -> Self {
        let field = field.into();
        let message = format!("{field} is required");
        Self::new(field, "required", message)
    }
}

/// An item that stops an operation (e.g. closing an order), listed in a `409` problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockingItem {
    pub kind: String,
    pub description: String,
    pub link: Option<String>,
}

/// RFC 9457 problem details, as every error is sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI reference naming the kind of problem; documented in `docs/api-conventions.md`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub problem_type: String,
    #[schema(example = "Validation failed")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    pub detail: String,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// One entry per bad field (validation problems only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// What blocks the operation (conflict problems that list items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_items: Option<Vec<BlockingItem>>,
    /// The current state of the resource, when a transition is illegal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The path exists but not for this method; carries the methods it allows.
    #[error("this path allows only {}", .0.join(", "))]
    MethodNotAllowed(Vec<&'static str>),
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
        blocking_items: Vec<BlockingItem>,
    },
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unavailable(String),
    /// The caller's rate limit is spent; carries the seconds until it may retry.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    /// The request body did not arrive in time.
    #[error("the request body was not received within {0} s")]
    RequestTimeout(u64),
    /// Something we did not expect; the detail and its cause are logged, never sent.
    #[error("internal error: {detail}")]
    Internal {
        detail: String,
        #[source]
        source: Option<BoxError>,
    },
}

/// The cause of an internal error, kept for the log.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl ApiError {
    /// An internal error with no underlying cause (an invariant that did not hold).
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal {
            detail: detail.into(),
            source: None,
        }
    }

    /// An internal error caused by `source`, which is logged with it.
    pub fn internal_from(
        detail: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            detail: detail.into(),
            source: Some(Box::new(source)),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn invalid_state(detail: impl Into<String>, current: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            current_state: Some(current.into()),
            blocking_items: Vec::new(),
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            current_state: None,
            blocking_items: Vec::new(),
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Validation failed",
            ),
            Self::Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authentication required",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::PreconditionFailed(_) => (
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "Precondition failed",
            ),
            Self::PreconditionRequired(_) => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                "Precondition required",
            ),
            Self::Unprocessable(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "Request cannot be processed",
            ),
            Self::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Self::TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Self::RequestTimeout(_) => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request timeout",
            ),
            Self::Internal { .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        }
    }

    /// The problem document sent for this error.
    pub fn to_problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let detail = match self {
            Self::Internal { .. } => {
                "An unexpected error occurred; it has been logged with the request id.".to_string()
            }
            Self::Validation(errors) => format!(
                "{} field(s) are missing or invalid: {}",
                errors.len(),
                errors
                    .iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        };
        let (errors, blocking_items, current_state) = match self {
            Self::Validation(errors) => (Some(errors.clone()), None, None),
            Self::Conflict {
                current_state,
                blocking_items,
                ..
            } => (
                None,
                (!blocking_items.is_empty()).then(|| blocking_items.clone()),
                current_state.clone(),
            ),
            _ => (None, None, None),
        };
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail,
            instance: None,
            errors,
            blocking_items,
            current_state,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal { detail, source } = self {
            match source {
                Some(cause) => {
                    tracing::error!(error = %detail, cause = %cause_chain(cause.as_ref()), "internal error")
                }
                None => tracing::error!(error = %detail, "internal error"),
            }
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.content_type("application/problem+json");
        match self {
            Self::Unauthenticated(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"rarlink\""));
            }
            Self::Unavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::MethodNotAllowed(allow) => {
                builder.insert_header((header::ALLOW, allow.join(", ")));
            }
            Self::TooManyRequests(secs) => {
                builder.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            _ => {}
        }
        builder.json(self.to_problem())
    }
}

/// An error and its causes, outermost first: `a: b: c`.
pub fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// A database error. A row a query expected but did not find is an internal error: lookups a
/// client can miss return `Option` and are mapped to `404` where the use case decides so.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::internal_from("an expected row is missing", e),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::conflict(
                "a conflicting change was made at the same time; read the resource again",
            ),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Unavailable("the database was busy; retry the request".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                ApiError::Unavailable("the database is unavailable".into())
            }
            Error::DatabaseError(_, info) if is_busy(info.message()) => {
                ApiError::Unavailable("the database was busy; retry the request".into())
            }
            other => ApiError::internal_from("database", other),
        }
    }
}

/// SQLite's lock timeouts, and PostgreSQL cancelling a statement at `statement_timeout`.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("canceling statement due to statement timeout")
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection available");
        ApiError::Unavailable("no database connection is available; retry shortly".into())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal_from("a database task panicked or was cancelled", e)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_detail() {
        let p = ApiError::internal("password=hunter2 in SQL").to_problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("hunter2"));
    }

    #[test]
    fn validation_problems_list_every_field() {
        let p = ApiError::Validation(vec![
            FieldError::required("staffSafety"),
            FieldError::required("desiredOutcomes"),
        ])
        .to_problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.as_ref().map(Vec::len), Some(2));
        assert!(p.detail.contains("staffSafety") && p.detail.contains("desiredOutcomes"));
    }

    #[test]
    fn lock_waits_that_time_out_are_unavailable_not_internal() {
        for message in [
            "database is locked",
            "canceling statement due to statement timeout",
        ] {
            assert!(is_busy(message), "{message}");
        }
        assert!(!is_busy("relation \"people\" does not exist"));
    }

    #[test]
    fn a_missing_row_inside_a_service_is_internal_and_keeps_its_cause() {
        let err = ApiError::from(diesel::result::Error::NotFound);
        assert_eq!(err.to_problem().status, 500);
        let source = std::error::Error::source(&err).expect("cause kept");
        assert!(
            cause_chain(source).contains("not found"),
            "{}",
            cause_chain(source)
        );
    }

    #[test]
    fn illegal_transitions_name_the_current_state() {
        let p = ApiError::invalid_state("cannot accept", "DRAFT").to_problem();
        assert_eq!(p.status, 409);
        assert_eq!(p.current_state.as_deref(), Some("DRAFT"));
    }
}
