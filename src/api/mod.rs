//! HTTP handlers, their request/response types, and the OpenAPI document built from them.
//!
//! Routes are registered through `utoipa_actix_web`, so the served routes and the OpenAPI paths
//! come from the same registration and cannot drift. Error responses are declared per operation by
//! status; [`openapi_doc::finish`] then completes the document in one place (problem bodies, the
//! errors every operation can return, security, parameter patterns).

pub mod action_plans;
pub mod amendments;
pub mod appointments;
pub mod attendance;
pub mod audit;
pub mod case_notes;
pub mod caseload;
pub mod chronology;
pub mod chronology_entries;
pub mod chronology_html;
pub mod commissioning;
pub mod dashboard;
pub mod disclosures;
pub mod events;
pub mod export;
pub mod health;
pub mod household;
pub mod notifications;
pub mod openapi_doc;
pub mod openapi_events;
#[cfg(test)]
mod openapi_typed;
pub mod operations;
pub mod orders;
pub mod organisations;
pub mod pagination;
pub mod parse;
pub mod people;
pub mod prompt_actions;
pub mod prompt_groups;
pub mod prompts;
pub mod referral_actions;
pub mod referral_views;
pub mod referrals;
pub mod reports;
pub mod risk;
pub mod staff;
pub mod termination;
pub mod transfer;
pub mod webhook_deliveries;
pub mod webhooks;

use crate::error::{BlockingItem, FieldError, Problem};
pub use openapi_doc::{finish, BEARER};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::OpenApi;
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
    components(schemas(
        Problem,
        FieldError,
        BlockingItem,
        crate::api::commissioning::ReportFormat,
        crate::api::prompt_groups::GroupBy
    )),
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
        (name = "action-plans", description = "The provider's activities and sessions against the desired outcomes, approved by the officer; every version kept."),
        (name = "case-notes", description = "The running two-way record on a referral; a note that sounds like a disclosure raises a prompt."),
        (name = "disclosures", description = "What people disclosed to providers or officers; each raises safeguarding prompts."),
        (name = "safeguarding-prompts", description = "Tasks raised from facts: who must act, on what, by when and why."),
        (name = "termination", description = "The termination review, derived live from the order's data, and terminating the order."),
        (name = "chronology", description = "The multi-agency chronology of a person, as JSON, CSV or a printable HTML page."),
        (name = "events", description = "Domain events for integrators, in commit order."),
        (name = "webhooks", description = "Pushing an organisation's events to its own systems, signed (Standard Webhooks), to public https addresses only, with a delivery log (managers and integration clients; platform admins)."),
        (name = "notifications", description = "E-mail notifications to named people: the staff directory (managers) and what was sent to whom and when (managers and auditors). E-mails name no person and no case."),
        (name = "audit", description = "The hash-chained audit log (auditor)."),
        (name = "oversight", description = "What officers and managers look at: an officer's caseload, the team dashboard, the commissioning report."),
    )
)]
pub struct ApiDoc;

/// Registers every route. Used by the server and by `rarlink openapi`, so both see the same API.
pub fn configure(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            // Case data is never to be kept by browsers or intermediaries.
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((actix_web::http::header::CACHE_CONTROL, "no-store")),
            )
            .wrap(actix_web::middleware::from_fn(
                crate::http::idempotency::idempotency,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::http::extract::refuse_nul_in_uri,
            ))
            .wrap(actix_web::middleware::from_fn(
                crate::http::refusals::audit_refusals,
            ))
            .configure(organisations::configure)
            .configure(people::configure)
            .configure(transfer::configure)
            .configure(export::configure)
            .configure(risk::configure)
            .configure(household::configure)
            .configure(orders::configure)
            .configure(referrals::configure)
            .configure(referral_actions::configure)
            .configure(amendments::configure)
            .configure(action_plans::configure)
            .configure(appointments::configure)
            .configure(attendance::configure)
            .configure(reports::configure)
            .configure(case_notes::configure)
            .configure(disclosures::configure)
            .configure(prompt_actions::configure)
            .configure(prompts::configure)
            .configure(termination::configure)
            .configure(chronology::configure)
            .configure(events::configure)
            .configure(webhooks::configure)
            .configure(staff::configure)
            .configure(notifications::configure)
            .configure(audit::configure)
            .configure(caseload::configure)
            .configure(dashboard::configure)
            .configure(commissioning::configure),
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

/// The OpenAPI document as pretty JSON with a trailing newline (the committed file's form).
pub fn openapi_json() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    text.push('\n');
    text
}
