//! `/api/v1/organisations`: the probation organisations and providers that use rarlink (admin only).

use super::operations::Caller::Admin;
use super::operations::Reach::Platform;
use super::operations::{op, Access};
use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::organisations::Organisation;
use crate::domain::OrgKind;
use crate::error::{ApiError, FieldError};
use crate::http::{ApiJson, Ctx};
use crate::services::organisations::{self, Registration};
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation).service(list_organisations);
}

/// Who calls each operation of this module: its permission, callers and reach (`x-access`).
pub const ACCESS: &[Access] = &[
    op(
        "create_organisation",
        Permission::ManageOrganisations,
        &[Admin],
        Platform,
    ),
    op(
        "list_organisations",
        Permission::ReadOrganisations,
        &[Admin],
        Platform,
    ),
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrganisation {
    /// Upper-case code used in tokens' `org` claim: letters, digits and `-`, 2 to 32 characters.
    #[schema(example = "PDU-CAMBS")]
    pub code: String,
    #[schema(example = "Cambridgeshire Probation Delivery Unit")]
    pub name: String,
    pub kind: OrgKind,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationView {
    pub id: uuid::Uuid,
    #[schema(example = "PDU-CAMBS")]
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<Organisation> for OrganisationView {
    type Error = ApiError;

    fn try_from(o: Organisation) -> Result<Self, ApiError> {
        Ok(Self {
            id: crate::db::stored_id(&o.id)?,
            code: o.code,
            name: o.name,
            kind: o.kind,
            created_at: o.created_at.and_utc(),
        })
    }
}

impl CreateOrganisation {
    /// The registration this body asks for, or `422` naming every bad field.
    fn registration(self) -> Result<Registration, ApiError> {
        let mut errors = Vec::new();
        let code_ok = (2..=32).contains(&self.code.len())
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if !code_ok {
            errors.push(FieldError::new(
                "code",
                "invalid",
                "code must be 2 to 32 characters of A-Z, 0-9 and -",
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 200 {
            errors.push(FieldError::new(
                "name",
                "invalid",
                "name must be 1 to 200 characters",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(Registration {
            code: self.code,
            name: self.name,
            kind: self.kind,
        })
    }
}

/// Register an organisation
///
/// Adds a probation organisation or a provider. Its `code` is what tokens carry in `org`;
/// tokens naming an unregistered organisation are refused on case data.
#[utoipa::path(
    tag = "organisations",
    request_body = CreateOrganisation,
    responses(
        (status = 201, description = "Registered", body = OrganisationView),
        (status = 409, description = "An organisation with this code exists"),
    ),
    security(("bearer" = []))
)]
#[post("/organisations")]
pub async fn create_organisation(
    ctx: Ctx,
    body: ApiJson<CreateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner().registration()?;
    let view = ctx
        .create(
            Permission::ManageOrganisations,
            "organisation.create",
            move |w| OrganisationView::try_from(organisations::register(w, registration)?),
        )
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/organisations/{}", view.code)))
        .json(view))
}

/// List organisations
#[utoipa::path(
    tag = "organisations",
    params(PageQuery),
    responses((status = 200, description = "Organisations by code", body = Page<OrganisationView>)),
    security(("bearer" = []))
)]
#[get("/organisations")]
pub async fn list_organisations(
    ctx: Ctx,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<OrganisationView>>, ApiError> {
    let limit = query.limit()?;
    let after = query.after()?;
    let page = ctx
        .read(
            Permission::ReadOrganisations,
            "organisation.list",
            move |w| {
                let views = organisations::list(w, after.as_deref(), limit + 1)?
                    .into_iter()
                    .map(OrganisationView::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Page::from_rows(views, limit, |o| o.code.clone(), |o| o))
            },
        )
        .await?;
    Ok(web::Json(page))
}
