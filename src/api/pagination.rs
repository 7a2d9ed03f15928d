//! Cursor pagination: `?limit=` (default 50, max 200) and an opaque `cursor`; bodies `{items, nextCursor}`.

use crate::error::{ApiError, FieldError};
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        check_limit(self.limit)
    }

    /// The decoded cursor, if any.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        given(self.cursor.as_deref()).map(decode_cursor).transpose()
    }

    /// The decoded cursor of a list keyed by [`time_key`], if any.
    pub fn after_time_key(&self) -> Result<Option<(NaiveDateTime, String)>, ApiError> {
        self.after()?.as_deref().map(parse_time_key).transpose()
    }
}

/// The key of a list ordered by a time that is not unique, then by id: `time|id`, the time to
/// the nanosecond so the row it names compares equal to itself.
pub fn time_key(at: DateTime<Utc>, id: &impl std::fmt::Display) -> String {
    format!("{}|{id}", at.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

fn parse_time_key(key: &str) -> Result<(NaiveDateTime, String), ApiError> {
    let not_ours = || {
        ApiError::Validation(vec![FieldError::new(
            "cursor",
            "invalid",
            "cursor is not one this API issued",
        )])
    };
    let (at, id) = key.split_once('|').ok_or_else(not_ours)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| not_ours())?;
    Ok((at.naive_utc(), id.to_string()))
}

/// The cursor the client sent, if any: an empty `cursor=` means the first page.
pub fn given(cursor: Option<&str>) -> Option<&str> {
    cursor.filter(|c| !c.is_empty())
}

pub fn check_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::Validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        )])),
    }
}

pub fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

pub fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )])
        })
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only says more exist.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> String,
        map: impl FnMut(R) -> T,
    ) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        assert_eq!(check_limit(None).unwrap(), 50);
        assert_eq!(check_limit(Some(200)).unwrap(), 200);
        assert!(check_limit(Some(0)).is_err());
        assert!(check_limit(Some(201)).is_err());
    }

    #[test]
    fn a_page_has_a_cursor_only_when_more_rows_exist() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |r| r.to_string(), |r| r);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            decode_cursor(page.next_cursor.as_deref().unwrap()).unwrap(),
            "2"
        );
        let last = Page::from_rows(vec![1, 2], 2, |r| r.to_string(), |r| r);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn a_time_key_round_trips_to_the_nanosecond_and_a_bad_one_is_refused() {
        let at = DateTime::from_timestamp(1_772_618_400, 123_456_789).unwrap();
        let q = PageQuery {
            limit: None,
            cursor: Some(encode_cursor(&time_key(at, &"id-1"))),
        };
        assert_eq!(
            q.after_time_key().unwrap(),
            Some((at.naive_utc(), "id-1".to_string()))
        );
        for key in ["no-bar", "yesterday|id-1"] {
            let q = PageQuery {
                limit: None,
                cursor: Some(encode_cursor(key)),
            };
            assert!(q.after_time_key().is_err(), "{key}");
        }
    }

    #[test]
    fn a_forged_cursor_is_a_validation_error() {
        assert!(decode_cursor("%%%").is_err());
    }
}
