//! Organisations and the side of a case each kind is on: probation manages, providers deliver.

// Published as `OrganisationKind`, the name the API has always given it.
crate::text_enum! {
    /// The kind of a registered organisation, and so the side of a case its staff act for.
    #[schema(as = OrganisationKind)]
    pub enum OrgKind {
        Probation = "probation",
        Provider = "provider",
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
