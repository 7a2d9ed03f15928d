//! Cursor pagination: `?limit=` (default 50, max 200) and an opaque `cursor`; bodies `{items, nextCursor}`.

use crate::error::{ApiError, FieldError};
use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 50;
/// What a cursor looks like (unpadded URL-safe base64; empty for the first page), as the
/// OpenAPI document states it on every `cursor` parameter.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]*$";
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

    /// Where a keyset-paged list continues, from this query's cursor (see [`after_key`]).
    pub fn after_key<K: CursorKey>(&self) -> Result<Option<(K, String)>, ApiError> {
        after_key(self.cursor.as_deref())
    }
}

/// A key a list is ordered by, written into its cursor without losing precision (a time keeps
/// its nanoseconds, so the row a cursor names compares equal to itself in SQL).
pub trait CursorKey: Sized {
    fn write(&self) -> String;
    fn read(text: &str) -> Option<Self>;
}

const CURSOR_TIME: &str = "%Y-%m-%dT%H:%M:%S%.f";

impl CursorKey for NaiveDateTime {
    fn write(&self) -> String {
        self.format(CURSOR_TIME).to_string()
    }
    fn read(text: &str) -> Option<Self> {
        NaiveDateTime::parse_from_str(text, CURSOR_TIME).ok()
    }
}

impl CursorKey for NaiveDate {
    fn write(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
    fn read(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

/// The cursor key of an item of a list ordered by `key`, then by `id`: `key|id`.
pub fn key<K: CursorKey>(key: &K, id: &impl std::fmt::Display) -> String {
    format!("{}|{id}", key.write())
}

/// Where a keyset-paged list continues: the ordering key and id of the last item the client saw
/// (from a cursor made of [`key`]), `None` for the first page, `422` for anything else.
pub fn after_key<K: CursorKey>(cursor: Option<&str>) -> Result<Option<(K, String)>, ApiError> {
    let Some(raw) = given(cursor).map(decode_cursor).transpose()? else {
        return Ok(None);
    };
    raw.split_once('|')
        .and_then(|(key, id)| Some((K::read(key)?, id.to_string())))
        .map(Some)
        .ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "cursor",
                "invalid",
                "cursor is not one this API issued",
            )])
        })
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
    /// As [`Page::from_rows`], for views that can fail (a stored value that does not parse).
    pub fn try_from_rows<R>(
        rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> String,
        view: impl FnMut(R) -> Result<T, ApiError>,
    ) -> Result<Self, ApiError> {
        let page = Page::from_rows(rows, limit, key, view);
        Ok(Page {
            items: page.items.into_iter().collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }

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
    fn a_key_round_trips_through_its_cursor_to_the_nanosecond() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_nano_opt(9, 0, 0, 123_456_789)
            .unwrap();
        let cursor = encode_cursor(&key(&at, &"id-1"));
        assert_eq!(
            after_key::<NaiveDateTime>(Some(&cursor)).unwrap(),
            Some((at, "id-1".to_string()))
        );
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let cursor = encode_cursor(&key(&day, &"o1"));
        assert_eq!(
            after_key::<NaiveDate>(Some(&cursor)).unwrap(),
            Some((day, "o1".into()))
        );
        assert_eq!(after_key::<NaiveDate>(Some("")).unwrap(), None);
        assert_eq!(after_key::<NaiveDate>(None).unwrap(), None);
        for bad in ["no-bar", "2026-13-01|x", "|x"] {
            assert!(
                after_key::<NaiveDate>(Some(&encode_cursor(bad))).is_err(),
                "{bad}"
            );
        }
        assert!(after_key::<NaiveDate>(Some("%%%")).is_err());
    }

    #[test]
    fn cursor_keys_round_trip_at_every_precision() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        for time in [
            day.and_hms_opt(9, 0, 0).unwrap(),
            day.and_hms_milli_opt(9, 0, 0, 120).unwrap(),
            day.and_hms_micro_opt(9, 0, 0, 123_456).unwrap(),
            day.and_hms_nano_opt(23, 59, 59, 123_456_789).unwrap(),
        ] {
            assert_eq!(NaiveDateTime::read(&time.write()), Some(time), "{time}");
        }
        assert_eq!(NaiveDate::read(&day.write()), Some(day));
    }

    #[test]
    fn a_page_of_records_continues_after_the_key_and_id_of_its_last() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let records = vec![(day, "a"), (day, "b"), (day, "c")];
        let page = Page::try_from_rows(records, 2, |(d, id)| key(d, id), |(_, id)| Ok(id)).unwrap();
        assert_eq!(page.items, vec!["a", "b"]);
        assert_eq!(
            after_key::<NaiveDate>(page.next_cursor.as_deref()).unwrap(),
            Some((day, "b".to_string()))
        );
    }

    #[test]
    fn every_cursor_issued_fits_the_documented_pattern() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_nano_opt(9, 0, 0, 123_456_789)
            .unwrap();
        for key in [key(&at, &"0190a5c8-8f00-7000"), "é/?+>|~id".to_string()] {
            let cursor = encode_cursor(&key);
            assert!(
                cursor
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{cursor} does not fit {CURSOR_PATTERN}"
            );
        }
    }

    #[test]
    fn a_forged_cursor_is_a_validation_error() {
        assert!(decode_cursor("%%%").is_err());
    }
}
