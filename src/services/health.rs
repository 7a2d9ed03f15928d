//! Readiness: the database answers and every migration is applied, so the instance may serve.

use crate::db::{migrations_complete, Backend, DbConnection};
use crate::error::ApiError;
use diesel::connection::SimpleConnection;

/// Checks the database is reachable and fully migrated (`503` otherwise); returns the name of
/// the backend in use (`sqlite` or `postgres`).
pub fn ready(conn: &mut DbConnection) -> Result<&'static str, ApiError> {
    // The answer is a fixed sentence (readiness is unauthenticated); the cause goes to the log.
    if let Err(e) = conn.batch_execute("SELECT 1") {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return Err(ApiError::Unavailable("the database is unreachable".into()));
    }
    match migrations_complete(conn) {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::Unavailable(
                "database migrations are pending".into(),
            ))
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read the applied migrations");
            return Err(ApiError::Unavailable(
                "the database's migrations cannot be read".into(),
            ));
        }
    }
    Ok(match conn.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    })
}
