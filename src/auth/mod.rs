//! Who is calling: roles, the permissions each role grants, and the authenticated caller.

pub mod jwt;

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A role carried in the token's `roles` claim.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProbationPractitioner,
    ProbationManager,
    ProviderWorker,
    ProviderManager,
    Integration,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::ProbationPractitioner,
        Role::ProbationManager,
        Role::ProviderWorker,
        Role::ProviderManager,
        Role::Integration,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProbationPractitioner => "probation_practitioner",
            Role::ProbationManager => "probation_manager",
            Role::ProviderWorker => "provider_worker",
            Role::ProviderManager => "provider_manager",
            Role::Integration => "integration",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role acts for a probation organisation (as opposed to a provider).
    pub fn is_probation_side(self) -> bool {
        matches!(
            self,
            Role::ProbationPractitioner | Role::ProbationManager | Role::Integration
        )
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an endpoint needs. Each maps to the roles that may ever do it, in one table ([`Permission::roles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ManageOrganisations,
    ReadOrganisations,
    ReadAudit,
    ReadEvents,
    ManageWebhooks,
    /// Create and update people, orders, risk and household records.
    WriteCaseRecord,
    /// Read people, orders, risk and household records (probation side).
    ReadCaseRecord,
    /// Read the casework built on them: disclosures, the chronology, the termination review
    /// (practitioners and managers; not integration clients).
    ReadCasework,
    /// Commission, send and withdraw referrals; decide absences.
    Commission,
    /// Read referrals (probation view or the provider's shared view).
    ReadReferrals,
    /// Accept, decline, book sessions, record attendance, progress and disclosures.
    DeliverReferral,
    /// Write case notes on a referral (either side).
    WriteCaseNotes,
    /// Assign provider workers.
    AssignWorker,
    /// Resolve and read safeguarding prompts.
    ReadPrompts,
    ResolvePrompts,
    /// Manager-only actions: sign-offs, dismissing mandatory prompts and transferring a case to
    /// another probation organisation.
    SignOff,
    /// Keep the organisation's staff directory (names, e-mail addresses, preferences).
    ManageStaff,
    /// Read what e-mail notifications were sent to whom (managers and auditors).
    ReadNotifications,
    /// The team dashboard (probation and provider managers).
    ReadDashboard,
    /// The commissioning report (managers of either side, auditors).
    ReadReports,
}

impl Permission {
    /// The permission's name in the OpenAPI document (`x-permission`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageOrganisations => "manage-organisations",
            Permission::ReadOrganisations => "read-organisations",
            Permission::ReadAudit => "read-audit",
            Permission::ReadEvents => "read-events",
            Permission::ManageWebhooks => "manage-webhooks",
            Permission::WriteCaseRecord => "write-case-record",
            Permission::ReadCaseRecord => "read-case-record",
            Permission::ReadCasework => "read-casework",
            Permission::Commission => "commission",
            Permission::ReadReferrals => "read-referrals",
            Permission::DeliverReferral => "deliver-referral",
            Permission::WriteCaseNotes => "write-case-notes",
            Permission::AssignWorker => "assign-worker",
            Permission::ReadPrompts => "read-prompts",
            Permission::ResolvePrompts => "resolve-prompts",
            Permission::SignOff => "sign-off",
            Permission::ManageStaff => "manage-staff",
            Permission::ReadNotifications => "read-notifications",
            Permission::ReadDashboard => "read-dashboard",
            Permission::ReadReports => "read-reports",
        }
    }

    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ManageOrganisations => &[Admin],
            Permission::ReadOrganisations => &[Admin],
            Permission::ReadAudit => &[Auditor],
            Permission::ReadEvents => &[
                Integration,
                ProbationPractitioner,
                ProbationManager,
                ProviderManager,
                ProviderWorker,
            ],
            Permission::ManageWebhooks => &[ProviderManager, ProbationManager, Integration, Admin],
            Permission::WriteCaseRecord => &[ProbationPractitioner, ProbationManager, Integration],
            Permission::ReadCaseRecord => &[ProbationPractitioner, ProbationManager, Integration],
            Permission::ReadCasework => &[ProbationPractitioner, ProbationManager],
            Permission::Commission => &[ProbationPractitioner, ProbationManager],
            Permission::ReadReferrals => &[
                ProbationPractitioner,
                ProbationManager,
                ProviderWorker,
                ProviderManager,
            ],
            Permission::DeliverReferral => &[ProviderWorker, ProviderManager],
            Permission::WriteCaseNotes => &[
                ProbationPractitioner,
                ProbationManager,
                ProviderWorker,
                ProviderManager,
            ],
            Permission::AssignWorker => &[ProviderManager],
            Permission::ReadPrompts => &[ProbationPractitioner, ProbationManager, ProviderManager],
            Permission::ResolvePrompts => {
                &[ProbationPractitioner, ProbationManager, ProviderManager]
            }
            Permission::SignOff => &[ProbationManager],
            Permission::ManageStaff => &[ProbationManager, ProviderManager],
            Permission::ReadNotifications => &[ProbationManager, ProviderManager, Auditor],
            Permission::ReadDashboard => &[ProbationManager, ProviderManager],
            Permission::ReadReports => &[ProbationManager, ProviderManager, Auditor],
        }
    }
}

/// An authenticated caller, from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub sub: String,
    pub name: Option<String>,
    /// The token's `email` claim, if any.
    pub email: Option<String>,
    pub org: String,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn may(&self, permission: Permission) -> bool {
        permission.roles().iter().any(|r| self.has(*r))
    }

    /// `403` unless one of the caller's roles grants the permission.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this action needs one of the roles: {}",
                permission
                    .roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    pub fn roles_joined(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Display name for records: the token's `name`, else its subject.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role]) -> Caller {
        Caller {
            sub: "u".into(),
            name: None,
            email: None,
            org: "O".into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn providers_may_never_write_the_case_record() {
        assert!(caller(&[Role::ProviderManager])
            .require(Permission::WriteCaseRecord)
            .is_err());
        assert!(caller(&[Role::ProbationPractitioner])
            .require(Permission::WriteCaseRecord)
            .is_ok());
    }

    #[test]
    fn only_managers_sign_off() {
        assert!(!caller(&[Role::ProbationPractitioner]).may(Permission::SignOff));
        assert!(caller(&[Role::ProbationManager]).may(Permission::SignOff));
    }

    #[test]
    fn the_audit_log_is_for_auditors_only() {
        for role in Role::ALL {
            assert_eq!(
                caller(&[role]).may(Permission::ReadAudit),
                role == Role::Auditor
            );
        }
    }
}
