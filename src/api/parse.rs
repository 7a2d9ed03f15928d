//! Turning what handlers and views receive into typed values: a CRN from the path, an id read
//! back from the database.

use crate::domain::Crn;
use crate::error::{ApiError, FieldError};

/// Parses a CRN from the path (`422` naming `crn` when malformed).
pub fn crn_param(raw: &str) -> Result<Crn, ApiError> {
    Crn::parse(raw).map_err(|m| ApiError::Validation(vec![FieldError::new("crn", "invalid", m)]))
}

/// A stored id as the UUID it must be; anything else is a bug, reported as a `500` with its cause.
pub fn stored_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    text.parse()
        .map_err(|e| ApiError::internal_from(format!("stored id {text:?}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_an_internal_error() {
        assert!(stored_id("0190a0a0-0000-7000-8000-000000000000").is_ok());
        for bad in ["not-a-uuid", ""] {
            assert!(
                matches!(stored_id(bad), Err(ApiError::Internal { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_malformed_crn_is_a_validation_error_naming_crn() {
        assert!(crn_param("X123456").is_ok());
        match crn_param("123") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "crn"),
            other => panic!("{other:?}"),
        }
    }
}
