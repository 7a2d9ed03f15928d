//! Collecting every validation problem of a request at once, so a `422` lists them all.

use crate::error::{ApiError, FieldError};

const EARLIEST: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};
const LATEST: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// True when an instant is within the plausible range, so date arithmetic on it cannot overflow.
pub fn plausible(at: chrono::DateTime<chrono::Utc>) -> bool {
    (EARLIEST..=LATEST).contains(&at.date_naive())
}

#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn required(&mut self, field: &str) {
        self.0.push(FieldError::required(field));
    }

    /// Required text: not blank, at most `max` characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.required(field);
        } else if value.chars().count() > max {
            self.add(
                field,
                "too_long",
                format!("{field} must be at most {max} characters"),
            );
        }
    }

    /// Optional text: if given, not blank and at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(field, v, max);
        }
    }

    /// A list of short texts.
    pub fn list(&mut self, field: &str, values: &[String], max_items: usize, max_len: usize) {
        if values.len() > max_items {
            self.add(
                field,
                "too_many",
                format!("{field} may hold at most {max_items} items"),
            );
        }
        for (i, v) in values.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), v, max_len);
        }
    }

    /// Dates outside 1900–2100 are impossible here (and beyond what the databases store).
    pub fn plausible_date(&mut self, field: &str, date: chrono::NaiveDate) -> bool {
        let ok = (EARLIEST..=LATEST).contains(&date);
        if !ok {
            self.add(
                field,
                "out_of_range",
                format!("{field} must be between {EARLIEST} and {LATEST}"),
            );
        }
        ok
    }

    /// As [`Errors::plausible_date`], for an instant.
    pub fn plausible_time(&mut self, field: &str, at: chrono::DateTime<chrono::Utc>) -> bool {
        self.plausible_date(field, at.date_naive())
    }

    pub fn merge(&mut self, other: Errors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok` when nothing was wrong, else a `422` listing every problem.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_overlong_texts_are_reported_with_their_field() {
        let mut e = Errors::default();
        e.text("a", "  ", 10);
        e.text("b", "0123456789x", 10);
        e.text("c", "fine", 10);
        e.optional_text("d", None, 10);
        let fields: Vec<_> = e
            .into_vec()
            .into_iter()
            .map(|f| (f.field, f.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("a".into(), "required".into()),
                ("b".into(), "too_long".into())
            ]
        );
    }
}
