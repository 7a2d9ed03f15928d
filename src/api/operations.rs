//! Who calls each operation: its permission, the callers it is for, and how far its data reaches.
//!
//! Each handler module declares its operations in an `ACCESS` table beside the handlers; those
//! tables are the one source for access facts about the API. The OpenAPI document carries it
//! on every operation (`x-access`: permission, callers, reach); the cross-organisation test and
//! the contract fuzzer read it from there; and every request checks that the permission its
//! handler runs with is the one declared here for its route (a mismatch is a `500`, so a test
//! that calls the endpoint fails). An operation missing from the tables fails the document test.

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

pub const fn op(
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

pub const PROBATION: &[Caller] = &[Probation];
pub const PROVIDER: &[Caller] = &[Provider];
pub const PROVIDER_FIRST: &[Caller] = &[Provider, Probation];
pub const PROBATION_FIRST: &[Caller] = &[Probation, Provider];
pub const CASE_RECORD: &[Caller] = &[Probation, Integration];

/// Every module's declarations.
const MODULES: &[&[Access]] = &[
    super::action_plans::ACCESS,
    super::amendments::ACCESS,
    super::appointments::ACCESS,
    super::attendance::ACCESS,
    super::audit::ACCESS,
    super::chronology::ACCESS,
    super::commissioning::ACCESS,
    super::dashboard::ACCESS,
    super::case_notes::ACCESS,
    super::caseload::ACCESS,
    super::disclosures::ACCESS,
    super::events::ACCESS,
    super::health::ACCESS,
    super::household::ACCESS,
    super::orders::ACCESS,
    super::organisations::ACCESS,
    super::people::ACCESS,
    super::transfer::ACCESS,
    super::export::ACCESS,
    super::prompt_actions::ACCESS,
    super::prompts::ACCESS,
    super::referral_actions::ACCESS,
    super::referrals::ACCESS,
    super::reports::ACCESS,
    super::risk::ACCESS,
    super::termination::ACCESS,
    super::webhook_deliveries::ACCESS,
    super::webhooks::ACCESS,
    super::staff::ACCESS,
    super::notifications::ACCESS,
];

/// Every operation's access facts.
pub fn all() -> impl Iterator<Item = &'static Access> {
    MODULES.iter().flat_map(|m| m.iter())
}

/// The access facts of an operation, if it is in the table.
pub fn access(operation: &str) -> Option<&'static Access> {
    all().find(|a| a.operation == operation)
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
        for a in all() {
            assert!(
                seen.contains(&a.operation.to_string()),
                "{} is declared but not served",
                a.operation
            );
            assert_eq!(
                all().filter(|b| b.operation == a.operation).count(),
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
        let declared = all().filter(|a| a.permission.is_some()).count();
        assert_eq!(routes.len(), declared);
    }

    #[test]
    fn declared_callers_hold_a_role_that_grants_the_permission() {
        use crate::auth::Role;
        for a in all() {
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
