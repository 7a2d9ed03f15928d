//! Amending a sent referral: what the officer may change, and how a change is applied to the
//! referral's content, giving the before and after of each field that really changed.

use super::referral::{DesiredOutcome, ReferralContent};
use super::validate::Errors;
use crate::error::ApiError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Longest reason for an amendment, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

/// A desired outcome as amended: with the `id` of an existing outcome it is that outcome
/// (reworded or unchanged, keeping its id); without one it is a new outcome. An existing outcome
/// left out is removed (progress already reported against it stays readable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeChange {
    #[serde(default)]
    pub id: Option<uuid::Uuid>,
    pub description: String,
}

/// The fields an amendment may change; each left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AmendmentChanges {
    #[serde(default)]
    pub completion_deadline: Option<NaiveDate>,
    #[serde(default)]
    pub rar_days: Option<u32>,
    /// The whole new list of desired outcomes.
    #[serde(default)]
    pub desired_outcomes: Option<Vec<OutcomeChange>>,
    #[serde(default)]
    pub additional_needs: Option<String>,
    #[serde(default)]
    pub relevant_history: Option<String>,
}

/// Body of `POST /referrals/{id}/amendments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAmendment {
    pub changes: AmendmentChanges,
    /// Why the referral changes (told to the provider).
    #[schema(example = "Sentence varied by the court; deadline moved")]
    pub reason: String,
}

/// One field an amendment changed, with its value before and after (as sent in the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// `completionDeadline`, `rarDays`, `desiredOutcomes`, `additionalNeeds` or `relevantHistory`.
    pub field: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

fn json<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::internal_from("an amended value", e))
}

/// Records `field` as changed when `before` and `after` differ.
fn compare<T: Serialize + PartialEq>(
    changed: &mut Vec<FieldChange>,
    field: &str,
    before: &T,
    after: &T,
) -> Result<(), ApiError> {
    if before != after {
        changed.push(FieldChange {
            field: field.into(),
            before: json(before)?,
            after: json(after)?,
        });
    }
    Ok(())
}

impl NewAmendment {
    /// Applies the changes to `content`, giving the amended content and what changed. Refuses
    /// (every problem at once) a blank reason, no change at all, an outcome id the referral does
    /// not have or names twice, and blank or over-long texts. Whether the new values fit the
    /// order is checked after, as when sending.
    pub fn apply(
        &self,
        content: &ReferralContent,
    ) -> Result<(ReferralContent, Vec<FieldChange>), ApiError> {
        let mut e = Errors::default();
        e.text("reason", &self.reason, MAX_REASON_CHARS);
        let c = &self.changes;
        let mut after = content.clone();
        if let Some(d) = c.completion_deadline {
            after.completion_deadline = Some(d);
        }
        if let Some(days) = c.rar_days {
            after.rar_days = Some(days);
        }
        if let Some(text) = &c.additional_needs {
            e.text("changes.additionalNeeds", text, 4000);
            after.additional_needs = Some(text.trim().to_string());
        }
        if let Some(text) = &c.relevant_history {
            e.text("changes.relevantHistory", text, 8000);
            after.relevant_history = Some(text.trim().to_string());
        }
        if let Some(outcomes) = &c.desired_outcomes {
            let mut seen = Vec::new();
            let mut list = Vec::new();
            for (i, o) in outcomes.iter().enumerate() {
                let field = format!("changes.desiredOutcomes[{i}]");
                e.text(&format!("{field}.description"), &o.description, 2000);
                let id = match o.id {
                    Some(id) if !content.desired_outcomes.iter().any(|d| d.id == id) => {
                        e.add(
                            &format!("{field}.id"),
                            "unknown",
                            "not a desired outcome of this referral (leave the id out for a new one)",
                        );
                        id
                    }
                    Some(id) if seen.contains(&id) => {
                        e.add(&format!("{field}.id"), "duplicate", "named twice");
                        id
                    }
                    Some(id) => id,
                    None => uuid::Uuid::now_v7(),
                };
                seen.push(id);
                list.push(DesiredOutcome {
                    id,
                    description: o.description.trim().to_string(),
                });
            }
            if list.is_empty() {
                e.add(
                    "changes.desiredOutcomes",
                    "required",
                    "at least one desired outcome is required",
                );
            }
            after.desired_outcomes = list;
        }
        let mut changed = Vec::new();
        compare(
            &mut changed,
            "completionDeadline",
            &content.completion_deadline,
            &after.completion_deadline,
        )?;
        compare(&mut changed, "rarDays", &content.rar_days, &after.rar_days)?;
        compare(
            &mut changed,
            "desiredOutcomes",
            &content.desired_outcomes,
            &after.desired_outcomes,
        )?;
        compare(
            &mut changed,
            "additionalNeeds",
            &content.additional_needs,
            &after.additional_needs,
        )?;
        compare(
            &mut changed,
            "relevantHistory",
            &content.relevant_history,
            &after.relevant_history,
        )?;
        if changed.is_empty() && e.is_empty() {
            e.add(
                "changes",
                "no_change",
                "the amendment changes nothing on the referral",
            );
        }
        e.into_result()?;
        Ok((after, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ReferralContent {
        ReferralContent {
            rar_days: Some(10),
            completion_deadline: NaiveDate::from_ymd_opt(2026, 9, 30),
            desired_outcomes: vec![DesiredOutcome {
                id: uuid::Uuid::from_u128(1),
                description: "Manages emotions".into(),
            }],
            ..Default::default()
        }
    }

    fn amend(changes: AmendmentChanges) -> Result<Vec<String>, Vec<String>> {
        let a = NewAmendment {
            changes,
            reason: "Court varied the order".into(),
        };
        match a.apply(&content()) {
            Ok((_, changed)) => Ok(changed.into_iter().map(|c| c.field).collect()),
            Err(ApiError::Validation(e)) => Err(e.into_iter().map(|f| f.field).collect()),
            Err(other) => panic!("{other:?}"),
        }
    }

    /// The fields changed, or the fields refused.
    type Expected = Result<Vec<&'static str>, Vec<&'static str>>;

    #[test]
    fn only_fields_that_really_change_are_listed_and_nonsense_is_refused() {
        let old = uuid::Uuid::from_u128(1);
        let outcome = |id: Option<uuid::Uuid>, d: &str| OutcomeChange {
            id,
            description: d.into(),
        };
        let cases: Vec<(AmendmentChanges, Expected)> = vec![
            (
                AmendmentChanges {
                    completion_deadline: NaiveDate::from_ymd_opt(2026, 10, 31),
                    ..Default::default()
                },
                Ok(vec!["completionDeadline"]),
            ),
            (
                AmendmentChanges {
                    rar_days: Some(10),
                    ..Default::default()
                },
                Err(vec!["changes"]),
            ),
            (AmendmentChanges::default(), Err(vec!["changes"])),
            (
                AmendmentChanges {
                    desired_outcomes: Some(vec![outcome(Some(old), "Manages emotions")]),
                    rar_days: Some(12),
                    ..Default::default()
                },
                Ok(vec!["rarDays"]),
            ),
            (
                AmendmentChanges {
                    desired_outcomes: Some(vec![outcome(Some(uuid::Uuid::from_u128(9)), "x")]),
                    ..Default::default()
                },
                Err(vec!["changes.desiredOutcomes[0].id"]),
            ),
            (
                AmendmentChanges {
                    desired_outcomes: Some(vec![]),
                    ..Default::default()
                },
                Err(vec!["changes.desiredOutcomes"]),
            ),
            (
                AmendmentChanges {
                    additional_needs: Some("  ".into()),
                    ..Default::default()
                },
                Err(vec!["changes.additionalNeeds"]),
            ),
        ];
        for (changes, expected) in cases {
            let expected = expected
                .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
                .map_err(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(amend(changes.clone()), expected, "{changes:?}");
        }
    }

    #[test]
    fn a_reworded_outcome_keeps_its_id_and_a_new_one_gets_one() {
        let old = uuid::Uuid::from_u128(1);
        let a = NewAmendment {
            changes: AmendmentChanges {
                desired_outcomes: Some(vec![
                    OutcomeChange {
                        id: Some(old),
                        description: "Manages emotions in relationships".into(),
                    },
                    OutcomeChange {
                        id: None,
                        description: "Finds work".into(),
                    },
                ]),
                ..Default::default()
            },
            reason: "Review meeting".into(),
        };
        let (after, changed) = a.apply(&content()).unwrap();
        assert_eq!(after.desired_outcomes[0].id, old);
        assert_eq!(
            after.desired_outcomes[0].description,
            "Manages emotions in relationships"
        );
        assert_ne!(after.desired_outcomes[1].id, old);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].before[0]["description"], "Manages emotions");
    }
}
