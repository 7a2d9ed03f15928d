//! The unit of work a use case runs in: the connection, who acts and when, and what the change
//! leaves behind (the case it was about, its domain events, its audit status).
//!
//! `http::Ctx` builds a [`Work`] for each request (authorised, inside a transaction for writes)
//! and writes its outcome: the audit entry and the events, in the same transaction as the change.
//! Services take `&mut Work`; they never see HTTP.

mod event;
mod principal;

pub use event::{Actor, Event, SYSTEM_ACTOR};
pub use principal::Principal;

use crate::db::{people, DbConnection, Scope};
use crate::error::ApiError;
use crate::rules::RulesConfig;
use chrono::{DateTime, Utc};

/// What a closure inside a unit of work can use.
pub struct Work<'a> {
    pub conn: &'a mut DbConnection,
    pub me: &'a Principal,
    pub now: DateTime<Utc>,
    pub rules: &'a RulesConfig,
    crn: Option<String>,
    events: Vec<Event>,
    status: Option<i32>,
    writing: bool,
}

/// What a finished unit of work leaves to be recorded with it.
pub struct Outcome {
    /// The case the work was about, for the audit entry.
    pub crn: Option<String>,
    /// The domain events to write in the same transaction.
    pub events: Vec<Event>,
    /// The status to audit when the work set one (`201` for a creation).
    pub status: Option<i32>,
}

impl<'a> Work<'a> {
    pub fn new(
        conn: &'a mut DbConnection,
        me: &'a Principal,
        now: DateTime<Utc>,
        rules: &'a RulesConfig,
        writing: bool,
    ) -> Self {
        Self {
            conn,
            me,
            now,
            rules,
            crn: None,
            events: Vec::new(),
            status: None,
            writing,
        }
    }

    /// True inside a write transaction.
    pub fn is_writing(&self) -> bool {
        self.writing
    }

    /// Whose rows the caller's queries may return.
    pub fn scope(&self) -> Scope<'a> {
        self.me.scope()
    }

    /// Records that the change created a resource (`201` in the audit entry).
    pub fn created(&mut self) {
        self.status = Some(201);
    }

    /// Names the case (CRN) the work is about, for the audit entry. In a write, it also locks
    /// the person's row until commit (PostgreSQL), so every change to one case is serialised:
    /// concurrent sends, risk updates, disclosures, decisions and terminations of the same
    /// person see each other's effects instead of racing.
    pub fn about(&mut self, crn: &str) -> Result<(), ApiError> {
        if self.writing && self.crn.as_deref() != Some(crn) {
            people::lock(self.conn, crn)?;
        }
        self.crn = Some(crn.to_string());
        Ok(())
    }

    /// Queues a domain event; it is written in the same transaction as the change.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Ends the work, handing over what must be recorded with it.
    pub fn finish(self) -> Outcome {
        Outcome {
            crn: self.crn,
            events: self.events,
            status: self.status,
        }
    }
}
