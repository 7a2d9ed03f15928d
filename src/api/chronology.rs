//! `GET /api/v1/people/{crn}/chronology`: one time-ordered record of everything every agency
//! recorded about a person, as JSON or as CSV (RFC 4180) for a spreadsheet.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::events::EventRow;
use crate::domain::case_note::Sensitivity;
use crate::error::ApiError;
use crate::http::Ctx;
use crate::services::chronology::{of_person, Chronology};
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(chronology);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[op("chronology", Permission::ReadCasework, PROBATION, Case)];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChronologyQuery {
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<Format>,
}

/// One entry of the chronology.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChronologyEntry {
    pub at: DateTime<Utc>,
    /// The organisation that recorded it (`rarlink` for what the system did itself).
    pub agency: String,
    /// Who recorded it.
    pub who: String,
    /// The kind of record, e.g. `referral.sent`, `disclosure.recorded`.
    pub what: String,
    pub description: String,
    pub link: String,
    /// For `case-note.added`: the note's subject, sensitivity and (for roles that may read
    /// notes) body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteInChronology>,
}

/// What a case note says, as the chronology shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteInChronology {
    pub subject: String,
    pub sensitivity: Sensitivity,
    /// Absent for roles that may not read case notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl From<EventRow> for ChronologyEntry {
    fn from(row: EventRow) -> Self {
        ChronologyEntry {
            at: row.occurred_at.and_utc(),
            agency: row.actor_org.unwrap_or_else(|| "rarlink".into()),
            who: row.actor_sub.unwrap_or_else(|| "rarlink".into()),
            what: row.event_type.trim_start_matches("rarlink.").to_string(),
            description: row.description,
            link: row.detail_url,
            note: None,
        }
    }
}

/// The entries of a chronology: each event, and for a case note its subject (in the description
/// too, so the CSV shows it) and, where the caller may read it, its body.
pub fn entries(recorded: Chronology) -> Vec<ChronologyEntry> {
    let Chronology {
        events,
        mut notes,
        note_bodies,
    } = recorded;
    events
        .into_iter()
        .map(|row| {
            let note = row
                .detail_url
                .strip_prefix("/api/v1/case-notes/")
                .and_then(|id| notes.remove(id));
            let mut entry = ChronologyEntry::from(row);
            if let Some(n) = note {
                entry.description = format!("{}: {}", entry.description, n.subject);
                entry.note = Some(NoteInChronology {
                    subject: n.subject,
                    sensitivity: n.sensitivity,
                    body: note_bodies.then_some(n.body),
                });
            }
            entry
        })
        .collect()
}

/// Quotes a field for RFC 4180 CSV; a leading `=`, `+`, `-`, `@`, tab or carriage return is
/// prefixed with `'` so a spreadsheet shows it as text rather than running it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn to_csv(entries: &[ChronologyEntry]) -> String {
    let mut out = String::from("at,agency,who,what,description,link\r\n");
    for e in entries {
        let fields = [
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            e.agency.clone(),
            e.who.clone(),
            e.what.clone(),
            e.description.clone(),
            e.link.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The multi-agency chronology of a person
///
/// Everything recorded about the person, by every agency, in time order: commissioning, risk,
/// household facts and declarations, sessions and attendance, disclosures, prompts and their
/// resolutions, decisions, reports and the termination review; case notes (subject, sensitivity
/// and body), action plan decisions and referral amendments. Probation only.
#[utoipa::path(
    tag = "chronology",
    params(("crn" = String, Path, description = "Case reference number"), ChronologyQuery),
    responses(
        (status = 200, description = "Entries in time order: a JSON array, or with `format=csv` RFC 4180 CSV with a header row",
            content(
                (Vec<ChronologyEntry> = "application/json"),
                (String = "text/csv", example = "at,agency,who,what,description,link\r\n"),
            )),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/chronology")]
pub async fn chronology(
    ctx: Ctx,
    crn: web::Path<String>,
    query: web::Query<ChronologyQuery>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let format = query.format.unwrap_or_default();
    let recorded = ctx
        .read(Permission::ReadCasework, "chronology.read", move |w| {
            of_person(w, &crn)
        })
        .await?;
    let entries = entries(recorded);
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(entries),
        Format::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"chronology.csv\"",
            ))
            .body(to_csv(&entries)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_quotes_and_newlines_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for formula in ["-2+3", "+1", "@SUM(A1)", "\tx"] {
            assert!(csv_field(formula).starts_with('\''), "{formula:?}");
        }
    }
}
