//! The chronology's entries, built by pure functions from loaded rows: each record in the words
//! it was recorded with, when it happened and when it was entered, merged in the order things
//! happened.

use crate::db::appointments::AppointmentRow;
use crate::db::case_notes::CaseNoteRow;
use crate::db::chronology::Window;
use crate::db::disclosures::DisclosureRow;
use crate::db::events::EventRow;
use crate::db::from_json;
use crate::db::people::{DeclarationRow, RiskRow};
use crate::db::prompt_steps::AgencyReferralRow;
use crate::db::prompts::PromptRow;
use crate::domain::household::HouseholdDeclaration;
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;
use crate::services::chronology::ChronologyRows;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use utoipa::ToSchema;

/// The part the recording agency plays in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The organisation that manages the person.
    Probation,
    /// A provider the person was referred to.
    Provider,
    /// rarlink itself (rules, deadlines).
    System,
}

/// One entry of the chronology.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChronologyEntry {
    /// When it happened: when the disclosure was made, the declaration given, the session held,
    /// the risk assessed; for other records, when they were entered.
    pub occurred_at: DateTime<Utc>,
    /// When it was entered into rarlink.
    pub recorded_at: DateTime<Utc>,
    /// The organisation that recorded it (`rarlink` for what the system did itself).
    pub agency: String,
    /// Who recorded it (`rarlink` for the system).
    pub who: String,
    pub role: Role,
    /// `disclosure`, `household-declaration`, `attendance`, `safeguarding-prompt`,
    /// `risk-assessment`, or the event type for other records (e.g. `referral.sent`,
    /// `order.transferred`, `case-note.added`).
    pub kind: String,
    /// The words as recorded, with the structured facts in words.
    pub summary: String,
    /// The structured facts, as recorded (shape depends on `kind`); `null` when the record has
    /// none beyond its summary.
    #[schema(value_type = Object, nullable)]
    pub detail: Value,
    /// Where the record can be read in full.
    pub link: String,
    /// The record's id: with `occurredAt`, the entry's place in the order.
    #[serde(skip)]
    pub id: String,
}

impl ChronologyEntry {
    /// The entry's place in the chronology.
    pub fn position(&self) -> (NaiveDateTime, &str) {
        (self.occurred_at.naive_utc(), self.id.as_str())
    }
}

/// The facts of a JSON value in words: `key: value` pairs joined by `; `, lists by `, `,
/// `yes`/`no` for booleans; nulls left out.
pub fn in_words(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(in_words)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}: {}", in_words(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn role_of(agency: &str, probation_org: &str) -> Role {
    if agency == probation_org {
        Role::Probation
    } else if agency == "rarlink" {
        Role::System
    } else {
        Role::Provider
    }
}

fn joined(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn disclosure(row: DisclosureRow, probation_org: &str) -> Result<ChronologyEntry, ApiError> {
    let details: Option<Value> = row
        .details
        .as_deref()
        .map(|d| from_json(d, "details"))
        .transpose()?;
    let summary = joined(&[
        Some(format!("{}: {}", row.disclosure_type.as_str(), row.summary)),
        details.as_ref().map(in_words).filter(|s| !s.is_empty()),
        row.immediate_action_taken
            .as_ref()
            .map(|a| format!("immediate action: {a}")),
    ]);
    Ok(ChronologyEntry {
        occurred_at: row.disclosed_at.and_utc(),
        recorded_at: row.recorded_at.and_utc(),
        role: role_of(&row.recorded_by_org, probation_org),
        summary,
        detail: json!({
            "type": row.disclosure_type.as_str(),
            "summary": row.summary,
            "disclosedBy": row.disclosed_by.as_str(),
            "details": details,
            "immediateActionTaken": row.immediate_action_taken,
            "corrects": row.corrects,
            "predatesReferral": row.predates_referral,
        }),
        link: format!("/api/v1/disclosures/{}", row.id),
        kind: "disclosure".into(),
        agency: row.recorded_by_org,
        who: row.recorded_by,
        id: row.id,
    })
}

pub fn declaration(row: DeclarationRow, probation_org: &str) -> Result<ChronologyEntry, ApiError> {
    let d: HouseholdDeclaration = from_json(&row.body, "household declaration")?;
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let summary = joined(&[
        Some(d.statement.clone()),
        Some(format!(
            "children in household: {}",
            yes_no(d.children_in_household)
        )),
        Some(format!(
            "contact with children: {}",
            yes_no(d.contact_with_children)
        )),
        d.partner.as_ref().map(|p| format!("partner: {p}")),
    ]);
    Ok(ChronologyEntry {
        occurred_at: row.declared_at.and_utc(),
        recorded_at: row.recorded_at.and_utc(),
        agency: probation_org.to_string(),
        who: row.recorded_by,
        role: Role::Probation,
        kind: "household-declaration".into(),
        summary,
        detail: serde_json::to_value(&d)
            .map_err(|e| ApiError::internal_from("serialising a declaration", e))?,
        link: format!("/api/v1/people/{}/household-declarations", row.crn),
        id: row.id,
    })
}

pub fn attendance(row: AppointmentRow, probation_org: &str) -> ChronologyEntry {
    let attended = row.attended.map(|a| a.as_str());
    let summary = joined(&[
        Some(format!(
            "{} session ({}): attended {}",
            row.kind.as_str(),
            row.method.as_str(),
            attended.unwrap_or("not recorded")
        )),
        row.no_attendance_reason
            .map(|r| format!("reason: {}", r.as_str())),
        row.reason_detail.clone(),
        row.engagement.as_ref().map(|e| format!("engagement: {e}")),
        row.behaviour_concern.then(|| {
            format!(
                "behaviour concern: {}",
                row.concern_detail.clone().unwrap_or_default()
            )
        }),
        row.absence_acceptable.map(|a| {
            format!(
                "absence {} by probation{}",
                if a { "acceptable" } else { "unacceptable" },
                row.absence_note
                    .as_ref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            )
        }),
    ]);
    let recorded = row.attendance_recorded_at.unwrap_or(row.created_at);
    ChronologyEntry {
        occurred_at: row.starts_at.and_utc(),
        recorded_at: recorded.and_utc(),
        role: role_of(&row.provider_org, probation_org),
        who: row.attendance_recorded_by.clone().unwrap_or_default(),
        kind: "attendance".into(),
        summary,
        detail: json!({
            "sessionKind": row.kind.as_str(),
            "method": row.method.as_str(),
            "attended": attended,
            "noAttendanceReason": row.no_attendance_reason.map(|r| r.as_str()),
            "reasonDetail": row.reason_detail,
            "engagement": row.engagement,
            "behaviourConcern": row.behaviour_concern,
            "concernDetail": row.concern_detail,
            "absenceAcceptable": row.absence_acceptable,
            "absenceNote": row.absence_note,
        }),
        link: format!("/api/v1/appointments/{}", row.id),
        agency: row.provider_org,
        id: row.id,
    }
}

pub fn prompt(
    row: PromptRow,
    referral: Option<AgencyReferralRow>,
    probation_org: &str,
) -> ChronologyEntry {
    let outcome = row.outcome.map(|o| o.as_str());
    let agency = referral.as_ref().map(|r| r.agency.as_str());
    let decision = referral
        .as_ref()
        .and_then(|r| r.decision)
        .map(|d| d.as_str());
    let summary = joined(&[
        Some(format!("{}: {}", row.title, row.status.as_str())),
        outcome.map(|o| format!("outcome: {o}")),
        agency.map(|a| format!("referred to: {a}")),
        decision.map(|d| format!("decision: {d}")),
        row.resolution_note.as_ref().map(|n| format!("note: {n}")),
    ]);
    ChronologyEntry {
        occurred_at: row.raised_at.and_utc(),
        recorded_at: row.raised_at.and_utc(),
        role: role_of(&row.org, probation_org),
        who: "rarlink".into(),
        kind: "safeguarding-prompt".into(),
        summary,
        detail: json!({
            "rule": row.rule.as_str(),
            "title": row.title,
            "status": row.status.as_str(),
            "assignee": row.assignee,
            "dueAt": row.due_at.and_utc(),
            "outcome": outcome,
            "agency": agency,
            "decision": decision,
            "resolutionNote": row.resolution_note,
            "resolvedAt": row.resolved_at.map(|t| t.and_utc()),
            "resolvedBy": row.resolved_by,
            "resolvedByRole": row.resolved_by_role,
        }),
        link: format!("/api/v1/safeguarding-prompts/{}", row.id),
        agency: row.org,
        id: row.id,
    }
}

/// The four RoSH levels of an assessment, by name.
fn levels(a: &RiskAssessment) -> [(&'static str, &'static str); 4] {
    [
        ("children", a.rosh_children.as_str()),
        ("public", a.rosh_public.as_str()),
        ("known adult", a.rosh_known_adult.as_str()),
        ("staff", a.rosh_staff.as_str()),
    ]
}

/// What changed between two assessments, in words: levels and flags.
pub fn risk_changes(before: &RiskAssessment, now: &RiskAssessment) -> Vec<String> {
    let mut changes: Vec<String> = levels(before)
        .iter()
        .zip(levels(now))
        .filter(|(b, n)| b.1 != n.1)
        .map(|(b, n)| format!("RoSH {} {} to {}", n.0, b.1, n.1))
        .collect();
    let flag = |f: &crate::domain::risk::RiskFlag| {
        serde_json::to_value(f)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    for f in now.flags.iter().filter(|f| !before.flags.contains(f)) {
        changes.push(format!("flag added {}", flag(f)));
    }
    for f in before.flags.iter().filter(|f| !now.flags.contains(f)) {
        changes.push(format!("flag removed {}", flag(f)));
    }
    changes
}

/// Every assessment of the person (oldest first) as entries, each saying what changed since the
/// one before.
pub fn risks(rows: Vec<RiskRow>, probation_org: &str) -> Result<Vec<ChronologyEntry>, ApiError> {
    let mut before: Option<RiskAssessment> = None;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let a: RiskAssessment = from_json(&row.body, "risk assessment")?;
        let changes = before
            .as_ref()
            .map(|b| risk_changes(b, &a))
            .unwrap_or_default();
        let levels_words = levels(&a)
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let summary = joined(&[
            Some(format!("RoSH: {levels_words}")),
            Some(match (&before, changes.is_empty()) {
                (None, _) => "first assessment".into(),
                (Some(_), true) => "no change to levels or flags".into(),
                (Some(_), false) => format!("changes: {}", changes.join(", ")),
            }),
            Some(format!("who is at risk: {}", a.who_is_at_risk)),
            Some(format!("nature of risk: {}", a.nature_of_risk)),
        ]);
        out.push(ChronologyEntry {
            occurred_at: a.assessed_on.and_time(chrono::NaiveTime::MIN).and_utc(),
            recorded_at: row.recorded_at.and_utc(),
            agency: probation_org.to_string(),
            who: row.recorded_by,
            role: Role::Probation,
            kind: "risk-assessment".into(),
            summary,
            detail: json!({
                "levels": levels(&a).iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "changes": changes,
                "flags": a.flags,
                "whoIsAtRisk": a.who_is_at_risk,
                "natureOfRisk": a.nature_of_risk,
                "imminence": a.imminence,
            }),
            link: format!("/api/v1/people/{}/risk/history", row.crn),
            id: row.id,
        });
        before = Some(a);
    }
    Ok(out)
}

/// Any other event: its description, and for an order transfer and a case note what they say.
/// A case note the caller may not read is left out (`None`).
pub fn event(
    row: EventRow,
    notes: &mut HashMap<String, CaseNoteRow>,
    note_bodies: bool,
    probation_org: &str,
) -> Result<Option<ChronologyEntry>, ApiError> {
    let kind = row.event_type.trim_start_matches("rarlink.").to_string();
    let mut summary = row.description.clone();
    let mut detail = Value::Null;
    if kind == "case-note.added" {
        if !note_bodies {
            return Ok(None);
        }
        if let Some(n) = row
            .detail_url
            .strip_prefix("/api/v1/case-notes/")
            .and_then(|id| notes.remove(id))
        {
            summary = format!("{}: {}: {}", row.description, n.subject, n.body);
            detail = json!({"subject": n.subject, "sensitivity": n.sensitivity.as_str(), "body": n.body});
        }
    } else if kind == "order.transferred" {
        let payload: Value = from_json(&row.additional_information, "event payload")?;
        summary = format!(
            "Order transferred from {} to {}; {} open safeguarding action(s) moved with it",
            payload["fromOfficer"].as_str().unwrap_or("?"),
            payload["toOfficer"].as_str().unwrap_or("?"),
            payload["promptsMoved"].as_u64().unwrap_or(0)
        );
        detail = payload;
    }
    let agency = row.actor_org.unwrap_or_else(|| "rarlink".into());
    Ok(Some(ChronologyEntry {
        occurred_at: row.occurred_at.and_utc(),
        recorded_at: row.occurred_at.and_utc(),
        role: role_of(&agency, probation_org),
        agency,
        who: row.actor_sub.unwrap_or_else(|| "rarlink".into()),
        kind,
        summary,
        detail,
        link: row.detail_url,
        id: row.id,
    }))
}

/// Whether an entry lies in the window: after its position, within `from`/`to`.
fn in_window(e: &ChronologyEntry, w: &Window) -> bool {
    let at = e.occurred_at.naive_utc();
    w.after
        .as_ref()
        .is_none_or(|(t, id)| e.position() > (*t, id.as_str()))
        && w.from.is_none_or(|f| at >= f)
        && w.to.is_none_or(|t| at < t)
}

/// One page's entries: every source's, merged in the order things happened (then id), at most
/// `window.limit` (the caller asks for one more than it shows, to know whether more exist).
pub fn entries(rows: ChronologyRows, window: &Window) -> Result<Vec<ChronologyEntry>, ApiError> {
    let ChronologyRows {
        person,
        disclosures,
        declarations,
        attendance: sessions,
        prompts,
        risks: assessments,
        events,
        mut notes,
        note_bodies,
    } = rows;
    let org = person.managing_org.as_str();
    let mut all = Vec::new();
    for d in disclosures {
        all.push(disclosure(d, org)?);
    }
    for d in declarations {
        all.push(declaration(d, org)?);
    }
    all.extend(sessions.into_iter().map(|s| attendance(s, org)));
    all.extend(prompts.into_iter().map(|(p, r)| prompt(p, r, org)));
    all.extend(
        risks(assessments, org)?
            .into_iter()
            .filter(|e| in_window(e, window)),
    );
    for e in events {
        all.extend(event(e, &mut notes, note_bodies, org)?);
    }
    all.sort_by(|a, b| a.position().cmp(&b.position()));
    all.truncate(window.limit.max(0) as usize);
    Ok(all)
}

#[cfg(test)]
#[path = "chronology_entries_tests.rs"]
mod tests;
