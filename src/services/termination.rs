//! Termination use cases: the review of an order, derived from the order's facts read now
//! (confirming its items, completing it, signing it off), terminating the order once the review
//! allows it, and raising the "start the termination review" prompt ahead of an order's end date.

use super::access;
use super::change::{change, unconditional};
use super::prompts::prompt_event;
use super::referrals::{apply, emit};
use super::termination_review::agencies_notified;
pub use super::termination_review::{Review, ReviewRecord};
use crate::db::orders::{self, OrderRow};
use crate::db::prompts::{self as prompt_rows, PromptRow};
use crate::db::termination::{self as rows, ConfirmationRow, ReviewRow};
use crate::db::{referrals, to_json, write_transaction, DbConnection};
use crate::domain::agency_notice::AgencyNotified;
use crate::domain::events::{
    DomainEvent, OrderTerminated, ReferralWithdrawn, ReviewCompleted, ReviewItemConfirmed,
    ReviewSignedOff,
};
use crate::domain::ids::OrderId;
use crate::domain::order::OrderStatus;
use crate::domain::prompt::{PromptStatus, TriggerKind};
use crate::domain::referral::{Action, ReferralStatus};
use crate::domain::stored::wire_name;
use crate::domain::OrgKind;
use crate::error::{ApiError, BlockingItem};
use crate::rules::prompt::{AssigneeRole, CASE_REVIEW};
use crate::rules::termination::{
    blocking_completion, checklist, sign_off_reasons, Item, ItemState, ReviewStatus, RiskChange,
};
use crate::rules::termination_items::social_care_told;
use crate::rules::working_days::{add_working_days, end_of_day, london_date};
use crate::rules::{RuleId, RulesConfig};
use crate::work::{Actor, Event, Work};
use chrono::{DateTime, NaiveDate, Utc};

pub const REVIEW_DUE_RULE: RuleId = RuleId::TerminationReviewDue;

/// The officer's judgement that completes a review (validated by the caller).
pub struct Judgement {
    pub risk_of_reoffending: RiskChange,
    pub risk_of_serious_harm: RiskChange,
    /// The evidence for both judgements.
    pub evidence: String,
    /// Who was told of the closure (dates checked by the caller: none in the future).
    pub agencies_notified: Vec<AgencyNotified>,
}

/// Why and when an order ends (the reason was validated by the caller).
pub struct Termination {
    pub reason: String,
    pub date: NaiveDate,
}

fn review_event(order: &OrderRow, payload: DomainEvent, description: String) -> Event {
    Event {
        payload,
        description,
        detail_path: format!("/api/v1/orders/{}/termination-review", order.id),
        crn: Some(order.crn.clone()),
        org: order.managing_org.clone(),
        provider_org: None,
    }
}

fn blocking(item: &Item) -> Result<BlockingItem, ApiError> {
    Ok(BlockingItem {
        kind: wire_name(&item.kind)?,
        description: format!("{}: {}", item.description, item.evidence),
        link: item.link.clone(),
    })
}

/// `409` when the order is terminated: its review no longer changes.
fn refuse_terminated(order: &OrderRow, detail: &str) -> Result<(), ApiError> {
    if order.status == OrderStatus::Terminated {
        return Err(ApiError::invalid_state(
            detail,
            OrderStatus::Terminated.as_str(),
        ));
    }
    Ok(())
}

/// The termination review of an order the caller manages.
pub fn review(w: &mut Work, id: OrderId) -> Result<ReviewRecord, ApiError> {
    let order = access::order(w, id)?;
    ReviewRecord::read(w.conn, order, w.now)
}

/// The officer confirms a judgement item with a note; an item the system checks, or one that
/// needs action (a prompt to resolve), cannot be confirmed.
pub fn confirm_item(
    w: &mut Work,
    id: OrderId,
    item_id: &str,
    note: &str,
) -> Result<ReviewRecord, ApiError> {
    let (order, ()) = change(
        w,
        id,
        OrgKind::Probation,
        &unconditional::<OrderRow>,
        |w, order| {
            refuse_terminated(order, "the order is terminated")?;
            let record = ReviewRecord::read(w.conn, order.clone(), w.now)?;
            let items = checklist(&record.facts);
            let item = items
                .iter()
                .find(|i| i.id == item_id)
                .ok_or_else(|| ApiError::not_found("review item"))?;
            if !item.confirmable {
                return Err(ApiError::invalid_state(
                    if item.state == ItemState::Satisfied {
                        "the system already found this item satisfied"
                    } else {
                        "this item cannot be confirmed; act on it (e.g. resolve the prompt)"
                    },
                    wire_name(&item.state)?,
                ));
            }
            let note = note.trim();
            rows::confirm(
                w.conn,
                &ConfirmationRow {
                    order_id: order.id.clone(),
                    item_id: item_id.to_string(),
                    confirmed_at: w.now.naive_utc(),
                    confirmed_by: w.me.sub().to_string(),
                    note: note.to_string(),
                },
            )?;
            let event = review_event(
                order,
                DomainEvent::TerminationReviewItemConfirmed(ReviewItemConfirmed {
                    item_id: item_id.to_string(),
                    note: note.to_string(),
                }),
                format!("Review item confirmed: {}", item.description),
            );
            Ok((event, ()))
        },
    )?;
    ReviewRecord::read(w.conn, order, w.now)
}

/// The officer completes the review with their judgement; refused (`409` listing them) while
/// any item is outstanding.
pub fn complete(w: &mut Work, id: OrderId, judgement: Judgement) -> Result<ReviewRecord, ApiError> {
    let (order, ()) = change(
        w,
        id,
        OrgKind::Probation,
        &unconditional::<OrderRow>,
        |w, order| {
            refuse_terminated(order, "the order is terminated")?;
            let f = ReviewRecord::read(w.conn, order.clone(), w.now)?.facts;
            let items = checklist(&f);
            let outstanding = blocking_completion(&items);
            if !outstanding.is_empty() {
                return Err(ApiError::Conflict {
                    detail: format!("{} review item(s) are outstanding", outstanding.len()),
                    current_state: None,
                    blocking_items: outstanding
                        .into_iter()
                        .map(blocking)
                        .collect::<Result<_, _>>()?,
                });
            }
            let today = london_date(w.now);
            if !f.case.children_known.is_empty()
                && social_care_told(&judgement.agencies_notified, today).is_none()
            {
                return Err(ApiError::field(
                    "agenciesNotified",
                    "childrens_social_care_required",
                    format!(
                        "children or a pregnancy are known ({}): agenciesNotified must include an entry with agency CHILDRENS_SOCIAL_CARE and notifiedOn, the date children's social care was told of the ending (not in the future), and its reference if it gave one",
                        f.case.children_known.join("; ")
                    ),
                ));
            }
            let reasons = sign_off_reasons(
                &f,
                judgement.risk_of_reoffending,
                judgement.risk_of_serious_harm,
            );
            rows::save(
                w.conn,
                &ReviewRow {
                    order_id: order.id.clone(),
                    completed_at: w.now.naive_utc(),
                    completed_by: w.me.sub().to_string(),
                    risk_of_reoffending_change: wire_name(&judgement.risk_of_reoffending)?,
                    risk_of_serious_harm_change: wire_name(&judgement.risk_of_serious_harm)?,
                    evidence: judgement.evidence.trim().to_string(),
                    agencies_notified: to_json(&judgement.agencies_notified)?,
                    sign_off_required: !reasons.is_empty(),
                    sign_off_reasons: to_json(&reasons)?,
                    signed_off_at: None,
                    signed_off_by: None,
                    terminated_at: None,
                    termination_reason: None,
                    termination_date: None,
                },
            )?;
            let event = review_event(
                order,
                DomainEvent::TerminationReviewCompleted(ReviewCompleted {
                    risk_of_reoffending_change: judgement.risk_of_reoffending,
                    risk_of_serious_harm_change: judgement.risk_of_serious_harm,
                    sign_off_required: !reasons.is_empty(),
                }),
                "Termination review completed".into(),
            );
            Ok((event, ()))
        },
    )?;
    ReviewRecord::read(w.conn, order, w.now)
}

/// A manager who did not complete the review signs it off (`403` for the completer).
pub fn sign_off(w: &mut Work, id: OrderId) -> Result<ReviewRecord, ApiError> {
    let (order, ()) = change(
        w,
        id,
        OrgKind::Probation,
        &unconditional::<OrderRow>,
        |w, order| {
            let record = ReviewRecord::read(w.conn, order.clone(), w.now)?;
            let current = record.review().status;
            if !matches!(
                current,
                ReviewStatus::AwaitingSignOff | ReviewStatus::Complete
            ) {
                return Err(ApiError::invalid_state(
                    "only a completed review can be signed off",
                    wire_name(&current)?,
                ));
            }
            let mut row = record
                .row
                .ok_or_else(|| ApiError::internal("completed review without a row"))?;
            if row.completed_by == w.me.sub() {
                return Err(ApiError::Forbidden(
                    "the manager who signs off the review cannot be the person who completed it"
                        .into(),
                ));
            }
            row.signed_off_at = Some(w.now.naive_utc());
            row.signed_off_by = Some(w.me.sub().to_string());
            rows::save(w.conn, &row)?;
            let event = review_event(
                order,
                DomainEvent::TerminationReviewSignedOff(ReviewSignedOff {
                    signed_off_by: w.me.sub().to_string(),
                }),
                "Termination review signed off by a manager".into(),
            );
            Ok((event, ()))
        },
    )?;
    ReviewRecord::read(w.conn, order, w.now)
}

/// `409` listing everything that stops the order being terminated, unless the review is complete.
fn refuse_unless_complete(order: &OrderRow, review: &Review) -> Result<(), ApiError> {
    if review.status == ReviewStatus::Complete {
        return Ok(());
    }
    let mut items: Vec<BlockingItem> = review
        .items
        .iter()
        .filter(|i| i.state == ItemState::Outstanding)
        .map(blocking)
        .collect::<Result<_, _>>()?;
    let link = Some(format!("/api/v1/orders/{}/termination-review", order.id));
    items.push(match review.status {
        ReviewStatus::AwaitingSignOff => BlockingItem {
            kind: "SIGN_OFF".into(),
            description: format!(
                "A manager must sign off: {}",
                review.sign_off_reasons.join("; ")
            ),
            link,
        },
        _ => BlockingItem {
            kind: "REVIEW_NOT_COMPLETE".into(),
            description: "The termination review has not been completed since the last change"
                .into(),
            link,
        },
    });
    Err(ApiError::Conflict {
        detail: format!(
            "the order cannot be terminated: {} item(s) block it",
            items.len()
        ),
        current_state: Some(wire_name(&review.status)?),
        blocking_items: items,
    })
}

/// Withdraws the order's live and draft referrals because the order ended.
fn withdraw_referrals(w: &mut Work, order: &OrderRow, reason: &str) -> Result<(), ApiError> {
    let now = w.now.naive_utc();
    for mut r in referrals::for_order(w.conn, &order.id)? {
        if r.status.is_live() || r.status == ReferralStatus::Draft {
            apply(&mut r, Action::Withdraw)?;
            r.withdrawal_code = Some("ORDER_REVOKED_OR_ENDED".into());
            r.withdrawal_note = Some(format!("Order terminated: {reason}"));
            r.updated_at = now;
            referrals::save(w.conn, &r)?;
            emit(
                w,
                &r,
                DomainEvent::ReferralWithdrawn,
                "Referral withdrawn: the order was terminated".into(),
                ReferralWithdrawn {
                    code: Some("ORDER_REVOKED_OR_ENDED".into()),
                },
            );
        }
    }
    Ok(())
}

/// Terminates the order once its review is complete (and signed off where needed): withdraws its
/// live referrals, records the termination on the review, and hands the review's outcome on in
/// `rarlink.order.terminated`.
pub fn terminate(
    w: &mut Work,
    id: OrderId,
    termination: Termination,
) -> Result<ReviewRecord, ApiError> {
    let (order, ()) = change(
        w,
        id,
        OrgKind::Probation,
        &unconditional::<OrderRow>,
        |w, order| {
            refuse_terminated(order, "the order is already terminated")?;
            let today = london_date(w.now);
            if termination.date < order.start_date || termination.date > today {
                return Err(ApiError::field(
                    "terminationDate",
                    "out_of_range",
                    format!(
                        "terminationDate must be between the order's start ({}) and today",
                        order.start_date
                    ),
                ));
            }
            let record = ReviewRecord::read(w.conn, order.clone(), w.now)?;
            let review = record.review();
            refuse_unless_complete(order, &review)?;
            let reason = termination.reason.trim();
            withdraw_referrals(w, order, reason)?;
            let now = w.now.naive_utc();
            order.status = OrderStatus::Terminated;
            order.terminated_at = Some(now);
            let mut row = record
                .row
                .ok_or_else(|| ApiError::internal("complete review without a row"))?;
            row.terminated_at = Some(now);
            row.termination_reason = Some(reason.to_string());
            row.termination_date = Some(termination.date);
            rows::save(w.conn, &row)?;
            let agencies = agencies_notified(&row.agencies_notified)?;
            let completion = record.facts.completion.as_ref();
            let event = Event {
                payload: DomainEvent::OrderTerminated(OrderTerminated {
                    order_id: order.id.clone(),
                    reason: reason.to_string(),
                    termination_date: termination.date,
                    risk_of_reoffending_change: completion.map(|c| c.risk_of_reoffending),
                    risk_of_serious_harm_change: completion.map(|c| c.risk_of_serious_harm),
                    evidence: row.evidence.clone(),
                    agencies_notified: agencies,
                    sign_off_reasons: review.sign_off_reasons.clone(),
                    signed_off_by: row.signed_off_by.clone(),
                }),
                description: format!("Order terminated: {reason}"),
                detail_path: format!("/api/v1/orders/{}/termination-review", order.id),
                crn: Some(order.crn.clone()),
                org: order.managing_org.clone(),
                provider_org: None,
            };
            Ok((event, ()))
        },
    )?;
    ReviewRecord::read(w.conn, order, w.now)
}

/// Raises "start the termination review" for active orders whose end date is within the
/// configured number of working days, once per order. Safe with several instances: the open
/// prompt's unique key lets only one insert win, and each order is its own transaction.
pub fn raise_due_review_prompts(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
) -> Result<usize, ApiError> {
    let horizon = add_working_days(london_date(now), rules.review_lead_days, &rules.calendar);
    let due: Vec<OrderRow> = orders::ending_by(conn, horizon)?;
    let mut raised = 0;
    for order in due {
        let key = format!("{REVIEW_DUE_RULE}|{}|{}", order.crn, order.id);
        if prompt_rows::any_with_key(conn, &key)? {
            continue;
        }
        let outcome = write_transaction(conn, |conn| {
            let row = PromptRow {
                id: uuid::Uuid::now_v7().to_string(),
                crn: order.crn.clone(),
                probation_org: order.managing_org.clone(),
                org: order.managing_org.clone(),
                order_id: Some(order.id.clone()),
                referral_id: None,
                rule: REVIEW_DUE_RULE,
                title: "Start the termination review".into(),
                action: "Triangulate with every provider and agency involved, consider every disclosure and prompt, review the household, and complete the termination review before the order ends.".into(),
                rationale: format!("The order ends on {}; the review must show that everything providers reported was considered.", order.end_date),
                guidance: to_json(&vec![CASE_REVIEW])?,
                triggered_by_kind: TriggerKind::Order,
                triggered_by_id: order.id.clone(),
                assignee_role: AssigneeRole::ResponsibleOfficer,
                assignee: Some(order.responsible_officer.clone()),
                mandatory: true,
                dedup_key: key.clone(),
                status: PromptStatus::Open,
                raised_at: now.naive_utc(),
                due_at: end_of_day(order.end_date, &rules.hours).max(now).naive_utc(),
                escalated_at: None,
                outcome: None,
                resolution_note: None,
                external_reference: None,
                resolved_at: None,
                resolved_by: None,
                resolved_by_role: None,
                reporting_org: None,
            };
            prompt_rows::insert(conn, &row)?;
            let e = prompt_event(
                &row,
                DomainEvent::SafeguardingPromptRaised,
                format!("Prompt raised: {}", row.title),
            );
            super::notifications::insert_events(conn, &[e.into_row(now, Actor::System)?])?;
            Ok::<_, ApiError>(())
        });
        match outcome {
            Ok(()) => raised += 1,
            // Another instance raised it first.
            Err(ApiError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(raised)
}
