//! Reading a person's current risk assessment.

use crate::db::people::{self, RiskRow};
use crate::db::{from_json, DbConnection};
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;

/// The latest recorded assessment, parsed.
pub fn current(
    conn: &mut DbConnection,
    crn: &str,
) -> Result<Option<(RiskRow, RiskAssessment)>, ApiError> {
    match people::latest_risk(conn, crn)? {
        Some(row) => {
            let assessment = from_json(&row.body, "risk assessment")?;
            Ok(Some((row, assessment)))
        }
        None => Ok(None),
    }
}
