//! What each domain event carries (its `additionalInformation`): thin, typed facts about the
//! resource it concerns; `detailUrl` says where to read the rest.

use super::agency_notice::AgencyNotified;
use super::appointment::{AppointmentKind, Attended, NoAttendanceReason};
use super::case_note::Sensitivity;
use super::disclosure::DisclosureType;
use super::order::RiskChange;
use super::prompt::{Agency, AgencyDecision, AssigneeRole, Outcome, PromptStatus};
use super::referral::{EndReason, ReferralStatus};
use super::risk::{RiskFlag, RoshLevel};
use super::rule_id::RuleId;
use super::OrgKind;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationCreated {
    pub code: String,
    pub kind: OrgKind,
}

/// An order moved from one responsible officer to another.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderTransferred {
    pub order_id: String,
    pub from_officer: String,
    pub to_officer: String,
    /// How many unresolved prompts moved with it.
    pub prompts_moved: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonUpserted {
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskAssessed {
    pub assessment_id: String,
    pub highest_rosh: RoshLevel,
    pub flags: Vec<RiskFlag>,
}

/// A household member or declaration recorded or changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HouseholdRecord {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    pub order_id: String,
    pub rar_max_days: i32,
    pub end_date: NaiveDate,
    pub domestic_abuse_related: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderTerminated {
    pub order_id: String,
    pub reason: String,
    pub termination_date: NaiveDate,
    pub risk_of_reoffending_change: Option<RiskChange>,
    pub risk_of_serious_harm_change: Option<RiskChange>,
    pub evidence: String,
    /// The agencies told of the ending, as the review recorded them (events recorded before the
    /// entries were typed carry them as the text the officer wrote).
    pub agencies_notified: Vec<AgencyNotified>,
    pub sign_off_reasons: Vec<String>,
    pub signed_off_by: Option<String>,
}

/// The referral an event is about, with what the event adds.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnReferral<T> {
    pub referral_id: String,
    pub order_id: String,
    pub status: ReferralStatus,
    pub provider_org: String,
    /// The provider's own id for the referral, once it has set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_reference: Option<String>,
    #[serde(flatten)]
    #[schema(inline)]
    pub detail: T,
}

/// An event that adds nothing to the resource it names.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Nothing {}

/// An amendment of a sent referral: which fields changed (the before and after are at
/// `GET /referrals/{id}/amendments`).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralAmended {
    pub amendment_id: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralSent {
    pub rar_days: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralAccepted {
    pub accepted_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralDeclined {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralAssigned {
    pub worker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralWithdrawn {
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralRiskUpdated {
    pub context_version: i32,
    pub rosh_raised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextVersion {
    pub context_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralEnded {
    pub reason: EndReason,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressReportSubmitted {
    pub report_id: String,
}

/// A session and what is known of its attendance.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentFacts {
    pub appointment_id: String,
    pub referral_id: String,
    pub kind: AppointmentKind,
    pub starts_at: DateTime<Utc>,
    pub attended: Option<Attended>,
    pub no_attendance_reason: Option<NoAttendanceReason>,
    /// The provider's own id for the session, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbsenceDecided {
    pub appointment_id: String,
    pub acceptable: bool,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WarningIssued {
    pub warning_id: String,
    pub appointment_id: String,
}

/// A version of an action plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActionPlanFacts {
    pub action_plan_id: String,
    pub version: i32,
    pub number_of_sessions: i32,
}

/// A case note, without its subject or body (an event may reach roles that may not read them).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseNoteAdded {
    pub case_note_id: String,
    pub sensitivity: Sensitivity,
    /// The side that wrote it.
    pub written_by: OrgKind,
    /// The earlier note it corrects.
    pub corrects: Option<String>,
    /// The detector found words that may mean a disclosure.
    pub possible_disclosure: bool,
    /// A `case-note-possible-disclosure` prompt was raised.
    pub prompt_raised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisclosureRecorded {
    pub disclosure_id: String,
    #[serde(rename = "type")]
    pub disclosure_type: DisclosureType,
    pub referral_id: Option<String>,
    pub prompts_raised: usize,
}

/// A safeguarding prompt: its rule, who must act, by when, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromptFacts {
    pub prompt_id: String,
    /// The rule that raised it, e.g. `pregnancy-da-mash-referral`.
    #[schema(value_type = String)]
    pub rule: RuleId,
    pub assignee_role: AssigneeRole,
    pub assignee: Option<String>,
    pub due_at: DateTime<Utc>,
    pub mandatory: bool,
    pub status: PromptStatus,
    pub outcome: Option<Outcome>,
    /// The prompt's title, as the reporting provider is told it.
    pub title: String,
    /// The organisation whose people must act.
    pub assignee_org: String,
    /// When it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The agency referred to (outcome `REFERRED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<Agency>,
    /// When the agency's decision is to be chased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_due_at: Option<DateTime<Utc>>,
    /// The agency's decision, once received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<AgencyDecision>,
    /// The disclosure that raised it, where its reporter reads what became of it
    /// (`GET /api/v1/disclosures/{id}`, `responses`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewItemConfirmed {
    pub item_id: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewCompleted {
    pub risk_of_reoffending_change: RiskChange,
    pub risk_of_serious_harm_change: RiskChange,
    pub sign_off_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewSignedOff {
    pub signed_off_by: String,
}

/// A webhook subscription that failed every attempt for too long was turned off.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscriptionDisabled {
    pub subscription_id: String,
    pub failing_since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonTransferred {
    pub from_org: String,
    pub to_org: String,
    /// Why the case moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub orders_moved: usize,
    pub referrals_moved: usize,
    /// Unresolved prompts the old organisation had to act on, now the new one's.
    pub prompts_moved: usize,
}
