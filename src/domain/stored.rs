//! Domain enums stored as text. [`text_enum!`] declares one whole (derives, names, `ALL`,
//! `as_str`, `parse`, diesel mapping); [`stored_as_text!`] gives the diesel mapping to an enum
//! declared otherwise (it needs `#[derive(diesel::AsExpression, diesel::FromSqlRow)]` and
//! `#[diesel(sql_type = diesel::sql_types::Text)]`). Rows hold the enum, not a string; a stored
//! value the enum does not know is a deserialisation error (a `500` with the value logged), never
//! a silent default.

/// Declares a unit enum whose variants have fixed text names, used alike in JSON, in the OpenAPI
/// document and in the database: the derives, `ALL`, `as_str`, `parse` and the diesel mapping,
/// written once.
///
/// ```ignore
/// crate::text_enum! {
///     /// Whether a session still stands.
///     pub enum AppointmentStatus {
///         Scheduled = "SCHEDULED",
///         Cancelled = "CANCELLED",
///     }
/// }
/// ```
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            // `tt`, not `literal`: a literal fragment reaches derives wrapped in an invisible
            // group, and utoipa then ignores the `serde(rename)` it sits in.
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
            diesel::AsExpression,
            diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The variant's name, as sent and stored.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text, )+ }
            }

            /// The variant with this name, if any.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        $crate::stored_as_text!($name);
    };
}

/// Implements `ToSql<Text>` and `FromSql<Text>` for a `Copy` enum with `as_str(self) -> &'static str`
/// and `parse(&str) -> Option<Self>`.
#[macro_export]
macro_rules! stored_as_text {
    ($t:ty) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $t
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    (*self).as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $t
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(
                        bytes,
                    )?;
                <$t>::parse(&text).ok_or_else(|| {
                    format!("unknown {} stored: {text:?}", stringify!($t)).into()
                })
            }
        }
    };
}

/// The name a unit enum variant has on the wire (its serde name), for enums that are not stored.
/// Anything that does not serialise to a string is an internal error, never an empty name.
pub fn wire_name<T: serde::Serialize + std::fmt::Debug>(
    value: &T,
) -> Result<String, crate::error::ApiError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(crate::error::ApiError::internal(format!(
            "{value:?} is not a unit variant (serialises as {other})"
        ))),
        Err(e) => Err(crate::error::ApiError::internal_from(
            format!("{value:?} has no wire name"),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_variant_has_its_serde_name_and_anything_else_is_an_error() {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        enum Kind {
            EndedEarly,
        }
        #[derive(Debug, serde::Serialize)]
        struct NotAVariant {
            x: u8,
        }
        assert_eq!(wire_name(&Kind::EndedEarly).unwrap(), "ENDED_EARLY");
        assert!(wire_name(&NotAVariant { x: 1 }).is_err());
    }
}
