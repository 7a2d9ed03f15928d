//! Risk use cases: recording an assessment (appended, never overwritten) and re-sharing it with
//! providers, reading the current assessment and the history.

use super::{access, case_rules, referrals};
use crate::db::people::{self, RiskRow};
use crate::db::{from_json, to_json, DbConnection};
use crate::domain::events::{DomainEvent, RiskAssessed};
use crate::domain::risk::RiskAssessment;
use crate::domain::Crn;
use crate::error::ApiError;
use crate::rules::working_days::london_date;
use crate::work::{Event, Work};
use chrono::NaiveDateTime;

/// A recorded assessment with its parsed body.
pub struct Risk {
    pub row: RiskRow,
    pub assessment: RiskAssessment,
}

impl Risk {
    fn parse(row: RiskRow) -> Result<Self, ApiError> {
        let assessment = from_json(&row.body, "risk assessment")?;
        Ok(Self { row, assessment })
    }
}

/// A new assessment and the referrals whose providers were sent it to acknowledge.
pub struct Recorded {
    pub risk: Risk,
    /// Ids of the referrals given a new version of the shared risk context.
    pub reshared: Vec<String>,
}

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

/// Records an assessment of a person the caller manages, and re-shares it with every provider
/// whose shared risk context it changes.
pub fn record(w: &mut Work, crn: &Crn, assessment: RiskAssessment) -> Result<Recorded, ApiError> {
    let person = access::person(w, crn)?;
    assessment
        .validate(london_date(w.now), Some(person.date_of_birth))
        .into_result()?;
    let previous = current(w.conn, &person.crn)?.map(|(_, a)| a);
    let row = RiskRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: person.crn.clone(),
        assessed_on: assessment.assessed_on,
        recorded_at: w.now.naive_utc(),
        recorded_by: w.me.sub().to_string(),
        body: to_json(&assessment)?,
    };
    people::insert_risk(w.conn, &row)?;
    case_rules::after_risk_recorded(w, &person, &row.id, previous.as_ref(), &assessment)?;
    w.emit(Event {
        payload: DomainEvent::RiskAssessed(RiskAssessed {
            assessment_id: row.id.clone(),
            highest_rosh: assessment.rosh().highest(),
            flags: assessment.flags.clone(),
        }),
        description: format!("Risk assessment recorded for {}", person.crn),
        detail_path: format!("/api/v1/people/{}/risk", person.crn),
        crn: Some(person.crn.clone()),
        org: person.managing_org.clone(),
        provider_org: None,
    });
    let reshared = referrals::reshare_after_risk_change(w, &person.crn, &row.id, &assessment)?
        .into_iter()
        .map(|(referral, _, _)| referral.id)
        .collect();
    Ok(Recorded {
        risk: Risk { row, assessment },
        reshared,
    })
}

/// The person's current assessment (`404` when none is recorded).
pub fn current_of(w: &mut Work, crn: &Crn) -> Result<Risk, ApiError> {
    let person = access::person(w, crn)?;
    let (row, assessment) = current(w.conn, &person.crn)?.ok_or_else(|| {
        ApiError::NotFound("no risk assessment is recorded for this person".into())
    })?;
    Ok(Risk { row, assessment })
}

/// Up to `limit` assessments of the person, newest first, after the position `after`
/// (`(recorded_at, id)` of the last one seen).
pub fn history(
    w: &mut Work,
    crn: &Crn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Risk>, ApiError> {
    let person = access::person(w, crn)?;
    people::risk_page(w.conn, &person.crn, after, limit)?
        .into_iter()
        .map(Risk::parse)
        .collect()
}
