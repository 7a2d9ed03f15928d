//! Community and suspended sentence orders, their offences and the RAR maximum.

use super::validate::Errors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    pub enum OrderType {
        CommunityOrder = "COMMUNITY_ORDER",
        SuspendedSentenceOrder = "SUSPENDED_SENTENCE_ORDER",
    }
}

crate::text_enum! {
    /// Where an order is in its life: active until it is terminated after its review.
    pub enum OrderStatus {
        Active = "ACTIVE",
        Terminated = "TERMINATED",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Offence {
    #[schema(example = "Assault occasioning actual bodily harm on a former partner")]
    pub description: String,
    #[schema(example = "Violence against the person")]
    pub category: String,
    pub domestic_abuse_related: bool,
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// The officer responsible for the case: their subject id, and name for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Officer {
    #[schema(example = "jsmith")]
    pub sub: String,
    #[schema(example = "J Smith")]
    pub name: Option<String>,
}

/// The responsible officer as a request names them: their subject id (`"jsmith"`) or
/// `{sub, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum OfficerRef {
    /// The officer's subject id (the `sub` of their token).
    #[schema(example = "jsmith")]
    Sub(String),
    Named(NamedOfficer),
}

/// The responsible officer with their name for display.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamedOfficer {
    /// The officer's subject id (the `sub` of their token).
    #[schema(example = "jsmith")]
    pub sub: String,
    #[serde(default)]
    #[schema(example = "J Smith")]
    pub name: Option<String>,
}

impl<'de> Deserialize<'de> for Officer {
    /// Accepts `"jsmith"` or `{"sub": "jsmith", "name": "J Smith"}` (nothing else in it).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let form = OfficerRef::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected the officer's subject as a string (\"jsmith\") or an object \
                 {\"sub\": \"jsmith\", \"name\": \"J Smith\"} with no other fields",
            )
        })?;
        Ok(match form {
            OfficerRef::Sub(sub) => Officer { sub, name: None },
            OfficerRef::Named(NamedOfficer { sub, name }) => Officer { sub, name },
        })
    }
}

/// Body of `POST /people/{crn}/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOrder {
    #[serde(rename = "type")]
    pub order_type: OrderType,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// At least one, at most 20.
    #[schema(min_items = 1, max_items = 20)]
    pub offences: Vec<Offence>,
    /// The most days on which the person may be told to take part in RAR activities (at least 1).
    #[schema(minimum = 1, example = 20)]
    pub rar_max_days: u32,
    /// The officer's subject id, or `{sub, name}`.
    #[schema(value_type = OfficerRef)]
    pub responsible_officer: Officer,
}

/// Longest community order (3 years) or suspended sentence supervision period (2 years), with slack for recording.
const MAX_ORDER_DAYS: i64 = 3 * 366 + 31;

impl NewOrder {
    pub fn validate(&self, today: NaiveDate) -> Errors {
        let mut e = Errors::default();
        let dates_ok = e.plausible_date("startDate", self.start_date)
            & e.plausible_date("endDate", self.end_date);
        if !dates_ok {
        } else if self.end_date <= self.start_date {
            e.add("endDate", "invalid", "endDate must be after startDate");
        } else if (self.end_date - self.start_date).num_days() > MAX_ORDER_DAYS {
            e.add(
                "endDate",
                "out_of_range",
                "an order lasts at most three years",
            );
        }
        if self.start_date > today + chrono::Duration::days(366) {
            e.add(
                "startDate",
                "out_of_range",
                "startDate is more than a year away",
            );
        }
        if self.offences.is_empty() {
            e.add("offences", "required", "an order has at least one offence");
        }
        if self.offences.len() > 20 {
            e.add("offences", "too_many", "an order lists at most 20 offences");
        }
        for (i, o) in self.offences.iter().enumerate() {
            e.text(&format!("offences[{i}].description"), &o.description, 2000);
            e.text(&format!("offences[{i}].category"), &o.category, 200);
            if let Some(d) = o.date {
                e.plausible_date(&format!("offences[{i}].date"), d);
            }
            if o.date.is_some_and(|d| d > self.start_date) {
                e.add(
                    &format!("offences[{i}].date"),
                    "invalid",
                    "an offence is committed before the order starts",
                );
            }
        }
        if self.rar_max_days < 1 {
            e.add("rarMaxDays", "out_of_range", "rarMaxDays is at least 1");
        } else if self.end_date > self.start_date
            && i64::from(self.rar_max_days) > (self.end_date - self.start_date).num_days() + 1
        {
            e.add(
                "rarMaxDays",
                "out_of_range",
                "rarMaxDays cannot exceed the number of days in the order",
            );
        }
        e.text("responsibleOfficer.sub", &self.responsible_officer.sub, 200);
        e.optional_text(
            "responsibleOfficer.name",
            self.responsible_officer.name.as_deref(),
            200,
        );
        e
    }

    pub fn domestic_abuse_related(&self) -> bool {
        self.offences.iter().any(|o| o.domestic_abuse_related)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> NewOrder {
        NewOrder {
            order_type: OrderType::CommunityOrder,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            offences: vec![Offence {
                description: "ABH".into(),
                category: "Violence".into(),
                domestic_abuse_related: true,
                date: None,
            }],
            rar_max_days: 20,
            responsible_officer: Officer {
                sub: "jsmith".into(),
                name: None,
            },
        }
    }

    #[test]
    fn an_order_ending_before_it_starts_is_refused() {
        let mut o = order();
        o.end_date = o.start_date;
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(o.validate(today).into_vec()[0].field, "endDate");
    }

    #[test]
    fn more_rar_days_than_days_in_the_order_is_impossible() {
        let mut o = order();
        o.end_date = NaiveDate::from_ymd_opt(2026, 1, 14).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(o.validate(today).into_vec()[0].field, "rarMaxDays");
    }

    #[test]
    fn statuses_and_types_round_trip_as_their_stored_text() {
        for (status, text) in [
            (OrderStatus::Active, "ACTIVE"),
            (OrderStatus::Terminated, "TERMINATED"),
        ] {
            assert_eq!(status.as_str(), text);
            assert_eq!(OrderStatus::parse(text), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), text);
        }
        for (kind, text) in [
            (OrderType::CommunityOrder, "COMMUNITY_ORDER"),
            (
                OrderType::SuspendedSentenceOrder,
                "SUSPENDED_SENTENCE_ORDER",
            ),
        ] {
            assert_eq!(OrderType::parse(text), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), text);
        }
        assert_eq!(OrderStatus::parse("active"), None);
    }

    #[test]
    fn the_officer_is_a_subject_or_an_object() {
        let a: Officer = serde_json::from_str("\"jsmith\"").unwrap();
        let b: Officer = serde_json::from_str(r#"{"sub":"jsmith","name":"J Smith"}"#).unwrap();
        assert_eq!(a.sub, b.sub);
        assert_eq!(b.name.as_deref(), Some("J Smith"));
    }

    #[test]
    fn an_officer_of_neither_form_is_refused_with_both_forms_named() {
        let err = serde_json::from_str::<Officer>("{}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"sub\""), "{err}");
    }
}

/// How a risk moved over the order, as the officer judged it at the termination review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskChange {
    Reduced,
    Same,
    Increased,
}
