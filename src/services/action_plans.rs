//! Action plans: the provider drafts a version and submits it; the officer approves it (the
//! earlier approved version is superseded) or asks for changes; every version is kept. Booking
//! more delivery sessions than the current approved plan allows is refused.

use super::access;
use super::change::{change, unconditional, CaseResource};
use super::referrals::{self, content};
use crate::db::action_plans::{self as rows, ActionPlanRow};
use crate::db::appointments;
use crate::db::referrals::ReferralRow;
use crate::db::to_json;
use crate::domain::action_plan::{
    transition, ChangeRequest, NewActionPlan, PlanAction, PlanStatus,
};
use crate::domain::appointment::{AppointmentKind, AppointmentStatus};
use crate::domain::events::{ActionPlanFacts, DomainEvent, OnReferral};
use crate::domain::ids::{ActionPlanId, ReferralId};
use crate::domain::validate::Errors;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::work::{Event, Work};

/// A plan is found through its referral, which the caller must be able to see.
impl CaseResource for ActionPlanRow {
    type Id = (ReferralId, ActionPlanId);

    fn load(w: &mut Work, (referral, plan): Self::Id) -> Result<Self, ApiError> {
        let referral = access::referral(w, referral)?;
        rows::find_on_referral(w.conn, &referral.id, &plan.to_string())?
            .ok_or_else(|| ApiError::not_found("action plan"))
    }

    fn save(&self, w: &mut Work) -> Result<(), ApiError> {
        Ok(rows::save(w.conn, self)?)
    }

    fn wrong_side(_: OrgKind) -> ApiError {
        ApiError::not_found("action plan")
    }
}

/// The provider drafts a new version of the plan on an accepted referral that has not ended.
/// While a version is a draft or waits for a decision, no other is started (`409`).
pub fn create(
    w: &mut Work,
    referral_id: ReferralId,
    body: NewActionPlan,
) -> Result<ActionPlanRow, ApiError> {
    let referral = access::referral(w, referral_id)?;
    if !w.me.is_provider() {
        return Err(ApiError::not_found("referral"));
    }
    if !referral.status.is_active() {
        return Err(ApiError::invalid_state(
            "action plans are written for an accepted referral that has not ended",
            referral.status.as_str(),
        ));
    }
    body.validate(&content(&referral)?)?;
    let versions = rows::for_referral(w.conn, &referral.id)?;
    if let Some(open) = versions
        .iter()
        .find(|p| matches!(p.status, PlanStatus::Draft | PlanStatus::Submitted))
    {
        return Err(ApiError::invalid_state(
            format!(
                "version {} of the action plan is still {}; submit it or wait for the decision",
                open.version,
                open.status.as_str()
            ),
            open.status.as_str(),
        ));
    }
    let row = ActionPlanRow {
        id: ActionPlanId::new().to_string(),
        referral_id: referral.id.clone(),
        crn: referral.crn.clone(),
        version: versions.first().map_or(1, |p| p.version + 1),
        status: PlanStatus::Draft,
        activities: to_json(&body.activities)?,
        number_of_sessions: body.number_of_sessions as i32,
        created_at: w.now.naive_utc(),
        created_by: w.me.caller.sub.clone(),
        submitted_at: None,
        submitted_by: None,
        decided_at: None,
        decided_by: None,
        change_request_note: None,
    };
    rows::insert(w.conn, &row)?;
    Ok(row)
}

/// Moves `plan` by `action`, or `409` naming its status.
fn step(plan: &mut ActionPlanRow, action: PlanAction) -> Result<(), ApiError> {
    let to = transition(plan.status, action).ok_or_else(|| {
        ApiError::invalid_state(
            format!(
                "an action plan that is {} cannot be {}",
                plan.status.as_str(),
                match action {
                    PlanAction::Submit => "submitted",
                    PlanAction::Approve => "approved (only a submitted plan is)",
                    PlanAction::RequestChanges => "sent back (only a submitted plan is)",
                    PlanAction::Supersede => "superseded",
                }
            ),
            plan.status.as_str(),
        )
    })?;
    plan.status = to;
    Ok(())
}

/// The event about `plan` on its referral, told to both sides.
fn plan_event(
    w: &mut Work,
    plan: &ActionPlanRow,
    make: impl FnOnce(OnReferral<ActionPlanFacts>) -> DomainEvent,
    description: String,
) -> Result<Event, ApiError> {
    let referral: ReferralRow = access::referral_in_case(w, &plan.referral_id)?;
    let mut event = referrals::event(
        &referral,
        make,
        description,
        ActionPlanFacts {
            action_plan_id: plan.id.clone(),
            version: plan.version,
            number_of_sessions: plan.number_of_sessions,
        },
    );
    event.detail_path = format!("/api/v1/referrals/{}/action-plans", plan.referral_id);
    Ok(event)
}

/// The provider submits a draft for the officer's decision.
pub fn submit(w: &mut Work, id: (ReferralId, ActionPlanId)) -> Result<ActionPlanRow, ApiError> {
    let (plan, ()) = change(w, id, OrgKind::Provider, &unconditional, |w, plan| {
        step(plan, PlanAction::Submit)?;
        plan.submitted_at = Some(w.now.naive_utc());
        plan.submitted_by = Some(w.me.caller.sub.clone());
        let description = format!("Action plan version {} submitted", plan.version);
        Ok((
            plan_event(w, plan, DomainEvent::ActionPlanSubmitted, description)?,
            (),
        ))
    })?;
    Ok(plan)
}

/// The officer approves a submitted plan; the approved version before it is superseded, so
/// only one approved plan is current.
pub fn approve(w: &mut Work, id: (ReferralId, ActionPlanId)) -> Result<ActionPlanRow, ApiError> {
    let (plan, ()) = change(w, id, OrgKind::Probation, &unconditional, |w, plan| {
        step(plan, PlanAction::Approve)?;
        for mut earlier in rows::with_status(w.conn, &plan.referral_id, PlanStatus::Approved)? {
            step(&mut earlier, PlanAction::Supersede)?;
            rows::save(w.conn, &earlier)?;
        }
        plan.decided_at = Some(w.now.naive_utc());
        plan.decided_by = Some(w.me.caller.sub.clone());
        let description = format!("Action plan version {} approved", plan.version);
        Ok((
            plan_event(w, plan, DomainEvent::ActionPlanApproved, description)?,
            (),
        ))
    })?;
    Ok(plan)
}

/// The officer sends a submitted plan back with a note; the provider writes a new version.
pub fn request_changes(
    w: &mut Work,
    id: (ReferralId, ActionPlanId),
    body: ChangeRequest,
) -> Result<ActionPlanRow, ApiError> {
    let mut e = Errors::default();
    e.text("note", &body.note, 4000);
    e.into_result()?;
    let (plan, ()) = change(w, id, OrgKind::Probation, &unconditional, |w, plan| {
        step(plan, PlanAction::RequestChanges)?;
        plan.decided_at = Some(w.now.naive_utc());
        plan.decided_by = Some(w.me.caller.sub.clone());
        plan.change_request_note = Some(body.note.trim().to_string());
        let description = format!("Changes requested to action plan version {}", plan.version);
        Ok((
            plan_event(
                w,
                plan,
                DomainEvent::ActionPlanChangesRequested,
                description,
            )?,
            (),
        ))
    })?;
    Ok(plan)
}

/// Every version of a referral's plan, newest first (a referral has a handful).
pub fn versions(w: &mut Work, referral_id: ReferralId) -> Result<Vec<ActionPlanRow>, ApiError> {
    let referral = access::referral(w, referral_id)?;
    Ok(rows::for_referral(w.conn, &referral.id)?)
}

/// Before a delivery session is booked: with a current approved plan, the referral's booked
/// (not cancelled) delivery sessions may not exceed the sessions it allows (`409`). With no
/// approved plan nothing is limited.
pub fn check_room_for_session(
    w: &mut Work,
    referral: &ReferralRow,
    kind: AppointmentKind,
) -> Result<(), ApiError> {
    if kind != AppointmentKind::Delivery {
        return Ok(());
    }
    let Some(plan) = rows::with_status(w.conn, &referral.id, PlanStatus::Approved)?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let booked = appointments::for_referral(w.conn, &referral.id)?
        .into_iter()
        .filter(|a| a.kind == AppointmentKind::Delivery && a.status != AppointmentStatus::Cancelled)
        .count();
    if booked as i64 >= i64::from(plan.number_of_sessions) {
        return Err(ApiError::conflict(format!(
            "the approved action plan (version {}) allows {} delivery sessions and {booked} are booked; get a new version approved to book more",
            plan.version, plan.number_of_sessions
        )));
    }
    Ok(())
}
