//! The staff directory: a manager records a member of their organisation's name, e-mail address
//! and whether they want e-mail notifications (`PUT /staff/{sub}`), and lists the directory.

use super::operations::{op, Access, Caller::Probation, Caller::Provider, Reach::OwnOrganisation};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::staff::StaffRow;
use crate::error::ApiError;
use crate::http::{ApiJson, Ctx};
use crate::services::staff::{self, StaffEntry};
use actix_web::http::StatusCode;
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_staff).service(list_staff);
}

const MANAGERS: &[super::operations::Caller] = &[Probation, Provider];

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "put_staff",
        Permission::ManageStaff,
        MANAGERS,
        OwnOrganisation,
    ),
    op(
        "list_staff",
        Permission::ManageStaff,
        MANAGERS,
        OwnOrganisation,
    ),
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StaffDetails {
    #[schema(example = "Jo Smith", max_length = 200)]
    pub name: String,
    /// Where e-mail notifications go: one plain address.
    #[schema(example = "jo.smith@probation.example.gov.uk", max_length = 254)]
    pub email: String,
    /// Whether they want e-mail notifications.
    pub notifications: bool,
    /// Whether they receive what is addressed to the organisation's managers (an unassigned
    /// mandatory action, an overdue one, a referral received). Left out: unchanged (no, for a
    /// new entry). A token with an `email` claim sets it from the person's own roles.
    pub manager: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffView {
    /// The person's subject (`sub` in their token).
    pub sub: String,
    pub org: String,
    pub name: String,
    pub email: String,
    pub notifications: bool,
    pub manager: bool,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl From<StaffRow> for StaffView {
    fn from(r: StaffRow) -> Self {
        Self {
            sub: r.sub,
            org: r.org,
            name: r.name,
            email: r.email,
            notifications: r.notifications,
            manager: r.manager,
            updated_at: r.updated_at.and_utc(),
            updated_by: r.updated_by,
        }
    }
}

/// Record a staff member
///
/// Sets the name, e-mail address and notification preference of a member of the caller's
/// organisation, by the subject (`sub`) of their token. E-mail notifications find their
/// recipients here. A person whose token carries an `email` claim keeps their own entry's
/// address (and manager flag) in step whenever they change something.
#[utoipa::path(
    tag = "notifications",
    params(("sub" = String, Path, description = "The staff member's subject (`sub` in their token)")),
    request_body = StaffDetails,
    responses(
        (status = 200, description = "Updated", body = StaffView),
        (status = 201, description = "Recorded", body = StaffView),
        (status = 403, description = "Not a probation or provider manager"),
        (status = 404, description = "The subject is recorded for another organisation"),
        (status = 422, description = "A blank name, an invalid e-mail address, or a subject over 200 characters"),
    ),
    security(("bearer" = []))
)]
#[put("/staff/{sub}")]
pub async fn put_staff(
    ctx: Ctx,
    sub: web::Path<String>,
    body: ApiJson<StaffDetails>,
) -> Result<HttpResponse, ApiError> {
    let sub = sub.into_inner();
    let d = body.into_inner();
    let entry = StaffEntry {
        name: d.name,
        email: d.email,
        notifications: d.notifications,
        manager: d.manager,
    };
    let (row, created) = ctx
        .write(Permission::ManageStaff, "staff.put", move |w| {
            staff::put(w, &sub, entry)
        })
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(StaffView::from(row)))
}

/// List the staff directory
///
/// The caller's organisation's entries, by subject.
#[utoipa::path(
    tag = "notifications",
    params(PageQuery),
    responses(
        (status = 200, description = "Entries, by subject", body = Page<StaffView>),
        (status = 403, description = "Not a probation or provider manager"),
        (status = 422, description = "A bad limit or cursor"),
    ),
    security(("bearer" = []))
)]
#[get("/staff")]
pub async fn list_staff(
    ctx: Ctx,
    page: web::Query<PageQuery>,
) -> Result<web::Json<Page<StaffView>>, ApiError> {
    let limit = page.limit()?;
    let after = page.after()?;
    let page = ctx
        .read(Permission::ManageStaff, "staff.list", move |w| {
            let rows = staff::page(w, after.as_deref(), limit)?;
            Ok(Page::from_rows(
                rows,
                limit,
                |r| r.sub.clone(),
                StaffView::from,
            ))
        })
        .await?;
    Ok(web::Json(page))
}
