//! `/api/v1/people/{crn}/household-*`: who lives in or visits the household, with provenance, and
//! what the person declared to the officer (kept as evidence, never changed).

use super::operations::Reach::Case;
use super::operations::{op, Access, CASE_RECORD};
use super::pagination::{self, Page, PageQuery};
use super::parse::crn_param;
use super::prompts::{prompt_view, PromptView};
use crate::auth::Permission;
use crate::db::people::MemberRow;
use crate::db::stored_id;
use crate::domain::household::{HouseholdDeclaration, HouseholdMember};
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::extract::{merge_patch, parse_json};
use crate::http::{ApiJson, Ctx};
use crate::services::household::{self, Declaration, Member};
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_member)
        .service(list_members)
        .service(update_member)
        .service(record_declaration)
        .service(list_declarations);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "list_members",
        Permission::ReadCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op("add_member", Permission::WriteCaseRecord, CASE_RECORD, Case),
    op(
        "update_member",
        Permission::WriteCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op(
        "list_declarations",
        Permission::ReadCaseRecord,
        CASE_RECORD,
        Case,
    ),
    op(
        "record_declaration",
        Permission::WriteCaseRecord,
        CASE_RECORD,
        Case,
    ),
];

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: uuid::Uuid,
    pub crn: String,
    #[serde(flatten)]
    pub member: HouseholdMember,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

fn member_view(m: Member) -> Result<MemberView, ApiError> {
    Ok(MemberView {
        id: stored_id(&m.row.id)?,
        crn: m.row.crn,
        member: m.member,
        created_at: m.row.created_at.and_utc(),
        created_by: m.row.created_by,
        updated_at: m.row.updated_at.and_utc(),
        updated_by: m.row.updated_by,
    })
}

/// The view of a member as stored, for the ETag an update is checked against.
fn stored_member_view(row: &MemberRow) -> Result<MemberView, ApiError> {
    member_view(Member::parse(row.clone())?)
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeclarationView {
    pub id: uuid::Uuid,
    pub crn: String,
    #[serde(flatten)]
    pub declaration: HouseholdDeclaration,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// The answer to recording a declaration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeclarationRecorded {
    #[serde(flatten)]
    pub declaration: DeclarationView,
    /// A "reconcile conflicting accounts" prompt, when the person now denies children an agency
    /// already heard about.
    pub prompts_raised: Vec<PromptView>,
}

fn declaration_view(d: Declaration) -> Result<DeclarationView, ApiError> {
    Ok(DeclarationView {
        id: stored_id(&d.row.id)?,
        crn: d.row.crn,
        declaration: d.declaration,
        recorded_at: d.row.recorded_at.and_utc(),
        recorded_by: d.row.recorded_by,
    })
}

fn recorded_view(
    recorded: household::DeclarationRecorded,
    now: DateTime<Utc>,
) -> Result<DeclarationRecorded, ApiError> {
    Ok(DeclarationRecorded {
        declaration: declaration_view(recorded.declaration)?,
        prompts_raised: recorded
            .prompts_raised
            .into_iter()
            .map(|p| prompt_view(p, now))
            .collect::<Result<_, _>>()?,
    })
}

/// The body of `PATCH …/household-members/{id}` in the document: the fields of
/// `HouseholdMember` that may change, all optional (generated from that schema, so a field added
/// there can be patched too).
pub struct HouseholdMemberPatch;

impl utoipa::PartialSchema for HouseholdMemberPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::openapi_doc::merge_patch_of(
            HouseholdMember::schema(),
            "A JSON merge patch (RFC 7386) of a household member: each field given replaces the \
             stored one, `null` clears an optional field, fields not given are kept; nothing \
             else is accepted. The member it makes must be valid as a whole.",
        )
    }
}

impl ToSchema for HouseholdMemberPatch {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        HouseholdMember::schemas(schemas);
    }
}

/// A JSON merge patch (RFC 7386) of a household member, as the client sent it.
struct MemberPatch(serde_json::Value);

impl MemberPatch {
    fn parse(body: serde_json::Value) -> Result<Self, ApiError> {
        if !body.is_object() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "body",
                "invalid",
                "a merge patch is a JSON object",
            )]));
        }
        Ok(Self(body))
    }

    /// The member the stored document becomes (`422` naming the field if it is not one).
    fn apply(&self, mut stored: serde_json::Value) -> Result<HouseholdMember, ApiError> {
        merge_patch(&mut stored, &self.0);
        parse_json(stored.to_string().as_bytes())
    }
}

/// Add a household member
///
/// Anyone who lives in or visits the household, including unborn children (with
/// `expectedDueDate`), with who reported it, when, and whether it is verified.
#[utoipa::path(
    tag = "household",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = HouseholdMember,
    responses(
        (status = 201, description = "Added", body = MemberView),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/people/{crn}/household-members")]
pub async fn add_member(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<HouseholdMember>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let member = body.into_inner();
    member
        .validate(crate::rules::working_days::london_date(ctx.now()))
        .into_result()?;
    let view = ctx
        .create(
            Permission::WriteCaseRecord,
            "household-member.add",
            move |w| member_view(household::add_member(w, &crn, member)?),
        )
        .await?;
    Ok(tagged(StatusCode::CREATED, &view))
}

/// List household members
#[utoipa::path(
    tag = "household",
    params(("crn" = String, Path, description = "Case reference number"), PageQuery),
    responses(
        (status = 200, description = "Members in the order they were recorded", body = Page<MemberView>),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/household-members")]
pub async fn list_members(
    ctx: Ctx,
    crn: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<MemberView>>, ApiError> {
    let crn = crn_param(&crn)?;
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let members = ctx
        .read(
            Permission::ReadCaseRecord,
            "household-member.list",
            move |w| {
                let members = household::members(w, &crn, after, limit + 1)?;
                Page::try_from_rows(
                    members,
                    limit,
                    |m| pagination::key(&m.row.created_at, &m.row.id),
                    member_view,
                )
            },
        )
        .await?;
    Ok(web::Json(members))
}

/// Update a household member
///
/// A JSON merge patch (RFC 7386) of the member: fields given replace, `null` clears. Send
/// `If-Match` with the ETag you read to refuse the change if someone else changed it first.
#[utoipa::path(
    tag = "household",
    params(
        ("crn" = String, Path, description = "Case reference number"),
        ("id" = uuid::Uuid, Path, description = "Household member id"),
    ),
    request_body = HouseholdMemberPatch,
    responses(
        (status = 200, description = "Updated", body = MemberView),
        (status = 404, description = "No such person or member in your organisation"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[patch("/people/{crn}/household-members/{id}")]
pub async fn update_member(
    ctx: Ctx,
    path: web::Path<(String, uuid::Uuid)>,
    if_match: IfMatch,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (crn, id) = path.into_inner();
    let crn = crn_param(&crn)?;
    let patch = MemberPatch::parse(body.into_inner())?;
    let view = ctx
        .write(
            Permission::WriteCaseRecord,
            "household-member.update",
            move |w| {
                let changed = household::update_member(
                    w,
                    &crn,
                    &id,
                    &|_, current| {
                        if_match.check_with(|| Ok(etag_of(&stored_member_view(current)?)))
                    },
                    |stored| patch.apply(stored),
                )?;
                member_view(changed)
            },
        )
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// Record what the person declared
///
/// What the person told the officer about children, contact with children and partners, in
/// their words. Declarations are evidence: they are never changed; record a new one instead.
#[utoipa::path(
    tag = "household",
    params(("crn" = String, Path, description = "Case reference number")),
    request_body = HouseholdDeclaration,
    responses(
        (status = 201, description = "Recorded, with any contradiction prompt raised", body = DeclarationRecorded),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[post("/people/{crn}/household-declarations")]
pub async fn record_declaration(
    ctx: Ctx,
    crn: web::Path<String>,
    body: ApiJson<HouseholdDeclaration>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let declaration = body.into_inner();
    declaration.validate(ctx.now()).into_result()?;
    let view = ctx
        .create(
            Permission::WriteCaseRecord,
            "household-declaration.record",
            move |w| recorded_view(household::record_declaration(w, &crn, declaration)?, w.now),
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// List declarations
#[utoipa::path(
    tag = "household",
    params(("crn" = String, Path, description = "Case reference number"), PageQuery),
    responses(
        (status = 200, description = "Declarations in the order they were made", body = Page<DeclarationView>),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}/household-declarations")]
pub async fn list_declarations(
    ctx: Ctx,
    crn: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<DeclarationView>>, ApiError> {
    let crn = crn_param(&crn)?;
    let limit = page.limit()?;
    let after = page.after_key::<chrono::NaiveDateTime>()?;
    let list = ctx
        .read(
            Permission::ReadCaseRecord,
            "household-declaration.list",
            move |w| {
                let declarations = household::declarations(w, &crn, after, limit + 1)?;
                Page::try_from_rows(
                    declarations,
                    limit,
                    |d| pagination::key(&d.row.declared_at, &d.row.id),
                    declaration_view,
                )
            },
        )
        .await?;
    Ok(web::Json(list))
}
