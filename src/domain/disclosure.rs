//! Disclosures: what the person (or someone else) told a worker that matters for risk.

use super::validate::Errors;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    #[derive(PartialOrd, Ord)]
    pub enum DisclosureType {
        Pregnancy = "PREGNANCY",
        NewRelationship = "NEW_RELATIONSHIP",
        ChildrenInHousehold = "CHILDREN_IN_HOUSEHOLD",
        ContactWithChildren = "CONTACT_WITH_CHILDREN",
        ChangeOfAddress = "CHANGE_OF_ADDRESS",
        DomesticAbuseIncident = "DOMESTIC_ABUSE_INCIDENT",
        HarmToChild = "HARM_TO_CHILD",
        SelfHarm = "SELF_HARM",
        SuicidalIdeation = "SUICIDAL_IDEATION",
        SubstanceMisuse = "SUBSTANCE_MISUSE",
        MentalHealthDeterioration = "MENTAL_HEALTH_DETERIORATION",
        NewOffence = "NEW_OFFENCE",
        Weapon = "WEAPON",
        Other = "OTHER",
    }
}

impl DisclosureType {
    /// Disclosures that say something about who lives in, or is in contact with, the household.
    pub fn changes_household(self) -> bool {
        matches!(
            self,
            Self::Pregnancy
                | Self::NewRelationship
                | Self::ChildrenInHousehold
                | Self::ContactWithChildren
                | Self::ChangeOfAddress
        )
    }

    /// Disclosures that imply a child (born or unborn) in the person's life.
    pub fn implies_children(self) -> bool {
        matches!(
            self,
            Self::Pregnancy | Self::ChildrenInHousehold | Self::ContactWithChildren
        )
    }
}

crate::text_enum! {
    pub enum DisclosedBy {
        PersonOnProbation = "PERSON_ON_PROBATION",
        ThirdParty = "THIRD_PARTY",
        Observed = "OBSERVED",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WhoIsPregnant {
    Partner,
    PersonOnProbation,
}

/// Details of a pregnancy disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PregnancyDetails {
    #[serde(default)]
    pub expected_due_date: Option<NaiveDate>,
    pub who_is_pregnant: WhoIsPregnant,
    /// Whether the person says they are the parent.
    #[serde(default)]
    pub claims_parentage: Option<bool>,
    #[serde(default)]
    pub partner_name: Option<String>,
}

/// Body of `POST /referrals/{id}/disclosures` and `POST /people/{crn}/disclosures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewDisclosure {
    #[serde(rename = "type")]
    pub disclosure_type: DisclosureType,
    /// When it was said (practitioners often record after the fact); not in the future.
    pub disclosed_at: DateTime<Utc>,
    pub disclosed_by: DisclosedBy,
    #[schema(example = "Said he is going to be a dad soon; partner due in August")]
    pub summary: String,
    /// For `PREGNANCY`: `{expectedDueDate?, whoIsPregnant, claimsParentage?, partnerName?}`;
    /// for `NEW_RELATIONSHIP`: `{partnerName?, relationshipStartedOn?}` (a `YYYY-MM-DD` date no
    /// later than the disclosure; read by the partner-change rule); for other types, any object
    /// of further detail.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// What the worker already did (e.g. "informed our safeguarding lead").
    #[serde(default)]
    pub immediate_action_taken: Option<String>,
    /// The earlier disclosure this one corrects (disclosures are never edited).
    #[serde(default)]
    pub corrects: Option<uuid::Uuid>,
}

/// Leeway for clocks that run slightly ahead of ours.
const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// Whether something said at `disclosed_at` was said before the referral was sent (`sent`): the
/// provider may have known the person already. Early is kept and marked, never refused.
pub fn predates(disclosed_at: DateTime<Utc>, sent: Option<DateTime<Utc>>) -> bool {
    sent.is_some_and(|sent| disclosed_at < sent)
}

impl NewDisclosure {
    /// Validates the body, refusing only what cannot be true (a time in the future or before
    /// 1900); a disclosure said before the referral reached the provider is kept (see
    /// [`NewDisclosure::predates`]). Returns the parsed pregnancy details, if any.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<Option<PregnancyDetails>, Errors> {
        let mut e = Errors::default();
        if !e.plausible_time("disclosedAt", self.disclosed_at) {
            return Err(e);
        }
        if self.disclosed_at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
            e.add(
                "disclosedAt",
                "in_future",
                "a disclosure cannot be dated in the future",
            );
        }
        e.text("summary", &self.summary, 4000);
        e.optional_text(
            "immediateActionTaken",
            self.immediate_action_taken.as_deref(),
            4000,
        );
        let mut pregnancy = None;
        match (&self.details, self.disclosure_type) {
            (Some(d), DisclosureType::Pregnancy) => {
                match serde_json::from_value::<PregnancyDetails>(d.clone()) {
                    Ok(p) => {
                        if let Some(due) = p
                            .expected_due_date
                            .filter(|d| e.plausible_date("details.expectedDueDate", *d))
                        {
                            let said = self.disclosed_at.date_naive();
                            if due > said + Duration::weeks(43) {
                                e.add(
                                    "details.expectedDueDate",
                                    "out_of_range",
                                    "expectedDueDate is more than 43 weeks after the disclosure",
                                );
                            } else if due < said - Duration::weeks(4) {
                                e.add(
                                    "details.expectedDueDate",
                                    "out_of_range",
                                    "expectedDueDate was long before the disclosure; record a birth as a household member",
                                );
                            }
                        }
                        e.optional_text("details.partnerName", p.partner_name.as_deref(), 200);
                        pregnancy = Some(p);
                    }
                    Err(err) => e.add("details", "invalid", err.to_string()),
                }
            }
            (None, DisclosureType::Pregnancy) => e.add(
                "details",
                "required",
                "a pregnancy disclosure needs details.whoIsPregnant",
            ),
            (Some(d), _) if !d.is_object() => {
                e.add("details", "invalid", "details must be a JSON object")
            }
            (Some(d), DisclosureType::NewRelationship) => {
                // Read by the partner-change rule: a start date must be a real, past date.
                if let Some(v) = d.get("relationshipStartedOn") {
                    let field = "details.relationshipStartedOn";
                    match v.as_str().map(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d")) {
                        Some(Ok(started)) => {
                            if e.plausible_date(field, started)
                                && started > self.disclosed_at.date_naive()
                            {
                                e.add(
                                    field,
                                    "in_future",
                                    "relationshipStartedOn cannot be after the disclosure",
                                );
                            }
                        }
                        _ => e.add(
                            field,
                            "invalid",
                            "relationshipStartedOn must be a YYYY-MM-DD date",
                        ),
                    }
                }
            }
            _ => {}
        }
        if e.is_empty() {
            Ok(pregnancy)
        } else {
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn types_and_sources_serialise_as_their_stored_text() {
        for &t in DisclosureType::ALL {
            assert_eq!(DisclosureType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for &by in DisclosedBy::ALL {
            assert_eq!(DisclosedBy::parse(by.as_str()), Some(by));
            assert_eq!(serde_json::to_value(by).unwrap(), by.as_str());
        }
    }

    fn pregnancy(details: serde_json::Value, at: DateTime<Utc>) -> NewDisclosure {
        NewDisclosure {
            disclosure_type: DisclosureType::Pregnancy,
            disclosed_at: at,
            disclosed_by: DisclosedBy::PersonOnProbation,
            summary: "partner is pregnant".into(),
            details: Some(details),
            immediate_action_taken: None,
            corrects: None,
        }
    }

    #[test]
    fn a_disclosure_made_yesterday_is_fine_and_one_dated_tomorrow_is_not() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let d = pregnancy(
            serde_json::json!({"whoIsPregnant": "PARTNER"}),
            now - Duration::days(1),
        );
        assert!(d.validate(now).is_ok());
        let d = pregnancy(
            serde_json::json!({"whoIsPregnant": "PARTNER"}),
            now + Duration::days(1),
        );
        assert!(d.validate(now).is_err());
    }

    #[test]
    fn early_is_marked_not_refused() {
        let sent = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let cases = [
            (sent - Duration::days(90), Some(sent), true),
            (sent - Duration::seconds(1), Some(sent), true),
            (sent, Some(sent), false),
            (sent + Duration::days(1), Some(sent), false),
            (sent - Duration::days(90), None, false),
        ];
        for (said, sent, expected) in cases {
            assert_eq!(predates(said, sent), expected, "{said} vs {sent:?}");
        }
        let d = pregnancy(
            serde_json::json!({"whoIsPregnant": "PARTNER"}),
            sent - Duration::days(90),
        );
        assert!(
            d.validate(sent).is_ok(),
            "a date before the referral is not an error"
        );
    }

    #[test]
    fn a_due_date_a_year_away_is_impossible() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let d = pregnancy(
            serde_json::json!({"whoIsPregnant": "PARTNER", "expectedDueDate": "2027-03-01"}),
            now,
        );
        let errors = d.validate(now).unwrap_err().into_vec();
        assert_eq!(errors[0].field, "details.expectedDueDate");
    }

    #[test]
    fn a_pregnancy_needs_to_say_who_is_pregnant() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let d = pregnancy(serde_json::json!({"partnerName": "Jane"}), now);
        assert_eq!(d.validate(now).unwrap_err().into_vec()[0].field, "details");
    }

    #[test]
    fn types_round_trip_through_their_names() {
        for &t in DisclosureType::ALL {
            assert_eq!(DisclosureType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn a_relationship_start_date_must_be_a_real_date_no_later_than_the_disclosure() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let body = |started: serde_json::Value| NewDisclosure {
            disclosure_type: DisclosureType::NewRelationship,
            disclosed_at: now,
            disclosed_by: DisclosedBy::PersonOnProbation,
            summary: "New girlfriend".into(),
            details: Some(
                serde_json::json!({"partnerName": "Ann", "relationshipStartedOn": started}),
            ),
            immediate_action_taken: None,
            corrects: None,
        };
        assert!(body(serde_json::json!("2026-01-10")).validate(now).is_ok());
        for (bad, code) in [
            (serde_json::json!("2026-04-01"), "in_future"),
            (serde_json::json!("last spring"), "invalid"),
            (serde_json::json!(20260110), "invalid"),
        ] {
            let errors = body(bad.clone()).validate(now).unwrap_err().into_vec();
            assert_eq!(errors[0].field, "details.relationshipStartedOn", "{bad}");
            assert_eq!(errors[0].code, code, "{bad}");
        }
    }
}
