//! Who a prompt is for: a manager reassigns or reopens one, and transferring an order to another
//! responsible officer moves its unresolved prompts with it, in the same transaction.

use super::change::{change, unconditional, Expect};
use super::prompt_lifecycle::record_step;
use super::prompts::prompt_event;
use crate::auth::Role;
use crate::db::orders::OrderRow;
use crate::db::prompts::{self as rows, PromptRow};
use crate::domain::events::{DomainEvent, OrderTransferred};
use crate::domain::ids::{OrderId, PromptId};
use crate::domain::order::Officer;
use crate::domain::prompt::{PromptStatus, PromptStep};
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::work::{Event, Work};

/// `403` unless the caller is a manager of the organisation the prompt is addressed to.
fn require_manager_of(w: &Work, row: &PromptRow) -> Result<(), ApiError> {
    let manager = if w.me.is_provider() {
        Role::ProviderManager
    } else {
        Role::ProbationManager
    };
    if row.org == w.me.org() && w.me.has(manager) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only a manager of the organisation the prompt is addressed to may do this".into(),
        ))
    }
}

/// Gives an unresolved prompt to another person (a manager's decision; `409` once resolved).
pub fn reassign(
    w: &mut Work,
    id: PromptId,
    expect: Expect<PromptRow>,
    assignee: String,
    note: String,
) -> Result<PromptRow, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let (row, ()) = change(w, id, side, expect, |w, row| {
        require_manager_of(w, row)?;
        if row.status == PromptStatus::Resolved {
            return Err(ApiError::invalid_state(
                "a resolved prompt is reopened, not reassigned",
                row.status.as_str(),
            ));
        }
        Ok((
            move_to(w, row, assignee.trim(), note.trim().to_string())?,
            (),
        ))
    })?;
    Ok(row)
}

/// Names `assignee` on the prompt, records the step and says so (the caller saves).
fn move_to(
    w: &mut Work,
    row: &mut PromptRow,
    assignee: &str,
    note: String,
) -> Result<Event, ApiError> {
    let from = row.assignee.replace(assignee.to_string());
    let note = format!(
        "{} (from {} to {assignee})",
        note,
        from.as_deref().unwrap_or("nobody named")
    );
    record_step(w, row, PromptStep::Reassigned, Some(row.status), Some(note))?;
    Ok(prompt_event(
        row,
        DomainEvent::SafeguardingPromptReassigned,
        format!("Reassigned to {assignee}: {}", row.title),
    ))
}

/// Opens a resolved prompt again (a manager's decision; `409` unless resolved). Its resolution
/// is cleared from the prompt but kept in its history.
pub fn reopen(
    w: &mut Work,
    id: PromptId,
    expect: Expect<PromptRow>,
    note: String,
) -> Result<PromptRow, ApiError> {
    let side = w.me.org_kind.ok_or_else(|| ApiError::not_found("prompt"))?;
    let (row, ()) = change(w, id, side, expect, |w, row| {
        require_manager_of(w, row)?;
        if row.status != PromptStatus::Resolved {
            return Err(ApiError::invalid_state(
                "only a resolved prompt can be reopened",
                row.status.as_str(),
            ));
        }
        if let Some(live) = rows::open_with_key(w.conn, &row.dedup_key)? {
            return Err(ApiError::conflict(format!(
                "prompt {} already covers the same facts and is not resolved",
                live.id
            )));
        }
        let from = row.status;
        row.status = PromptStatus::Open;
        row.outcome = None;
        row.resolution_note = None;
        row.external_reference = None;
        row.resolved_at = None;
        row.resolved_by = None;
        row.resolved_by_role = None;
        record_step(
            w,
            row,
            PromptStep::Reopened,
            Some(from),
            Some(note.trim().to_string()),
        )?;
        let event = prompt_event(
            row,
            DomainEvent::SafeguardingPromptReopened,
            format!("Reopened: {}", row.title),
        );
        Ok((event, ()))
    })?;
    Ok(row)
}

/// Transfers an order to another responsible officer (a probation manager's decision): the
/// order names the new officer, and every unresolved prompt on the order named to the previous
/// officer moves to the new one, in the same transaction. Returns the order and how many
/// prompts moved.
pub fn transfer_order(
    w: &mut Work,
    id: OrderId,
    officer: Officer,
) -> Result<(OrderRow, usize), ApiError> {
    change(
        w,
        id,
        OrgKind::Probation,
        &unconditional::<OrderRow>,
        |w, order| {
            if !w.me.has(Role::ProbationManager) {
                return Err(ApiError::Forbidden(
                    "only a probation manager transfers an order".into(),
                ));
            }
            let to = officer.sub.trim().to_string();
            let from = std::mem::replace(&mut order.responsible_officer, to.clone());
            order.responsible_officer_name = officer.name.clone();
            if from == to {
                return Err(ApiError::conflict(format!(
                    "the order is already with {to}"
                )));
            }
            let moving = rows::live_on_order_assigned_to(w.conn, &order.id, &from)?;
            let moved = moving.len();
            for mut prompt in moving {
                let event = move_to(w, &mut prompt, &to, "The order was transferred".into())?;
                rows::save(w.conn, &prompt)?;
                w.emit(event);
            }
            let event = Event {
                payload: DomainEvent::OrderTransferred(OrderTransferred {
                    order_id: order.id.clone(),
                    from_officer: from.clone(),
                    to_officer: to.clone(),
                    prompts_moved: moved,
                }),
                description: format!(
                    "Order transferred from {from} to {to}; {moved} open prompt(s) moved"
                ),
                detail_path: format!("/api/v1/orders/{}", order.id),
                crn: Some(order.crn.clone()),
                org: order.managing_org.clone(),
                provider_org: None,
            };
            Ok((event, moved))
        },
    )
}
