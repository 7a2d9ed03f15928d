//! The write floors: the statements the service runs for one attendance write (a correction,
//! as most of the isolated workload is once every seeded session has its attendance) and one
//! disclosure write, as the service runs them now (its statement log on either backend), each in
//! one write transaction, through diesel with every statement prepared once per connection. On
//! PostgreSQL the first statement reads the session or referral and takes the case lock
//! together (`FROM people JOIN … FOR UPDATE`, as `services::access` does); SQLite takes no case
//! lock and runs the plain scoped look-up instead, so both backends run the same count.

use super::floor::{audit_row, Shared, PROVIDER};
use chrono::Utc;
use diesel::prelude::*;
use rarlink::db::appointments::{self, AppointmentRow, HistoryRow};
use rarlink::db::disclosures::{self, DisclosureRow};
use rarlink::db::events::{self, NewEventRow};
use rarlink::db::prompt_steps;
use rarlink::db::prompts::{self, PromptRow};
use rarlink::db::{audit, orders, people, referrals, write_transaction, DbConnection, Scope};
use rarlink::domain::appointment::Attended;
use rarlink::domain::disclosure::{DisclosedBy, DisclosureType};
use rarlink::domain::prompt::{AssigneeRole, PromptStatus, PromptStep, TriggerKind};
use rarlink::domain::OrgKind;
use rarlink::rules::RuleId;

const SCOPE: Scope<'static> = Scope {
    org: PROVIDER,
    kind: Some(OrgKind::Provider),
};

fn event_row(event_type: &str, crn: &str) -> NewEventRow {
    NewEventRow {
        id: uuid::Uuid::now_v7().to_string(),
        event_type: event_type.into(),
        version: 1,
        occurred_at: Utc::now().naive_utc(),
        description: "floor".into(),
        detail_url: "/floor".into(),
        additional_information: "{}".into(),
        crn: Some(crn.into()),
        org_code: "PDU-BENCH".into(),
        provider_org_code: Some(PROVIDER.into()),
        actor_sub: Some("floor".into()),
        actor_org: Some(PROVIDER.into()),
    }
}

/// The session as the service's write loads it: on PostgreSQL in the statement that takes the
/// case lock, on SQLite by the scoped look-up.
fn appointment(conn: &mut DbConnection, id: &str) -> QueryResult<AppointmentRow> {
    match conn {
        DbConnection::Postgresql(pg) => appointments::find_visible_locking_case(pg, SCOPE, id),
        _ => appointments::find_visible(conn, SCOPE, id),
    }?
    .ok_or(diesel::NotFound)
}

/// The referral as the service's write loads it (see [`appointment`]).
fn referral(conn: &mut DbConnection, id: &str) -> QueryResult<referrals::ReferralRow> {
    match conn {
        DbConnection::Postgresql(pg) => referrals::find_visible_locking_case(pg, SCOPE, id),
        _ => referrals::find_visible(conn, SCOPE, id),
    }?
    .ok_or(diesel::NotFound)
}

/// An attendance correction: the session (PostgreSQL: with the case lock), its referral, the
/// history row, the order, the prompts it raised (once: the service closes the absence prompt
/// and the accepted-absence review the correction makes moot from one read), the update, its
/// history for the answer, the event and the audit row: 9 statements on either backend (a first
/// recording skips the prompt look-up: 8).
pub fn attendance(conn: &mut DbConnection, shared: &Shared, id: &str) -> Result<(), String> {
    let _turn = shared.take_turn();
    write_transaction(conn, |conn| {
        let mut a = appointment(conn, id)?;
        let referral =
            referrals::find_visible(conn, SCOPE, &a.referral_id)?.ok_or(diesel::NotFound)?;
        let before = r#"{"attended":"YES"}"#.to_string();
        appointments::insert_history(
            conn,
            &HistoryRow {
                id: uuid::Uuid::now_v7().to_string(),
                appointment_id: a.id.clone(),
                change: "ATTENDANCE_CORRECTED".into(),
                at: Utc::now().naive_utc(),
                by_sub: "floor".into(),
                requested_by: None,
                reason: Some("Benchmark correction".into()),
                before: Some(before),
                after: "{}".into(),
            },
        )?;
        orders::get(conn, &referral.order_id)?;
        prompts::triggered_by(conn, &a.id)?;
        a.attended = Some(Attended::Yes);
        a.attendance_recorded_at = Some(Utc::now().naive_utc());
        appointments::save(conn, &a)?;
        appointments::history(conn, &a.id)?;
        events::insert_all(conn, &[event_row("rarlink.appointment.attendance", &a.crn)])?;
        audit::insert(conn, &audit_row("attendance.record", "PUT"))
    })
    .map_err(|e: diesel::result::Error| e.to_string())
}

/// A provider's `OTHER` disclosure on a referral: the referral (PostgreSQL: with the case lock),
/// its order, the current risk, the household declarations, the disclosure, the two dedup
/// look-ups, the prompt it raises and its first history step, two events and the audit row: 12
/// statements on either backend. `OTHER` has no case-wide rule, so the service no longer loads
/// the whole case (orders, risk, household, every disclosure, declarations) for it.
pub fn disclosure(conn: &mut DbConnection, shared: &Shared, id: &str) -> Result<(), String> {
    let _turn = shared.take_turn();
    write_transaction(conn, |conn| {
        let referral = referral(conn, id)?;
        let crn = referral.crn.clone();
        orders::get(conn, &referral.order_id)?;
        people::latest_risk(conn, &crn)?;
        people::declarations(conn, &crn)?;
        let now = Utc::now().naive_utc();
        let row = DisclosureRow {
            id: uuid::Uuid::now_v7().to_string(),
            crn: crn.clone(),
            probation_org: referral.probation_org.clone(),
            referral_id: Some(referral.id.clone()),
            order_id: Some(referral.order_id.clone()),
            provider_org: Some(PROVIDER.into()),
            disclosure_type: DisclosureType::Other,
            disclosed_at: now,
            disclosed_by: DisclosedBy::PersonOnProbation,
            summary: "Benchmark floor disclosure".into(),
            details: None,
            immediate_action_taken: None,
            corrects: None,
            no_prompt_reason: None,
            recorded_at: now,
            recorded_by: "floor".into(),
            recorded_by_org: PROVIDER.into(),
            predates_referral: false,
        };
        disclosures::insert(conn, &row)?;
        let key = format!("disclosure-consider|{crn}|disclosure:{}", row.id);
        prompts::open_with_key(conn, &key)?;
        prompts::latest_with_key_since(conn, &key, now - chrono::Duration::days(90))?;
        let prompt = PromptRow {
            id: uuid::Uuid::now_v7().to_string(),
            crn: crn.clone(),
            probation_org: referral.probation_org.clone(),
            org: referral.probation_org.clone(),
            order_id: Some(referral.order_id.clone()),
            referral_id: Some(referral.id.clone()),
            rule: RuleId::DisclosureConsider,
            title: "Consider the disclosure".into(),
            action: "Read the disclosure and decide.".into(),
            rationale: "Benchmark floor".into(),
            guidance: "[]".into(),
            triggered_by_kind: TriggerKind::Disclosure,
            triggered_by_id: row.id.clone(),
            assignee_role: AssigneeRole::ResponsibleOfficer,
            assignee: Some("officer".into()),
            mandatory: false,
            dedup_key: key,
            status: PromptStatus::Open,
            raised_at: now,
            due_at: now + chrono::Duration::days(5),
            escalated_at: None,
            outcome: None,
            resolution_note: None,
            external_reference: None,
            resolved_at: None,
            resolved_by: None,
            resolved_by_role: None,
            reporting_org: Some(PROVIDER.into()),
        };
        prompts::insert(conn, &prompt)?;
        prompt_steps::insert_step(
            conn,
            &prompt_steps::HistoryRow {
                id: uuid::Uuid::now_v7().to_string(),
                prompt_id: prompt.id.clone(),
                at: now,
                step: PromptStep::Raised,
                from_status: None,
                to_status: PromptStatus::Open,
                actor: "floor".into(),
                actor_role: Some("provider_worker".into()),
                note: None,
                outcome: None,
            },
        )?;
        events::insert_all(
            conn,
            &[
                event_row("rarlink.disclosure.recorded", &crn),
                event_row("rarlink.safeguarding-prompt.raised", &crn),
            ],
        )?;
        audit::insert(conn, &audit_row("disclosure.record", "POST"))
    })
    .map_err(|e: diesel::result::Error| e.to_string())
}
