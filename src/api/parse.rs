//! Turning what handlers receive into typed values: a CRN from the path.

use crate::domain::Crn;
use crate::error::{ApiError, FieldError};

/// Parses a CRN from the path (`422` naming `crn` when malformed).
pub fn crn_param(raw: &str) -> Result<Crn, ApiError> {
    Crn::parse(raw).map_err(|m| ApiError::Validation(vec![FieldError::new("crn", "invalid", m)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_crn_is_a_validation_error_naming_crn() {
        assert!(crn_param("X123456").is_ok());
        match crn_param("123") {
            Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, "crn"),
            other => panic!("{other:?}"),
        }
    }
}
