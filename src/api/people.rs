//! `/api/v1/people`: people on probation, upserted by CRN by their managing probation organisation;
//! and what every case endpoint shares: the CRN in the path, stored ids, keyset cursors.

use super::operations::Reach::{Case, OwnOrganisation};
use super::operations::{op, Access, CASE_RECORD};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::people::PersonRow;
use crate::domain::person::PersonDetails;
use crate::domain::Crn;
use crate::error::{ApiError, FieldError};
use crate::http::etag::{etag_of, tagged, IfMatch};
use crate::http::{ApiJson, Ctx};
use crate::services::people;
use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
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

/// Parses a CRN from the path (`422` naming `crn` when malformed).
pub fn crn_param(raw: &str) -> Result<Crn, ApiError> {
    Crn::parse(raw).map_err(|m| ApiError::Validation(vec![FieldError::new("crn", "invalid", m)]))
}

/// A stored id as the UUID it must be; anything else is a bug, reported as a `500` with its cause.
pub fn stored_id(text: &str) -> Result<uuid::Uuid, ApiError> {
    text.parse()
        .map_err(|e| ApiError::internal_from(format!("stored id {text:?}"), e))
}

/// A key a case list is ordered by, written into its cursor without losing precision.
pub trait CursorKey: Sized {
    fn write(&self) -> String;
    fn read(text: &str) -> Option<Self>;
}

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl CursorKey for NaiveDateTime {
    fn write(&self) -> String {
        self.format(CURSOR_TIME).to_string()
    }
    fn read(text: &str) -> Option<Self> {
        NaiveDateTime::parse_from_str(text, CURSOR_TIME).ok()
    }
}

impl CursorKey for NaiveDate {
    fn write(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
    fn read(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

/// Where a keyset-paged list continues: the ordering key and id (`key|id`) of the last item the
/// client saw, or `None` for the first page.
pub fn keyset_after<K: CursorKey>(query: &PageQuery) -> Result<Option<(K, String)>, ApiError> {
    let Some(raw) = query.after()? else {
        return Ok(None);
    };
    let (key, id) = raw
        .split_once('|')
        .and_then(|(key, id)| Some((K::read(key)?, id.to_string())))
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )])
        })?;
    Ok(Some((key, id)))
}

/// One page of a keyset-paged list from up to `limit + 1` records: `key` gives a record's
/// ordering key and id for the cursor, `view` what the client sees of it.
pub fn keyset_page<R, K: CursorKey, T>(
    records: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (&K, &str),
    view: impl Fn(R) -> Result<T, ApiError>,
) -> Result<Page<T>, ApiError> {
    let page = Page::from_rows(
        records,
        limit,
        |r| {
            let (k, id) = key(r);
            format!("{}|{id}", k.write())
        },
        |r| r,
    );
    Ok(Page {
        items: page.items.into_iter().map(view).collect::<Result<_, _>>()?,
        next_cursor: page.next_cursor,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pagination::encode_cursor;

    #[test]
    fn cursor_keys_round_trip_at_every_precision() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        for time in [
            day.and_hms_opt(9, 0, 0).unwrap(),
            day.and_hms_milli_opt(9, 0, 0, 120).unwrap(),
            day.and_hms_micro_opt(9, 0, 0, 123_456).unwrap(),
            day.and_hms_nano_opt(23, 59, 59, 123_456_789).unwrap(),
        ] {
            assert_eq!(NaiveDateTime::read(&time.write()), Some(time), "{time}");
        }
        assert_eq!(NaiveDate::read(&day.write()), Some(day));
    }

    #[test]
    fn a_keyset_cursor_needs_a_key_of_the_list_and_an_id() {
        let query = |raw: &str| PageQuery {
            limit: None,
            cursor: Some(encode_cursor(raw)),
        };
        let (day, id) = keyset_after::<NaiveDate>(&query("2026-01-05|o1"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (day.to_string().as_str(), id.as_str()),
            ("2026-01-05", "o1")
        );
        for bad in ["2026-01-05", "yesterday|o1", "2026-01-05T09:00:00|o1"] {
            assert!(keyset_after::<NaiveDate>(&query(bad)).is_err(), "{bad}");
        }
        assert!(keyset_after::<NaiveDate>(&PageQuery::default())
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_page_of_records_continues_after_the_key_and_id_of_its_last() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let records = vec![(day, "a"), (day, "b"), (day, "c")];
        let page = keyset_page(records, 2, |(d, id)| (d, *id), |(_, id)| Ok(id)).unwrap();
        assert_eq!(page.items, vec!["a", "b"]);
        let next = PageQuery {
            limit: None,
            cursor: page.next_cursor,
        };
        assert_eq!(
            keyset_after::<NaiveDate>(&next).unwrap(),
            Some((day, "b".to_string()))
        );
    }

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_an_internal_error() {
        assert!(stored_id("0190a0a0-0000-7000-8000-000000000000").is_ok());
        assert!(matches!(
            stored_id("not-a-uuid"),
            Err(ApiError::Internal { .. })
        ));
    }
}
