//! The staff directory: an organisation's managers keep their own staff's names, e-mail
//! addresses and whether they want e-mail; a token's `email` claim keeps the caller's own entry
//! up to date. Notifications find their recipients here.

use crate::auth::Role;
use crate::db::staff::{self as rows, StaffRow};
use crate::db::DbConnection;
use crate::domain::notification::check_email;
use crate::domain::validate::Errors;
use crate::error::ApiError;
use crate::work::{Principal, Work};
use chrono::{DateTime, Utc};

/// A staff member's entry as a manager gives it.
pub struct StaffEntry {
    pub name: String,
    pub email: String,
    pub notifications: bool,
    /// Whether they receive what is addressed to the organisation's managers; `None` keeps
    /// what is recorded (no, for a new entry).
    pub manager: Option<bool>,
}

/// Sets a staff member's entry in the caller's organisation; `true` when it was new. A subject
/// recorded for another organisation is `404` (its entry is not the caller's to see or change).
pub fn put(w: &mut Work, sub: &str, entry: StaffEntry) -> Result<(StaffRow, bool), ApiError> {
    let mut e = Errors::default();
    e.text("sub", sub, 200);
    e.text("name", &entry.name, 200);
    check_email(&mut e, "email", &entry.email);
    e.into_result()?;
    let existing = rows::find(w.conn, sub)?;
    if existing.as_ref().is_some_and(|s| s.org != w.me.org()) {
        return Err(ApiError::NotFound(format!(
            "no staff member {sub} in your organisation's directory"
        )));
    }
    let row = StaffRow {
        sub: sub.to_string(),
        org: w.me.org().to_string(),
        name: entry.name.trim().to_string(),
        email: entry.email,
        notifications: entry.notifications,
        manager: entry
            .manager
            .or(existing.as_ref().map(|s| s.manager))
            .unwrap_or(false),
        updated_at: w.now.naive_utc(),
        updated_by: w.me.sub().to_string(),
    };
    rows::save(w.conn, &row)?;
    if existing.is_none() {
        w.created();
    }
    Ok((row, existing.is_none()))
}

/// The caller's organisation's directory, by subject, after `after`.
pub fn page(w: &mut Work, after: Option<&str>, limit: i64) -> Result<Vec<StaffRow>, ApiError> {
    Ok(rows::list(w.conn, w.me.org(), after, limit + 1)?)
}

/// Keeps the caller's own entry in step with a token that carries an `email` claim: the address,
/// the name when the token has one, and whether they are a manager (from their roles). Their
/// preference for e-mail is kept. Writes only when something changed; an `email` claim that is
/// not an address is ignored.
pub fn learn(conn: &mut DbConnection, me: &Principal, now: DateTime<Utc>) -> Result<(), ApiError> {
    let (Some(email), Some(_)) = (me.caller.email.as_deref(), me.org_kind) else {
        return Ok(());
    };
    let mut e = Errors::default();
    check_email(&mut e, "email", email);
    if !e.is_empty() {
        return Ok(());
    }
    let existing = rows::find(conn, me.sub())?;
    let manager = me.has(Role::ProbationManager) || me.has(Role::ProviderManager);
    let name = me
        .caller
        .name
        .clone()
        .or_else(|| existing.as_ref().map(|s| s.name.clone()))
        .unwrap_or_else(|| me.sub().to_string());
    let learnt = StaffRow {
        sub: me.sub().to_string(),
        org: me.org().to_string(),
        name,
        email: email.to_string(),
        notifications: existing.as_ref().is_none_or(|s| s.notifications),
        manager,
        updated_at: now.naive_utc(),
        updated_by: me.sub().to_string(),
    };
    let unchanged = existing.as_ref().is_some_and(|s| {
        (&s.org, &s.name, &s.email, s.notifications, s.manager)
            == (
                &learnt.org,
                &learnt.name,
                &learnt.email,
                learnt.notifications,
                learnt.manager,
            )
    });
    if !unchanged {
        rows::save(conn, &learnt)?;
    }
    Ok(())
}
