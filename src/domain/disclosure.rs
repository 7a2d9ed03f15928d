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

/// Details of a `PREGNANCY` disclosure (the safeguarding rules read them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PregnancyDetails {
    /// At most 43 weeks after the disclosure and not more than 4 weeks before it.
    #[serde(default)]
    pub expected_due_date: Option<NaiveDate>,
    pub who_is_pregnant: WhoIsPregnant,
    /// Whether the person says they are the parent.
    #[serde(default)]
    pub claims_parentage: Option<bool>,
    /// The pregnant partner's name, if it is the partner (up to 200 characters).
    #[serde(default)]
    pub partner_name: Option<String>,
}

/// Details of a disclosure of any type but `PREGNANCY`; every field is optional and nothing
/// else is accepted (say the rest in `summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtherDisclosureDetails {
    /// For `NEW_RELATIONSHIP`: the new partner's name (up to 200 characters).
    #[serde(default)]
    pub partner_name: Option<String>,
    /// For `NEW_RELATIONSHIP`: when the relationship began (`YYYY-MM-DD`, no later than the
    /// disclosure); the partner-change rule compares it with a pregnancy's likely conception.
    #[serde(default)]
    pub relationship_started_on: Option<NaiveDate>,
}

// Only for the document: `NewDisclosure::validate` reads `details` by the disclosure's type,
// naming any field that type does not define.
/// The `details` of a disclosure, by its `type`: `PregnancyDetails` for `PREGNANCY` (required
/// there), `OtherDisclosureDetails` for every other type (optional).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum DisclosureDetails {
    Pregnancy(PregnancyDetails),
    Other(OtherDisclosureDetails),
}

/// Reads `details` as a `T`, naming the field that does not fit as `details.<field>`.
fn read_details<T: serde::de::DeserializeOwned>(
    details: &serde_json::Value,
    e: &mut Errors,
) -> Option<T> {
    if !details.is_object() {
        // serde would read a struct from an array too
        e.add("details", "invalid", "details must be a JSON object");
        return None;
    }
    match serde_path_to_error::deserialize(details) {
        Ok(parsed) => Some(parsed),
        Err(err) => {
            let path = err.path().to_string();
            let field = if path == "." {
                "details".to_string()
            } else {
                format!("details.{path}")
            };
            e.add(&field, "invalid", err.inner().to_string());
            None
        }
    }
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
    /// `PregnancyDetails` for `PREGNANCY` (required), `OtherDisclosureDetails` for any other
    /// type (optional; `relationshipStartedOn` is read for `NEW_RELATIONSHIP` by the
    /// partner-change rule); a field neither defines is refused, naming it (`details.<field>`).
    #[serde(default)]
    #[schema(value_type = Option<DisclosureDetails>)]
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
                if let Some(p) = read_details::<PregnancyDetails>(d, &mut e) {
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
            }
            (None, DisclosureType::Pregnancy) => e.add(
                "details",
                "required",
                "a pregnancy disclosure needs details.whoIsPregnant",
            ),
            (Some(d), _) => {
                if let Some(other) = read_details::<OtherDisclosureDetails>(d, &mut e) {
                    e.optional_text("details.partnerName", other.partner_name.as_deref(), 200);
                    // Read by the partner-change rule: a start date must be a real, past date.
                    let field = "details.relationshipStartedOn";
                    if let Some(started) = other.relationship_started_on {
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
                }
            }
            (None, _) => {}
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
    fn an_unknown_field_in_details_is_refused_by_its_name_for_every_type() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let typo = pregnancy(
            serde_json::json!({"whoIsPregnant": "PARTNER", "expectedDueDat": "2026-09-01"}),
            now,
        );
        let errors = typo.validate(now).unwrap_err().into_vec();
        assert_eq!(errors[0].field, "details.expectedDueDat");
        let mut other = pregnancy(serde_json::json!({"partnerName": "Ann", "mood": "x"}), now);
        other.disclosure_type = DisclosureType::NewRelationship;
        assert_eq!(
            other.validate(now).unwrap_err().into_vec()[0].field,
            "details.mood"
        );
        other.details = Some(serde_json::json!({"partnerName": "Ann"}));
        assert!(other.validate(now).is_ok());
        other.details = Some(serde_json::json!(["Ann"]));
        assert_eq!(
            other.validate(now).unwrap_err().into_vec()[0].field,
            "details"
        );
        let wrong = pregnancy(serde_json::json!({"whoIsPregnant": "AUNT"}), now);
        assert_eq!(
            wrong.validate(now).unwrap_err().into_vec()[0].field,
            "details.whoIsPregnant"
        );
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
