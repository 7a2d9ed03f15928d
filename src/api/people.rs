//! `/api/v1/people`: people on probation, upserted by CRN by their managing probation organisation.

use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::people::{self as rows, PersonRow};
use crate::domain::events::EventType;
use crate::domain::person::PersonDetails;
use crate::domain::Crn;
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::access;
use crate::work::Event;
use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert_person)
        .service(get_person)
        .service(list_people);
}

/// Parses a CRN from the path (`422` naming `crn` when malformed).
pub fn crn_param(raw: &str) -> Result<Crn, ApiError> {
    Crn::parse(raw).map_err(|m| ApiError::Validation(vec![FieldError::new("crn", "invalid", m)]))
}

/// A person as probation sees them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    #[schema(example = "X123456")]
    pub crn: String,
    pub first_name: String,
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    pub pnc_number: Option<String>,
    pub address: Option<String>,
    pub managing_org: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PersonRow> for PersonView {
    fn from(r: PersonRow) -> Self {
        Self {
            crn: r.crn,
            first_name: r.first_name,
            last_name: r.last_name,
            date_of_birth: r.date_of_birth,
            pnc_number: r.pnc_number,
            address: r.address,
            managing_org: r.managing_org,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// Create or update a person
///
/// Upserts by CRN. `managingOrg` must be the caller's organisation. Send `If-Match` with the
/// ETag you read to refuse the update if someone changed the record since.
#[utoipa::path(
    tag = "people",
    params(("crn" = String, Path, description = "Case reference number, e.g. X123456")),
    request_body = PersonDetails,
    responses(
        (status = 200, description = "Updated", body = PersonView),
        (status = 201, description = "Created", body = PersonView),
        (status = 404, description = "The CRN belongs to a person managed by another organisation"),
        (status = 412, description = "If-Match does not match the current ETag"),
    ),
    security(("bearer" = []))
)]
#[put("/people/{crn}")]
pub async fn upsert_person(
    ctx: Ctx,
    crn: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<PersonDetails>,
) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let details = body.into_inner();
    let mut errors = details.validate(crate::rules::working_days::london_date(ctx.now()));
    if details.managing_org != ctx.caller.org {
        errors.add(
            "managingOrg",
            "invalid",
            "managingOrg must be your own organisation",
        );
    }
    errors.into_result()?;
    let (view, created) = ctx
        .write(Permission::WriteCaseRecord, "person.upsert", move |w| {
            w.about(crn.as_str())?;
            let now = w.now.naive_utc();
            let existing = rows::find_any(w.conn, crn.as_str())?;
            let created = existing.is_none();
            let row = match existing {
                Some(current) if current.managing_org != w.me.org() => {
                    return Err(ApiError::not_found("person"))
                }
                Some(current) => {
                    if_match.check(&etag_of(&PersonView::from(current.clone())))?;
                    PersonRow {
                        first_name: details.first_name.trim().to_string(),
                        last_name: details.last_name.trim().to_string(),
                        date_of_birth: details.date_of_birth,
                        pnc_number: details.pnc_number,
                        address: details.address,
                        updated_at: now,
                        updated_by: w.me.caller.sub.clone(),
                        ..current
                    }
                }
                None => PersonRow {
                    crn: crn.to_string(),
                    managing_org: w.me.org().to_string(),
                    first_name: details.first_name.trim().to_string(),
                    last_name: details.last_name.trim().to_string(),
                    date_of_birth: details.date_of_birth,
                    pnc_number: details.pnc_number,
                    address: details.address,
                    created_at: now,
                    updated_at: now,
                    updated_by: w.me.caller.sub.clone(),
                },
            };
            if created {
                rows::insert(w.conn, &row)?;
                w.created();
            } else {
                rows::update(w.conn, &row)?;
            }
            w.emit(Event {
                event_type: EventType::PersonUpserted,
                description: format!(
                    "Person {} {}",
                    row.crn,
                    if created { "created" } else { "updated" }
                ),
                detail_path: format!("/api/v1/people/{}", row.crn),
                additional_information: serde_json::json!({"created": created}),
                crn: Some(row.crn.clone()),
                org: row.managing_org.clone(),
                provider_org: None,
            });
            Ok((PersonView::from(row), created))
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(tagged(status, &view))
}

/// Read a person
#[utoipa::path(
    tag = "people",
    params(("crn" = String, Path, description = "Case reference number")),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 404, description = "No such person in your organisation"),
    ),
    security(("bearer" = []))
)]
#[get("/people/{crn}")]
pub async fn get_person(ctx: Ctx, crn: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let crn = crn_param(&crn)?;
    let view = ctx
        .read(Permission::ReadCaseRecord, "person.read", move |w| {
            Ok(PersonView::from(access::person(w, &crn)?))
        })
        .await?;
    Ok(tagged(StatusCode::OK, &view))
}

/// List people
///
/// The people your organisation manages, by CRN.
#[utoipa::path(
    tag = "people",
    params(PageQuery),
    responses((status = 200, description = "People by CRN", body = Page<PersonView>)),
    security(("bearer" = []))
)]
#[get("/people")]
pub async fn list_people(
    ctx: Ctx,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<PersonView>>, ApiError> {
    let limit = query.limit()?;
    let after = query.after()?;
    let page = ctx
        .read(Permission::ReadCaseRecord, "person.list", move |w| {
            let rows = rows::list(w.conn, w.me.org(), after.as_deref(), limit + 1)?;
            Ok(Page::from_rows(
                rows,
                limit,
                |p| p.crn.clone(),
                PersonView::from,
            ))
        })
        .await?;
    Ok(web::Json(page))
}
