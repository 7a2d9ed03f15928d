//! The person on probation, as recorded by the managing probation organisation.

use super::validate::Errors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `PUT /people/{crn}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonDetails {
    #[schema(example = "Stephen")]
    pub first_name: String,
    #[schema(example = "Smith")]
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    /// Police National Computer number, e.g. `2004/0012345A`.
    #[serde(default)]
    pub pnc_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// The probation organisation that manages the case; must be the caller's.
    #[schema(example = "PDU-CAMBS")]
    pub managing_org: String,
}

impl PersonDetails {
    pub fn validate(&self, today: NaiveDate) -> Errors {
        let mut e = Errors::default();
        e.text("firstName", &self.first_name, 100);
        e.text("lastName", &self.last_name, 100);
        e.optional_text("pncNumber", self.pnc_number.as_deref(), 20);
        e.optional_text("address", self.address.as_deref(), 500);
        if !e.plausible_date("dateOfBirth", self.date_of_birth) {
        } else if self.date_of_birth > today {
            e.add(
                "dateOfBirth",
                "in_future",
                "dateOfBirth cannot be in the future",
            );
        } else if today.years_since(self.date_of_birth).unwrap_or(0) < 10 {
            e.add(
                "dateOfBirth",
                "out_of_range",
                "a person on probation is at least 10 years old (the age of criminal responsibility)",
            );
        } else if today.years_since(self.date_of_birth).unwrap_or(0) > 120 {
            e.add(
                "dateOfBirth",
                "out_of_range",
                "dateOfBirth is more than 120 years ago",
            );
        }
        e
    }
}
