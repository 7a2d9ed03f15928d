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
