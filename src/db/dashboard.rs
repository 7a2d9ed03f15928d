//! What a team dashboard is read from: for each section a count and the first rows of a capped
//! list, over one organisation's side (the probation organisation's cases, or a provider's
//! referrals). A fixed number of queries whatever the team's size.

use super::schema::safeguarding_prompt_referrals as spr;
use super::schema::safeguarding_prompts as sp;
use super::schema::{appointments, orders, referrals, termination_reviews};
use super::DbConnection;
use crate::domain::appointment::AppointmentStatus;
use crate::domain::order::OrderStatus;
use crate::domain::prompt::{AssigneeRole, PromptStatus};
use crate::domain::referral::ReferralStatus;
use crate::domain::rule_id::RuleId;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

/// Whose dashboard: a probation organisation's cases or a provider's referrals.
#[derive(Debug, Clone, Copy)]
pub enum Side<'a> {
    Probation(&'a str),
    Provider(&'a str),
}

/// Which safeguarding actions a list or count covers.
#[derive(Debug, Clone, Copy)]
pub enum ActionWindow {
    /// `OPEN` past due at `now`, or `AWAITING_RESPONSE` past the agency's follow-up date.
    Overdue { now: NaiveDateTime },
    /// `OPEN`, due from `now` up to `until`.
    DueSoon {
        now: NaiveDateTime,
        until: NaiveDateTime,
    },
    /// `PENDING_APPROVAL`: a "not required" proposed, waiting for a manager.
    PendingApproval,
}

macro_rules! action_filter {
    ($q:expr, $org:expr, $window:expr) => {{
        let q = $q.filter(sp::org.eq($org.to_string()));
        match $window {
            ActionWindow::Overdue { now } => q.filter(
                sp::status
                    .eq(PromptStatus::Open)
                    .and(sp::due_at.lt(now))
                    .or(sp::status.eq(PromptStatus::AwaitingResponse).and(
                        sp::id.eq_any(
                            spr::table
                                .filter(spr::decision.is_null())
                                .filter(spr::follow_up_due_at.lt(now))
                                .select(spr::prompt_id),
                        ),
                    )),
            ),
            ActionWindow::DueSoon { now, until } => q
                .filter(sp::status.eq(PromptStatus::Open))
                .filter(sp::due_at.ge(now))
                .filter(sp::due_at.lt(until)),
            ActionWindow::PendingApproval => q.filter(sp::status.eq(PromptStatus::PendingApproval)),
        }
    }};
}

/// How many actions in the window each assignee has: `(assignee, role, count)`, where an
/// action not named to anyone counts under its role.
pub fn action_counts(
    conn: &mut DbConnection,
    org: &str,
    window: ActionWindow,
) -> QueryResult<Vec<(Option<String>, AssigneeRole, i64)>> {
    let mine = sp::table.filter(sp::org.eq(org.to_string()));
    let group = (sp::assignee, sp::assignee_role);
    let select = (sp::assignee, sp::assignee_role, count_star());
    match window {
        ActionWindow::Overdue { now } => mine
            .filter(
                sp::status
                    .eq(PromptStatus::Open)
                    .and(sp::due_at.lt(now))
                    .or(sp::status.eq(PromptStatus::AwaitingResponse).and(
                        sp::id.eq_any(
                            spr::table
                                .filter(spr::decision.is_null())
                                .filter(spr::follow_up_due_at.lt(now))
                                .select(spr::prompt_id),
                        ),
                    )),
            )
            .group_by(group)
            .select(select)
            .load(conn),
        ActionWindow::DueSoon { now, until } => mine
            .filter(sp::status.eq(PromptStatus::Open))
            .filter(sp::due_at.ge(now))
            .filter(sp::due_at.lt(until))
            .group_by(group)
            .select(select)
            .load(conn),
        ActionWindow::PendingApproval => mine
            .filter(sp::status.eq(PromptStatus::PendingApproval))
            .group_by(group)
            .select(select)
            .load(conn),
    }
}

/// An action on a dashboard list.
#[derive(Debug, Clone, Queryable)]
pub struct ActionItem {
    pub id: String,
    pub crn: String,
    pub rule: RuleId,
    pub title: String,
    pub status: PromptStatus,
    pub assignee_role: AssigneeRole,
    pub assignee: Option<String>,
    pub due_at: NaiveDateTime,
}

/// The first `limit` actions in the window addressed to `org`, soonest due first.
pub fn action_list(
    conn: &mut DbConnection,
    org: &str,
    window: ActionWindow,
    limit: i64,
) -> QueryResult<Vec<ActionItem>> {
    let q = sp::table.into_boxed();
    action_filter!(q, org, window)
        .order((sp::due_at.asc(), sp::id.asc()))
        .limit(limit)
        .select((
            sp::id,
            sp::crn,
            sp::rule,
            sp::title,
            sp::status,
            sp::assignee_role,
            sp::assignee,
            sp::due_at,
        ))
        .load(conn)
}

/// A completed termination review waiting for a manager's sign-off.
#[derive(Debug, Clone, Queryable)]
pub struct SignOffItem {
    pub order_id: String,
    pub completed_at: NaiveDateTime,
    pub completed_by: String,
}

/// Reviews of `org`'s orders completed, needing sign-off, not signed off nor terminated: the
/// count and the oldest `limit`.
pub fn awaiting_sign_off(
    conn: &mut DbConnection,
    org: &str,
    limit: i64,
) -> QueryResult<(i64, Vec<SignOffItem>)> {
    let q = || {
        termination_reviews::table
            .filter(termination_reviews::sign_off_required.eq(true))
            .filter(termination_reviews::signed_off_at.is_null())
            .filter(termination_reviews::terminated_at.is_null())
            .filter(
                termination_reviews::order_id.eq_any(
                    orders::table
                        .filter(orders::managing_org.eq(org.to_string()))
                        .select(orders::id),
                ),
            )
    };
    let count = q().count().get_result(conn)?;
    let items = q()
        .order((
            termination_reviews::completed_at.asc(),
            termination_reviews::order_id.asc(),
        ))
        .limit(limit)
        .select((
            termination_reviews::order_id,
            termination_reviews::completed_at,
            termination_reviews::completed_by,
        ))
        .load(conn)?;
    Ok((count, items))
}

/// A referral sent and not yet accepted or declined.
#[derive(Debug, Clone, Queryable)]
pub struct UnacceptedItem {
    pub id: String,
    pub crn: String,
    pub probation_org: String,
    pub provider_org: String,
    pub sent_at: Option<NaiveDateTime>,
    pub sent_by: Option<String>,
}

/// Referrals of the side in `SENT`: the count and the longest waiting `limit`.
pub fn not_accepted(
    conn: &mut DbConnection,
    side: Side,
    limit: i64,
) -> QueryResult<(i64, Vec<UnacceptedItem>)> {
    let q = || {
        let q = referrals::table
            .filter(referrals::status.eq(ReferralStatus::Sent))
            .into_boxed();
        match side {
            Side::Probation(org) => q.filter(referrals::probation_org.eq(org.to_string())),
            Side::Provider(org) => q.filter(referrals::provider_org.eq(org.to_string())),
        }
    };
    let count = q().count().get_result(conn)?;
    let items = q()
        .order((referrals::sent_at.asc(), referrals::id.asc()))
        .limit(limit)
        .select((
            referrals::id,
            referrals::crn,
            referrals::probation_org,
            referrals::provider_org,
            referrals::sent_at,
            referrals::sent_by,
        ))
        .load(conn)?;
    Ok((count, items))
}

/// A session that has started with no attendance recorded.
#[derive(Debug, Clone, Queryable)]
pub struct UnrecordedItem {
    pub id: String,
    pub referral_id: String,
    pub crn: String,
    pub provider_org: String,
    pub starts_at: NaiveDateTime,
    pub created_by: String,
}

/// Sessions of the side, not cancelled, started before `now` with no attendance recorded: the
/// count and the oldest `limit`.
pub fn without_attendance(
    conn: &mut DbConnection,
    side: Side,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<(i64, Vec<UnrecordedItem>)> {
    let q = || {
        let q = appointments::table
            .filter(appointments::attended.is_null())
            .filter(appointments::starts_at.lt(now))
            .filter(appointments::status.eq(AppointmentStatus::Scheduled))
            .into_boxed();
        match side {
            Side::Probation(org) => q.filter(appointments::probation_org.eq(org.to_string())),
            Side::Provider(org) => q.filter(appointments::provider_org.eq(org.to_string())),
        }
    };
    let count = q().count().get_result(conn)?;
    let items = q()
        .order((appointments::starts_at.asc(), appointments::id.asc()))
        .limit(limit)
        .select((
            appointments::id,
            appointments::referral_id,
            appointments::crn,
            appointments::provider_org,
            appointments::starts_at,
            appointments::created_by,
        ))
        .load(conn)?;
    Ok((count, items))
}

/// An active order ending soon.
#[derive(Debug, Clone, Queryable)]
pub struct EndingItem {
    pub id: String,
    pub crn: String,
    pub end_date: NaiveDate,
    pub responsible_officer: String,
}

/// `org`'s active orders ending from `from` to `to` (inclusive): the count and the first `limit`
/// to end.
pub fn orders_ending(
    conn: &mut DbConnection,
    org: &str,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<(i64, Vec<EndingItem>)> {
    let q = || {
        orders::table
            .filter(orders::managing_org.eq(org.to_string()))
            .filter(orders::status.eq(OrderStatus::Active))
            .filter(orders::end_date.ge(from))
            .filter(orders::end_date.le(to))
    };
    let count = q().count().get_result(conn)?;
    let items = q()
        .order((orders::end_date.asc(), orders::id.asc()))
        .limit(limit)
        .select((
            orders::id,
            orders::crn,
            orders::end_date,
            orders::responsible_officer,
        ))
        .load(conn)?;
    Ok((count, items))
}
