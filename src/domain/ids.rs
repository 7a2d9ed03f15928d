//! Typed ids for the resources a use case is most likely to mix up (an order id passed where a
//! referral id was meant compiles with plain UUIDs; with these it does not).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// Parses a stored id; a malformed one is an error, never a nil default.
            pub fn parse(stored: &str) -> Result<Self, uuid::Error> {
                uuid::Uuid::parse_str(stored).map(Self)
            }

            pub fn uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// An order (community order or suspended sentence order).
    OrderId
);
uuid_id!(
    /// A referral to a provider.
    ReferralId
);
uuid_id!(
    /// A session booked on a referral.
    AppointmentId
);
uuid_id!(
    /// A safeguarding prompt.
    PromptId
);
uuid_id!(
    /// A disclosure.
    DisclosureId
);
uuid_id!(
    /// A case note on a referral.
    CaseNoteId
);
uuid_id!(
    /// A version of a referral's action plan.
    ActionPlanId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_and_json() {
        let id = ReferralId::new();
        assert_eq!(ReferralId::parse(&id.to_string()).unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<ReferralId>(&json).unwrap(), id);
    }

    #[test]
    fn a_malformed_stored_id_is_an_error_not_a_nil_uuid() {
        for stored in ["", "not-a-uuid", "0000"] {
            assert!(OrderId::parse(stored).is_err(), "{stored:?}");
        }
    }
}
