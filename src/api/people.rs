//! `/api/v1/people`: people on probation, upserted by CRN by their managing probation organisation;
//! and what every case endpoint shares: the CRN in the path, stored ids, keyset cursors.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, CASE_RECORD};
use super::pagination::{Page, PageQuery};
use super::parse::crn_param;
use crate::auth::Permission;
use crate::db::people::{PeopleSearch, PersonRow};
use crate::domain::person::{search_key, PersonDetails};
use crate::domain::Crn;
use crate::error::FieldError;

use crate::error::ApiError;
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::people;
use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Search (1 to 100 characters): a CRN (`X123456`), the start of any word of the name (case
    /// and accents ignored: `smi` finds Smith and Smíth), or a date of birth (`1990-05-01` or
    /// `01/05/1990`). A person matching any of these is listed.
    pub q: Option<String>,
}

/// The search `q` asks for, or `422` for one too long or with nothing to search by.
pub fn people_search(q: &str) -> Result<PeopleSearch, ApiError> {
    let q = q.trim();
    let bad = |message: &str| {
        ApiError::Validation(vec![FieldError::new("q", "invalid", message.to_string())])
    };
    if q.chars().count() > 100 {
        return Err(bad("q must be at most 100 characters"));
    }
    let date_of_birth = NaiveDate::parse_from_str(q, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(q, "%d/%m/%Y"))
        .ok();
    let crn = Crn::parse(&q.to_uppercase()).ok().map(|c| c.to_string());
    let name = search_key(q);
    if name.is_empty() && date_of_birth.is_none() {
        return Err(bad("q must hold letters or digits to search by"));
    }
    Ok(PeopleSearch {
        crn,
        name_prefix: (!name.is_empty() && date_of_birth.is_none()).then_some(name),
        date_of_birth,
    })
}

/// List or search the people your organisation manages
///
/// By CRN. With `q`, only those whose CRN, name (the start of any word, ignoring case and
/// accents) or date of birth match; another organisation's people are never found.
#[utoipa::path(
    tag = "people",
    params(PeopleQuery, PageQuery),
    responses(
        (status = 200, description = "People by CRN", body = Page<PersonView>),
        (status = 422, description = "`q` longer than 100 characters or without letters or digits, or a bad `limit` or `cursor`"),
    ),
    security(("bearer" = []))
)]
#[get("/people")]
pub async fn list_people(
    ctx: Ctx,
    search: web::Query<PeopleQuery>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<PersonView>>, ApiError> {
    let limit = query.limit()?;
    let after = query.after()?;
    let search = search
        .q
        .as_deref()
        .filter(|q| !q.trim().is_empty())
        .map(people_search)
        .transpose()?;
    let page = ctx
        .read(Permission::ReadCaseRecord, "person.list", move |w| {
            let rows = people::list(w, search.as_ref(), after.as_deref(), limit + 1)?;
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

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn a_search_is_a_crn_a_name_prefix_or_a_date_of_birth() {
        let s = people_search(" x123456 ").unwrap();
        assert_eq!(s.crn.as_deref(), Some("X123456"));
        assert_eq!(s.name_prefix.as_deref(), Some("x123456"));
        let s = people_search("Smí").unwrap();
        assert_eq!((s.crn, s.name_prefix.as_deref()), (None, Some("smi")));
        for dob in ["1990-05-01", "01/05/1990"] {
            let s = people_search(dob).unwrap();
            assert_eq!(s.date_of_birth, NaiveDate::from_ymd_opt(1990, 5, 1));
            assert_eq!(s.name_prefix, None);
        }
        assert!(people_search("%_").is_err());
        assert!(people_search(&"a".repeat(101)).is_err());
    }
}
