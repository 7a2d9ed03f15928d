//! Safeguarding prompt rows: raised by the rules, resolved with an outcome, never deleted.

use super::schema::safeguarding_prompt_referrals as spr;
use super::schema::safeguarding_prompts as sp;
use super::DbConnection;
use crate::domain::prompt::{AssigneeRole, Outcome, PromptStatus, TriggerKind};
use crate::domain::rule_id::RuleId;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = sp, treat_none_as_null = true)]
pub struct PromptRow {
    pub id: String,
    pub crn: String,
    pub probation_org: String,
    pub org: String,
    pub order_id: Option<String>,
    pub referral_id: Option<String>,
    pub rule: RuleId,
    pub title: String,
    pub action: String,
    pub rationale: String,
    pub guidance: String,
    pub triggered_by_kind: TriggerKind,
    pub triggered_by_id: String,
    pub assignee_role: AssigneeRole,
    pub assignee: Option<String>,
    pub mandatory: bool,
    pub dedup_key: String,
    pub status: PromptStatus,
    pub raised_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub escalated_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
    pub resolution_note: Option<String>,
    pub external_reference: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub resolved_by_role: Option<String>,
    /// The provider that reported the disclosure that raised it (told what became of it).
    pub reporting_org: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &PromptRow) -> QueryResult<()> {
    diesel::insert_into(sp::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn save(conn: &mut DbConnection, row: &PromptRow) -> QueryResult<()> {
    diesel::update(sp::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PromptRow>> {
    sp::table
        .find(id)
        .select(PromptRow::as_select())
        .get_result(conn)
        .optional()
}

/// The unresolved prompt (open, awaiting a response or pending approval) with this key.
pub fn open_with_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<PromptRow>> {
    sp::table
        .filter(sp::dedup_key.eq(key))
        .filter(sp::status.ne(PromptStatus::Resolved))
        .select(PromptRow::as_select())
        .first(conn)
        .optional()
}

/// The latest prompt with this key, resolved or not, raised at or after `since`.
pub fn latest_with_key_since(
    conn: &mut DbConnection,
    key: &str,
    since: NaiveDateTime,
) -> QueryResult<Option<PromptRow>> {
    sp::table
        .filter(sp::dedup_key.eq(key))
        .filter(sp::raised_at.ge(since))
        .order((sp::raised_at.desc(), sp::id.desc()))
        .select(PromptRow::as_select())
        .first(conn)
        .optional()
}

/// Prompts whose key starts with `family` (`LIKE`, so the caller checks the prefix), unresolved
/// or raised at or after `since`, newest first.
pub fn in_family(
    conn: &mut DbConnection,
    family: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<PromptRow>> {
    sp::table
        .filter(sp::dedup_key.like(format!("{family}%")))
        .filter(
            sp::status
                .ne(PromptStatus::Resolved)
                .or(sp::raised_at.ge(since)),
        )
        .order((sp::raised_at.desc(), sp::id.desc()))
        .select(PromptRow::as_select())
        .load(conn)
}

/// Unresolved prompts on an order named to one person (they move with the order).
pub fn live_on_order_assigned_to(
    conn: &mut DbConnection,
    order_id: &str,
    assignee: &str,
) -> QueryResult<Vec<PromptRow>> {
    sp::table
        .filter(sp::order_id.eq(order_id))
        .filter(sp::assignee.eq(assignee))
        .filter(sp::status.ne(PromptStatus::Resolved))
        .order(sp::id.asc())
        .select(PromptRow::as_select())
        .load(conn)
}

/// Whether any prompt, open or resolved, was ever raised with this key.
pub fn any_with_key(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sp::table.filter(sp::dedup_key.eq(key)))).get_result(conn)
}

/// Open prompts of one rule on a referral.
pub fn open_for_referral(
    conn: &mut DbConnection,
    referral_id: &str,
    rule: RuleId,
) -> QueryResult<Vec<PromptRow>> {
    sp::table
        .filter(sp::referral_id.eq(referral_id))
        .filter(sp::rule.eq(rule))
        .filter(sp::status.eq(PromptStatus::Open))
        .select(PromptRow::as_select())
        .load(conn)
}

/// Prompts raised by one fact (a disclosure, an appointment, ...).
pub fn triggered_by(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<PromptRow>> {
    sp::table
        .filter(sp::triggered_by_id.eq(id))
        .order(sp::id.asc())
        .select(PromptRow::as_select())
        .load(conn)
}

/// Prompts raised by any of these facts (a page of disclosures), by id.
pub fn triggered_by_any(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<PromptRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sp::table
        .filter(sp::triggered_by_id.eq_any(ids))
        .order(sp::id.asc())
        .select(PromptRow::as_select())
        .load(conn)
}

pub fn for_person(conn: &mut DbConnection, crn: &str) -> QueryResult<Vec<PromptRow>> {
    sp::table
        .filter(sp::crn.eq(crn))
        .order(sp::id.asc())
        .select(PromptRow::as_select())
        .load(conn)
}

/// Who is asking, for list scoping.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// Every prompt on the organisation's cases.
    Probation { org: &'a str },
    /// Only prompts addressed to the provider.
    Provider { org: &'a str },
}

#[derive(Debug, Default, Clone)]
pub struct PromptFilter {
    pub status: Option<PromptStatus>,
    pub crn: Option<String>,
    /// Open prompts (or proposals awaiting approval) past their due time at this instant, and
    /// referred ones whose agency's decision is past its follow-up date.
    pub overdue_at: Option<NaiveDateTime>,
    pub escalated: Option<bool>,
    /// Named to this subject, or unnamed for one of these assignee roles; `include_escalated`
    /// adds escalated prompts and proposals awaiting approval (for managers).
    pub assigned_to: Option<(String, Vec<AssigneeRole>, bool)>,
}

type Db = <DbConnection as diesel::Connection>::Backend;

/// Every prompt the viewer may see that passes the filter, unordered.
fn visible<'a>(viewer: Viewer, filter: &PromptFilter) -> sp::BoxedQuery<'a, Db> {
    let mut q = sp::table.into_boxed();
    q = match viewer {
        Viewer::Probation { org } => q.filter(sp::probation_org.eq(org.to_string())),
        Viewer::Provider { org } => q.filter(sp::org.eq(org.to_string())),
    };
    if let Some(s) = &filter.status {
        q = q.filter(sp::status.eq(*s));
    }
    if let Some(c) = &filter.crn {
        q = q.filter(sp::crn.eq(c.clone()));
    }
    if let Some(now) = filter.overdue_at {
        let open_late = sp::status
            .eq_any([PromptStatus::Open, PromptStatus::PendingApproval])
            .and(sp::due_at.lt(now));
        let follow_up_late = sp::status.eq(PromptStatus::AwaitingResponse).and(
            sp::id.eq_any(
                spr::table
                    .filter(spr::decision.is_null())
                    .filter(spr::follow_up_due_at.lt(now))
                    .select(spr::prompt_id),
            ),
        );
        q = q.filter(open_late.or(follow_up_late));
    }
    match filter.escalated {
        Some(true) => q = q.filter(sp::escalated_at.is_not_null()),
        Some(false) => q = q.filter(sp::escalated_at.is_null()),
        None => {}
    }
    if let Some((sub, roles, include_escalated)) = &filter.assigned_to {
        let mine = sp::assignee.eq(sub.clone()).or(sp::assignee
            .is_null()
            .and(sp::assignee_role.eq_any(roles.clone())));
        q = if *include_escalated {
            q.filter(
                mine.or(sp::escalated_at.is_not_null())
                    .or(sp::status.eq(PromptStatus::PendingApproval)),
            )
        } else {
            q.filter(mine)
        };
    }
    q
}

/// Prompts the viewer may see, by due time then id, after the cursor `(due_at, id)`.
pub fn list(
    conn: &mut DbConnection,
    viewer: Viewer,
    filter: &PromptFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<PromptRow>> {
    let mut q = visible(viewer, filter)
        .select(PromptRow::as_select())
        .order((sp::due_at.asc(), sp::id.asc()))
        .limit(limit);
    if let Some((due, id)) = after {
        q = q.filter(sp::due_at.gt(due).or(sp::due_at.eq(due).and(sp::id.gt(id))));
    }
    q.load(conn)
}

/// The facts (disclosures, appointments, ...) that raised prompts the viewer may see and that
/// pass the filter: newest first (ids are time-ordered), before the cursor id, `limit` at most.
pub fn trigger_ids(
    conn: &mut DbConnection,
    viewer: Viewer,
    filter: &PromptFilter,
    before: Option<String>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let mut q = visible(viewer, filter)
        .select(sp::triggered_by_id)
        .distinct()
        .order(sp::triggered_by_id.desc())
        .limit(limit);
    if let Some(id) = before {
        q = q.filter(sp::triggered_by_id.lt(id));
    }
    q.load(conn)
}

/// The prompts the viewer may see that pass the filter and were raised by these facts, by due
/// time then id.
pub fn of_triggers(
    conn: &mut DbConnection,
    viewer: Viewer,
    filter: &PromptFilter,
    ids: &[String],
) -> QueryResult<Vec<PromptRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    visible(viewer, filter)
        .filter(sp::triggered_by_id.eq_any(ids.to_vec()))
        .select(PromptRow::as_select())
        .order((sp::due_at.asc(), sp::id.asc()))
        .load(conn)
}

/// Locks and returns up to `limit` unescalated prompts due before `now` that wait on their own
/// organisation: open, or a proposed "not required" awaiting a manager's approval. On PostgreSQL
/// the rows are locked with `SKIP LOCKED`, so several instances escalate each prompt once.
pub fn lock_overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<PromptRow>> {
    let q = || {
        sp::table
            .filter(sp::status.eq_any([PromptStatus::Open, PromptStatus::PendingApproval]))
            .filter(sp::escalated_at.is_null())
            .filter(sp::due_at.lt(now))
            .order(sp::due_at.asc())
            .limit(limit)
    };
    match conn {
        DbConnection::Postgresql(pg) => q()
            .select(PromptRow::as_select())
            .for_update()
            .skip_locked()
            .load(pg),
        // SQLite: the surrounding BEGIN IMMEDIATE transaction already excludes other writers.
        DbConnection::Sqlite(_) => q().select(PromptRow::as_select()).load(conn),
    }
}

/// A list page in the shape nearly every call has (one status; mine or everyone's; no CRN,
/// overdue or escalation filter), read by static statements that are prepared once per
/// connection: no SQL is built per request and no list of values is bound.
#[derive(Debug, Clone)]
pub struct PlainPage<'a> {
    pub viewer: Viewer<'a>,
    pub status: PromptStatus,
    /// `(subject, up to two assignee roles, include escalated and awaiting approval)`.
    pub assigned_to: Option<(&'a str, [Option<AssigneeRole>; 2], bool)>,
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

impl<'a> PlainPage<'a> {
    /// The page for `filter` when it has the plain shape; `None` otherwise.
    pub fn of(
        viewer: Viewer<'a>,
        filter: &'a PromptFilter,
        after: Option<(NaiveDateTime, String)>,
        limit: i64,
    ) -> Option<Self> {
        let plain =
            filter.crn.is_none() && filter.overdue_at.is_none() && filter.escalated.is_none();
        let status = filter.status.filter(|_| plain)?;
        let assigned_to = match &filter.assigned_to {
            None => None,
            Some((_, roles, _)) if roles.len() > 2 => return None,
            Some((sub, roles, managers)) => Some((
                sub.as_str(),
                [roles.first().copied(), roles.get(1).copied()],
                *managers,
            )),
        };
        Some(Self {
            viewer,
            status,
            assigned_to,
            after,
            limit,
        })
    }
}

/// The plain page's conditions on `$source` (the prompts, or the prompts joined to something),
/// with `$org` the viewer's organisation column, ordered and limited.
macro_rules! plain_page {
    ($source:expr, $org:expr, $p:expr) => {{
        use diesel::sql_types::Bool;
        let p: &PlainPage = $p;
        let org = match p.viewer {
            Viewer::Probation { org } | Viewer::Provider { org } => org,
        };
        let (anyone, sub, role_a, role_b, managers) = match &p.assigned_to {
            None => (true, "", None, None, false),
            Some((sub, [a, b], managers)) => (false, *sub, *a, *b, *managers),
        };
        let (first, due, after_id) = match &p.after {
            None => (true, NaiveDateTime::default(), ""),
            Some((due, id)) => (false, *due, id.as_str()),
        };
        let unnamed_for_me = sp::assignee.is_null().and(
            sp::assignee_role
                .nullable()
                .eq(role_a)
                .or(sp::assignee_role.nullable().eq(role_b)),
        );
        let for_managers = sp::escalated_at
            .is_not_null()
            .or(sp::status.eq(PromptStatus::PendingApproval));
        $source
            .filter($org.eq(org))
            .filter(sp::status.eq(p.status))
            .filter(
                anyone
                    .into_sql::<Bool>()
                    .nullable()
                    .or(sp::assignee.eq(sub))
                    .or(unnamed_for_me)
                    .or(managers.into_sql::<Bool>().and(for_managers).nullable()),
            )
            .filter(
                first
                    .into_sql::<Bool>()
                    .or(sp::due_at.gt(due))
                    .or(sp::due_at.eq(due).and(sp::id.gt(after_id))),
            )
            .order((sp::due_at.asc(), sp::id.asc()))
            .limit(p.limit)
    }};
}

/// The plain page's prompts, each with its referral to an agency (one statement).
pub fn plain_page(
    conn: &mut DbConnection,
    page: &PlainPage,
) -> QueryResult<Vec<(PromptRow, Option<super::prompt_steps::AgencyReferralRow>)>> {
    use super::prompt_steps::AgencyReferralRow;
    let joined = || sp::table.left_join(spr::table.on(spr::prompt_id.eq(sp::id)));
    let select = (
        PromptRow::as_select(),
        Option::<AgencyReferralRow>::as_select(),
    );
    match page.viewer {
        Viewer::Probation { .. } => plain_page!(joined(), sp::probation_org, page)
            .select(select)
            .load(conn),
        Viewer::Provider { .. } => plain_page!(joined(), sp::org, page)
            .select(select)
            .load(conn),
    }
}

/// The disclosures linked to the plain page's prompts, as `(prompt, disclosure)` in link order
/// (one statement: the page is selected again as a subquery, in the same snapshot).
pub fn plain_page_related(
    conn: &mut DbConnection,
    page: &PlainPage,
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::safeguarding_prompt_disclosures as pd;
    macro_rules! related {
        ($ids:expr) => {
            pd::table
                .filter(pd::prompt_id.eq_any($ids))
                .order((pd::linked_at.asc(), pd::disclosure_id.asc()))
                .select((pd::prompt_id, pd::disclosure_id))
                .load(conn)
        };
    }
    match page.viewer {
        Viewer::Probation { .. } => {
            related!(plain_page!(sp::table, sp::probation_org, page).select(sp::id))
        }
        Viewer::Provider { .. } => related!(plain_page!(sp::table, sp::org, page).select(sp::id)),
    }
}
