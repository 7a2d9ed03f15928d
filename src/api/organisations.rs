//! `/api/v1/organisations`: the probation organisations and providers that use rarlink (admin only).

use super::pagination::{Page, PageQuery};
use crate::auth::Permission;
use crate::db::organisations::{self as rows, NewOrganisation, Organisation};
use crate::domain::events::EventType;
use crate::error::{ApiError, FieldError};
use crate::http::{ApiJson, Ctx};
use crate::work::Event;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_organisation).service(list_organisations);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationKind {
    Probation,
    Provider,
}

impl OrganisationKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Probation => "probation",
            Self::Provider => "provider",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrganisation {
    /// Upper-case code used in tokens' `org` claim: letters, digits and `-`, 2 to 32 characters.
    #[schema(example = "PDU-CAMBS")]
    pub code: String,
    #[schema(example = "Cambridgeshire Probation Delivery Unit")]
    pub name: String,
    pub kind: OrganisationKind,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationView {
    pub id: uuid::Uuid,
    #[schema(example = "PDU-CAMBS")]
    pub code: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub created_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id.parse().unwrap_or_default(),
            code: o.code,
            name: o.name,
            kind: if o.kind == "provider" {
                OrganisationKind::Provider
            } else {
                OrganisationKind::Probation
            },
            created_at: o.created_at.and_utc(),
        }
    }
}

fn validate(body: &CreateOrganisation) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let code_ok = (2..=32).contains(&body.code.len())
        && body
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
    if body.name.trim().is_empty() || body.name.len() > 200 {
        errors.push(FieldError::new(
            "name",
            "invalid",
            "name must be 1 to 200 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
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
    let body = body.into_inner();
    validate(&body)?;
    let view = ctx
        .create(
            Permission::ManageOrganisations,
            "organisation.create",
            move |w| {
                if rows::find_by_code(w.conn, &body.code)?.is_some() {
                    return Err(ApiError::conflict(format!(
                        "organisation {} already exists",
                        body.code
                    )));
                }
                let id = uuid::Uuid::now_v7().to_string();
                rows::insert(
                    w.conn,
                    &NewOrganisation {
                        id: &id,
                        code: &body.code,
                        name: body.name.trim(),
                        kind: body.kind.as_str(),
                        created_at: w.now.naive_utc(),
                        created_by: &w.me.caller.sub,
                    },
                )?;
                let row = rows::find_by_code(w.conn, &body.code)?
                    .ok_or_else(|| ApiError::internal("organisation vanished"))?;
                w.emit(Event {
                    event_type: EventType::OrganisationCreated,
                    description: format!("Organisation {} registered", row.code),
                    detail_path: "/api/v1/organisations".into(),
                    additional_information: serde_json::json!({"code": row.code, "kind": row.kind}),
                    crn: None,
                    org: row.code.clone(),
                    provider_org: None,
                });
                Ok(OrganisationView::from(row))
            },
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
                let rows = rows::list(w.conn, after.as_deref(), limit + 1)?;
                Ok(Page::from_rows(
                    rows,
                    limit,
                    |o| o.code.clone(),
                    OrganisationView::from,
                ))
            },
        )
        .await?;
    Ok(web::Json(page))
}
