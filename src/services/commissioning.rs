//! The commissioning report: per provider and intervention type, what was sent, how fast it was
//! taken up, what was delivered and how it ended, from SQL aggregates over the referrals the
//! caller's organisation may count (its own side's), sent in a period of London dates.

use crate::auth::Role;
use crate::db::commissioning::{
    self as rows, ActionRow, Cohort, DeliveredRow, OutcomeRow, SessionRow, VolumeRow, WaitRow,
};
use crate::error::{ApiError, FieldError};
use crate::rules::working_days::london_date;
use crate::work::Work;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 366 * 5;

/// What the caller asked for.
pub struct ReportRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub provider: Option<String>,
}

/// Everything the report says, per provider and intervention type (the caller's view builds
/// the groups from these rows).
pub struct Report {
    pub volumes: Vec<VolumeRow>,
    pub waits: Vec<WaitRow>,
    pub sessions: Vec<SessionRow>,
    pub delivered: Vec<DeliveredRow>,
    pub outcomes: Vec<OutcomeRow>,
    pub actions: Vec<ActionRow>,
}

/// Refuses a nonsense period: `from` after `to`, a period starting in the future, or longer
/// than [`MAX_DAYS`].
pub fn check_period(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<(), ApiError> {
    let bad = |field: &str, message: &str| {
        ApiError::Validation(vec![FieldError::new(field, "invalid", message)])
    };
    if from > to {
        return Err(bad("from", "from must be on or before to"));
    }
    if from > today {
        return Err(bad("from", "from is in the future"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(bad("to", "a report covers at most five years"));
    }
    Ok(())
}

/// The UTC instant a London date starts.
fn london_start(d: NaiveDate) -> chrono::NaiveDateTime {
    London
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .unwrap_or_else(|| d.and_time(NaiveTime::MIN))
}

/// Runs the report for the caller: a probation manager (or a probation organisation's auditor)
/// counts its organisation's referrals; a provider manager (or auditor) the referrals sent to
/// its provider, and only the safeguarding actions addressed to it; an auditor of the platform
/// organisation counts every referral.
pub fn report(w: &mut Work, req: ReportRequest, platform_org: &str) -> Result<Report, ApiError> {
    check_period(req.from, req.to, london_date(w.now))?;
    let org = w.me.org().to_string();
    let platform = w.me.has(Role::Auditor) && org == platform_org;
    let (probation_org, mut provider_org, prompt_org) = if platform {
        (String::new(), String::new(), String::new())
    } else if w.me.is_probation() {
        (org, String::new(), String::new())
    } else if w.me.is_provider() {
        (String::new(), org.clone(), org)
    } else {
        return Err(ApiError::Forbidden(
            "the commissioning report is for registered organisations".into(),
        ));
    };
    if let Some(p) = req.provider {
        if !provider_org.is_empty() && provider_org != p {
            return Ok(Report::empty());
        }
        provider_org = p;
    }
    let cohort = Cohort {
        from: london_start(req.from),
        to: london_start(req.to.succ_opt().unwrap_or(req.to)),
        probation_org,
        provider_org,
        prompt_org,
        now: w.now.naive_utc(),
    };
    let conn = &mut *w.conn;
    Ok(Report {
        volumes: rows::volumes(conn, &cohort)?,
        waits: rows::waits(conn, &cohort)?,
        sessions: rows::sessions(conn, &cohort)?,
        delivered: rows::delivered(conn, &cohort)?,
        outcomes: rows::outcomes(conn, &cohort)?,
        actions: rows::actions(conn, &cohort)?,
    })
}

impl Report {
    fn empty() -> Self {
        Report {
            volumes: Vec::new(),
            waits: Vec::new(),
            sessions: Vec::new(),
            delivered: Vec::new(),
            outcomes: Vec::new(),
            actions: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_period_backwards_in_the_future_or_too_long_is_refused() {
        let today = d(6, 1);
        assert!(check_period(d(3, 1), d(3, 31), today).is_ok());
        assert!(
            check_period(d(3, 1), d(12, 31), today).is_ok(),
            "to may run on"
        );
        assert!(check_period(d(3, 31), d(3, 1), today).is_err());
        assert!(check_period(d(7, 1), d(7, 31), today).is_err());
        let long_ago = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        assert!(check_period(long_ago, d(3, 1), today).is_err());
    }

    #[test]
    fn a_period_starts_at_london_midnight() {
        assert_eq!(london_start(d(3, 2)), d(3, 2).and_hms_opt(0, 0, 0).unwrap());
        assert_eq!(
            london_start(d(7, 1)),
            d(6, 30).and_hms_opt(23, 0, 0).unwrap()
        );
    }
}
