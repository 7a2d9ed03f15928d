//! The database: one diesel connection type over SQLite or PostgreSQL, its pool, migrations and transactions.
//!
//! The backend is chosen from the `DATABASE_URL` scheme (see [`crate::config::DatabaseTarget`]); every query
//! in the crate is written once against [`DbConnection`]. Diesel calls block, so handlers reach the
//! database only through [`Db::run`], which moves the work onto actix's blocking thread pool.

pub mod action_plans;
pub mod amendments;
pub mod appointments;
pub mod audit;
pub mod audit_writer;
pub mod calendar;
pub mod case_notes;
pub mod caseload;
pub mod chain;
pub mod chronology;
pub mod commissioning;
pub mod dashboard;
pub mod disclosures;
pub mod events;
pub mod export;
pub mod idempotency;
pub mod ledger;
pub mod notifications;
pub mod orders;
pub mod organisations;
pub mod people;
pub mod prompt_steps;
pub mod prompts;
pub mod referrals;
pub mod reports;
pub mod retention;
pub mod schema;
pub mod staff;
pub mod termination;
pub mod transfer;
pub mod webhooks;

use crate::config::DatabaseTarget;
use crate::domain::OrgKind;
use crate::error::ApiError;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the service was started on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Whose rows a scoped query may return: the caller's organisation and the side of a case it
/// acts for (`None` for callers, such as auditors, whose permission reads no case data: scoped
/// queries return nothing for them).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub org: &'a str,
    pub kind: Option<OrgKind>,
}

impl Scope<'_> {
    pub fn is_probation(&self) -> bool {
        self.kind == Some(OrgKind::Probation)
    }
    pub fn is_provider(&self) -> bool {
        self.kind == Some(OrgKind::Provider)
    }
}

/// Which backend a connection or pool uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgresql(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections for the pool. We pick the variant from the URL ourselves, rather than
/// `MultiConnection::establish`, so that a wrong password or a missing directory is reported as such.
#[derive(Debug, Clone)]
pub struct ConnectionFactory {
    target: DatabaseTarget,
    /// PostgreSQL `statement_timeout` for the pool's connections (not for migrations), so a
    /// request stuck behind a lock ends in a `503` instead of waiting for ever.
    statement_timeout: Option<Duration>,
}

/// How the pool behaves: its size, how long a request waits for a connection, and how long one
/// statement may run (PostgreSQL; SQLite waits at most its `busy_timeout` for the write lock).
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    pub size: u32,
    pub timeout: Duration,
    pub statement_timeout: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

impl ConnectionFactory {
    pub fn new(target: DatabaseTarget) -> Self {
        Self {
            target,
            statement_timeout: None,
        }
    }

    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.target {
            DatabaseTarget::Postgres { url } => {
                let url = with_connect_timeout(url.expose());
                let mut conn = PgConnection::establish(&url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                if let Some(limit) = self.statement_timeout {
                    conn.batch_execute(&format!(
                        "SET statement_timeout = {}",
                        limit.as_millis().max(1)
                    ))?;
                }
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseTarget::Sqlite { path } => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // busy_timeout first, so connections opened in parallel wait rather than fail;
                // WAL with synchronous=NORMAL keeps every acknowledged commit across a process kill.
                // No memory map: every mapped page of the file counted in the service's resident
                // memory (the whole database, 60+ MiB in the benchmark); pages are read into each
                // connection's page cache instead (2 MiB at most each, SQLite's default).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA mmap_size = 0;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// Turns SQLite's memory statistics off: with them on, every allocation of every connection
/// takes one global mutex, so threads reading side by side queue on it.
///
/// # Safety
/// Call it once, from `main` before any other thread exists and before any SQLite connection
/// is opened (`sqlite3_config` is not thread-safe; once SQLite is initialised it only returns
/// `SQLITE_MISUSE`, which is logged).
pub unsafe fn sqlite_memory_statistics_off() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: the caller guarantees no other thread uses SQLite yet; the option takes one int.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::os::raw::c_int,
            )
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(rc, "SQLite memory statistics stay on (already initialised)");
        }
    });
}

/// Caps glibc's malloc arenas at two. By default glibc gives each thread that allocates while
/// another holds an arena its own arena (up to 8 per core), and freed memory stays in the arena
/// it came from: with a blocking thread per in-flight request that held tens of MiB resident.
/// Two arenas keep contention low on the service's few busy threads.
///
/// # Safety
/// Call it first thing in `main`, before any other thread exists.
pub unsafe fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(
                param: std::os::raw::c_int,
                value: std::os::raw::c_int,
            ) -> std::os::raw::c_int;
        }
        /// glibc's `M_ARENA_MAX` (malloc.h).
        const M_ARENA_MAX: std::os::raw::c_int = -8;
        // SAFETY: the caller guarantees no other thread allocates yet; mallopt only sets a limit.
        let _ = unsafe { mallopt(M_ARENA_MAX, 2) };
    }
}

/// Adds `connect_timeout=2` to a PostgreSQL URL that sets none, so an unreachable server fails fast.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout=2")
}

impl ManageConnection for ConnectionFactory {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        ConnectionFactory::connect(self)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type DbPool = Pool<ConnectionFactory>;
pub type PooledConn = PooledConnection<ConnectionFactory>;

/// The application's handle on the database.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    factory: ConnectionFactory,
    backend: Backend,
    /// SQLite has one writer. Queuing the writes here hands the lock over at once, instead of
    /// SQLite's busy handler putting waiting connections to sleep for up to 100 ms at a time
    /// (the cause of long tail latencies).
    sqlite_writer: Option<std::sync::Arc<std::sync::Mutex<()>>>,
    /// Commits the audit entries of reads in batches ([`audit_writer`]).
    audit_writer: audit_writer::AuditWriter,
}

impl Db {
    /// Builds the pool without opening connections yet; [`Db::migrate`] opens the first.
    pub fn new(target: &DatabaseTarget, options: PoolOptions) -> Result<Self, String> {
        if let DatabaseTarget::Sqlite { path } = target {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.exists() {
                    return Err(format!(
                        "the directory for the SQLite database does not exist: {}",
                        parent.display()
                    ));
                }
            }
        }
        let backend = match target {
            DatabaseTarget::Sqlite { .. } => Backend::Sqlite,
            DatabaseTarget::Postgres { .. } => Backend::Postgres,
        };
        let pooled = ConnectionFactory {
            target: target.clone(),
            statement_timeout: options.statement_timeout,
        };
        let pool = r2d2::Pool::builder()
            .max_size(options.size)
            .min_idle(Some(0))
            .connection_timeout(options.timeout)
            .test_on_check_out(false)
            .build_unchecked(pooled.clone());
        let sqlite_writer: Option<std::sync::Arc<std::sync::Mutex<()>>> =
            (backend == Backend::Sqlite).then(Default::default);
        Ok(Self {
            pool,
            factory: ConnectionFactory::new(target.clone()),
            backend,
            audit_writer: audit_writer::AuditWriter::new(
                pooled,
                WriterTurn(sqlite_writer.clone()),
                options.timeout,
            ),
            sqlite_writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// The instance's writer of read audit entries (group commit).
    pub fn audit_writer(&self) -> &audit_writer::AuditWriter {
        &self.audit_writer
    }

    /// Runs blocking diesel work on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_with_turn(move |conn, turn| {
            let _turn = turn.take();
            f(conn)
        })
        .await
    }

    /// As [`Db::run`], for work that writes only at its end (a read and its audit entry, or one
    /// transaction): `f` takes the writer's turn ([`WriterTurn::take`]) just around its writes,
    /// so on SQLite reads still run side by side.
    pub async fn run_with_turn<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &WriterTurn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let turn = WriterTurn(self.sqlite_writer.clone());
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn, &turn)
        })
        .await?
    }

    /// Applies pending migrations of this backend on a fresh connection (so a connection
    /// failure is reported with its real cause); returns how many ran.
    /// Makes the stored working-day calendar match `rows` (see [`calendar::ensure`]).
    pub fn refresh_calendar(&self, rows: &[calendar::CalendarRow]) -> Result<bool, String> {
        let mut conn = self
            .factory
            .connect()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        calendar::ensure(&mut conn, rows)
            .map_err(|e| format!("cannot store the working-day calendar: {e}"))
    }

    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self
            .factory
            .connect()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        run_migrations(&mut conn)
    }
}

/// Stores a value as JSON text (nested lists and documents live in text columns on both backends).
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal_from("serialising", e))
}

/// Reads JSON text written by [`to_json`]; a row that does not parse is a bug, not bad input.
pub fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::internal_from(format!("stored {what} is corrupt"), e))
}

/// An id read back from a text column. Every id is written as a UUID, so one that does not
/// parse is corrupt data: an internal error, never a nil id sent to a client.
pub fn stored_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    text.parse()
        .map_err(|e| ApiError::internal_from(format!("stored id {text:?}"), e))
}

/// The right to write on SQLite (a no-op on PostgreSQL, which has no single writer).
#[derive(Clone)]
pub struct WriterTurn(Option<std::sync::Arc<std::sync::Mutex<()>>>);

impl WriterTurn {
    /// Waits for, and holds until dropped, the turn to write.
    pub fn take(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        self.0
            .as_ref()
            .map(|w| w.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

/// Applies every pending migration for the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, String> {
    let started = std::time::Instant::now();
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map(|versions| versions.len())
    .map_err(|e| format!("migration failed: {e}"))?;
    let migrated = started.elapsed();
    people::backfill_search_names(conn).map_err(|e| format!("backfilling search names: {e}"))?;
    tracing::debug!(
        applied,
        migrations_ms = migrated.as_secs_f64() * 1000.0,
        backfill_ms = (started.elapsed() - migrated).as_secs_f64() * 1000.0,
        "migrations run"
    );
    Ok(applied)
}

/// True when every migration embedded in the binary has been applied.
pub fn migrations_complete(conn: &mut DbConnection) -> Result<bool, String> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| e.to_string())?;
    Ok(!pending)
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that reads
/// and then writes waits for the write lock up front instead of failing with `SQLITE_BUSY` midway.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Begins a read transaction: one consistent snapshot for the whole read. On SQLite a deferred
/// `BEGIN` takes no lock until the first read and never the write lock (readers run side by
/// side under WAL); on PostgreSQL a `REPEATABLE READ` snapshot, which waits on no row lock.
pub fn begin_read(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ",
        ),
    }
}

/// Ends a read transaction begun by [`begin_read`]: commits it when the read succeeded, rolls
/// it back otherwise (the read's own error is the one returned).
pub fn end_read<T>(conn: &mut DbConnection, read: Result<T, ApiError>) -> Result<T, ApiError> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    match read {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, "could not roll back a read transaction");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_an_internal_error() {
        assert!(stored_id("0190a0a0-0000-7000-8000-000000000000").is_ok());
        for bad in ["not-a-uuid", ""] {
            assert!(
                matches!(stored_id(bad), Err(ApiError::Internal { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn postgres_urls_get_a_connect_timeout_unless_they_set_one() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable"),
            "postgres://h/db?sslmode=disable&connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9"),
            "postgres://h/db?connect_timeout=9"
        );
    }
}
