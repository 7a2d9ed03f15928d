//! The database floors: the statements a request makes (as the service's statement log shows
//! them), run directly with diesel (each prepared once per connection by its statement cache)
//! from 1, 2, 4, … threads, so the service's overhead (HTTP, JSON, auth, rules, pool hop) can be
//! stated as a ratio of the best the database does for the same work.
//!
//! Each thread has its own connection. On SQLite the writers take turns on an in-process mutex,
//! as the service's writers do, so no writer sleeps in SQLite's busy handler; the floors run with
//! the service stopped, so nothing else holds the write lock.
//!
//! The shared-view read is measured two ways and the better is kept:
//! - *group commit*, as the service does it: the reads run in read transactions and hand their
//!   audit rows to one writer thread, which commits whatever has queued in one transaction and
//!   then releases the readers of that batch (a reader starts its next read only then);
//! - *one transaction*: the reads and the audit row in one write transaction (one commit per
//!   read, taken in turns on SQLite).

use super::seed::World;
use super::writes;
use diesel::prelude::*;
use rarlink::config::DatabaseTarget;
use rarlink::db::audit::{self, NewAuditRow};
use rarlink::db::{
    begin_read, end_read, orders, referrals, write_transaction, ConnectionFactory, DbConnection,
    Scope,
};
use rarlink::domain::OrgKind;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The provider organisation the bench seeds.
pub const PROVIDER: &str = "MIND-BENCH";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    SharedViewRead,
    AttendanceWrite,
    DisclosureWrite,
}

/// How a floor runs its request's writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Reads in read transactions, audit rows committed in batches by one writer.
    GroupCommit,
    /// Everything in one write transaction per request.
    OneTransaction,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::GroupCommit => "group commit",
            Variant::OneTransaction => "one transaction",
        }
    }
}

/// One measurement: operations per second at a concurrency.
#[derive(Clone, Copy, Debug)]
pub struct Level {
    pub variant: Variant,
    pub concurrency: usize,
    pub rate: f64,
}

/// A floor: every level measured and the best of them.
#[derive(Clone, Debug)]
pub struct Floor {
    pub levels: Vec<Level>,
}

impl Floor {
    pub fn best(&self) -> Level {
        self.levels
            .iter()
            .copied()
            .fold(None, |best: Option<Level>, l| match best {
                Some(b) if b.rate >= l.rate => Some(b),
                _ => Some(l),
            })
            .unwrap_or(Level {
                variant: Variant::OneTransaction,
                concurrency: 1,
                rate: 0.0,
            })
    }

    /// Every level in short, e.g. "group commit: 1: 4,100, 2: 6,900; one transaction: …".
    pub fn detail(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for variant in [Variant::GroupCommit, Variant::OneTransaction] {
            let of: Vec<String> = self
                .levels
                .iter()
                .filter(|l| l.variant == variant)
                .map(|l| format!("{}: {:.0}", l.concurrency, l.rate))
                .collect();
            if !of.is_empty() {
                parts.push(format!("{}: {}", variant.name(), of.join(", ")));
            }
        }
        parts.join("; ")
    }
}

/// The concurrency levels a floor is measured at: 1, 2, 4, … up to and including `clients`.
pub fn levels(clients: usize) -> Vec<usize> {
    let mut levels: Vec<usize> = std::iter::successors(Some(1usize), |c| Some(c * 2))
        .take_while(|c| *c < clients)
        .collect();
    levels.push(clients.max(1));
    levels
}

/// The honest floor: the best rate the database reaches for these statements at any
/// concurrency from 1 to `clients` (`secs` at each level) and, for the read, either variant.
pub fn measure_all(database: &str, clients: usize, secs: u64, kind: Kind, world: &World) -> Floor {
    let variants: &[Variant] = match kind {
        Kind::SharedViewRead => &[Variant::GroupCommit, Variant::OneTransaction],
        Kind::AttendanceWrite | Kind::DisclosureWrite => &[Variant::OneTransaction],
    };
    settle(database);
    // An untimed second first: connections' caches and prepared statements warm, as the
    // service's are when it is measured.
    measure(database, 1, 1, kind, variants[0], world);
    let mut measured = Vec::new();
    for &variant in variants {
        for c in levels(clients) {
            let rate = measure(database, c, secs, kind, variant, world);
            eprintln!("floor {kind:?} {} at {c}: {rate:.0}/s", variant.name());
            measured.push(Level {
                variant,
                concurrency: c,
                rate,
            });
        }
    }
    Floor { levels: measured }
}

/// On SQLite, folds the write-ahead log the stopped service left (it can grow large while
/// readers keep a checkpoint from finishing) into the database, so the floor does not pay for it.
fn settle(database: &str) {
    let target = DatabaseTarget::parse(database).expect("database url");
    if let DatabaseTarget::Sqlite { .. } = target {
        let mut conn = ConnectionFactory::new(target)
            .connect()
            .expect("connection");
        if let Err(e) = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn) {
            eprintln!("checkpoint before the floor: {e}");
        }
    }
}

/// Deletes the audit rows and events the floors wrote (not yet sealed: no sequence number), so
/// the restarted service does not spend its next phase sealing tens of thousands of them.
pub fn clean(database: &str) {
    let target = DatabaseTarget::parse(database).expect("database url");
    let mut conn = ConnectionFactory::new(target)
        .connect()
        .expect("connection");
    for sql in [
        "DELETE FROM audit_events WHERE actor_sub = 'floor' AND seq IS NULL",
        "DELETE FROM domain_events WHERE actor_sub = 'floor' AND seq IS NULL",
    ] {
        if let Err(e) = diesel::sql_query(sql).execute(&mut conn) {
            eprintln!("cleaning up after the floor: {e}");
        }
    }
}

/// What the threads of one measurement share.
pub struct Shared {
    /// SQLite's single writer, taken in turns (unused on PostgreSQL).
    pub turn: Option<Mutex<()>>,
    pub referrals: Vec<String>,
    pub appointments: Vec<String>,
}

impl Shared {
    pub fn take_turn(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        self.turn
            .as_ref()
            .map(|t| t.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Operations per second over `secs` at `concurrency` threads.
pub fn measure(
    database: &str,
    concurrency: usize,
    secs: u64,
    kind: Kind,
    variant: Variant,
    world: &World,
) -> f64 {
    let target = DatabaseTarget::parse(database).expect("database url");
    let factory = ConnectionFactory::new(target.clone());
    let sqlite = matches!(target, DatabaseTarget::Sqlite { .. });
    let shared = Arc::new(Shared {
        turn: sqlite.then(|| Mutex::new(())),
        referrals: world.cases.iter().map(|c| c.referral.clone()).collect(),
        appointments: world.appointments.clone(),
    });
    let writer = (kind == Kind::SharedViewRead && variant == Variant::GroupCommit)
        .then(|| GroupCommit::start(factory.clone(), shared.clone()));
    // Connect every thread before the clock starts.
    let connections: Vec<DbConnection> = (0..concurrency)
        .map(|_| factory.connect().expect("connection"))
        .collect();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let handles: Vec<_> = connections
        .into_iter()
        .enumerate()
        .map(|(t, mut conn)| {
            let (shared, audit) = (shared.clone(), writer.as_ref().map(|w| w.queue.clone()));
            std::thread::spawn(move || {
                let mut n = 0usize;
                let mut failed = 0usize;
                while Instant::now() < deadline {
                    let i = t + n * concurrency;
                    let outcome = match kind {
                        Kind::SharedViewRead => {
                            let id = &shared.referrals[i % shared.referrals.len()];
                            shared_view_read(&mut conn, &shared, audit.as_ref(), id)
                        }
                        Kind::AttendanceWrite => {
                            let id = &shared.appointments[i % shared.appointments.len()];
                            writes::attendance(&mut conn, &shared, id)
                        }
                        Kind::DisclosureWrite => {
                            let id = &shared.referrals[i % shared.referrals.len()];
                            writes::disclosure(&mut conn, &shared, id)
                        }
                    };
                    match outcome {
                        Ok(()) => n += 1,
                        Err(e) => {
                            failed += 1;
                            if failed == 1 {
                                eprintln!("floor {kind:?}: {e}");
                            }
                        }
                    }
                }
                n
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let rate = total as f64 / started.elapsed().as_secs_f64();
    drop(writer);
    rate
}

/// One audit row of a floor request.
pub fn audit_row(action: &str, method: &str) -> NewAuditRow {
    NewAuditRow {
        id: uuid::Uuid::now_v7().to_string(),
        at: chrono::Utc::now().naive_utc(),
        actor_sub: "floor".into(),
        actor_org: PROVIDER.into(),
        actor_roles: "provider_worker".into(),
        action: action.into(),
        method: method.into(),
        resource: "/floor".into(),
        crn: None,
        request_id: "floor".into(),
        status: 200,
    }
}

type Ack = mpsc::SyncSender<bool>;

/// The floor's own audit writer: whatever rows have queued, up to 256, in one transaction.
struct GroupCommit {
    queue: mpsc::SyncSender<(NewAuditRow, Ack)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GroupCommit {
    fn start(factory: ConnectionFactory, shared: Arc<Shared>) -> Self {
        let (queue, rx) = mpsc::sync_channel::<(NewAuditRow, Ack)>(4096);
        let mut conn = factory.connect().expect("writer connection");
        let thread = std::thread::spawn(move || {
            let mut rows = Vec::with_capacity(256);
            let mut acks = Vec::with_capacity(256);
            while let Ok(first) = rx.recv() {
                let mut next = Some(first);
                while let Some((row, ack)) = next.take() {
                    rows.push(row);
                    acks.push(ack);
                    if rows.len() < 256 {
                        next = rx.try_recv().ok();
                    }
                }
                let ok = {
                    let _turn = shared.take_turn();
                    write_transaction(&mut conn, |c| audit::insert_batch(c, &rows)).is_ok()
                };
                rows.clear();
                for ack in acks.drain(..) {
                    let _ = ack.send(ok);
                }
            }
        });
        Self {
            queue,
            thread: Some(thread),
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        // Closing the queue ends the writer once the readers' clones are gone.
        let (closed, _) = mpsc::sync_channel(0);
        self.queue = closed;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The service's shared-view read: the referral scoped to the provider, its shared context
/// versions, the order with its person (the organisation comes from the service's cache); then
/// the audit row, either to the group-commit writer (waiting for its batch to commit) or in the
/// same, write, transaction.
fn shared_view_read(
    conn: &mut DbConnection,
    shared: &Shared,
    audit_queue: Option<&mpsc::SyncSender<(NewAuditRow, Ack)>>,
    id: &str,
) -> Result<(), String> {
    let scope = Scope {
        org: PROVIDER,
        kind: Some(OrgKind::Provider),
    };
    let reads = |conn: &mut DbConnection| -> QueryResult<()> {
        let referral = referrals::find_visible(conn, scope, id)?.ok_or(diesel::NotFound)?;
        referrals::contexts(conn, &referral.id)?;
        orders::with_person(conn, &referral.order_id)?;
        Ok(())
    };
    match audit_queue {
        Some(queue) => {
            begin_read(conn).map_err(|e| e.to_string())?;
            let read = reads(conn).map_err(rarlink::error::ApiError::from);
            end_read(conn, read).map_err(|e| e.to_string())?;
            let (ack, committed) = mpsc::sync_channel(1);
            queue
                .send((audit_row("referral.read", "GET"), ack))
                .map_err(|e| e.to_string())?;
            match committed.recv() {
                Ok(true) => Ok(()),
                _ => Err("the audit batch failed".into()),
            }
        }
        None => {
            let _turn = shared.take_turn();
            write_transaction(conn, |conn| {
                reads(conn)?;
                audit::insert(conn, &audit_row("referral.read", "GET"))
            })
            .map_err(|e| e.to_string())
        }
    }
}
