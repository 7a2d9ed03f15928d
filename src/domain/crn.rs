//! The case reference number (CRN) that identifies a person on probation, e.g. `X123456`.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The CRN's shape as a regular expression, for the OpenAPI document.
pub const PATTERN: &str = "^[A-Z][0-9]{6}$";

/// A valid CRN: one upper-case letter then six digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Crn(String);

impl Crn {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bytes = raw.as_bytes();
        let ok = bytes.len() == 7
            && bytes[0].is_ascii_uppercase()
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(format!(
                "{raw:?} is not a CRN: one upper-case letter followed by six digits, e.g. X123456"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Crn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Crn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Crn::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_and_six_digits_is_a_crn() {
        assert_eq!(Crn::parse("X123456").unwrap().as_str(), "X123456");
    }

    #[test]
    fn anything_else_is_not_a_crn() {
        for bad in [
            "", "x123456", "X12345", "X1234567", "XX23456", "123456X", "X12345A", "X12 456",
        ] {
            assert!(Crn::parse(bad).is_err(), "{bad}");
        }
    }
}
