//! Loading what the caller may see: every case resource is found through its organisation's scope
//! (anything else is `404`, so existence is never revealed), names its case for the audit entry,
//! and in a write is read again under the case lock so a change committed meanwhile is seen.

use crate::auth::Role;
use crate::db::appointments::{self, AppointmentRow};
use crate::db::orders::{self, OrderRow};
use crate::db::people::{self, PersonRow};
use crate::db::prompts::{self, PromptRow};
use crate::db::referrals::{self, ReferralRow};
use crate::db::{DbConnection, Scope};
use crate::domain::ids::{AppointmentId, OrderId, PromptId, ReferralId};
use crate::domain::Crn;
use crate::error::ApiError;
use crate::work::{Principal, Work};
use diesel::pg::PgConnection;
use diesel::QueryResult;

/// Finds a case resource through `find`, names its case, and re-reads it under the case lock
/// in a write. `what` names the resource in the `404`.
fn load<R>(
    w: &mut Work,
    what: &str,
    crn_of: impl Fn(&R) -> &str,
    mut find: impl FnMut(&mut Work) -> QueryResult<Option<R>>,
) -> Result<R, ApiError> {
    let row = find(w)?.ok_or_else(|| ApiError::not_found(what))?;
    w.about(crn_of(&row))?;
    if w.is_writing() && !w.locked_from_the_start() {
        return find(w)?.ok_or_else(|| ApiError::not_found(what));
    }
    Ok(row)
}

/// As [`load`], for a resource that can be read in the statement that takes its case lock: on
/// PostgreSQL, in a write, `find_locking` does both (one statement instead of a read, the lock
/// and a second read); elsewhere as [`load`].
fn load_locking<R>(
    w: &mut Work,
    what: &str,
    crn_of: impl Fn(&R) -> &str,
    find: impl FnMut(&mut Work) -> QueryResult<Option<R>>,
    find_locking: impl FnOnce(&mut PgConnection, Scope) -> QueryResult<Option<R>>,
) -> Result<R, ApiError> {
    if w.is_writing() && !w.locked_from_the_start() {
        let scope = w.me.scope();
        if let DbConnection::Postgresql(pg) = &mut *w.conn {
            let row = find_locking(pg, scope)?.ok_or_else(|| ApiError::not_found(what))?;
            w.about_locked(crn_of(&row));
            return Ok(row);
        }
    }
    load(w, what, crn_of, find)
}

/// A person the caller's organisation manages, named in the audit entry.
pub fn person(w: &mut Work, crn: &Crn) -> Result<PersonRow, ApiError> {
    w.about(crn.as_str())?;
    let scope = w.me.scope();
    people::find_visible(w.conn, scope, crn.as_str())?.ok_or_else(|| ApiError::not_found("person"))
}

/// An order the caller's organisation manages.
pub fn order(w: &mut Work, id: OrderId) -> Result<OrderRow, ApiError> {
    let id = id.to_string();
    load(
        w,
        "order",
        |o: &OrderRow| &o.crn,
        |w| orders::find_visible(w.conn, w.me.scope(), &id),
    )
}

/// An order the caller's organisation manages, with every referral under it (one statement).
pub fn order_with_referrals(
    w: &mut Work,
    id: OrderId,
) -> Result<(OrderRow, Vec<ReferralRow>), ApiError> {
    let id = id.to_string();
    load(
        w,
        "order",
        |(o, _): &(OrderRow, Vec<ReferralRow>)| &o.crn,
        |w| orders::find_visible_with_referrals(w.conn, w.me.scope(), &id),
    )
}

/// A referral the caller may see: its probation organisation always, its provider once sent.
pub fn referral(w: &mut Work, id: ReferralId) -> Result<ReferralRow, ApiError> {
    let id = id.to_string();
    load_locking(
        w,
        "referral",
        |r: &ReferralRow| &r.crn,
        |w| referrals::find_visible(w.conn, w.me.scope(), &id),
        |pg, scope| referrals::find_visible_locking_case(pg, scope, &id),
    )
}

/// The referral with this id if the caller may see it, without naming its case (the caller
/// already loaded something of the same case).
pub fn referral_in_case(w: &mut Work, id: &str) -> Result<ReferralRow, ApiError> {
    referrals::find_visible(w.conn, w.me.scope(), id)?
        .ok_or_else(|| ApiError::not_found("referral"))
}

/// An appointment of the caller's organisation, on either side of the referral.
pub fn appointment(w: &mut Work, id: AppointmentId) -> Result<AppointmentRow, ApiError> {
    let id = id.to_string();
    load_locking(
        w,
        "appointment",
        |a: &AppointmentRow| &a.crn,
        |w| appointments::find_visible(w.conn, w.me.scope(), &id),
        |pg, scope| appointments::find_visible_locking_case(pg, scope, &id),
    )
}

/// Probation sees every prompt on its cases; a provider's managers (its safeguarding leads) only
/// those addressed to the provider.
pub fn prompt_visible_to(row: &PromptRow, me: &Principal) -> bool {
    if me.is_probation() {
        row.probation_org == me.org()
    } else {
        me.is_provider() && me.has(Role::ProviderManager) && row.org == me.org()
    }
}

/// A disclosure the caller may read: its case's probation organisation, or the provider that
/// reported it.
pub fn disclosure(
    w: &mut Work,
    id: crate::domain::ids::DisclosureId,
) -> Result<crate::db::disclosures::DisclosureRow, ApiError> {
    let id = id.to_string();
    load(
        w,
        "disclosure",
        |d: &crate::db::disclosures::DisclosureRow| &d.crn,
        |w| crate::db::disclosures::find_visible(w.conn, w.me.org(), &id),
    )
}

/// A safeguarding prompt the caller may see.
pub fn prompt(w: &mut Work, id: PromptId) -> Result<PromptRow, ApiError> {
    let id = id.to_string();
    load(
        w,
        "prompt",
        |p: &PromptRow| &p.crn,
        |w| Ok(prompts::get(w.conn, &id)?.filter(|row| prompt_visible_to(row, w.me))),
    )
}
