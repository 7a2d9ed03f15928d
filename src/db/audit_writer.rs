//! Group commit of read audit entries: one writer per instance commits the entries of concurrent
//! reads in batches, and each read waits until its entry is committed before it answers.
//!
//! A read runs in a read transaction and never takes the write lock; its audit entry is handed
//! here. The writer takes the entries queued so far (at most [`MAX_BATCH`]), inserts them in one
//! transaction on its own connection and, once that committed, releases every read waiting on
//! the batch. Entries queue up while a batch commits, so batches grow with the load and a read
//! at low load waits for one small commit only (no timer: waiting for company would add latency
//! to every quiet read). A batch that fails is reported to every read in it, which answers with
//! an error instead of its data: no case data leaves without a durable audit entry.
//!
//! A read waits a bounded time (the pool timeout) for its batch: when the writer cannot commit
//! in time (the write lock held elsewhere, a slow disk), the read answers `503` with
//! `Retry-After` instead of hanging ([`Refused::TimedOut`]). Its entry may still commit later:
//! the log may then show a read whose data never left, never a read that left unaudited.
//!
//! On SQLite the writer takes the writer's turn ([`super::WriterTurn`]) around each batch, so it
//! queues with the other writers; on PostgreSQL every instance has its own writer, and the rows
//! are sealed by the ledger like any other (`super::ledger`).

use super::audit::{self, NewAuditRow};
use super::{write_transaction, ConnectionFactory, DbConnection, WriterTurn};
use crate::error::ApiError;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most entries committed in one transaction (and one `INSERT`).
pub const MAX_BATCH: usize = 256;
/// Entries waiting for the writer; a read finding the queue full waits for room.
const QUEUE: usize = 4096;

struct Pending {
    row: NewAuditRow,
    done: oneshot::Sender<Result<(), ApiError>>,
}

/// The handle reads append their audit entries through (cheap to clone).
#[derive(Clone)]
pub struct AuditWriter(Arc<Inner>);

struct Inner {
    factory: ConnectionFactory,
    turn: WriterTurn,
    /// How long a read waits for room in the queue and for its batch to commit.
    wait: Duration,
    /// Started on the first entry, so commands that never read (migrate, token) start no thread.
    queue: OnceLock<mpsc::Sender<Pending>>,
}

/// Why a read's entry was not confirmed committed: either way the read must not return its data.
#[derive(Debug)]
pub enum Refused {
    /// The batch failed, or the writer could not start or stopped.
    Failed(ApiError),
    /// Not committed within the wait (`503`). The entry may still be queued and commit later, so
    /// the read is not audited a second time (that insert would wait on the same writer).
    TimedOut(ApiError),
}

impl Refused {
    pub fn into_error(self) -> ApiError {
        match self {
            Refused::Failed(e) | Refused::TimedOut(e) => e,
        }
    }
}

impl AuditWriter {
    /// `wait` bounds how long a read waits for its entry to commit (the pool timeout).
    pub fn new(factory: ConnectionFactory, turn: WriterTurn, wait: Duration) -> Self {
        Self(Arc::new(Inner {
            factory,
            turn,
            wait,
            queue: OnceLock::new(),
        }))
    }

    /// Appends a read's audit entry and waits, at most the configured wait, until it is
    /// committed. An error means the entry may not be stored: the read must not return its data.
    pub async fn append(&self, row: NewAuditRow) -> Result<(), Refused> {
        let queue = self.queue().map_err(Refused::Failed)?;
        let committed = async {
            let (done, committed) = oneshot::channel();
            queue
                .send(Pending { row, done })
                .await
                .map_err(|_| ApiError::internal("the audit writer has stopped"))?;
            committed
                .await
                .map_err(|_| ApiError::internal("the audit writer stopped before committing"))?
        };
        match tokio::time::timeout(self.0.wait, committed).await {
            Ok(outcome) => outcome.map_err(Refused::Failed),
            Err(_) => {
                tracing::warn!(
                    wait_ms = self.0.wait.as_millis() as u64,
                    "a read's audit entry was not committed in time; the read answers 503"
                );
                Err(Refused::TimedOut(ApiError::Unavailable(
                    "the audit log could not record this read in time; retry shortly".into(),
                )))
            }
        }
    }

    fn queue(&self) -> Result<&mpsc::Sender<Pending>, ApiError> {
        if let Some(queue) = self.0.queue.get() {
            return Ok(queue);
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let inner = self.0.clone();
        let mut started = Ok(());
        let queue = self.0.queue.get_or_init(|| {
            started = std::thread::Builder::new()
                .name("rarlink-audit-writer".into())
                .spawn(move || run(rx, &inner.factory, &inner.turn))
                .map(|_| ());
            tx
        });
        started.map_err(|e| ApiError::internal_from("starting the audit writer", e))?;
        Ok(queue)
    }
}

/// The writer's loop: ends when every handle is gone (the channel closes).
fn run(mut queue: mpsc::Receiver<Pending>, factory: &ConnectionFactory, turn: &WriterTurn) {
    let mut conn: Option<DbConnection> = None;
    let mut rows: Vec<NewAuditRow> = Vec::with_capacity(MAX_BATCH);
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.blocking_recv() {
        let mut next = Some(first);
        while let Some(Pending { row, done }) = next.take() {
            rows.push(row);
            waiting.push(done);
            if rows.len() < MAX_BATCH {
                next = queue.try_recv().ok();
            }
        }
        let outcome = commit(&mut conn, factory, turn, &rows);
        if outcome.is_err() {
            // Reconnect for the next batch: the connection may be what failed.
            conn = None;
        }
        rows.clear();
        for done in waiting.drain(..) {
            let result = match &outcome {
                Ok(()) => Ok(()),
                Err(e) => Err(shared_error(e)),
            };
            // A read that is no longer waiting (its client went away) needs no answer.
            let _ = done.send(result);
        }
    }
}

fn commit(
    conn: &mut Option<DbConnection>,
    factory: &ConnectionFactory,
    turn: &WriterTurn,
    rows: &[NewAuditRow],
) -> Result<(), ApiError> {
    let conn = match conn {
        Some(conn) => conn,
        None => conn.insert(factory.connect().map_err(|e| {
            tracing::warn!(error = %e, "the audit writer cannot connect to the database");
            ApiError::Unavailable("the database is unavailable".into())
        })?),
    };
    let _turn = turn.take();
    write_transaction(conn, |conn| audit::insert_batch(conn, rows)).map_err(|e| {
        tracing::warn!(error = %e, rows = rows.len(), "could not commit read audit entries");
        ApiError::from(e)
    })
}

/// The error each read of a failed batch answers with: `503` when the database is unavailable
/// or busy (the client may retry), else `500`.
fn shared_error(e: &ApiError) -> ApiError {
    match e {
        ApiError::Unavailable(detail) => ApiError::Unavailable(detail.clone()),
        other => ApiError::internal(format!("committing read audit entries: {other}")),
    }
}
