//! Household composition (who lives there or visits, children including unborn) and what the person declared.

use super::validate::Errors;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Relationship {
    Partner,
    ExPartner,
    Child,
    UnbornChild,
    Stepchild,
    PartnersChild,
    Parent,
    Sibling,
    OtherRelative,
    Lodger,
    KnownVictim,
    Other,
}

impl Relationship {
    pub fn is_child(self) -> bool {
        matches!(
            self,
            Self::Child | Self::UnbornChild | Self::Stepchild | Self::PartnersChild
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChildStatus {
    None,
    ChildInNeed,
    ChildProtectionPlan,
    LookedAfter,
}

/// Who reported a household fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SourceKind {
    PersonOnProbation,
    ProbationPractitioner,
    Provider,
    Police,
    ChildrensSocialCare,
    Health,
    Other,
}

/// Provenance of a fact: who reported it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    pub kind: SourceKind,
    /// Who exactly (name, agency or team), if known.
    #[serde(default)]
    pub name: Option<String>,
    pub reported_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Visits {
    /// e.g. "weekends", "twice a week".
    pub frequency: String,
    #[serde(default)]
    pub overnight: bool,
}

/// One member of the household or a person in regular contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HouseholdMember {
    #[schema(example = "Jane Doe")]
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// For an unborn child.
    #[serde(default)]
    pub expected_due_date: Option<NaiveDate>,
    pub relationship: Relationship,
    pub lives_in_household: bool,
    #[serde(default)]
    pub visits: Option<Visits>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub parental_responsibility: Option<bool>,
    /// The person on probation is the putative (claimed, unconfirmed) parent of this child.
    #[serde(default)]
    pub putative_parent: Option<bool>,
    #[serde(default)]
    pub child_status: Option<ChildStatus>,
    #[serde(default)]
    pub allocated_social_worker: Option<String>,
    #[serde(default)]
    pub relationship_started_on: Option<NaiveDate>,
    pub source: Source,
    pub verified: bool,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Longest a pregnancy can still have to run (43 weeks).
const MAX_GESTATION_DAYS: i64 = 43 * 7;

impl HouseholdMember {
    pub fn validate(&self, today: NaiveDate) -> Errors {
        let mut e = Errors::default();
        e.text("name", &self.name, 200);
        e.list("aliases", &self.aliases, 20, 200);
        for (field, date) in [
            ("dateOfBirth", self.date_of_birth),
            ("expectedDueDate", self.expected_due_date),
            ("relationshipStartedOn", self.relationship_started_on),
            ("source.reportedOn", Some(self.source.reported_on)),
        ] {
            if let Some(d) = date {
                if !e.plausible_date(field, d) {
                    return e;
                }
            }
        }
        if let Some(dob) = self.date_of_birth {
            if dob > today {
                e.add(
                    "dateOfBirth",
                    "in_future",
                    "dateOfBirth cannot be in the future; use expectedDueDate for an unborn child",
                );
            }
        }
        match (self.relationship, self.expected_due_date) {
            (Relationship::UnbornChild, None) => e.required("expectedDueDate"),
            (Relationship::UnbornChild, Some(due)) => {
                if due > today + Duration::days(MAX_GESTATION_DAYS) {
                    e.add(
                        "expectedDueDate",
                        "out_of_range",
                        "expectedDueDate is more than 43 weeks away",
                    );
                } else if due < today - Duration::days(366) {
                    e.add(
                        "expectedDueDate",
                        "out_of_range",
                        "expectedDueDate is more than a year ago; record the child with a dateOfBirth",
                    );
                }
                if self.date_of_birth.is_some() {
                    e.add(
                        "dateOfBirth",
                        "invalid",
                        "an unborn child has no dateOfBirth yet",
                    );
                }
            }
            (_, Some(_)) => e.add(
                "expectedDueDate",
                "invalid",
                "expectedDueDate is only for relationship UNBORN_CHILD",
            ),
            (_, None) => {}
        }
        if self.child_status.is_some() && !self.relationship.is_child() {
            e.add("childStatus", "invalid", "childStatus is only for children");
        }
        if let Some(v) = &self.visits {
            e.text("visits.frequency", &v.frequency, 200);
        }
        e.optional_text("address", self.address.as_deref(), 500);
        e.optional_text(
            "allocatedSocialWorker",
            self.allocated_social_worker.as_deref(),
            200,
        );
        e.optional_text("notes", self.notes.as_deref(), 4000);
        e.optional_text("source.name", self.source.name.as_deref(), 200);
        if self.source.reported_on > today {
            e.add(
                "source.reportedOn",
                "in_future",
                "a fact cannot be reported in the future",
            );
        }
        if self.relationship_started_on.is_some_and(|d| d > today) {
            e.add(
                "relationshipStartedOn",
                "in_future",
                "relationshipStartedOn cannot be in the future",
            );
        }
        e
    }
}

/// What the person told the officer about their household (kept as evidence, never changed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HouseholdDeclaration {
    pub declared_at: DateTime<Utc>,
    pub children_in_household: bool,
    pub contact_with_children: bool,
    /// The partner the person named, if any.
    #[serde(default)]
    pub partner: Option<String>,
    /// The person's words, e.g. "No children involved".
    #[schema(example = "No children involved; lives alone")]
    pub statement: String,
}

impl HouseholdDeclaration {
    pub fn validate(&self, now: DateTime<Utc>) -> Errors {
        let mut e = Errors::default();
        if !e.plausible_time("declaredAt", self.declared_at) {
        } else if self.declared_at > now {
            e.add(
                "declaredAt",
                "in_future",
                "a declaration cannot be dated in the future",
            );
        }
        e.text("statement", &self.statement, 4000);
        e.optional_text("partner", self.partner.as_deref(), 200);
        e
    }

    /// The person said there are no children in the household and no contact with children.
    pub fn denies_children(&self) -> bool {
        !self.children_in_household && !self.contact_with_children
    }
}
