//! The silence checks of the background task: live referrals, past sessions and active orders
//! are read, `rules::silence` decides what nobody said in time, and each prompt is raised once
//! per fact (see [`prompts::raise_once_as_system`]), safely with several instances.

use super::prompts::{self, Origin};
use crate::db::appointments::{self as appointment_rows, AppointmentRow};
use crate::db::orders::{self, OrderRow};
use crate::db::referrals::{self as referral_rows, ReferralRow};
use crate::db::{from_json, DbConnection};
use crate::domain::appointment::AppointmentStatus;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{ReferralContent, ReferralStatus};
use crate::error::ApiError;
use crate::rules::prompt::PromptSpec;
use crate::rules::silence::{self as rules, Parties, ReferralFact, SessionFact};
use crate::rules::working_days::london_date;
use crate::rules::RulesConfig;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Orders read once per run.
struct Orders(HashMap<String, OrderRow>);

impl Orders {
    fn get(&mut self, conn: &mut DbConnection, id: &str) -> Result<&OrderRow, ApiError> {
        if !self.0.contains_key(id) {
            let order = orders::get(conn, id)?;
            self.0.insert(id.to_string(), order);
        }
        Ok(&self.0[id])
    }
}

/// Runs every silence check once; returns how many prompts were raised.
pub fn check(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
) -> Result<usize, ApiError> {
    let mut orders = Orders(HashMap::new());
    let live = referral_rows::live(conn)?;
    let mut raised = referrals(conn, now, rules, &mut orders, &live)?;
    raised += sessions(conn, now, rules, &mut orders, &live)?;
    raised += orders_past_end(conn, now, rules)?;
    Ok(raised)
}

fn raise_all(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
    specs: Vec<PromptSpec>,
    origin: &Origin,
) -> Result<usize, ApiError> {
    let mut raised = 0;
    for spec in specs {
        if prompts::raise_once_as_system(conn, now, rules, spec, origin)? {
            raised += 1;
        }
    }
    Ok(raised)
}

fn referral_origin<'a>(r: &'a ReferralRow, kind: TriggerKind, id: &'a str) -> Origin<'a> {
    Origin {
        crn: &r.crn,
        probation_org: &r.probation_org,
        provider_org: Some(&r.provider_org),
        order_id: Some(&r.order_id),
        referral_id: Some(&r.id),
        kind,
        id,
    }
}

/// `referral-not-accepted`, `no-first-appointment` and `referral-overdue`.
fn referrals(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
    orders: &mut Orders,
    live: &[ReferralRow],
) -> Result<usize, ApiError> {
    let today = london_date(now);
    let mut raised = 0;
    for r in live {
        let content: ReferralContent = from_json(&r.content, "referral content")?;
        let mut fact = ReferralFact {
            parties: Parties {
                crn: &r.crn,
                responsible_officer: None,
                provider_org: &r.provider_org,
            },
            referral_id: &r.id,
            status: r.status,
            sent_on: r.sent_at.map(|t| london_date(t.and_utc())),
            accepted_on: r.accepted_at.map(|t| london_date(t.and_utc())),
            session_booked: false,
            completion_deadline: content.completion_deadline,
        };
        // Read the sessions and the order only for a referral that is silent.
        if rules::referral_silence(&fact, today, &rules.silence, &rules.calendar).is_empty() {
            continue;
        }
        if r.status == ReferralStatus::Accepted {
            fact.session_booked = appointment_rows::for_referral(conn, &r.id)?
                .iter()
                .any(|a| a.status != AppointmentStatus::Cancelled);
        }
        let officer = orders.get(conn, &r.order_id)?.responsible_officer.clone();
        fact.parties.responsible_officer = Some(&officer);
        let specs = rules::referral_silence(&fact, today, &rules.silence, &rules.calendar);
        raised += raise_all(
            conn,
            now,
            rules,
            specs,
            &referral_origin(r, TriggerKind::Referral, &r.id),
        )?;
    }
    Ok(raised)
}

/// `attendance-not-recorded`, for sessions of referrals the provider is still delivering.
fn sessions(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
    orders: &mut Orders,
    live: &[ReferralRow],
) -> Result<usize, ApiError> {
    let today = london_date(now);
    let active: HashMap<&str, &ReferralRow> = live
        .iter()
        .filter(|r| r.status.is_active())
        .map(|r| (r.id.as_str(), r))
        .collect();
    // A session silent for n working days started more than n calendar days ago.
    let before = now - Duration::days(rules.silence.attendance_provider.into());
    let mut raised = 0;
    for a in appointment_rows::unrecorded_before(conn, before.naive_utc())? {
        let ended = a.starts_at.and_utc() + Duration::minutes(a.duration_minutes.into());
        let Some(r) = active.get(a.referral_id.as_str()).copied() else {
            continue;
        };
        let officer = orders.get(conn, &r.order_id)?.responsible_officer.clone();
        let specs = session_specs(&a, r, &officer, london_date(ended), today, rules);
        raised += raise_all(
            conn,
            now,
            rules,
            specs,
            &referral_origin(r, TriggerKind::Appointment, &a.id),
        )?;
    }
    Ok(raised)
}

fn session_specs(
    a: &AppointmentRow,
    r: &ReferralRow,
    officer: &str,
    ended_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
    rules: &RulesConfig,
) -> Vec<PromptSpec> {
    let fact = SessionFact {
        parties: Parties {
            crn: &r.crn,
            responsible_officer: Some(officer),
            provider_org: &r.provider_org,
        },
        appointment_id: &a.id,
        ended_on,
    };
    rules::attendance_silence(&fact, today, &rules.silence, &rules.calendar)
}

/// `order-past-end`, for active orders whose end date has passed.
fn orders_past_end(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    rules: &RulesConfig,
) -> Result<usize, ApiError> {
    let today = london_date(now);
    let Some(yesterday) = today.pred_opt() else {
        return Ok(0);
    };
    let mut raised = 0;
    for order in orders::ending_by(conn, yesterday)? {
        let specs = rules::order_past_end(
            &order.crn,
            &order.responsible_officer,
            &order.id,
            order.end_date,
            today,
        );
        let origin = Origin {
            crn: &order.crn,
            probation_org: &order.managing_org,
            provider_org: None,
            order_id: Some(&order.id),
            referral_id: None,
            kind: TriggerKind::Order,
            id: &order.id,
        };
        raised += raise_all(conn, now, rules, specs, &origin)?;
    }
    Ok(raised)
}
