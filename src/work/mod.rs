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

use crate::db::{self, people, DbConnection, Scope, WriterTurn};
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
    /// Set inside a read transaction: the writer's turn, to seal the ledger between snapshots.
    snapshot: Option<&'a WriterTurn>,
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
            snapshot: None,
        }
    }

    /// Marks a read running in a read transaction ([`db::begin_read`]); `turn` is the writer's
    /// turn [`Work::seal`] takes to write between snapshots.
    pub fn in_snapshot(mut self, turn: &'a WriterTurn) -> Self {
        self.snapshot = Some(turn);
        self
    }

    /// Seals the audit log or the event feed (`seal`, from `db::ledger`) before a read of it,
    /// so the read sees what committed a moment ago. Inside a read transaction the snapshot is
    /// ended, the ledger sealed in its own write transaction, and a fresh snapshot begun.
    pub fn seal<E: Into<ApiError>>(
        &mut self,
        seal: impl FnOnce(&mut DbConnection) -> Result<usize, E>,
    ) -> Result<(), ApiError> {
        let Some(turn) = self.snapshot else {
            seal(self.conn).map_err(Into::into)?;
            return Ok(());
        };
        db::end_read(self.conn, Ok(()))?;
        let sealed = {
            let _turn = turn.take();
            seal(self.conn)
        };
        db::begin_read(self.conn)?;
        sealed.map_err(Into::into)?;
        Ok(())
    }

    /// True inside a write transaction.
    pub fn is_writing(&self) -> bool {
        self.writing
    }

    /// True when the write transaction excluded every other writer from its start (SQLite's
    /// `BEGIN IMMEDIATE`), so a row read before [`Work::about`] needs no second read under the
    /// case lock; on PostgreSQL the case lock is taken after the first read, which must be
    /// repeated.
    pub fn locked_from_the_start(&self) -> bool {
        self.writing && self.conn.backend() == db::Backend::Sqlite
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

    /// As [`Work::about`], when the caller's own statement has just taken the case lock (it read
    /// the resource and locked the person's row together).
    pub fn about_locked(&mut self, crn: &str) {
        self.crn = Some(crn.to_string());
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
