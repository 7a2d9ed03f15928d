//! An officer's caseload: their active orders, most urgent first, with what each needs. The
//! whole caseload is ranked from two queries (orders with names, live actions); only the page
//! returned loads its referrals, sessions and reviews, each in one query for the page.

use crate::auth::Role;
use crate::db::caseload::{
    self as rows, CaseloadOrder, CaseloadReferral, CaseloadSession, LiveAction, ReviewState,
};
use crate::error::{ApiError, FieldError};
use crate::rules::working_days::{add_working_days, london_date};
use crate::work::Work;
use chrono::{NaiveDateTime, NaiveTime};
use std::collections::HashMap;

/// Working days ahead within which an order's end makes it urgent (its review is due).
pub const ENDING_WITHIN_WORKING_DAYS: u32 = 20;

/// How urgent a case is, most urgent first. Within a level, cases are ordered by their
/// [`CaseloadRecord::urgent_at`], then by order id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// At least one safeguarding action is overdue; the most overdue first.
    Overdue = 0,
    /// At least one safeguarding action is open (none overdue); the soonest due first.
    ActionDue = 1,
    /// The order ends within 20 working days (its termination review is due); soonest first.
    Ending = 2,
    /// Nothing waiting; the order ending soonest first.
    Routine = 3,
}

impl Urgency {
    pub fn rank(self) -> u8 {
        self as u8
    }
}

/// One case on the caseload with everything its entry shows.
pub struct CaseloadRecord {
    pub order: CaseloadOrder,
    pub urgency: Urgency,
    /// The instant ordering cases within an urgency level: the earliest due action for
    /// `Overdue` and `ActionDue`, the order's end date (midnight) otherwise.
    pub urgent_at: NaiveDateTime,
    pub actions: Vec<LiveAction>,
    pub referrals: Vec<CaseloadReferral>,
    pub sessions: Vec<CaseloadSession>,
    pub review: Option<ReviewState>,
}

impl CaseloadRecord {
    /// The ordering key, also the page cursor: `rank|time|order id` (compares as text).
    pub fn sort_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.urgency.rank(),
            self.urgent_at.format("%Y-%m-%dT%H:%M:%S%.9f"),
            self.order.order_id
        )
    }
}

/// A page of the caseload and whether more follow.
pub struct CaseloadPage {
    pub officer: String,
    pub records: Vec<CaseloadRecord>,
    pub more: bool,
}

/// Whether a cursor has the shape of a [`CaseloadRecord::sort_key`].
pub fn valid_cursor(key: &str) -> bool {
    let mut parts = key.splitn(3, '|');
    let rank = parts.next().and_then(|r| r.parse::<u8>().ok());
    let time = parts
        .next()
        .and_then(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok());
    matches!(rank, Some(0..=3)) && time.is_some() && parts.next().is_some()
}

/// The caseload of `officer` (the caller when `None`; another officer only for a probation
/// manager), the `limit` most urgent cases after the cursor `after`.
pub fn caseload(
    w: &mut Work,
    officer: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<CaseloadPage, ApiError> {
    let officer = match officer {
        Some(o) if o != w.me.sub() => {
            if !w.me.has(Role::ProbationManager) {
                return Err(ApiError::Forbidden(
                    "only a probation manager reads another officer's caseload".into(),
                ));
            }
            o
        }
        _ => w.me.sub().to_string(),
    };
    if let Some(a) = &after {
        if !valid_cursor(a) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )]));
        }
    }
    let org = w.me.org().to_string();
    let now = w.now.naive_utc();
    let today = london_date(w.now);
    let ending_by = add_working_days(today, ENDING_WITHIN_WORKING_DAYS, &w.rules.calendar);
    let orders = rows::officer_orders(w.conn, &org, &officer)?;
    let crns: Vec<&str> = orders.iter().map(|o| o.crn.as_str()).collect();
    let mut actions: HashMap<String, Vec<LiveAction>> = HashMap::new();
    for a in rows::live_actions(w.conn, &org, &crns, now)? {
        actions.entry(a.crn.clone()).or_default().push(a);
    }
    let mut records: Vec<CaseloadRecord> = orders
        .into_iter()
        .map(|order| {
            let mine = actions.get(&order.crn).cloned().unwrap_or_default();
            let end = order.end_date.and_time(NaiveTime::MIN);
            let earliest = mine.iter().map(|a| a.due_at).min();
            let (urgency, urgent_at) = if mine.iter().any(|a| a.overdue) {
                (Urgency::Overdue, earliest.unwrap_or(end))
            } else if let Some(due) = earliest {
                (Urgency::ActionDue, due)
            } else if order.end_date <= ending_by {
                (Urgency::Ending, end)
            } else {
                (Urgency::Routine, end)
            };
            CaseloadRecord {
                order,
                urgency,
                urgent_at,
                actions: mine,
                referrals: Vec::new(),
                sessions: Vec::new(),
                review: None,
            }
        })
        .collect();
    records.sort_by_cached_key(|r| r.sort_key());
    if let Some(a) = &after {
        records.retain(|r| r.sort_key().as_str() > a.as_str());
    }
    let more = records.len() as i64 > limit;
    records.truncate(limit as usize);
    load_details(w, &mut records)?;
    Ok(CaseloadPage {
        officer,
        records,
        more,
    })
}

/// Loads the referrals, sessions and reviews of a page's cases: three queries for the page.
fn load_details(w: &mut Work, records: &mut [CaseloadRecord]) -> Result<(), ApiError> {
    let order_ids: Vec<&str> = records.iter().map(|r| r.order.order_id.as_str()).collect();
    let referrals = rows::referrals_of(w.conn, &order_ids)?;
    let referral_ids: Vec<&str> = referrals.iter().map(|r| r.id.as_str()).collect();
    let sessions = rows::sessions_of(w.conn, &referral_ids)?;
    let mut reviews: HashMap<String, ReviewState> = rows::reviews_of(w.conn, &order_ids)?
        .into_iter()
        .map(|r| (r.order_id.clone(), r))
        .collect();
    let order_of: HashMap<&str, &str> = referrals
        .iter()
        .map(|r| (r.id.as_str(), r.order_id.as_str()))
        .collect();
    let mut sessions_by_order: HashMap<String, Vec<CaseloadSession>> = HashMap::new();
    for s in sessions {
        if let Some(order) = order_of.get(s.referral_id.as_str()) {
            sessions_by_order
                .entry(order.to_string())
                .or_default()
                .push(s);
        }
    }
    let mut referrals_by_order: HashMap<String, Vec<CaseloadReferral>> = HashMap::new();
    for r in referrals.iter().cloned() {
        referrals_by_order
            .entry(r.order_id.clone())
            .or_default()
            .push(r);
    }
    for record in records.iter_mut() {
        let id = &record.order.order_id;
        record.referrals = referrals_by_order.remove(id).unwrap_or_default();
        record.sessions = sessions_by_order.remove(id).unwrap_or_default();
        record.review = reviews.remove(id);
    }
    Ok(())
}
