//! Who calls each operation: its permission, the callers it is for, and how far its data reaches.
//!
//! This table is the one source for access facts about the API. The OpenAPI document carries it
//! on every operation (`x-access`: permission, callers, reach); the cross-organisation test and
//! the contract fuzzer read it from there; and every request checks that the permission its
//! handler runs with is the one declared here for its route (a mismatch is a `500`, so a test
//! that calls the endpoint fails). A route missing from the table fails the document test.

use crate::auth::Permission;
use serde::Serialize;
use std::collections::HashMap;

/// The kind of caller an operation is for; the first listed is the one that normally calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Caller {
    Probation,
    Provider,
    Integration,
    Auditor,
    Admin,
    /// No authentication (health and metrics).
    Anyone,
}

/// How far the data an operation touches reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reach {
    /// The path names one case's resource: another organisation gets `404` (or `403`) and nothing else.
    Case,
    /// Lists only the caller's own organisation's data.
    OwnOrganisation,
    /// Platform data, not case data (organisations, audit, webhooks).
    Platform,
    /// Operations endpoints with no caller data at all.
    Public,
}

/// One operation's access facts.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub operation: &'static str,
    pub permission: Option<Permission>,
    pub callers: &'static [Caller],
    pub reach: Reach,
}

use Caller::*;
use Permission as P;
use Reach::*;

const fn op(
    operation: &'static str,
    permission: Permission,
    callers: &'static [Caller],
    reach: Reach,
) -> Access {
    Access {
        operation,
        permission: Some(permission),
        callers,
        reach,
    }
}

const PROBATION: &[Caller] = &[Probation];
const PROVIDER: &[Caller] = &[Provider];
const PROVIDER_FIRST: &[Caller] = &[Provider, Probation];
const PROBATION_FIRST: &[Caller] = &[Probation, Provider];
const CASE_RECORD: &[Caller] = &[Probation, Integration];

/// Every operation, by operation id (the handler's name).
pub const OPERATIONS: &[Access] = &[
    Access {
        operation: "live",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
    Access {
        operation: "ready",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
    Access {
        operation: "metrics",
        permission: None,
        callers: &[Anyone],
        reach: Public,
    },
    op(
        "create_organisation",
        P::ManageOrganisations,
        &[Admin],
        Platform,
    ),
    op(
        "list_organisations",
        P::ReadOrganisations,
        &[Admin],
        Platform,
    ),
    op("list_audit_events", P::ReadAudit, &[Auditor], Platform),
    op("verify_audit_chain", P::ReadAudit, &[Auditor], Platform),
    op(
        "list_events",
        P::ReadEvents,
        &[Integration, Probation, Provider],
        OwnOrganisation,
    ),
    op("create_subscription", P::ManageWebhooks, &[Admin], Platform),
    op("list_subscriptions", P::ManageWebhooks, &[Admin], Platform),
    op("list_deliveries", P::ManageWebhooks, &[Admin], Platform),
    op(
        "list_people",
        P::ReadCaseRecord,
        CASE_RECORD,
        OwnOrganisation,
    ),
    op("get_person", P::ReadCaseRecord, CASE_RECORD, Case),
    op("upsert_person", P::WriteCaseRecord, CASE_RECORD, Case),
    op("current_risk", P::ReadCaseRecord, CASE_RECORD, Case),
    op("record_risk", P::WriteCaseRecord, CASE_RECORD, Case),
    op("risk_history", P::ReadCaseRecord, CASE_RECORD, Case),
    op("list_members", P::ReadCaseRecord, CASE_RECORD, Case),
    op("add_member", P::WriteCaseRecord, CASE_RECORD, Case),
    op("update_member", P::WriteCaseRecord, CASE_RECORD, Case),
    op("list_declarations", P::ReadCaseRecord, CASE_RECORD, Case),
    op("record_declaration", P::WriteCaseRecord, CASE_RECORD, Case),
    op("list_orders", P::ReadCaseRecord, CASE_RECORD, Case),
    op("create_order", P::WriteCaseRecord, CASE_RECORD, Case),
    op("get_order", P::ReadCaseRecord, CASE_RECORD, Case),
    op("rar_summary", P::ReadCaseRecord, CASE_RECORD, Case),
    op("create_referral", P::Commission, PROBATION, Case),
    op(
        "list_referrals",
        P::ReadReferrals,
        PROBATION_FIRST,
        OwnOrganisation,
    ),
    op("get_referral", P::ReadReferrals, PROBATION_FIRST, Case),
    op("update_referral", P::Commission, PROBATION, Case),
    op("send_referral", P::Commission, PROBATION, Case),
    op("withdraw_referral", P::Commission, PROBATION, Case),
    op("accept_referral", P::DeliverReferral, PROVIDER, Case),
    op("decline_referral", P::DeliverReferral, PROVIDER, Case),
    op("assign_worker", P::AssignWorker, PROVIDER, Case),
    op("acknowledge_risk", P::DeliverReferral, PROVIDER, Case),
    op("book_appointment", P::DeliverReferral, PROVIDER, Case),
    op("list_appointments", P::ReadReferrals, PROVIDER_FIRST, Case),
    op("get_appointment", P::ReadReferrals, PROVIDER_FIRST, Case),
    op("reschedule_appointment", P::DeliverReferral, PROVIDER, Case),
    op("cancel_appointment", P::DeliverReferral, PROVIDER, Case),
    op("put_attendance", P::DeliverReferral, PROVIDER, Case),
    op("absence_decision", P::Commission, PROBATION, Case),
    op("submit_progress", P::DeliverReferral, PROVIDER, Case),
    op("list_progress", P::ReadReferrals, PROVIDER_FIRST, Case),
    op("submit_end_of_service", P::DeliverReferral, PROVIDER, Case),
    op("get_end_of_service", P::ReadReferrals, PROVIDER_FIRST, Case),
    op("end_referral", P::DeliverReferral, PROVIDER, Case),
    op("provider_disclosure", P::DeliverReferral, PROVIDER, Case),
    op("probation_disclosure", P::Commission, PROBATION, Case),
    op("list_disclosures", P::ReadCasework, PROBATION, Case),
    op(
        "list_prompts",
        P::ReadPrompts,
        PROBATION_FIRST,
        OwnOrganisation,
    ),
    op("get_prompt", P::ReadPrompts, PROBATION_FIRST, Case),
    op("resolve_prompt", P::ResolvePrompts, PROBATION_FIRST, Case),
    op("get_review", P::ReadCasework, PROBATION, Case),
    op("confirm_item", P::Commission, PROBATION, Case),
    op("complete_review", P::Commission, PROBATION, Case),
    op("sign_off", P::SignOff, PROBATION, Case),
    op("terminate_order", P::Commission, PROBATION, Case),
    op("chronology", P::ReadCasework, PROBATION, Case),
];

/// The access facts of an operation, if it is in the table.
pub fn access(operation: &str) -> Option<&'static Access> {
    OPERATIONS.iter().find(|a| a.operation == operation)
}

/// The declared permission of each route, keyed by `(METHOD, path template)` as actix matches
/// it (e.g. `("POST", "/api/v1/referrals/{id}/send")`), built from the OpenAPI document's paths.
pub fn permissions_by_route(
    doc: &utoipa::openapi::OpenApi,
) -> HashMap<(String, String), Permission> {
    let mut routes = HashMap::new();
    for (path, item) in &doc.paths.paths {
        for (method, operation) in super::openapi_doc::operations(item) {
            let declared = operation
                .operation_id
                .as_deref()
                .and_then(access)
                .and_then(|a| a.permission);
            if let Some(permission) = declared {
                routes.insert((method.to_string(), path.clone()), permission);
            }
        }
    }
    routes
}

/// Every path template of the document with its methods, for `405` answers.
pub fn known_routes(doc: &utoipa::openapi::OpenApi) -> crate::http::routes::KnownRoutes {
    let mut routes = crate::http::routes::KnownRoutes::default();
    for (path, item) in &doc.paths.paths {
        let methods = super::openapi_doc::operations(item)
            .map(|(m, _)| m)
            .collect();
        routes.add(path, methods);
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_in_the_document_is_declared_once_and_nothing_else_is() {
        let doc = crate::api::openapi();
        let mut seen = Vec::new();
        for item in doc.paths.paths.values() {
            for (method, operation) in super::super::openapi_doc::operations(item) {
                let id = operation.operation_id.clone().expect("operation id");
                assert!(
                    access(&id).is_some(),
                    "{method} {id} is not in api::operations"
                );
                seen.push(id);
            }
        }
        for a in OPERATIONS {
            assert!(
                seen.contains(&a.operation.to_string()),
                "{} is declared but not served",
                a.operation
            );
            assert_eq!(
                OPERATIONS
                    .iter()
                    .filter(|b| b.operation == a.operation)
                    .count(),
                1,
                "{} is declared twice",
                a.operation
            );
        }
    }

    #[test]
    fn each_route_is_keyed_by_its_method_and_path_template() {
        let routes = permissions_by_route(&crate::api::openapi());
        let send = (
            "POST".to_string(),
            "/api/v1/referrals/{id}/send".to_string(),
        );
        assert_eq!(routes.get(&send), Some(&Permission::Commission));
        let declared = OPERATIONS.iter().filter(|a| a.permission.is_some()).count();
        assert_eq!(routes.len(), declared);
    }

    #[test]
    fn declared_callers_hold_a_role_that_grants_the_permission() {
        use crate::auth::Role;
        for a in OPERATIONS {
            let Some(permission) = a.permission else {
                continue;
            };
            for caller in a.callers {
                let roles: &[Role] = match caller {
                    Probation => &[Role::ProbationPractitioner, Role::ProbationManager],
                    Provider => &[Role::ProviderWorker, Role::ProviderManager],
                    Integration => &[Role::Integration],
                    Auditor => &[Role::Auditor],
                    Admin => &[Role::Admin],
                    Anyone => &[],
                };
                assert!(
                    roles.iter().any(|r| permission.roles().contains(r)),
                    "{}: {caller:?} holds no role granting {permission:?}",
                    a.operation
                );
            }
        }
    }
}
