//! The team dashboard: what waits on a probation manager's team (or a provider manager's
//! workers), in one read of a fixed number of bounded queries: counts per section, and capped
//! lists that say when they were cut.

use super::caseload::ENDING_WITHIN_WORKING_DAYS;
use crate::auth::Role;
use crate::db::dashboard::{
    self as rows, ActionItem, ActionWindow, EndingItem, Side, SignOffItem, UnacceptedItem,
    UnrecordedItem,
};
use crate::domain::prompt::AssigneeRole;
use crate::error::ApiError;
use crate::rules::working_days::{add_working_days, end_of_day, london_date};
use crate::work::Work;
use std::collections::HashMap;

/// Items listed per section at most; the count is always the whole.
pub const LIST_CAP: i64 = 50;
/// Working days ahead an open action counts as due soon (until the end of that working day).
pub const DUE_SOON_WORKING_DAYS: u32 = 2;

/// A count and the first items of a section.
pub struct Section<T> {
    pub count: i64,
    pub items: Vec<T>,
}

impl<T> Section<T> {
    fn of((count, mut items): (i64, Vec<T>)) -> Self {
        items.truncate(LIST_CAP as usize);
        Section { count, items }
    }
}

/// Overdue and due-soon actions of one assignee.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AssigneeLoad {
    pub overdue: i64,
    pub due_soon: i64,
}

/// Who an action waits on: the named person, or the role when no one is named.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AssigneeKey {
    pub assignee: Option<String>,
    pub role: AssigneeRole,
}

pub struct Dashboard {
    /// A probation organisation's dashboard (else a provider's).
    pub probation: bool,
    pub org: String,
    pub per_assignee: HashMap<AssigneeKey, AssigneeLoad>,
    pub overdue: Section<ActionItem>,
    pub due_soon: Section<ActionItem>,
    pub awaiting_approval: Section<ActionItem>,
    /// Probation only.
    pub awaiting_sign_off: Option<Section<SignOffItem>>,
    pub not_accepted: Section<UnacceptedItem>,
    pub without_attendance: Section<UnrecordedItem>,
    /// Probation only.
    pub orders_ending: Option<Section<EndingItem>>,
}

/// The dashboard of the caller's organisation: a probation manager's or a provider manager's.
pub fn dashboard(w: &mut Work) -> Result<Dashboard, ApiError> {
    let org = w.me.org().to_string();
    let probation = w.me.is_probation() && w.me.has(Role::ProbationManager);
    let provider = w.me.is_provider() && w.me.has(Role::ProviderManager);
    if !probation && !provider {
        return Err(ApiError::Forbidden(
            "the team dashboard is for probation and provider managers".into(),
        ));
    }
    let now = w.now.naive_utc();
    let today = london_date(w.now);
    let soon_day = add_working_days(today, DUE_SOON_WORKING_DAYS, &w.rules.calendar);
    let until = end_of_day(soon_day, &w.rules.hours).naive_utc();
    let overdue = ActionWindow::Overdue { now };
    let due_soon = ActionWindow::DueSoon { now, until };
    let mut per_assignee: HashMap<AssigneeKey, AssigneeLoad> = HashMap::new();
    for (assignee, role, n) in rows::action_counts(w.conn, &org, overdue)? {
        per_assignee
            .entry(AssigneeKey { assignee, role })
            .or_default()
            .overdue += n;
    }
    for (assignee, role, n) in rows::action_counts(w.conn, &org, due_soon)? {
        per_assignee
            .entry(AssigneeKey { assignee, role })
            .or_default()
            .due_soon += n;
    }
    let counted = |v: Vec<ActionItem>, n: i64| Section { count: n, items: v };
    let total = |m: &HashMap<AssigneeKey, AssigneeLoad>, f: fn(&AssigneeLoad) -> i64| {
        m.values().map(f).sum::<i64>()
    };
    let overdue_list = rows::action_list(w.conn, &org, overdue, LIST_CAP)?;
    let due_soon_list = rows::action_list(w.conn, &org, due_soon, LIST_CAP)?;
    let approval: Vec<(Option<String>, AssigneeRole, i64)> =
        rows::action_counts(w.conn, &org, ActionWindow::PendingApproval)?;
    let approval_count = approval.iter().map(|a| a.2).sum();
    let approval_list = rows::action_list(w.conn, &org, ActionWindow::PendingApproval, LIST_CAP)?;
    Ok(Dashboard {
        probation,
        overdue: counted(overdue_list, total(&per_assignee, |l| l.overdue)),
        due_soon: counted(due_soon_list, total(&per_assignee, |l| l.due_soon)),
        awaiting_approval: counted(approval_list, approval_count),
        awaiting_sign_off: if probation {
            Some(Section::of(rows::awaiting_sign_off(
                w.conn, &org, LIST_CAP,
            )?))
        } else {
            None
        },
        not_accepted: Section::of(rows::not_accepted(
            w.conn,
            side_of(probation, &org),
            LIST_CAP,
        )?),
        without_attendance: Section::of(rows::without_attendance(
            w.conn,
            side_of(probation, &org),
            now,
            LIST_CAP,
        )?),
        orders_ending: if probation {
            let to = add_working_days(today, ENDING_WITHIN_WORKING_DAYS, &w.rules.calendar);
            Some(Section::of(rows::orders_ending(
                w.conn, &org, today, to, LIST_CAP,
            )?))
        } else {
            None
        },
        per_assignee,
        org,
    })
}

fn side_of(probation: bool, org: &str) -> Side<'_> {
    if probation {
        Side::Probation(org)
    } else {
        Side::Provider(org)
    }
}
