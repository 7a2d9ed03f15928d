//! Case notes on a referral: either side writes, both read. Notes are never edited; a correction
//! is a new note naming the old. A note that sounds like a disclosure says so in its answer.

use super::operations::Reach::Case;
use super::operations::{op, Access, PROVIDER_FIRST};
use super::pagination::{self, Page, PageQuery};
use crate::auth::Permission;
use crate::db::case_notes::CaseNoteRow;
use crate::db::{from_json, stored_id};
use crate::domain::case_note::{NewCaseNote, PossibleDisclosure, Sensitivity};
use crate::domain::ids::{CaseNoteId, ReferralId};
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::case_notes as service;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_case_note)
        .service(list_case_notes)
        .service(get_case_note);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "add_case_note",
        Permission::WriteCaseNotes,
        PROVIDER_FIRST,
        Case,
    ),
    op(
        "list_case_notes",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
    op(
        "get_case_note",
        Permission::ReadReferrals,
        PROVIDER_FIRST,
        Case,
    ),
];

/// Who wrote a note.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteAuthor {
    pub sub: String,
    pub name: String,
    pub org: String,
}

/// A case note.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseNoteView {
    pub id: uuid::Uuid,
    pub referral_id: uuid::Uuid,
    pub subject: String,
    pub body: String,
    pub sensitivity: Sensitivity,
    /// The earlier note this one corrects.
    pub corrects: Option<uuid::Uuid>,
    /// The recorded disclosure the writer linked the note to.
    pub disclosure_id: Option<uuid::Uuid>,
    /// Why the writer says the note is not a disclosure.
    pub not_a_disclosure_reason: Option<String>,
    /// Words in the note that may mean a disclosure (`null` when none were found).
    pub possible_disclosure: Option<PossibleDisclosure>,
    /// The `case-note-possible-disclosure` prompt the note raised for the writer's side.
    pub prompt_id: Option<uuid::Uuid>,
    pub author: NoteAuthor,
    pub created_at: DateTime<Utc>,
}

fn optional_id(text: Option<&str>) -> Result<Option<uuid::Uuid>, ApiError> {
    text.map(stored_id).transpose()
}

impl TryFrom<CaseNoteRow> for CaseNoteView {
    type Error = ApiError;

    fn try_from(row: CaseNoteRow) -> Result<Self, ApiError> {
        Ok(CaseNoteView {
            id: stored_id(&row.id)?,
            referral_id: stored_id(&row.referral_id)?,
            corrects: optional_id(row.corrects.as_deref())?,
            disclosure_id: optional_id(row.disclosure_id.as_deref())?,
            prompt_id: optional_id(row.prompt_id.as_deref())?,
            possible_disclosure: row
                .possible_disclosure
                .as_deref()
                .map(|p| from_json(p, "possible disclosure"))
                .transpose()?,
            subject: row.subject,
            body: row.body,
            sensitivity: row.sensitivity,
            not_a_disclosure_reason: row.not_a_disclosure_reason,
            author: NoteAuthor {
                sub: row.author_sub,
                name: row.author_name,
                org: row.author_org,
            },
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Add a case note
///
/// A note on a sent referral (until 28 days after it ends), by either side. A note whose words
/// may mean a disclosure (see `possibleDisclosure`) raises a `case-note-possible-disclosure`
/// prompt for the writer's side, unless the request links it to a recorded disclosure
/// (`disclosureId`) or says why it is not one (`notADisclosureReason`). Limits: subject 200
/// characters, body 20,000 characters.
#[utoipa::path(
    tag = "case-notes",
    params(("id" = uuid::Uuid, Path, description = "Referral id")),
    request_body = NewCaseNote,
    responses(
        (status = 201, description = "Added", body = CaseNoteView),
        (status = 404, description = "No such referral in your organisation's scope"),
        (status = 409, description = "The referral is a draft, or ended more than 28 days ago"),
        (status = 422, description = "A blank or over-long subject, body or reason, an unknown sensitivity, or a `corrects`/`disclosureId` that names nothing you may see"),
    ),
    security(("bearer" = []))
)]
#[post("/referrals/{id}/case-notes")]
pub async fn add_case_note(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    body: ApiJson<NewCaseNote>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let note = ctx
        .create(Permission::WriteCaseNotes, "case-note.add", move |w| {
            CaseNoteView::try_from(service::add(w, id, body)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(note))
}

/// List a referral's case notes
///
/// Newest first, a page at a time.
#[utoipa::path(
    tag = "case-notes",
    params(("id" = uuid::Uuid, Path, description = "Referral id"), PageQuery),
    responses(
        (status = 200, description = "Notes, newest first", body = Page<CaseNoteView>),
        (status = 404, description = "No such referral in your organisation's scope"),
        (status = 422, description = "A bad `limit` or `cursor`"),
    ),
    security(("bearer" = []))
)]
#[get("/referrals/{id}/case-notes")]
pub async fn list_case_notes(
    ctx: Ctx,
    id: web::Path<ReferralId>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<CaseNoteView>>, ApiError> {
    let id = id.into_inner();
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let list = ctx
        .read(Permission::ReadReferrals, "case-note.list", move |w| {
            let rows = service::page(w, id, after, limit)?;
            let key = |r: &CaseNoteRow| pagination::key(&r.created_at, &r.id);
            Page::try_from_rows(rows, limit, key, CaseNoteView::try_from)
        })
        .await?;
    Ok(web::Json(list))
}

/// Read a case note
#[utoipa::path(
    tag = "case-notes",
    params(("id" = uuid::Uuid, Path, description = "Case note id")),
    responses(
        (status = 200, description = "The note", body = CaseNoteView),
        (status = 404, description = "No such note on a referral in your organisation's scope"),
    ),
    security(("bearer" = []))
)]
#[get("/case-notes/{id}")]
pub async fn get_case_note(
    ctx: Ctx,
    id: web::Path<CaseNoteId>,
) -> Result<web::Json<CaseNoteView>, ApiError> {
    let id = id.into_inner();
    let note = ctx
        .read(Permission::ReadReferrals, "case-note.read", move |w| {
            CaseNoteView::try_from(service::get(w, id)?)
        })
        .await?;
    Ok(web::Json(note))
}
