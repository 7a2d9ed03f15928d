//! HTTP handlers, their request/response types, and the OpenAPI document built from them.
//!
//! Routes are registered through `utoipa_actix_web`, so the served routes and the OpenAPI paths
//! come from the same registration and cannot drift. Error responses are declared per operation by
//! status; [`ProblemResponses`] gives every error the problem+json body and adds the errors every
//! operation can return (auth, bad input, unavailability) in one place.

pub mod appointments;
pub mod attendance;
pub mod audit;
pub mod chronology;
pub mod disclosures;
pub mod events;
pub mod health;
pub mod household;
pub mod orders;
pub mod organisations;
pub mod pagination;
pub mod people;
pub mod prompts;
pub mod referral_actions;
pub mod referrals;
pub mod reports;
pub mod risk;
pub mod termination;
pub mod webhooks;

use crate::error::{BlockingItem, FieldError, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rarlink",
        description = "Case sharing between probation officers and the rehabilitation providers they commission: \
referrals with offence and risk context, attendance, disclosures, safeguarding prompts and termination reviews. \
Conventions (errors, pagination, idempotency, ETags) are in docs/api-conventions.md.",
        license(name = "MIT")
    ),
    components(schemas(Problem, FieldError, BlockingItem)),
    tags(
        (name = "operations", description = "Health, readiness and metrics (no authentication)."),
        (name = "organisations", description = "Probation organisations and providers (admin)."),
        (name = "people", description = "People on probation, by CRN (probation and integration clients)."),
        (name = "risk", description = "Risk of serious harm, flags and the risk management plan; history kept."),
        (name = "household", description = "Household composition with provenance, and what the person declared."),
        (name = "orders", description = "Orders, offences and RAR day accounting."),
        (name = "referrals", description = "Commissioning a provider with offence and risk context; the provider's shared view."),
        (name = "appointments", description = "Sessions, attendance and the officer's absence decisions."),
        (name = "reports", description = "Progress and end-of-service reports; ending a referral."),
        (name = "disclosures", description = "What people disclosed to providers or officers; each raises safeguarding prompts."),
        (name = "safeguarding-prompts", description = "Tasks raised from facts: who must act, on what, by when and why."),
        (name = "termination", description = "The termination review, derived live from the order's data, and terminating the order."),
        (name = "chronology", description = "The multi-agency chronology of a person, as JSON or CSV."),
        (name = "events", description = "Domain events for integrators, in commit order."),
        (name = "webhooks", description = "Pushing events to integrators, signed (Standard Webhooks), with a delivery log (admin)."),
        (name = "audit", description = "The hash-chained audit log (auditor)."),
    )
)]
pub struct ApiDoc;

/// Registers every route. Used by the server and by `rarlink openapi`, so both see the same API.
pub fn configure(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(
                crate::http::idempotency::idempotency,
            ))
            .configure(organisations::configure)
            .configure(people::configure)
            .configure(risk::configure)
            .configure(household::configure)
            .configure(orders::configure)
            .configure(referrals::configure)
            .configure(referral_actions::configure)
            .configure(appointments::configure)
            .configure(attendance::configure)
            .configure(reports::configure)
            .configure(disclosures::configure)
            .configure(prompts::configure)
            .configure(termination::configure)
            .configure(chronology::configure)
            .configure(events::configure)
            .configure(webhooks::configure)
            .configure(audit::configure),
    );
}

/// The OpenAPI document, built without starting a server.
pub fn openapi() -> OpenApiDoc {
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    finish(doc)
}

/// Applies the modifiers that must see every path (they run after routes are collected).
pub fn finish(mut doc: OpenApiDoc) -> OpenApiDoc {
    BearerSecurity.modify(&mut doc);
    ProblemResponses.modify(&mut doc);
    doc
}

/// The OpenAPI document as pretty JSON with a trailing newline (the committed file's form).
pub fn openapi_json() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

pub const BEARER: &str = "bearer";

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with claims sub, name, org and roles; see README (Tokens).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Gives every error response the problem+json body and adds the errors any operation can return.
struct ProblemResponses;

impl ProblemResponses {
    fn add(op: &mut Operation, status: &str, description: &str) {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    }

    fn describe(op: &mut Operation, secured: bool, has_body: bool, api: bool) {
        if secured {
            Self::add(
                op,
                "401",
                "Missing, malformed, expired or otherwise invalid bearer token.",
            );
            Self::add(
                op,
                "403",
                "The caller's roles or organisation may never do this.",
            );
        }
        if has_body {
            Self::add(op, "400", "Malformed JSON or an invalid header.");
            Self::add(op, "413", "The request body is larger than 1 MiB.");
            Self::add(op, "415", "The request body is not application/json.");
            Self::add(
                op,
                "422",
                "The body does not validate; `errors` lists every bad field.",
            );
        }
        if api {
            Self::add(op, "400", "An invalid path parameter or query string.");
            Self::add(
                op,
                "500",
                "An unexpected error; nothing internal is disclosed.",
            );
            Self::add(
                op,
                "503",
                "The database is unavailable or busy; retry after `Retry-After` seconds.",
            );
        }
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        for (status, response) in op.responses.responses.iter_mut() {
            let is_error = status.starts_with('4') || status.starts_with('5');
            if let (true, RefOr::T(response)) = (is_error, response) {
                response.content.clear();
                response
                    .content
                    .insert("application/problem+json".to_string(), problem.clone());
            }
        }
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/api/");
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                Self::describe(op, secured, has_body, api);
            }
        }
    }
}
