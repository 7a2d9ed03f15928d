//! Drafting a referral: probation names a provider and writes the commissioning content; both are
//! checked against the order and the registered providers on every save, everything else on send.

use super::{apply, change_referral, content, emit, event, record, ReferralRecord};
use crate::db::orders::{self, OrderRow};
use crate::db::referrals::{self as rows, ReferralRow};
use crate::db::{organisations, to_json};
use crate::domain::events::{DomainEvent, Nothing};
use crate::domain::ids::{OrderId, ReferralId};
use crate::domain::referral::{Action, ReferralContent, ReferralStatus};
use crate::domain::validate::Errors;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::services::access;
use crate::services::change::Expect;
use crate::work::Work;

/// What probation proposes: the provider organisation's code and the commissioning content.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub provider_org: Option<String>,
    pub content: ReferralContent,
}

/// Drafts a referral under an order the caller's organisation manages.
pub fn create_draft(
    w: &mut Work,
    order_id: OrderId,
    draft: Draft,
) -> Result<ReferralRecord, ApiError> {
    let order = access::order(w, order_id)?;
    let provider_org = check_draft(w, &draft, &order)?;
    let now = w.now.naive_utc();
    let row = ReferralRow {
        id: uuid::Uuid::now_v7().to_string(),
        order_id: order.id.clone(),
        crn: order.crn.clone(),
        probation_org: order.managing_org.clone(),
        provider_org,
        status: ReferralStatus::Draft,
        rar_days: draft.content.rar_days.map(|d| d as i32),
        content: to_json(&draft.content)?,
        assigned_worker: None,
        created_at: now,
        created_by: w.me.sub().to_string(),
        updated_at: now,
        sent_at: None,
        sent_by: None,
        accepted_at: None,
        accepted_by: None,
        decline_reason: None,
        withdrawal_code: None,
        withdrawal_note: None,
        end_reason: None,
        end_note: None,
        ended_at: None,
        ended_by: None,
        context_version: 0,
        provider_reference: None,
        acknowledged_version: 0,
    };
    rows::insert(w.conn, &row)?;
    emit(
        w,
        &row,
        DomainEvent::ReferralCreated,
        "Referral drafted".into(),
        Nothing {},
    );
    record(w, row)
}

/// Edits a draft: `revise` turns the current draft into the new one (the client's merge patch).
pub fn update_draft(
    w: &mut Work,
    id: ReferralId,
    expect: Expect<ReferralRow>,
    revise: impl FnOnce(Draft) -> Result<Draft, ApiError>,
) -> Result<ReferralRecord, ApiError> {
    change_referral(w, id, OrgKind::Probation, expect, |w, row| {
        apply(row, Action::EditDraft)?;
        let current = Draft {
            provider_org: Some(row.provider_org.clone()),
            content: content(row)?,
        };
        let draft = revise(current)?;
        let order = orders::get(w.conn, &row.order_id)?;
        row.provider_org = check_draft(w, &draft, &order)?;
        row.rar_days = draft.content.rar_days.map(|d| d as i32);
        row.content = to_json(&draft.content)?;
        row.updated_at = w.now.naive_utc();
        Ok(event(
            row,
            DomainEvent::ReferralUpdated,
            "Draft referral edited".into(),
            Nothing {},
        ))
    })
}

/// Checks a draft against its order and the registered providers (`422` listing every problem);
/// returns the provider's code as stored.
fn check_draft(w: &mut Work, draft: &Draft, order: &OrderRow) -> Result<String, ApiError> {
    let content = &draft.content;
    let mut e: Errors = content.validate_present();
    let provider = draft.provider_org.as_deref().map(str::trim);
    match provider {
        None | Some("") => e.required("providerOrg"),
        Some(code) => match organisations::find_by_code(w.conn, code)? {
            Some(org) if org.kind == OrgKind::Provider => {}
            _ => e.add(
                "providerOrg",
                "unknown",
                format!("{code} is not a registered provider organisation"),
            ),
        },
    }
    if let Some(days) = content.rar_days {
        if days > order.rar_max_days.max(0) as u32 {
            e.add(
                "rarDays",
                "exceeds_order",
                format!("the order allows at most {} RAR days", order.rar_max_days),
            );
        }
    }
    if let Some(d) = content.completion_deadline {
        if d < order.start_date || d > order.end_date {
            e.add(
                "completionDeadline",
                "outside_order",
                format!(
                    "completionDeadline must fall within the order ({} to {})",
                    order.start_date, order.end_date
                ),
            );
        }
    }
    if order.status != crate::domain::order::OrderStatus::Active {
        e.add("order", "not_active", "the order has been terminated");
    }
    e.into_result()?;
    provider
        .map(str::to_string)
        .ok_or_else(|| ApiError::internal("a checked draft names its provider"))
}
