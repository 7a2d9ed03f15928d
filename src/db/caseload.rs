//! What an officer's caseload is read from: the active orders they are responsible for, the
//! people on them, the live safeguarding actions on those people, and, for one page, the
//! referrals, sessions and termination reviews. Each query takes a whole set of ids (never one
//! query per person).

use super::schema::safeguarding_prompt_referrals as spr;
use super::schema::safeguarding_prompts as sp;
use super::schema::{appointments, orders, people, referrals, termination_reviews};
use super::DbConnection;
use crate::domain::appointment::{AppointmentKind, AppointmentStatus, Attended};
use crate::domain::order::{OrderStatus, OrderType};
use crate::domain::prompt::PromptStatus;
use crate::domain::referral::ReferralStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// An active order on an officer's caseload, with the person's name.
#[derive(Debug, Clone)]
pub struct CaseloadOrder {
    pub order_id: String,
    pub crn: String,
    pub order_type: OrderType,
    pub end_date: NaiveDate,
    pub rar_max_days: i32,
    pub first_name: String,
    pub last_name: String,
}

/// The active orders of `org` whose responsible officer is `officer`, with the person's name.
pub fn officer_orders(
    conn: &mut DbConnection,
    org: &str,
    officer: &str,
) -> QueryResult<Vec<CaseloadOrder>> {
    let rows: Vec<(String, String, OrderType, NaiveDate, i32)> = orders::table
        .filter(orders::managing_org.eq(org))
        .filter(orders::responsible_officer.eq(officer))
        .filter(orders::status.eq(OrderStatus::Active))
        .select((
            orders::id,
            orders::crn,
            orders::order_type,
            orders::end_date,
            orders::rar_max_days,
        ))
        .load(conn)?;
    let crns: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let names: std::collections::HashMap<String, (String, String)> = people::table
        .filter(people::crn.eq_any(&crns))
        .filter(people::managing_org.eq(org))
        .select((people::crn, people::first_name, people::last_name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(crn, first, last)| (crn, (first, last)))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(order_id, crn, order_type, end_date, rar_max_days)| {
            let (first_name, last_name) = names.get(&crn)?.clone();
            Some(CaseloadOrder {
                order_id,
                crn,
                order_type,
                end_date,
                rar_max_days,
                first_name,
                last_name,
            })
        })
        .collect())
}

/// A safeguarding action not yet resolved, with whether it is overdue at the time asked.
#[derive(Debug, Clone)]
pub struct LiveAction {
    pub id: String,
    pub crn: String,
    pub status: PromptStatus,
    pub due_at: NaiveDateTime,
    pub overdue: bool,
}

/// The unresolved safeguarding actions on these people raised for `probation_org`'s cases and
/// addressed to `org`. Overdue: `OPEN` past its due time, or `AWAITING_RESPONSE` with the
/// agency's decision past its follow-up date (as `GET /safeguarding-prompts?overdue=true`).
pub fn live_actions(
    conn: &mut DbConnection,
    org: &str,
    crns: &[&str],
    now: NaiveDateTime,
) -> QueryResult<Vec<LiveAction>> {
    if crns.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, PromptStatus, NaiveDateTime)> = sp::table
        .filter(sp::crn.eq_any(crns))
        .filter(sp::org.eq(org))
        .filter(sp::status.ne(PromptStatus::Resolved))
        .select((sp::id, sp::crn, sp::status, sp::due_at))
        .load(conn)?;
    let awaiting: Vec<&str> = rows
        .iter()
        .filter(|r| r.2 == PromptStatus::AwaitingResponse)
        .map(|r| r.0.as_str())
        .collect();
    let late_follow_ups: std::collections::HashSet<String> = if awaiting.is_empty() {
        Default::default()
    } else {
        spr::table
            .filter(spr::prompt_id.eq_any(&awaiting))
            .filter(spr::decision.is_null())
            .filter(spr::follow_up_due_at.lt(now))
            .select(spr::prompt_id)
            .load::<String>(conn)?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(id, crn, status, due_at)| {
            let overdue = match status {
                PromptStatus::Open => due_at < now,
                PromptStatus::AwaitingResponse => late_follow_ups.contains(&id),
                _ => false,
            };
            LiveAction {
                id,
                crn,
                status,
                due_at,
                overdue,
            }
        })
        .collect())
}

/// A referral under one of a page's orders.
#[derive(Debug, Clone, Queryable)]
pub struct CaseloadReferral {
    pub id: String,
    pub order_id: String,
    pub provider_org: String,
    pub status: ReferralStatus,
    pub rar_days: Option<i32>,
}

/// The referrals under these orders that are not drafts.
pub fn referrals_of(
    conn: &mut DbConnection,
    order_ids: &[&str],
) -> QueryResult<Vec<CaseloadReferral>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    referrals::table
        .filter(referrals::order_id.eq_any(order_ids))
        .filter(referrals::status.ne(ReferralStatus::Draft))
        .select((
            referrals::id,
            referrals::order_id,
            referrals::provider_org,
            referrals::status,
            referrals::rar_days,
        ))
        .order(referrals::id.asc())
        .load(conn)
}

/// A session that still stands, under one of a page's referrals.
#[derive(Debug, Clone, Queryable)]
pub struct CaseloadSession {
    pub referral_id: String,
    pub kind: AppointmentKind,
    pub starts_at: NaiveDateTime,
    pub attended: Option<Attended>,
}

/// The sessions (not cancelled) of these referrals.
pub fn sessions_of(
    conn: &mut DbConnection,
    referral_ids: &[&str],
) -> QueryResult<Vec<CaseloadSession>> {
    if referral_ids.is_empty() {
        return Ok(Vec::new());
    }
    appointments::table
        .filter(appointments::referral_id.eq_any(referral_ids))
        .filter(appointments::status.ne(AppointmentStatus::Cancelled))
        .select((
            appointments::referral_id,
            appointments::kind,
            appointments::starts_at,
            appointments::attended,
        ))
        .load(conn)
}

/// A stored termination review: when it was completed, whether it waits for sign-off, whether
/// the order was terminated.
#[derive(Debug, Clone, Queryable)]
pub struct ReviewState {
    pub order_id: String,
    pub sign_off_required: bool,
    pub signed_off_at: Option<NaiveDateTime>,
    pub terminated_at: Option<NaiveDateTime>,
}

/// The stored termination reviews of these orders.
pub fn reviews_of(conn: &mut DbConnection, order_ids: &[&str]) -> QueryResult<Vec<ReviewState>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    termination_reviews::table
        .filter(termination_reviews::order_id.eq_any(order_ids))
        .select((
            termination_reviews::order_id,
            termination_reviews::sign_off_required,
            termination_reviews::signed_off_at,
            termination_reviews::terminated_at,
        ))
        .load(conn)
}
