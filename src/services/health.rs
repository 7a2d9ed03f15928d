//! Readiness: the database answers and every migration is applied, so the instance may serve.

use crate::db::{migrations_complete, Backend, DbConnection};
use crate::error::ApiError;
use diesel::connection::SimpleConnection;

/// Checks the database is reachable and fully migrated (`503` otherwise); returns the name of
/// the backend in use (`sqlite` or `postgres`).
pub fn ready(conn: &mut DbConnection) -> Result<&'static str, ApiError> {
    conn.batch_execute("SELECT 1")
        .map_err(|e| ApiError::Unavailable(format!("database unreachable: {e}")))?;
    match migrations_complete(conn) {
        Ok(true) => {}
        Ok(false) => {
            return Err(ApiError::Unavailable(
                "database migrations are pending".into(),
            ))
        }
        Err(e) => {
            return Err(ApiError::Unavailable(format!(
                "cannot read migrations: {e}"
            )))
        }
    }
    Ok(match conn.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    })
}
