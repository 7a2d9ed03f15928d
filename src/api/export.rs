//! `GET /api/v1/people/{crn}/export`: the subject access export (UK GDPR Art. 15), everything
//! held about a person in one JSON document, with every value that names a third party marked
//! so a reviewer can redact it before release.

use super::chronology::everything as whole_chronology;
use super::chronology_entries::ChronologyEntry;
use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::export::CaseRows;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::chronology::Query;
use crate::services::export;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(export_person);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op("export_person", Permission::SignOff, PROBATION, Case)];

/// Columns holding JSON text: the export shows them as JSON.
const JSON_COLUMNS: &[&str] = &[
    "body",
    "content",
    "offences",
    "activities",
    "changes",
    "before",
    "after",
    "evidence",
    "agenciesNotified",
    "signOffReasons",
    "possibleDisclosure",
    "details",
];

/// Keys whose value names a member of staff (a `sub` or a name), of any organisation.
const STAFF_KEYS: &[&str] = &[
    "createdBy",
    "updatedBy",
    "recordedBy",
    "responsibleOfficer",
    "responsibleOfficerName",
    "assignedWorker",
    "sentBy",
    "acceptedBy",
    "endedBy",
    "acknowledgedBy",
    "authorSub",
    "authorName",
    "resolvedBy",
    "assignee",
    "actor",
    "bySub",
    "attendanceRecordedBy",
    "absenceDecidedBy",
    "issuedBy",
    "submittedBy",
    "decidedBy",
    "amendedBy",
    "amendedByName",
    "respondedBy",
    "confirmedBy",
    "completedBy",
    "signedOffBy",
    "who",
];

/// Keys whose value names a professional of another agency (e.g. a social worker).
const PROFESSIONAL_KEYS: &[&str] = &["allocatedSocialWorker"];

/// Everything held about one person. Every value that names someone other than the person is
/// wrapped as `{"value": …, "thirdParty": KIND}` (KIND: `household-member`, `partner`,
/// `third-party-discloser`, `professional`, `staff`) so a reviewer can find and redact it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessExport {
    pub crn: String,
    pub generated_at: DateTime<Utc>,
    /// How third-party values are marked.
    pub third_party_marking: String,
    #[schema(value_type = Object)]
    pub person: Value,
    /// Every risk assessment, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub risk_assessments: Vec<Value>,
    /// Each member's record (`body`) is wholly about a third party.
    #[schema(value_type = Vec<Object>)]
    pub household_members: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub household_declarations: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub orders: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub termination_reviews: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub termination_confirmations: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub referrals: Vec<Value>,
    /// Every version of each referral's shared context.
    #[schema(value_type = Vec<Object>)]
    pub referral_context_versions: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub referral_amendments: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub action_plans: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub progress_reports: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub end_of_service_reports: Vec<Value>,
    /// Sessions with their attendance.
    #[schema(value_type = Vec<Object>)]
    pub sessions: Vec<Value>,
    /// Every change to a session (booking, rescheduling, attendance and its corrections).
    #[schema(value_type = Vec<Object>)]
    pub session_history: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub disclosures: Vec<Value>,
    /// Safeguarding prompts with their outcomes.
    #[schema(value_type = Vec<Object>)]
    pub safeguarding_prompts: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub safeguarding_prompt_history: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub safeguarding_prompt_agency_referrals: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub safeguarding_prompt_disclosures: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub case_notes: Vec<Value>,
    /// The multi-agency chronology, as `GET /people/{crn}/chronology` gives it.
    #[schema(value_type = Vec<Object>)]
    pub chronology: Vec<Value>,
}

fn mark(value: Value, kind: &str) -> Value {
    if value.is_null() {
        return value;
    }
    json!({ "value": value, "thirdParty": kind })
}

fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Marks staff and professionals' names anywhere in `value` (and the `partner` of a household
/// declaration).
fn mark_people(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if STAFF_KEYS.contains(&k.as_str()) {
                        mark(v, "staff")
                    } else if PROFESSIONAL_KEYS.contains(&k.as_str()) {
                        mark(v, "professional")
                    } else if k == "partner" {
                        mark(v, "partner")
                    } else {
                        mark_people(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(mark_people).collect()),
        other => other,
    }
}

/// One stored row as JSON: camelCase keys, JSON text columns parsed, third parties marked.
fn record<T: Serialize>(row: &T) -> Result<Value, ApiError> {
    let value = serde_json::to_value(row)
        .map_err(|e| ApiError::internal_from("a stored row does not serialise", e))?;
    let Value::Object(map) = value else {
        return Ok(value);
    };
    let mut out = Map::new();
    for (k, v) in map {
        let k = camel(&k);
        let v = match v {
            Value::String(s) if JSON_COLUMNS.contains(&k.as_str()) => {
                serde_json::from_str::<Value>(&s).unwrap_or(Value::String(s))
            }
            v => utc(v),
        };
        out.insert(k, v);
    }
    Ok(mark_people(Value::Object(out)))
}

fn records<T: Serialize>(rows: &[T]) -> Result<Vec<Value>, ApiError> {
    rows.iter().map(record).collect()
}

/// A household member's record is about that member: the whole `body` is marked.
fn member(row: &crate::db::people::MemberRow) -> Result<Value, ApiError> {
    let mut v = record(row)?;
    if let Some(body) = v.get_mut("body") {
        *body = mark(body.take(), "household-member");
    }
    Ok(v)
}

/// A disclosure reported by a third party: its summary and details are marked.
fn disclosure(row: &crate::db::disclosures::DisclosureRow) -> Result<Value, ApiError> {
    use crate::domain::disclosure::DisclosedBy;
    let mut v = record(row)?;
    if row.disclosed_by == DisclosedBy::ThirdParty {
        for key in ["summary", "details"] {
            if let Some(field) = v.get_mut(key) {
                *field = mark(field.take(), "third-party-discloser");
            }
        }
    }
    Ok(v)
}

/// A chronology entry: staff marked, and the words of a third-party discloser marked too.
fn chronology_entry(
    entry: &ChronologyEntry,
    reported_by_others: &[&str],
) -> Result<Value, ApiError> {
    let mut v = serde_json::to_value(entry)
        .map(mark_people)
        .map_err(|e| ApiError::internal_from("a chronology entry does not serialise", e))?;
    if entry.kind == "disclosure" && reported_by_others.contains(&entry.id.as_str()) {
        for key in ["summary", "detail"] {
            if let Some(field) = v.get_mut(key) {
                *field = mark(field.take(), "third-party-discloser");
            }
        }
    }
    Ok(v)
}

/// A stored timestamp (UTC, without an offset) as RFC 3339 with `Z`, like the rest of the API.
fn utc(value: Value) -> Value {
    match value {
        Value::String(s)
            if s.len() >= 19
                && s.as_bytes()[10] == b'T'
                && chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f").is_ok() =>
        {
            Value::String(format!("{s}Z"))
        }
        other => other,
    }
}

/// The export document, from the loaded rows and the whole chronology (a pure function).
pub fn document(
    rows: &CaseRows,
    chronology: &[ChronologyEntry],
    generated_at: DateTime<Utc>,
) -> Result<SubjectAccessExport, ApiError> {
    use crate::domain::disclosure::DisclosedBy;
    let reported_by_others: Vec<&str> = rows
        .disclosures
        .iter()
        .filter(|d| d.disclosed_by == DisclosedBy::ThirdParty)
        .map(|d| d.id.as_str())
        .collect();
    Ok(SubjectAccessExport {
        crn: rows.person.crn.clone(),
        generated_at,
        third_party_marking: "Every value naming someone other than the person is wrapped as \
             {\"value\": ..., \"thirdParty\": KIND}, KIND one of household-member, partner, \
             third-party-discloser, professional, staff: review and redact before release."
            .into(),
        person: record(&rows.person)?,
        risk_assessments: records(&rows.risk_assessments)?,
        household_members: rows
            .household_members
            .iter()
            .map(member)
            .collect::<Result<_, _>>()?,
        household_declarations: records(&rows.household_declarations)?,
        orders: records(&rows.orders)?,
        termination_reviews: records(&rows.termination_reviews)?,
        termination_confirmations: records(&rows.termination_confirmations)?,
        referrals: records(&rows.referrals)?,
        referral_context_versions: records(&rows.referral_contexts)?,
        referral_amendments: records(&rows.referral_amendments)?,
        action_plans: records(&rows.action_plans)?,
        progress_reports: records(&rows.progress_reports)?,
        end_of_service_reports: records(&rows.end_of_service_reports)?,
        sessions: records(&rows.sessions)?,
        session_history: records(&rows.session_history)?,
        warnings: records(&rows.warnings)?,
        disclosures: rows
            .disclosures
            .iter()
            .map(disclosure)
            .collect::<Result<_, _>>()?,
        safeguarding_prompts: records(&rows.prompts)?,
        safeguarding_prompt_history: records(&rows.prompt_history)?,
        safeguarding_prompt_agency_referrals: records(&rows.prompt_agency_referrals)?,
        safeguarding_prompt_disclosures: records(&rows.prompt_disclosures)?,
        case_notes: records(&rows.case_notes)?,
        chronology: chronology
            .iter()
            .map(|e| chronology_entry(e, &reported_by_others))
            .collect::<Result<_, _>>()?,
    })
}

/// Export everything held about a person (subject access)
///
/// For a subject access request (UK GDPR Art. 15): the person, every risk assessment, household
/// members and declarations, orders, termination reviews, referrals with every version of the
/// shared context, amendments, action plans, reports, sessions with attendance and their
/// history, warnings, disclosures, safeguarding prompts with outcomes and history, case notes and
/// the multi-agency chronology, in one JSON document. Every value that names a third party
/// (household members, partners, third-party disclosers, other professionals, staff) is wrapped
/// as `{"value": …, "thirdParty": KIND}` so the reviewer can redact it before release. A
/// probation manager of the managing organisation only; audited as `person.export`.
#[utoipa::path(
    tag = "people",
    params(("crn" = String, Path, description = "Case reference number")),
    responses(
        (status = 200, description = "Everything held about the person", body = SubjectAccessExport),
        (status = 401, description = "Missing or invalid bearer token"),
        (status = 403, description = "Not a probation manager"),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "Not a valid CRN, or a chronology of more than 5,000 entries"),
        (status = 429, description = "The caller's rate limit is spent; retry after `Retry-After` seconds"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/export")]
pub async fn export_person(
    ctx: Ctx,
    crn: web::Path<String>,
) -> Result<web::Json<SubjectAccessExport>, ApiError> {
    let crn = crn_param(&crn)?;
    let now = ctx.now();
    let doc = ctx
        .read(Permission::SignOff, "person.export", move |w| {
            let rows = export::case_rows(w, &crn)?;
            let chronology = whole_chronology(w, &crn, Query::default())?;
            document(&rows, &chronology, now)
        })
        .await?;
    Ok(web::Json(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_camel_case() {
        for (snake, camel_case) in [
            ("crn", "crn"),
            ("created_by", "createdBy"),
            ("attendance_recorded_by", "attendanceRecordedBy"),
        ] {
            assert_eq!(camel(snake), camel_case);
        }
    }

    #[test]
    fn stored_timestamps_read_as_utc_and_other_text_is_left() {
        assert_eq!(
            utc(json!("2026-03-02T09:00:00")),
            json!("2026-03-02T09:00:00Z")
        );
        assert_eq!(
            utc(json!("2026-03-02T09:00:00.5")),
            json!("2026-03-02T09:00:00.5Z")
        );
        assert_eq!(utc(json!("2026-03-02")), json!("2026-03-02"));
        assert_eq!(
            utc(json!("Went well at 10:00")),
            json!("Went well at 10:00")
        );
    }

    #[test]
    fn staff_partners_and_professionals_are_marked_at_any_depth_and_nulls_are_left() {
        let v = mark_people(json!({
            "createdBy": "officer-1",
            "resolvedBy": null,
            "body": {"partner": "Sam", "statement": "s", "items": [{"actor": "w"}]},
            "allocatedSocialWorker": "Jo",
            "summary": "kept",
        }));
        assert_eq!(
            v["createdBy"],
            json!({"value": "officer-1", "thirdParty": "staff"})
        );
        assert_eq!(v["resolvedBy"], Value::Null);
        assert_eq!(
            v["body"]["partner"],
            json!({"value": "Sam", "thirdParty": "partner"})
        );
        assert_eq!(v["body"]["items"][0]["actor"]["thirdParty"], "staff");
        assert_eq!(v["allocatedSocialWorker"]["thirdParty"], "professional");
        assert_eq!(v["summary"], "kept");
    }
}
