//! Referral state changes, each one [`change`](crate::services::change::change): send and
//! withdraw (probation); accept, decline, assign a worker and acknowledge risk (provider).

use super::{
    apply, change_referral, close_acknowledgement_prompts, content, event, offences, ReferralRecord,
};
use crate::db::orders;
use crate::db::referrals::{self as rows, ContextRow, ReferralRow};
use crate::db::to_json;
use crate::domain::events::{
    ContextVersion, DomainEvent, Nothing, ReferralAccepted, ReferralAssigned, ReferralDeclined,
    ReferralSent, ReferralWithdrawn,
};
use crate::domain::ids::ReferralId;
use crate::domain::referral::{Action, SendContext, SharedContext, WithdrawalCode};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::services::change::Expect;
use crate::services::{rar, risk};
use crate::work::Work;

/// Sends a draft: checks everything the provider must be told (`422` listing every problem),
/// snapshots the shared context as version 1 and moves the referral to SENT. The order's row is
/// locked first, so concurrent sends never allocate more RAR days than the order has.
pub fn send(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Probation, expect, |w, row| {
        orders::lock(w.conn, &row.order_id)?;
        let order = orders::get(w.conn, &row.order_id)?;
        let siblings = rows::for_order(w.conn, &row.order_id)?;
        let content = content(row)?;
        let current_risk = risk::current(w.conn, &row.crn)?;
        let allocated = rar::allocated_days(&siblings, Some(&row.id));
        let ctx = SendContext {
            today: crate::rules::working_days::london_date(w.now),
            order_start: order.start_date,
            order_end: order.end_date,
            order_active: order.status == crate::domain::order::OrderStatus::Active,
            unallocated_days: (order.rar_max_days.max(0) as u32).saturating_sub(allocated),
            has_risk_assessment: current_risk.is_some(),
        };
        content.validate_for_sending(&ctx).into_result()?;
        let (_, assessment) = current_risk.ok_or_else(|| ApiError::internal("risk vanished"))?;
        apply(row, Action::Send)?;
        let shared = SharedContext::build(&content, &offences(&order)?, &assessment);
        let now = w.now.naive_utc();
        rows::insert_context(
            w.conn,
            &ContextRow {
                referral_id: row.id.clone(),
                version: 1,
                reason: "SENT".into(),
                body: to_json(&shared)?,
                created_at: now,
                acknowledged_at: None,
                acknowledged_by: None,
            },
        )?;
        row.context_version = 1;
        row.acknowledged_version = 0;
        row.sent_at = Some(now);
        row.sent_by = Some(w.me.sub().to_string());
        row.updated_at = now;
        Ok(event(
            row,
            DomainEvent::ReferralSent,
            format!("Referral sent to {}", row.provider_org),
            ReferralSent {
                rar_days: row.rar_days,
            },
        ))
    })
}

/// The provider accepts, having read the shared risk information: who and when are recorded,
/// and the latest shared context counts as acknowledged.
pub fn accept(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Provider, expect, |w, row| {
        apply(row, Action::Accept)?;
        row.accepted_at = Some(w.now.naive_utc());
        row.accepted_by = Some(w.me.sub().to_string());
        acknowledge_latest(w, row)?;
        Ok(event(
            row,
            DomainEvent::ReferralAccepted,
            format!("Referral accepted by {}", row.provider_org),
            ReferralAccepted {
                accepted_by: w.me.sub().to_string(),
            },
        ))
    })
}

/// The provider declines, saying why.
pub fn decline(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    reason: &str,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Provider, expect, |w, row| {
        apply(row, Action::Decline)?;
        row.decline_reason = Some(reason.trim().to_string());
        row.updated_at = w.now.naive_utc();
        Ok(event(
            row,
            DomainEvent::ReferralDeclined,
            format!("Referral declined by {}", row.provider_org),
            ReferralDeclined {
                reason: row.decline_reason.clone(),
            },
        ))
    })
}

/// The provider names the worker who delivers the referral.
pub fn assign_worker(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    worker: &str,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Provider, expect, |w, row| {
        apply(row, Action::Assign)?;
        row.assigned_worker = Some(worker.trim().to_string());
        row.updated_at = w.now.naive_utc();
        Ok(event(
            row,
            DomainEvent::ReferralAssigned,
            "Provider worker assigned".into(),
            ReferralAssigned {
                worker: row.assigned_worker.clone(),
            },
        ))
    })
}

/// The provider records its own id for a referral it has accepted, so its system and rarlink
/// can be kept in step: unique per provider (`409` when another of its referrals has it).
pub fn set_provider_reference(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    reference: &str,
) -> Result<ReferralRecord, ApiError> {
    let reference = reference.trim().to_string();
    change_referral(w, id, OrgKind::Provider, expect, |w, row| {
        if row.accepted_at.is_none() {
            return Err(ApiError::invalid_state(
                "a provider reference is set on a referral the provider has accepted",
                row.status.as_str(),
            ));
        }
        if let Some(other) = rows::by_provider_reference(w.conn, &row.provider_org, &reference)? {
            if other.id != row.id {
                return Err(ApiError::conflict(
                    "providerReference is already used for another of your referrals",
                ));
            }
        }
        row.provider_reference = Some(reference);
        row.updated_at = w.now.naive_utc();
        Ok(event(
            row,
            DomainEvent::ReferralProviderReferenceSet,
            "Provider reference recorded".into(),
            Nothing {},
        ))
    })
}

/// Probation stops the commission, with a coded reason.
pub fn withdraw(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    code: WithdrawalCode,
    note: Option<&str>,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Probation, expect, |w, row| {
        apply(row, Action::Withdraw)?;
        row.withdrawal_code = Some(name_of(code)?);
        row.withdrawal_note = note.map(|n| n.trim().to_string());
        row.updated_at = w.now.naive_utc();
        Ok(event(
            row,
            DomainEvent::ReferralWithdrawn,
            "Referral withdrawn by probation".into(),
            ReferralWithdrawn {
                code: row.withdrawal_code.clone(),
            },
        ))
    })
}

/// The provider confirms it has read the latest shared context; `version`, if given, must be
/// that latest one (`409` otherwise: the provider read an older one).
pub fn acknowledge_risk(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    version: Option<i32>,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Provider, expect, |w, row| {
        apply(row, Action::AcknowledgeRisk)?;
        if let Some(v) = version.filter(|v| *v != row.context_version) {
            return Err(ApiError::conflict(format!(
                "version {v} is not the latest shared context (version {}); read the referral again",
                row.context_version
            )));
        }
        acknowledge_latest(w, row)?;
        Ok(event(
            row,
            DomainEvent::ReferralRiskAcknowledged,
            "Provider acknowledged the latest risk information".into(),
            ContextVersion {
                context_version: row.context_version,
            },
        ))
    })
}

/// Records that the provider has read every version up to the latest, and closes its prompts
/// to do so.
fn acknowledge_latest(w: &mut Work, row: &mut ReferralRow) -> Result<(), ApiError> {
    let now = w.now.naive_utc();
    rows::acknowledge_contexts(w.conn, &row.id, row.context_version, now, w.me.sub())?;
    row.acknowledged_version = row.context_version;
    row.updated_at = now;
    close_acknowledgement_prompts(w, &row.id, row.context_version)
}

/// The name an enum goes by in JSON, as it is stored.
fn name_of(value: impl serde::Serialize) -> Result<String, ApiError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(ApiError::internal(format!("{other} is not a name"))),
        Err(e) => Err(ApiError::internal_from("naming a value", e)),
    }
}
