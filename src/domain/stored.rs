//! Domain enums stored as text: [`stored_as_text!`] gives an enum with `as_str` and `parse` its
//! diesel mapping to a `TEXT` column on every backend, so rows hold the enum, not a string.
//!
//! The enum also needs `#[derive(diesel::AsExpression, diesel::FromSqlRow)]` and
//! `#[diesel(sql_type = diesel::sql_types::Text)]`. A stored value the enum does not know is a
//! deserialisation error (a `500` with the value logged), never a silent default.

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
