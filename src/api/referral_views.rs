//! What a referral looks like to each side, built without queries from a loaded
//! [`ReferralRecord`]: probation sees everything, a provider only the shared view. The ETag a
//! client holds is computed from the same view, and checked against it by [`precondition`].

use crate::db::referrals::ReferralRow;
use crate::domain::order::Officer;
use crate::domain::referral::{
    DesiredOutcome, ReferralContent, ReferralStatus, SharedContextVersion,
};
use crate::error::ApiError;
use crate::http::etag::{etag_of, IfMatch};
use crate::services::referrals::{self, Audience, ProviderContext, ReferralRecord};
use crate::work::Work;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Withdrawal {
    pub code: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ending {
    pub reason: String,
    pub note: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

/// The referral as probation sees it: everything, including drafts and every shared version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProbationReferralView {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    pub status: ReferralStatus,
    #[serde(flatten)]
    pub content: ReferralContent,
    pub assigned_worker: Option<String>,
    /// The provider's own id for the referral (`PUT …/provider-reference`).
    pub provider_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
    pub decline_reason: Option<String>,
    pub withdrawal: Option<Withdrawal>,
    pub ending: Option<Ending>,
    /// The latest version of the shared context (0 while a draft).
    pub context_version: i32,
    pub acknowledged_version: i32,
    /// True while the provider has not acknowledged the latest risk information.
    pub acknowledgement_required: bool,
    pub shared_context_versions: Vec<SharedContextVersion>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub crn: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
}

/// What a provider sees: what it needs to deliver the work and keep its staff safe, nothing more.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedReferralView {
    pub id: uuid::Uuid,
    pub status: ReferralStatus,
    pub probation_org: String,
    pub provider_org: String,
    pub person: PersonSummary,
    pub responsible_officer: Officer,
    pub intervention_type: Option<String>,
    pub rar_days: Option<u32>,
    pub completion_deadline: Option<NaiveDate>,
    pub relevant_history: Option<String>,
    pub additional_needs: Option<String>,
    /// The desired outcomes as they stand now, amendments included (`sharedContext` keeps them
    /// as they were when that version was shared).
    pub desired_outcomes: Vec<DesiredOutcome>,
    pub assigned_worker: Option<String>,
    /// The provider's own id for the referral (`PUT …/provider-reference`).
    pub provider_reference: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<String>,
    pub ending: Option<Ending>,
    /// The latest risk and offence context: offence, RoSH, flags, risk management, staff safety, outcomes.
    pub shared_context: Option<SharedContextVersion>,
    pub acknowledged_version: i32,
    /// True while the latest version has not been acknowledged by the provider.
    pub acknowledgement_required: bool,
    /// Every version sent, oldest first.
    pub shared_context_versions: Vec<SharedContextVersion>,
}

/// A referral: the probation view for probation callers, the shared view for providers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ReferralView {
    Probation(Box<ProbationReferralView>),
    Shared(Box<SharedReferralView>),
}

/// One line of a referral list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReferralSummary {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    pub crn: String,
    pub status: ReferralStatus,
    pub probation_org: String,
    pub provider_org: String,
    pub rar_days: Option<u32>,
    pub assigned_worker: Option<String>,
    /// The provider's own id for the referral (`PUT …/provider-reference`).
    pub provider_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub acknowledgement_required: bool,
}

/// A live referral needs the provider to acknowledge a shared context it has not yet read.
fn acknowledgement_required(row: &ReferralRow) -> bool {
    row.status.is_live() && row.acknowledged_version < row.context_version
}

fn ending(row: &ReferralRow) -> Option<Ending> {
    row.end_reason.as_ref().map(|reason| Ending {
        reason: reason.clone(),
        note: row.end_note.clone(),
        at: row.ended_at.map(|t| t.and_utc()),
        by: row.ended_by.clone(),
    })
}

/// The view of the referral for the side the record was loaded for.
pub fn referral_view(record: ReferralRecord) -> Result<ReferralView, ApiError> {
    let ReferralRecord {
        row,
        content,
        versions,
        audience,
    } = record;
    Ok(match audience {
        Audience::Probation => {
            ReferralView::Probation(Box::new(probation_view(row, content, versions)?))
        }
        Audience::Provider(context) => {
            ReferralView::Shared(Box::new(shared_view(row, content, versions, *context)?))
        }
    })
}

fn probation_view(
    row: ReferralRow,
    content: ReferralContent,
    versions: Vec<SharedContextVersion>,
) -> Result<ProbationReferralView, ApiError> {
    Ok(ProbationReferralView {
        id: row.uuid()?,
        order_id: row.order_uuid()?,
        status: row.status,
        content,
        created_at: row.created_at.and_utc(),
        sent_at: row.sent_at.map(|t| t.and_utc()),
        accepted_at: row.accepted_at.map(|t| t.and_utc()),
        withdrawal: row.withdrawal_code.as_ref().map(|code| Withdrawal {
            code: code.clone(),
            note: row.withdrawal_note.clone(),
        }),
        ending: ending(&row),
        context_version: row.context_version,
        acknowledged_version: row.acknowledged_version,
        acknowledgement_required: acknowledgement_required(&row),
        shared_context_versions: versions,
        crn: row.crn,
        probation_org: row.probation_org,
        provider_org: row.provider_org,
        assigned_worker: row.assigned_worker,
        provider_reference: row.provider_reference,
        created_by: row.created_by,
        accepted_by: row.accepted_by,
        decline_reason: row.decline_reason,
    })
}

fn shared_view(
    row: ReferralRow,
    content: ReferralContent,
    versions: Vec<SharedContextVersion>,
    ProviderContext { person, order }: ProviderContext,
) -> Result<SharedReferralView, ApiError> {
    Ok(SharedReferralView {
        id: row.uuid()?,
        status: row.status,
        person: PersonSummary {
            crn: person.crn,
            first_name: person.first_name,
            last_name: person.last_name,
            date_of_birth: person.date_of_birth,
        },
        responsible_officer: Officer {
            sub: order.responsible_officer,
            name: order.responsible_officer_name,
        },
        intervention_type: content.intervention_type,
        rar_days: content.rar_days,
        completion_deadline: content.completion_deadline,
        relevant_history: content.relevant_history,
        additional_needs: content.additional_needs,
        desired_outcomes: content.desired_outcomes,
        sent_at: row.sent_at.map(|t| t.and_utc()),
        accepted_at: row.accepted_at.map(|t| t.and_utc()),
        ending: ending(&row),
        shared_context: versions.last().cloned(),
        acknowledged_version: row.acknowledged_version,
        acknowledgement_required: acknowledgement_required(&row),
        shared_context_versions: versions,
        probation_org: row.probation_org,
        provider_org: row.provider_org,
        assigned_worker: row.assigned_worker,
        provider_reference: row.provider_reference,
        accepted_by: row.accepted_by,
    })
}

/// One line of a referral list.
pub fn referral_summary(row: ReferralRow) -> Result<ReferralSummary, ApiError> {
    Ok(ReferralSummary {
        id: row.uuid()?,
        order_id: row.order_uuid()?,
        status: row.status,
        rar_days: row.rar_days.map(|d| d.max(0) as u32),
        created_at: row.created_at.and_utc(),
        sent_at: row.sent_at.map(|t| t.and_utc()),
        acknowledgement_required: acknowledgement_required(&row),
        crn: row.crn,
        probation_org: row.probation_org,
        provider_org: row.provider_org,
        assigned_worker: row.assigned_worker,
        provider_reference: row.provider_reference,
    })
}

/// The client's `If-Match`, checked against the view it would read of the referral now. The
/// view is built only when the header was sent.
pub fn precondition(
    if_match: &IfMatch,
) -> impl Fn(&mut Work, &ReferralRow) -> Result<(), ApiError> + '_ {
    move |w, row| {
        if_match.check_with(|| {
            let record = referrals::record(w, row.clone())?;
            Ok(etag_of(&referral_view(record)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::orders::OrderRow;
    use crate::db::people::PersonRow;

    fn row(status: ReferralStatus, context_version: i32, acknowledged_version: i32) -> ReferralRow {
        let at = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        ReferralRow {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: uuid::Uuid::now_v7().to_string(),
            crn: "X123456".into(),
            probation_org: "PDU-CAMBS".into(),
            provider_org: "MIND-CAMBS".into(),
            status,
            rar_days: Some(10),
            content: "{}".into(),
            assigned_worker: None,
            created_at: at,
            created_by: "jsmith".into(),
            updated_at: at,
            sent_at: Some(at),
            sent_by: Some("jsmith".into()),
            accepted_at: None,
            accepted_by: None,
            decline_reason: None,
            withdrawal_code: None,
            withdrawal_note: None,
            end_reason: None,
            end_note: None,
            ended_at: None,
            ended_by: None,
            context_version,
            acknowledged_version,
            provider_reference: None,
        }
    }

    fn provider() -> Audience {
        let at = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let stamp = at.and_hms_opt(9, 0, 0).unwrap();
        Audience::Provider(Box::new(ProviderContext {
            person: PersonRow {
                crn: "X123456".into(),
                managing_org: "PDU-CAMBS".into(),
                first_name: "Stephen".into(),
                last_name: "Smith".into(),
                date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
                pnc_number: None,
                address: None,
                created_at: stamp,
                updated_at: stamp,
                updated_by: "jsmith".into(),
                search_name: None,
            },
            order: OrderRow {
                id: uuid::Uuid::now_v7().to_string(),
                crn: "X123456".into(),
                managing_org: "PDU-CAMBS".into(),
                order_type: crate::domain::order::OrderType::CommunityOrder,
                start_date: at,
                end_date: at,
                rar_max_days: 20,
                responsible_officer: "jsmith".into(),
                responsible_officer_name: Some("J Smith".into()),
                offences: "[]".into(),
                status: crate::domain::order::OrderStatus::Active,
                terminated_at: None,
                created_at: stamp,
                created_by: "jsmith".into(),
            },
        }))
    }

    fn record(row: ReferralRow, audience: Audience) -> ReferralRecord {
        ReferralRecord {
            row,
            content: ReferralContent::default(),
            versions: Vec::new(),
            audience,
        }
    }

    #[test]
    fn each_side_gets_its_own_view_and_acknowledgement_is_required_only_while_live() {
        use ReferralStatus::*;
        let cases = [
            (Sent, 1, 0, true),
            (Accepted, 2, 1, true),
            (InProgress, 2, 2, false),
            (Completed, 2, 1, false),
            (Withdrawn, 1, 0, false),
        ];
        for (status, context, acknowledged, required) in cases {
            let probation = referral_view(record(
                row(status, context, acknowledged),
                Audience::Probation,
            ))
            .unwrap();
            let ReferralView::Probation(view) = probation else {
                panic!("probation gets the probation view");
            };
            assert_eq!(view.acknowledgement_required, required, "{status:?}");
            let shared =
                referral_view(record(row(status, context, acknowledged), provider())).unwrap();
            let ReferralView::Shared(view) = shared else {
                panic!("a provider gets the shared view");
            };
            assert_eq!(view.acknowledgement_required, required, "{status:?}");
            assert_eq!(view.responsible_officer.sub, "jsmith");
            assert_eq!(view.person.first_name, "Stephen");
        }
    }

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_an_internal_error_not_a_nil_id() {
        let mut corrupt = row(ReferralStatus::Draft, 0, 0);
        corrupt.order_id = "not-a-uuid".into();
        let err = referral_view(record(corrupt.clone(), Audience::Probation)).unwrap_err();
        assert_eq!(err.to_problem().status, 500);
        let err = referral_summary(corrupt).unwrap_err();
        assert_eq!(err.to_problem().status, 500);
    }
}
