//! Referral use cases: sending with its shared context, re-sharing after a risk change, state changes.

use super::prompts::{self, Origin};
use super::{rar, risk};
use crate::db::orders::{self, OrderRow};
use crate::db::prompts as prompt_rows;
use crate::db::referrals::{self as rows, ContextRow, ReferralRow};
use crate::db::{from_json, to_json};
use crate::domain::events::EventType;
use crate::domain::order::Offence;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{
    transition, Action, ReferralContent, ReferralStatus, SendContext, SharedContext,
};
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;
use crate::rules::{risk_change, RuleId};
use crate::work::{Event, Work};

pub fn content(row: &ReferralRow) -> Result<ReferralContent, ApiError> {
    from_json(&row.content, "referral content")
}

pub fn offences(order: &OrderRow) -> Result<Vec<Offence>, ApiError> {
    from_json(&order.offences, "offences")
}

/// Applies `action` to the referral's status, or `409` naming the current state.
pub fn apply(row: &mut ReferralRow, action: Action) -> Result<ReferralStatus, ApiError> {
    let from = row.status;
    let to = transition(from, action)
        .map_err(|e| ApiError::invalid_state(e.to_string(), from.as_str()))?;
    row.status = to;
    Ok(to)
}

/// Emits a referral event, visible to the provider once the referral has been sent.
pub fn emit(
    w: &mut Work,
    row: &ReferralRow,
    event_type: EventType,
    description: String,
    extra: serde_json::Value,
) {
    let mut info = serde_json::json!({
        "referralId": row.id,
        "orderId": row.order_id,
        "status": row.status,
        "providerOrg": row.provider_org,
    });
    if let (Some(target), Some(extra)) = (info.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    w.emit(Event {
        event_type,
        description,
        detail_path: format!("/api/v1/referrals/{}", row.id),
        additional_information: info,
        crn: Some(row.crn.clone()),
        org: row.probation_org.clone(),
        provider_org: row.sent_at.is_some().then(|| row.provider_org.clone()),
    });
}

/// Sends a draft: checks everything the provider must be told, snapshots the shared context as
/// version 1 and moves the referral to SENT.
pub fn send(w: &mut Work, mut row: ReferralRow) -> Result<ReferralRow, ApiError> {
    orders::lock(w.conn, &row.order_id)?;
    let order = orders::get(w.conn, &row.order_id)?;
    let siblings = rows::for_order(w.conn, &row.order_id)?;
    let content = content(&row)?;
    let current_risk = risk::current(w.conn, &row.crn)?;
    let allocated = rar::allocated_days(&siblings, Some(&row.id));
    let ctx = SendContext {
        today: crate::rules::working_days::london_date(w.now),
        order_start: order.start_date,
        order_end: order.end_date,
        order_active: order.status == orders::ACTIVE,
        unallocated_days: (order.rar_max_days.max(0) as u32).saturating_sub(allocated),
        has_risk_assessment: current_risk.is_some(),
    };
    content.validate_for_sending(&ctx).into_result()?;
    let (_, assessment) = current_risk.ok_or_else(|| ApiError::internal("risk vanished"))?;
    apply(&mut row, Action::Send)?;
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
    row.sent_by = Some(w.me.caller.sub.clone());
    row.updated_at = now;
    rows::save(w.conn, &row)?;
    emit(
        w,
        &row,
        EventType::ReferralSent,
        format!("Referral sent to {}", row.provider_org),
        serde_json::json!({"rarDays": row.rar_days}),
    );
    Ok(row)
}

/// After a new risk assessment: gives every live referral of the person a new shared-context
/// version if what the provider was told about risk changed, and requires a new acknowledgement.
/// Returns the referrals that got a new version, with the previous and new context.
pub fn reshare_after_risk_change(
    w: &mut Work,
    crn: &str,
    assessment_id: &str,
    assessment: &RiskAssessment,
) -> Result<Vec<(ReferralRow, SharedContext, SharedContext)>, ApiError> {
    let mut changed = Vec::new();
    for mut row in rows::for_person(w.conn, crn)? {
        if !row.status.is_live() {
            continue;
        }
        let Some(current) = rows::context(w.conn, &row.id, row.context_version)? else {
            continue;
        };
        let previous: SharedContext = from_json(&current.body, "shared context")?;
        let order = orders::get(w.conn, &row.order_id)?;
        let next = SharedContext::build(&content(&row)?, &offences(&order)?, assessment);
        if !next.risk_differs(&previous) {
            continue;
        }
        let now = w.now.naive_utc();
        row.context_version += 1;
        row.updated_at = now;
        rows::insert_context(
            w.conn,
            &ContextRow {
                referral_id: row.id.clone(),
                version: row.context_version,
                reason: "RISK_UPDATED".into(),
                body: to_json(&next)?,
                created_at: now,
                acknowledged_at: None,
                acknowledged_by: None,
            },
        )?;
        rows::save(w.conn, &row)?;
        emit(
            w,
            &row,
            EventType::ReferralRiskUpdated,
            "Risk information changed; the provider must acknowledge the new version".into(),
            serde_json::json!({
                "contextVersion": row.context_version,
                "roshRaised": next.rosh.raised_since(&previous.rosh),
            }),
        );
        if let Some(spec) = risk_change::provider_acknowledgement(
            &row.crn,
            &row.id,
            row.context_version,
            &previous,
            &next,
        ) {
            let origin = Origin {
                crn: &row.crn,
                probation_org: &row.probation_org,
                provider_org: Some(&row.provider_org),
                order_id: Some(&row.order_id),
                referral_id: Some(&row.id),
                kind: TriggerKind::RiskAssessment,
                id: assessment_id,
            };
            prompts::raise(w, vec![spec], &origin)?;
        }
        changed.push((row, previous, next));
    }
    Ok(changed)
}

/// Closes the provider's open "acknowledge updated risk information" prompts on a referral once
/// it has acknowledged the latest version.
pub fn close_acknowledgement_prompts(
    w: &mut Work,
    referral_id: &str,
    version: i32,
) -> Result<(), ApiError> {
    for prompt in
        prompt_rows::open_for_referral(w.conn, referral_id, RuleId::RiskInformationUpdated)?
    {
        let note = format!("Acknowledged version {version} of the shared risk information");
        prompts::resolve_as_done(w, prompt, note)?;
    }
    Ok(())
}
