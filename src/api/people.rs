//! `/api/v1/people`: people on probation, upserted by CRN by their managing probation organisation;
//! and what every case endpoint shares: the CRN in the path, stored ids, keyset cursors.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, CASE_RECORD};
use super::pagination::{Page, PageQuery};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::people::PersonRow;
use crate::domain::person::PersonDetails;

use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::people;
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

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "list_people",
        Permission::ReadCaseRecord,
        CASE_RECORD,
        OwnOrganisation,
    ),
    op("get_person", Permission::ReadCaseRecord, CASE_RECORD, Case),
    op(
        "upsert_person",
        Permission::WriteCaseRecord,
        CASE_RECORD,
        Case,
    ),
];

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
    let today = crate::rules::working_days::london_date(ctx.now());
    details.validate(today, &ctx.caller.org).into_result()?;
    let done = ctx
        .write(Permission::WriteCaseRecord, "person.upsert", move |w| {
            people::upsert(w, &crn, details, &|_, current| {
                if_match.check_with(|| Ok(etag_of(&PersonView::from(current.clone()))))
            })
        })
        .await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(tagged(status, &PersonView::from(done.row)))
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
            Ok(PersonView::from(people::get(w, &crn)?))
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
            let rows = people::list(w, after.as_deref(), limit + 1)?;
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
