//! What the provider reports back on a referral: progress against each desired outcome, the
//! end-of-service report, and how it ends the referral; each body checked against the referral.

use super::referral::{EndReason, ReferralContent};
use super::validate::Errors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Progress {
    NotStarted,
    SomeProgress,
    Achieved,
    NotAchieved,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeProgress {
    pub desired_outcome_id: uuid::Uuid,
    pub progress: Progress,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgressReport {
    #[schema(max_items = 20)]
    pub outcomes: Vec<OutcomeProgress>,
    pub summary: String,
}

/// The most outcomes a report lists (a referral has at most 20 desired outcomes).
pub const MAX_OUTCOMES: usize = 20;

impl ProgressReport {
    /// What can be checked without the referral (texts, an outcome listed twice): checked
    /// before the write transaction opens, in time linear in the body.
    pub fn shape(&self) -> Errors {
        let mut e = Errors::default();
        let ids: Vec<_> = self.outcomes.iter().map(|o| o.desired_outcome_id).collect();
        check_outcome_list(&ids, &mut e);
        self.texts(&mut e);
        e
    }

    /// The shape, and each entry against the referral's desired outcomes (some, not all).
    pub fn validate(&self, content: &ReferralContent) -> Errors {
        let mut e = self.shape();
        let ids: Vec<_> = self.outcomes.iter().map(|o| o.desired_outcome_id).collect();
        check_against(content, &ids, false, &mut e);
        e
    }

    fn texts(&self, e: &mut Errors) {
        e.text("summary", &self.summary, 8000);
        for (i, o) in self.outcomes.iter().enumerate() {
            e.optional_text(
                &format!("outcomes[{i}].comment"),
                o.comment.as_deref(),
                4000,
            );
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AchievementLevel {
    Achieved,
    PartiallyAchieved,
    NotAchieved,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutcomeAchievement {
    pub desired_outcome_id: uuid::Uuid,
    pub achievement_level: AchievementLevel,
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndOfServiceReport {
    /// One entry for every desired outcome of the referral.
    #[schema(max_items = 20)]
    pub outcomes: Vec<OutcomeAchievement>,
    #[serde(default)]
    pub further_information: Option<String>,
}

impl EndOfServiceReport {
    /// What can be checked without the referral, before the write transaction opens.
    pub fn shape(&self) -> Errors {
        let mut e = Errors::default();
        let ids: Vec<_> = self.outcomes.iter().map(|o| o.desired_outcome_id).collect();
        check_outcome_list(&ids, &mut e);
        e.optional_text(
            "furtherInformation",
            self.further_information.as_deref(),
            8000,
        );
        e
    }

    /// The shape, and one entry for every desired outcome of the referral.
    pub fn validate(&self, content: &ReferralContent) -> Errors {
        let mut e = self.shape();
        let ids: Vec<_> = self.outcomes.iter().map(|o| o.desired_outcome_id).collect();
        check_against(content, &ids, true, &mut e);
        e
    }
}

/// Both checks of a report's outcomes, as one (the table test reads them together).
#[cfg(test)]
fn check_outcomes(content: &ReferralContent, ids: &[uuid::Uuid], all: bool, e: &mut Errors) {
    check_outcome_list(ids, e);
    check_against(content, ids, all, e);
}

/// At least one outcome, at most [`MAX_OUTCOMES`], none listed twice (linear in the list).
fn check_outcome_list(ids: &[uuid::Uuid], e: &mut Errors) {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            e.add(
                &format!("outcomes[{i}].desiredOutcomeId"),
                "duplicate",
                "this outcome is listed twice",
            );
        }
    }
    if ids.is_empty() {
        e.add(
            "outcomes",
            "required",
            "report on at least one desired outcome",
        );
    }
    if ids.len() > MAX_OUTCOMES {
        e.add(
            "outcomes",
            "too_many",
            format!("a report lists at most {MAX_OUTCOMES} outcomes"),
        );
    }
}

/// Every id must be one of the referral's desired outcomes; with `all`, each must appear.
fn check_against(content: &ReferralContent, ids: &[uuid::Uuid], all: bool, e: &mut Errors) {
    let known: std::collections::HashSet<uuid::Uuid> =
        content.desired_outcomes.iter().map(|o| o.id).collect();
    for (i, id) in ids.iter().enumerate() {
        if !known.contains(id) {
            e.add(
                &format!("outcomes[{i}].desiredOutcomeId"),
                "unknown",
                "not a desired outcome of this referral",
            );
        }
    }
    if all {
        let listed: std::collections::HashSet<&uuid::Uuid> = ids.iter().collect();
        for k in content
            .desired_outcomes
            .iter()
            .map(|o| o.id)
            .filter(|k| !listed.contains(k))
        {
            e.add(
                "outcomes",
                "missing",
                format!("desired outcome {k} has no entry"),
            );
        }
    }
}

/// Body of `POST /referrals/{id}/end`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndReferral {
    pub reason: EndReason,
    #[serde(default)]
    pub note: Option<String>,
}

impl EndReferral {
    /// Ending early needs a note saying why.
    pub fn validate(&self) -> Errors {
        let mut e = Errors::default();
        e.optional_text("note", self.note.as_deref(), 4000);
        if self.reason != EndReason::Completed
            && self.note.as_deref().is_none_or(|n| n.trim().is_empty())
        {
            e.add("note", "required", "say why the referral is ending early");
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::DesiredOutcome;

    fn content(ids: &[uuid::Uuid]) -> ReferralContent {
        ReferralContent {
            desired_outcomes: ids
                .iter()
                .map(|id| DesiredOutcome {
                    id: *id,
                    description: "An outcome".into(),
                })
                .collect(),
            ..ReferralContent::default()
        }
    }

    fn codes(e: Errors) -> Vec<String> {
        e.into_vec().into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn outcomes_are_checked_against_the_referral() {
        let (a, b, stranger) = (
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        );
        let known = content(&[a, b]);
        let cases: &[(&[uuid::Uuid], bool, &[&str])] = &[
            (&[a], false, &[]),
            (&[a], true, &["missing"]),
            (&[a, b], true, &[]),
            (&[stranger], false, &["unknown"]),
            (&[a, a], false, &["duplicate"]),
            (&[], false, &["required"]),
        ];
        for (ids, all, expected) in cases {
            let mut e = Errors::default();
            check_outcomes(&known, ids, *all, &mut e);
            assert_eq!(codes(e), *expected, "{ids:?} all={all}");
        }
    }

    #[test]
    fn ending_early_needs_a_note() {
        let end = |reason, note: Option<&str>| EndReferral {
            reason,
            note: note.map(str::to_string),
        };
        assert!(end(EndReason::Completed, None).validate().is_empty());
        assert!(!end(EndReason::NonEngagement, None).validate().is_empty());
        assert!(!end(EndReason::Other, Some("  ")).validate().is_empty());
        assert!(end(EndReason::Other, Some("Moved away"))
            .validate()
            .is_empty());
    }
}
