//! `GET /api/v1/people/{crn}/chronology`: one record of everything every agency recorded about a
//! person, in the order it happened, as paged JSON, CSV (RFC 4180) or one printable HTML page.

use super::chronology_entries::{entries, ChronologyEntry};
use super::chronology_html;
use super::operations::Reach::Case;
use super::operations::{op, Access, PROBATION};
use super::pagination::{self, Page, PageQuery};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::chronology::Window;
use crate::domain::validate::Errors;
use crate::domain::Crn;
use crate::error::{ApiError, FieldError};
use crate::http::Ctx;
use crate::services::chronology::{check_kind, page as of_person, Query};
use crate::work::Work;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
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
    Html,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChronologyQuery {
    /// `json` (default, paged), `csv` (RFC 4180) or `html` (one printable page); CSV and HTML
    /// hold every entry that matches, up to 5,000.
    #[param(inline)]
    pub format: Option<Format>,
    /// Only what happened at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only what happened before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only entries of this kind: `disclosure`, `household-declaration`, `attendance`,
    /// `safeguarding-prompt`, `risk-assessment`, or an event type such as `referral.sent`.
    pub kind: Option<String>,
    /// Only entries recorded by this organisation (`rarlink` for the system's own).
    pub agency: Option<String>,
}

/// The most entries one CSV or HTML chronology holds; narrow a longer one with `from`/`to`.
pub const MAX_EXPORT: usize = 5000;
/// Entries read per page while building a CSV or HTML chronology.
const EXPORT_PAGE: i64 = 200;

impl ChronologyQuery {
    /// The query this asks for (without paging), or `422` naming a bad field.
    fn query(&self) -> Result<Query, ApiError> {
        let mut e = Errors::default();
        for (field, t) in [("from", self.from), ("to", self.to)] {
            if let Some(t) = t {
                e.plausible_time(field, t);
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                e.add("to", "before_from", "to must be later than from");
            }
        }
        e.into_result()?;
        if let Some(kind) = &self.kind {
            check_kind(kind)?;
        }
        Ok(Query {
            window: Window {
                after: None,
                from: self.from.map(|t| t.naive_utc()),
                to: self.to.map(|t| t.naive_utc()),
                limit: 0,
            },
            kind: self.kind.clone(),
            agency: self.agency.clone().filter(|a| !a.is_empty()),
        })
    }
}

/// Every entry matching `q`, page by page; `422` beyond [`MAX_EXPORT`].
pub(crate) fn everything(
    w: &mut Work,
    crn: &Crn,
    mut q: Query,
) -> Result<Vec<ChronologyEntry>, ApiError> {
    let mut all: Vec<ChronologyEntry> = Vec::new();
    loop {
        q.window.limit = EXPORT_PAGE + 1;
        let mut page = entries(of_person(w, crn, &q)?, &q.window)?;
        let more = page.len() as i64 > EXPORT_PAGE;
        page.truncate(EXPORT_PAGE as usize);
        q.window.after = page
            .last()
            .map(|e| (e.occurred_at.naive_utc(), e.id.clone()));
        all.extend(page);
        if all.len() > MAX_EXPORT {
            return Err(ApiError::Validation(vec![FieldError::new(
                "from",
                "too_many",
                format!("more than {MAX_EXPORT} entries: narrow the chronology with from and to"),
            )]));
        }
        if !more {
            return Ok(all);
        }
    }
}

/// Quotes a field for RFC 4180 CSV; a leading `=`, `+`, `-`, `@`, tab or carriage return is
/// prefixed with `'` so a spreadsheet shows it as text rather than running it as a formula.
/// Every CSV the API writes (the chronology, the commissioning report) goes through it.
pub(crate) fn csv_field(value: &str) -> String {
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

/// The CSV header row.
pub const CSV_HEADER: &str = "occurredAt,recordedAt,agency,who,role,kind,summary,link\r\n";

pub fn to_csv(entries: &[ChronologyEntry]) -> String {
    let mut out = String::from(CSV_HEADER);
    for e in entries {
        let role = serde_json::to_value(e.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let fields = [
            e.occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            e.recorded_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            e.agency.clone(),
            e.who.clone(),
            role,
            e.kind.clone(),
            e.summary.clone(),
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
/// Everything recorded about the person, by every agency, in the order it happened, in the
/// words it was recorded with: disclosures (summary and details), household declarations (the
/// statement), attendance (feedback), safeguarding actions (title, outcome, agency, decision),
/// risk assessments (levels and what changed), and every other record (referrals, case notes,
/// order transfers, reports, the termination review). Each entry says when it happened
/// (`occurredAt`) and when it was entered (`recordedAt`). JSON is paged (`limit`, `cursor`);
/// `format=csv` and `format=html` hold every matching entry (up to 5,000), the HTML as one
/// printable page with the agencies' accounts in columns and no external assets. Entries the
/// caller may not read are left out. Probation only.
#[utoipa::path(
    tag = "chronology",
    params(("crn" = String, Path, description = "Case reference number"), ChronologyQuery, PageQuery),
    responses(
        (status = 200, description = "Entries in the order things happened: a page of JSON, RFC 4180 CSV with a header row, or one HTML page",
            content(
                (Page<ChronologyEntry> = "application/json"),
                (String = "text/csv", example = "occurredAt,recordedAt,agency,who,role,kind,summary,link\r\n"),
                (String = "text/html"),
            )),
        (status = 404, description = "No such person in your organisation"),
        (status = 422, description = "An implausible `from`/`to`, `to` not after `from`, an unknown `kind`, a bad `limit` or `cursor`, or more than 5,000 entries for CSV or HTML"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/chronology")]
pub async fn chronology(
    ctx: Ctx,
    crn: web::Path<String>,
    query: web::Query<ChronologyQuery>,
    page: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let format = query.format.unwrap_or_default();
    let mut q = query.query()?;
    if format == Format::Json {
        let limit = page.limit()?;
        q.window.after = page.after_key::<NaiveDateTime>()?;
        q.window.limit = limit + 1;
        let page = ctx
            .read(Permission::ReadCasework, "chronology.read", move |w| {
                let rows = entries(of_person(w, &crn, &q)?, &q.window)?;
                let key = |e: &ChronologyEntry| pagination::key(&e.occurred_at.naive_utc(), &e.id);
                Ok(Page::from_rows(rows, limit, key, |e| e))
            })
            .await?;
        return Ok(HttpResponse::Ok().json(page));
    }
    let shown = crn.to_string();
    let all = ctx
        .read(Permission::ReadCasework, "chronology.read", move |w| {
            everything(w, &crn, q)
        })
        .await?;
    Ok(match format {
        Format::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .body(chronology_html::page(&shown, ctx.now(), &all)),
        _ => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"chronology.csv\"",
            ))
            .body(to_csv(&all)),
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
