//! Referrals: the RO commissioning a provider, its life cycle (a state machine) and the shared context sent.

use super::order::Offence;
use super::risk::{RiskAssessment, RiskFlag, Rosh};
use super::validate::Errors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::text_enum! {
    /// Where a referral is in its life.
    pub enum ReferralStatus {
        Draft = "DRAFT",
        Sent = "SENT",
        Accepted = "ACCEPTED",
        Declined = "DECLINED",
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        EndedEarly = "ENDED_EARLY",
        Withdrawn = "WITHDRAWN",
    }
}

impl ReferralStatus {
    /// Sent and not finished: the provider is (or may be) working with the person.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Sent | Self::Accepted | Self::InProgress)
    }

    /// Days of a referral in this state count against the order's RAR maximum.
    pub fn holds_allocation(self) -> bool {
        matches!(
            self,
            Self::Sent | Self::Accepted | Self::InProgress | Self::Completed
        )
    }

    /// The provider may record sessions, attendance, progress and disclosures.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Accepted | Self::InProgress)
    }
}

/// How a provider ends a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndReason {
    Completed,
    NonEngagement,
    ProviderWithdrawn,
    Other,
}

/// Why probation withdraws a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WithdrawalCode {
    RiskChanged,
    OrderRevokedOrEnded,
    ProviderUnsuitable,
    PersonInCustody,
    PersonDeceased,
    EnteredInError,
    Other,
}

/// Things that can happen to a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    EditDraft,
    Send,
    Accept,
    Decline,
    Assign,
    Withdraw,
    /// The first delivery recorded moves an accepted referral into progress.
    StartDelivery,
    RecordDelivery,
    AcknowledgeRisk,
    End(EndReason),
}

impl Action {
    fn describe(self) -> &'static str {
        match self {
            Action::EditDraft => "edit",
            Action::Send => "send",
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Assign => "assign a worker to",
            Action::Withdraw => "withdraw",
            Action::StartDelivery | Action::RecordDelivery => "record delivery on",
            Action::AcknowledgeRisk => "acknowledge risk information on",
            Action::End(_) => "end",
        }
    }
}

/// An action the current state does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: ReferralStatus,
    pub action: &'static str,
}

impl std::fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} a referral that is {}",
            self.action,
            self.from.as_str()
        )
    }
}

/// The referral state machine: the state after `action`, or why it is not allowed.
pub fn transition(
    from: ReferralStatus,
    action: Action,
) -> Result<ReferralStatus, IllegalTransition> {
    use ReferralStatus::*;
    let to = match (from, action) {
        (Draft, Action::EditDraft) => Some(Draft),
        (Draft, Action::Send) => Some(Sent),
        (Sent, Action::Accept) => Some(Accepted),
        (Sent, Action::Decline) => Some(Declined),
        (Accepted | InProgress, Action::Assign) => Some(from),
        (Draft | Sent | Accepted | InProgress, Action::Withdraw) => Some(Withdrawn),
        (Accepted, Action::StartDelivery) => Some(InProgress),
        (InProgress, Action::StartDelivery | Action::RecordDelivery) => Some(InProgress),
        (Sent | Accepted | InProgress, Action::AcknowledgeRisk) => Some(from),
        (Accepted | InProgress, Action::End(EndReason::Completed)) => Some(Completed),
        (Accepted | InProgress, Action::End(_)) => Some(EndedEarly),
        _ => None,
    };
    to.ok_or(IllegalTransition {
        from,
        action: action.describe(),
    })
}

/// One outcome the RO expects of the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesiredOutcome {
    pub id: uuid::Uuid,
    #[schema(example = "Develops strategies to manage anger in relationships")]
    pub description: String,
}

/// The commissioning content of a referral; incomplete while a draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralContent {
    pub intervention_type: Option<String>,
    pub rar_days: Option<u32>,
    pub completion_deadline: Option<NaiveDate>,
    pub desired_outcomes: Vec<DesiredOutcome>,
    pub offence_summary: Option<String>,
    pub relevant_history: Option<String>,
    pub risk_management_summary: Option<String>,
    pub staff_safety: Option<String>,
    pub additional_needs: Option<String>,
}

impl ReferralContent {
    /// Checks the format of what is present (drafts may be incomplete).
    pub fn validate_present(&self) -> Errors {
        let mut e = Errors::default();
        e.optional_text("interventionType", self.intervention_type.as_deref(), 200);
        if let Some(d) = self.completion_deadline {
            e.plausible_date("completionDeadline", d);
        }
        if self.rar_days == Some(0) {
            e.add("rarDays", "out_of_range", "rarDays is at least 1");
        }
        for (i, o) in self.desired_outcomes.iter().enumerate() {
            e.text(
                &format!("desiredOutcomes[{i}].description"),
                &o.description,
                2000,
            );
        }
        if self.desired_outcomes.len() > 20 {
            e.add("desiredOutcomes", "too_many", "at most 20 desired outcomes");
        }
        e.optional_text("offenceSummary", self.offence_summary.as_deref(), 8000);
        e.optional_text("relevantHistory", self.relevant_history.as_deref(), 8000);
        e.optional_text(
            "riskManagementSummary",
            self.risk_management_summary.as_deref(),
            8000,
        );
        e.optional_text("staffSafety", self.staff_safety.as_deref(), 4000);
        e.optional_text("additionalNeeds", self.additional_needs.as_deref(), 4000);
        e
    }

    /// Everything recommendation 2 of the case review requires before a provider is sent a
    /// referral, checked at once.
    pub fn validate_for_sending(&self, ctx: &SendContext) -> Errors {
        let mut e = self.validate_present();
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&self.intervention_type) {
            e.required("interventionType");
        }
        if blank(&self.offence_summary) {
            e.add(
                "offenceSummary",
                "required",
                "the provider must be told the nature of the offending",
            );
        }
        if blank(&self.risk_management_summary) {
            e.add(
                "riskManagementSummary",
                "required",
                "the provider must be told how risk is managed",
            );
        }
        if blank(&self.staff_safety) {
            e.add(
                "staffSafety",
                "required",
                "state how staff must work with the person, or \"no specific measures\"",
            );
        }
        if self.desired_outcomes.is_empty() {
            e.add(
                "desiredOutcomes",
                "required",
                "at least one desired outcome is required",
            );
        }
        if !ctx.has_risk_assessment {
            e.add(
                "rosh",
                "required",
                "no risk assessment is recorded for this person: record one (PUT /people/{crn}/risk) so RoSH to children, public, known adult and staff can be shared",
            );
        }
        match self.rar_days {
            None => e.required("rarDays"),
            Some(0) => {}
            Some(days) if days > ctx.unallocated_days => e.add(
                "rarDays",
                "exceeds_order",
                format!(
                    "rarDays {days} is more than the {} RAR days of the order not yet allocated to other referrals",
                    ctx.unallocated_days
                ),
            ),
            Some(_) => {}
        }
        match self.completion_deadline {
            None => e.required("completionDeadline"),
            Some(d) if d > ctx.order_end || d < ctx.order_start => e.add(
                "completionDeadline",
                "outside_order",
                format!(
                    "completionDeadline must fall within the order ({} to {})",
                    ctx.order_start, ctx.order_end
                ),
            ),
            Some(d) if d < ctx.today => e.add(
                "completionDeadline",
                "in_past",
                "completionDeadline has already passed",
            ),
            Some(_) => {}
        }
        if !ctx.order_active {
            e.add(
                "order",
                "not_active",
                "the order has been terminated; nothing can be commissioned under it",
            );
        }
        e
    }
}

/// Facts about the order and person that sending depends on.
#[derive(Debug, Clone)]
pub struct SendContext {
    pub today: NaiveDate,
    pub order_start: NaiveDate,
    pub order_end: NaiveDate,
    pub order_active: bool,
    pub unallocated_days: u32,
    pub has_risk_assessment: bool,
}

/// What the provider is given when a referral is sent (and again, as a new version, when risk changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedContext {
    pub offence_summary: String,
    pub offences: Vec<Offence>,
    pub rosh: Rosh,
    pub who_is_at_risk: String,
    pub nature_of_risk: String,
    pub imminence: String,
    pub increasing_factors: Vec<String>,
    /// Flags the provider needs to work safely (e.g. domestic abuse perpetrator, risk to staff).
    pub flags: Vec<RiskFlag>,
    pub risk_to_self: super::risk::RiskToSelf,
    pub risk_management_summary: String,
    pub staff_safety: String,
    pub desired_outcomes: Vec<DesiredOutcome>,
    pub risk_assessed_on: NaiveDate,
}

impl SharedContext {
    /// Builds the context from the referral's content, the order's offences and the current risk.
    /// The staff-safety text combines the referral's and the assessment's, so neither is lost.
    pub fn build(content: &ReferralContent, offences: &[Offence], risk: &RiskAssessment) -> Self {
        let referral_staff_safety = content.staff_safety.clone().unwrap_or_default();
        let staff_safety = if risk.staff_safety.trim().is_empty()
            || referral_staff_safety.contains(risk.staff_safety.trim())
        {
            referral_staff_safety
        } else {
            format!(
                "{referral_staff_safety}\nFrom the current risk assessment: {}",
                risk.staff_safety.trim()
            )
        };
        SharedContext {
            offence_summary: content.offence_summary.clone().unwrap_or_default(),
            offences: offences.to_vec(),
            rosh: risk.rosh(),
            who_is_at_risk: risk.who_is_at_risk.clone(),
            nature_of_risk: risk.nature_of_risk.clone(),
            imminence: risk.imminence.clone(),
            increasing_factors: risk.increasing_factors.clone(),
            flags: risk
                .flags
                .iter()
                .copied()
                .filter(|f| f.relevant_to_provider_safety())
                .collect(),
            risk_to_self: risk.risk_to_self.clone(),
            risk_management_summary: content.risk_management_summary.clone().unwrap_or_default(),
            staff_safety,
            desired_outcomes: content.desired_outcomes.clone(),
            risk_assessed_on: risk.assessed_on,
        }
    }

    /// Whether a new assessment changes what the provider was told about risk.
    pub fn risk_differs(&self, other: &SharedContext) -> bool {
        self.rosh != other.rosh
            || self.flags != other.flags
            || self.who_is_at_risk != other.who_is_at_risk
            || self.nature_of_risk != other.nature_of_risk
            || self.imminence != other.imminence
            || self.increasing_factors != other.increasing_factors
            || self.risk_to_self != other.risk_to_self
            || self.staff_safety != other.staff_safety
    }
}

/// A version of the shared context, with who acknowledged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedContextVersion {
    pub version: i32,
    /// `SENT` for the first, `RISK_UPDATED` for later versions.
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub context: SharedContext,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralStatus::*;

    #[test]
    fn the_happy_path_runs_draft_sent_accepted_in_progress_completed() {
        let mut s = Draft;
        for action in [
            Action::Send,
            Action::Accept,
            Action::StartDelivery,
            Action::End(EndReason::Completed),
        ] {
            s = transition(s, action).unwrap();
        }
        assert_eq!(s, Completed);
    }

    #[test]
    fn ending_for_non_engagement_is_ending_early() {
        assert_eq!(
            transition(InProgress, Action::End(EndReason::NonEngagement)).unwrap(),
            EndedEarly
        );
    }

    #[test]
    fn illegal_transitions_say_the_current_state() {
        let table = [
            (Draft, Action::Accept),
            (Sent, Action::EditDraft),
            (Sent, Action::Send),
            (Declined, Action::Accept),
            (Withdrawn, Action::Send),
            (Completed, Action::Withdraw),
            (Sent, Action::RecordDelivery),
            (Draft, Action::AcknowledgeRisk),
            (Sent, Action::End(EndReason::Completed)),
        ];
        for (from, action) in table {
            let err = transition(from, action).unwrap_err();
            assert_eq!(err.from, from, "{action:?}");
            assert!(err.to_string().contains(from.as_str()));
        }
    }

    #[test]
    fn only_live_referrals_can_be_withdrawn() {
        for &s in ReferralStatus::ALL {
            let allowed = transition(s, Action::Withdraw).is_ok();
            assert_eq!(
                allowed,
                matches!(s, Draft | Sent | Accepted | InProgress),
                "{s:?}"
            );
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for &s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(s.as_str()), Some(s));
        }
    }

    fn send_ctx() -> SendContext {
        SendContext {
            today: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            order_start: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            order_end: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            order_active: true,
            unallocated_days: 20,
            has_risk_assessment: true,
        }
    }

    #[test]
    fn sending_an_empty_draft_lists_every_missing_field() {
        let fields: Vec<String> = ReferralContent::default()
            .validate_for_sending(&send_ctx())
            .into_vec()
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "interventionType",
            "offenceSummary",
            "riskManagementSummary",
            "staffSafety",
            "desiredOutcomes",
            "rarDays",
            "completionDeadline",
        ] {
            assert!(
                fields.contains(&f.to_string()),
                "{f} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn more_days_than_the_order_has_left_cannot_be_sent() {
        let content = ReferralContent {
            rar_days: Some(21),
            ..Default::default()
        };
        let errors = content.validate_for_sending(&send_ctx()).into_vec();
        assert!(errors
            .iter()
            .any(|e| e.field == "rarDays" && e.code == "exceeds_order"));
    }
}
