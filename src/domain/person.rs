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
    /// Checks the details as `caller_org` sends them on `today`; every problem at once.
    pub fn validate(&self, today: NaiveDate, caller_org: &str) -> Errors {
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
        if self.managing_org != caller_org {
            e.add(
                "managingOrg",
                "invalid",
                "managingOrg must be your own organisation",
            );
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> PersonDetails {
        PersonDetails {
            first_name: "Stephen".into(),
            last_name: "Smith".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
            pnc_number: None,
            address: None,
            managing_org: "PDU-CAMBS".into(),
        }
    }

    /// A name, a change to valid details, and the fields then reported.
    type Case = (
        &'static str,
        fn(&mut PersonDetails),
        &'static [&'static str],
    );

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let cases: &[Case] = &[
            ("valid", |_| {}, &[]),
            (
                "another organisation",
                |d| d.managing_org = "PDU-NORFOLK".into(),
                &["managingOrg"],
            ),
            (
                "a child",
                |d| d.date_of_birth = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                &["dateOfBirth"],
            ),
            (
                "blank name, another organisation",
                |d| {
                    d.first_name = " ".into();
                    d.managing_org = "X".into();
                },
                &["firstName", "managingOrg"],
            ),
        ];
        for (name, change, fields) in cases {
            let mut d = details();
            change(&mut d);
            let got: Vec<String> = d
                .validate(today, "PDU-CAMBS")
                .into_vec()
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(&got, fields, "{name}");
        }
    }
}
