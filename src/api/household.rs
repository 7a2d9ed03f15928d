//! `/api/v1/people/{crn}/household-*`: who lives in or visits the household, with provenance, and
//! what the person declared to the officer (kept as evidence, never changed).

use super::pagination::{Page, PageQuery};
use super::people::crn_param;
use super::prompts::{prompt_view, PromptView};
use crate::auth::Permission;
use crate::db::people::{self as rows, DeclarationRow, MemberRow};
use crate::db::{from_json, to_json};
use crate::domain::events::EventType;
use crate::domain::household::{HouseholdDeclaration, HouseholdMember};
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::extract::{merge_patch, parse_json};
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::services::disclosures::check_declaration;
use crate::work::{Event, Work};
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

fn member_view(row: MemberRow) -> Result<MemberView, ApiError> {
    Ok(MemberView {
        id: row.id.parse().unwrap_or_default(),
        member: from_json(&row.body, "household member")?,
        crn: row.crn,
        created_at: row.created_at.and_utc(),
        created_by: row.created_by,
        updated_at: row.updated_at.and_utc(),
        updated_by: row.updated_by,
    })
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

fn declaration_view(row: DeclarationRow) -> Result<DeclarationView, ApiError> {
    Ok(DeclarationView {
        id: row.id.parse().unwrap_or_default(),
        declaration: from_json(&row.body, "household declaration")?,
        crn: row.crn,
        recorded_at: row.recorded_at.and_utc(),
        recorded_by: row.recorded_by,
    })
}

fn household_event(
    w: &mut Work,
    crn: &str,
    org: &str,
    event_type: EventType,
    id: &str,
    what: &str,
) {
    w.emit(Event {
        event_type,
        description: format!("{what} for {crn}"),
        detail_path: format!("/api/v1/people/{crn}/household-members"),
        additional_information: serde_json::json!({"id": id}),
        crn: Some(crn.to_string()),
        org: org.to_string(),
        provider_org: None,
    });
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
            move |w| {
                let person = access::person(w, &crn)?;
                let now = w.now.naive_utc();
                let row = MemberRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    crn: person.crn.clone(),
                    body: to_json(&member)?,
                    created_at: now,
                    created_by: w.me.caller.sub.clone(),
                    updated_at: now,
                    updated_by: w.me.caller.sub.clone(),
                };
                rows::insert_member(w.conn, &row)?;
                household_event(
                    w,
                    &person.crn,
                    &person.managing_org,
                    EventType::HouseholdMemberAdded,
                    &row.id,
                    "Household member added",
                );
                member_view(row)
            },
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
    let members = ctx
        .read(
            Permission::ReadCaseRecord,
            "household-member.list",
            move |w| {
                let person = access::person(w, &crn)?;
                rows::members(w.conn, &person.crn)?
                    .into_iter()
                    .map(member_view)
                    .collect::<Result<Vec<_>, _>>()
            },
        )
        .await?;
    Ok(web::Json(Page::of_list(members, &page, |i| {
        i.id.to_string()
    })?))
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
    request_body(content = Object, description = "Merge patch of HouseholdMember fields"),
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
    let patch = body.into_inner();
    if !patch.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "invalid",
            "a merge patch is a JSON object",
        )]));
    }
    let today = crate::rules::working_days::london_date(ctx.now());
    let view = ctx
        .write(
            Permission::WriteCaseRecord,
            "household-member.update",
            move |w| {
                let person = access::person(w, &crn)?;
                let row = rows::member(w.conn, &person.crn, &id.to_string())?
                    .ok_or_else(|| ApiError::not_found("household member"))?;
                if_match.check_with(|| Ok(etag_of(&member_view(row.clone())?)))?;
                let mut doc: serde_json::Value = serde_json::from_str(&row.body)
                    .map_err(|e| ApiError::internal_from("stored member is corrupt", e))?;
                merge_patch(&mut doc, &patch);
                let member: HouseholdMember = parse_json(doc.to_string().as_bytes())?;
                member.validate(today).into_result()?;
                let now = w.now.naive_utc();
                rows::update_member(w.conn, &row.id, &to_json(&member)?, now, &w.me.caller.sub)?;
                household_event(
                    w,
                    &person.crn,
                    &person.managing_org,
                    EventType::HouseholdMemberUpdated,
                    &row.id,
                    "Household member updated",
                );
                member_view(MemberRow {
                    body: to_json(&member)?,
                    updated_at: now,
                    updated_by: w.me.caller.sub.clone(),
                    ..row
                })
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
            move |w| {
                let person = access::person(w, &crn)?;
                let row = DeclarationRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    crn: person.crn.clone(),
                    declared_at: declaration.declared_at.naive_utc(),
                    body: to_json(&declaration)?,
                    recorded_at: w.now.naive_utc(),
                    recorded_by: w.me.caller.sub.clone(),
                };
                rows::insert_declaration(w.conn, &row)?;
                let raised =
                    check_declaration(w, &person.crn, &person.managing_org, &row.id, &declaration)?;
                household_event(
                    w,
                    &person.crn,
                    &person.managing_org,
                    EventType::HouseholdDeclarationRecorded,
                    &row.id,
                    "Household declaration recorded",
                );
                Ok(DeclarationRecorded {
                    declaration: declaration_view(row)?,
                    prompts_raised: raised
                        .new
                        .into_iter()
                        .map(|p| prompt_view(p, w.now))
                        .collect::<Result<Vec<_>, _>>()?,
                })
            },
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
    let list = ctx
        .read(
            Permission::ReadCaseRecord,
            "household-declaration.list",
            move |w| {
                let person = access::person(w, &crn)?;
                rows::declarations(w.conn, &person.crn)?
                    .into_iter()
                    .map(declaration_view)
                    .collect::<Result<Vec<_>, _>>()
            },
        )
        .await?;
    Ok(web::Json(Page::of_list(list, &page, |i| i.id.to_string())?))
}
