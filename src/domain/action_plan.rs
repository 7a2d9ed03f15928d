//! Action plans: the provider's proposed activities (each against a desired outcome) and number
//! of sessions, and their life: draft, submitted, then approved or sent back; an approved plan
//! is superseded when a later version is approved.

use super::referral::ReferralContent;
use super::validate::Errors;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Most activities in one plan.
pub const MAX_ACTIVITIES: usize = 50;
/// Most sessions one plan may propose.
pub const MAX_SESSIONS: u32 = 200;

crate::text_enum! {
    /// Where a version of an action plan is in its life.
    pub enum PlanStatus {
        /// Being written by the provider.
        Draft = "DRAFT",
        /// Waiting for the officer's decision.
        Submitted = "SUBMITTED",
        /// The current approved plan (at most one per referral).
        Approved = "APPROVED",
        /// Sent back by the officer with a note; the provider writes a new version.
        ChangesRequested = "CHANGES_REQUESTED",
        /// Approved once, replaced by a later approved version.
        Superseded = "SUPERSEDED",
    }
}

/// What happens to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAction {
    Submit,
    Approve,
    RequestChanges,
    /// A later version was approved.
    Supersede,
}

/// The next status, or `None` when `action` does not apply in `from`.
pub fn transition(from: PlanStatus, action: PlanAction) -> Option<PlanStatus> {
    use PlanAction::*;
    use PlanStatus::*;
    match (from, action) {
        (Draft, Submit) => Some(Submitted),
        (Submitted, Approve) => Some(Approved),
        (Submitted, RequestChanges) => Some(ChangesRequested),
        (Approved, Supersede) => Some(Superseded),
        _ => None,
    }
}

/// One activity of a plan, against one of the referral's desired outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Activity {
    #[schema(example = "Weekly one-to-one on recognising escalation in relationships")]
    pub description: String,
    pub desired_outcome_id: uuid::Uuid,
}

/// Body of `POST /referrals/{id}/action-plans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewActionPlan {
    pub activities: Vec<Activity>,
    /// Delivery sessions the plan needs (1 to 200).
    pub number_of_sessions: u32,
}

/// Body of `POST …/action-plans/{planId}/request-changes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeRequest {
    /// What the provider should change.
    pub note: String,
}

impl NewActionPlan {
    /// At least one activity, each against a desired outcome of the referral, and a sensible
    /// number of sessions; every problem at once.
    pub fn validate(&self, content: &ReferralContent) -> Result<(), ApiError> {
        let mut e = Errors::default();
        if self.activities.is_empty() {
            e.add(
                "activities",
                "required",
                "at least one activity is required",
            );
        }
        if self.activities.len() > MAX_ACTIVITIES {
            e.add(
                "activities",
                "too_many",
                format!("at most {MAX_ACTIVITIES} activities"),
            );
        }
        for (i, a) in self.activities.iter().enumerate() {
            e.text(
                &format!("activities[{i}].description"),
                &a.description,
                2000,
            );
            if !content
                .desired_outcomes
                .iter()
                .any(|o| o.id == a.desired_outcome_id)
            {
                e.add(
                    &format!("activities[{i}].desiredOutcomeId"),
                    "unknown",
                    "not a desired outcome of this referral",
                );
            }
        }
        if !(1..=MAX_SESSIONS).contains(&self.number_of_sessions) {
            e.add(
                "numberOfSessions",
                "out_of_range",
                format!("numberOfSessions is 1 to {MAX_SESSIONS}"),
            );
        }
        e.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanAction::*;
    use PlanStatus::*;

    #[test]
    fn a_plan_is_submitted_then_approved_or_sent_back_and_only_an_approved_one_is_superseded() {
        let cases = [
            (Draft, Submit, Some(Submitted)),
            (Draft, Approve, None),
            (Draft, RequestChanges, None),
            (Submitted, Approve, Some(Approved)),
            (Submitted, RequestChanges, Some(ChangesRequested)),
            (Submitted, Submit, None),
            (Approved, Approve, None),
            (Approved, Supersede, Some(Superseded)),
            (ChangesRequested, Submit, None),
            (ChangesRequested, Approve, None),
            (Superseded, Approve, None),
            (Superseded, Supersede, None),
        ];
        for (from, action, to) in cases {
            assert_eq!(transition(from, action), to, "{from:?} {action:?}");
        }
    }

    #[test]
    fn activities_must_name_the_referrals_outcomes_and_sessions_must_be_sensible() {
        let outcome = uuid::Uuid::from_u128(1);
        let content = ReferralContent {
            desired_outcomes: vec![super::super::referral::DesiredOutcome {
                id: outcome,
                description: "Manages emotions".into(),
            }],
            ..Default::default()
        };
        let plan = |id: uuid::Uuid, sessions: u32| NewActionPlan {
            activities: vec![Activity {
                description: "Weekly one-to-one".into(),
                desired_outcome_id: id,
            }],
            number_of_sessions: sessions,
        };
        let fields = |p: NewActionPlan| -> Vec<String> {
            match p.validate(&content) {
                Ok(()) => vec![],
                Err(ApiError::Validation(e)) => e.into_iter().map(|f| f.field).collect(),
                Err(other) => panic!("{other:?}"),
            }
        };
        assert!(fields(plan(outcome, 6)).is_empty());
        assert_eq!(fields(plan(outcome, 0)), vec!["numberOfSessions"]);
        assert_eq!(fields(plan(outcome, 201)), vec!["numberOfSessions"]);
        assert_eq!(
            fields(plan(uuid::Uuid::from_u128(2), 6)),
            vec!["activities[0].desiredOutcomeId"]
        );
        assert_eq!(
            fields(NewActionPlan {
                activities: vec![],
                number_of_sessions: 6
            }),
            vec!["activities"]
        );
    }
}
