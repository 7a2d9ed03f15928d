//! Organisations and the side of a case each kind is on: probation manages, providers deliver.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Published as `OrganisationKind`, the name the API has always given it.
/// The kind of a registered organisation, and so the side of a case its staff act for.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
#[schema(as = OrganisationKind)]
pub enum OrgKind {
    Probation,
    Provider,
}

crate::stored_as_text!(OrgKind);

impl OrgKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "probation" => Some(Self::Probation),
            "provider" => Some(Self::Provider),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Probation => "probation",
            Self::Provider => "provider",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_stored_text() {
        for kind in [OrgKind::Probation, OrgKind::Provider] {
            assert_eq!(OrgKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OrgKind::parse("Probation"), None);
    }
}
