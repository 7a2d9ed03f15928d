//! Entity tags for mutable resources and `If-Match` preconditions (`412` on mismatch).

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};

/// A strong ETag computed from the resource's JSON representation.
pub fn etag_of<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    format!("\"{}\"", &hex::encode(digest)[..32])
}

/// A JSON response carrying the resource's ETag.
pub fn tagged<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag_of(value)))
        .json(value)
}

/// The `If-Match` header of a request, if any.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    pub fn new(value: Option<String>) -> Self {
        Self(value)
    }

    /// As [`IfMatch::check`], computing the current ETag only when the header was sent (building
    /// the representation costs queries that most requests do not need).
    pub fn check_with(
        &self,
        current: impl FnOnce() -> Result<String, ApiError>,
    ) -> Result<(), ApiError> {
        match self.0 {
            None => Ok(()),
            Some(_) => self.check(&current()?),
        }
    }

    /// `412` unless the header is absent, `*`, or lists the current ETag.
    pub fn check(&self, current: &str) -> Result<(), ApiError> {
        let Some(value) = &self.0 else { return Ok(()) };
        let matches = value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag == current || tag.strip_prefix("W/") == Some(current));
        if matches {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(
                "the resource has changed since you read it (If-Match does not match its ETag); read it again".into(),
            ))
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| v.to_str().map(str::to_string));
        ready(match value {
            None => Ok(IfMatch(None)),
            Some(Ok(v)) => Ok(IfMatch(Some(v))),
            Some(Err(_)) => Err(ApiError::BadRequest("If-Match is not valid ASCII".into())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_the_current_tag_a_star_or_no_header() {
        let tag = etag_of(&serde_json::json!({"a": 1}));
        assert!(IfMatch(None).check(&tag).is_ok());
        assert!(IfMatch(Some("*".into())).check(&tag).is_ok());
        assert!(IfMatch(Some(tag.clone())).check(&tag).is_ok());
        assert!(IfMatch(Some(format!("\"other\", {tag}")))
            .check(&tag)
            .is_ok());
    }

    #[test]
    fn if_match_with_a_stale_tag_is_a_failed_precondition() {
        let old = etag_of(&serde_json::json!({"a": 1}));
        let new = etag_of(&serde_json::json!({"a": 2}));
        assert!(matches!(
            IfMatch(Some(old)).check(&new),
            Err(ApiError::PreconditionFailed(_))
        ));
    }
}
