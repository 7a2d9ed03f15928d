//! The agencies told of an order's ending, as the termination review records them: typed entries
//! (agency, date, reference), read back from rows written either as those entries or, before they
//! were typed, as free text (`AGENCY YYYY-MM-DD [reference]`).

use super::prompt::Agency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An agency told of the order's ending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgencyNotified {
    pub agency: Agency,
    /// When the agency was told (London date). `null` only for an entry recorded as free text
    /// before entries were typed whose text named no date (see `note`).
    pub notified_on: Option<NaiveDate>,
    /// The agency's reference, e.g. the MASH contact number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// An entry recorded as free text before entries were typed that does not read as
    /// `AGENCY YYYY-MM-DD [reference]`, kept exactly as written (its agency is then `OTHER` and
    /// its `notifiedOn` null: nothing is guessed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl AgencyNotified {
    /// An entry as the officer gives it.
    pub fn new(agency: Agency, notified_on: NaiveDate, reference: Option<String>) -> Self {
        Self {
            agency,
            notified_on: Some(notified_on),
            reference: reference
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
            note: None,
        }
    }

    /// An entry stored as free text: `AGENCY YYYY-MM-DD [reference...]` (agency as its code, the
    /// date as ISO) becomes typed; anything else is kept whole as `note`, agency `OTHER`, no date.
    pub fn from_text(text: &str) -> Self {
        let mut words = text.split_whitespace();
        let agency = words.next().and_then(Agency::parse);
        let date = words
            .next()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        match (agency, date) {
            (Some(agency), Some(date)) => {
                let reference = words.collect::<Vec<_>>().join(" ");
                Self::new(agency, date, Some(reference))
            }
            _ => Self {
                agency: Agency::Other,
                notified_on: None,
                reference: None,
                note: Some(text.to_string()),
            },
        }
    }

    /// True when this entry tells that `agency` was told on or before `today`.
    pub fn tells(&self, agency: Agency, today: NaiveDate) -> bool {
        self.agency == agency && self.notified_on.is_some_and(|d| d <= today)
    }
}

impl std::fmt::Display for AgencyNotified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(note) = &self.note {
            return write!(f, "\"{note}\" (recorded as free text)");
        }
        write!(f, "{}", self.agency.as_str())?;
        if let Some(on) = self.notified_on {
            write!(f, " on {on}")?;
        }
        if let Some(reference) = &self.reference {
            write!(f, " (reference {reference})")?;
        }
        Ok(())
    }
}

/// One stored entry: a typed object, or a string written before entries were typed.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StoredAgencyNotified {
    Typed(AgencyNotified),
    Text(String),
}

impl From<StoredAgencyNotified> for AgencyNotified {
    fn from(stored: StoredAgencyNotified) -> Self {
        match stored {
            StoredAgencyNotified::Typed(entry) => entry,
            StoredAgencyNotified::Text(text) => Self::from_text(&text),
        }
    }
}

/// The entries of a stored list, old strings read as [`AgencyNotified::from_text`] does.
pub fn from_stored(stored: Vec<StoredAgencyNotified>) -> Vec<AgencyNotified> {
    stored.into_iter().map(AgencyNotified::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn typed(agency: Agency, on: NaiveDate, reference: Option<&str>) -> AgencyNotified {
        AgencyNotified::new(agency, on, reference.map(str::to_string))
    }

    fn kept(text: &str) -> AgencyNotified {
        AgencyNotified {
            agency: Agency::Other,
            notified_on: None,
            reference: None,
            note: Some(text.to_string()),
        }
    }

    #[test]
    fn old_free_text_entries_read_as_typed_entries_or_are_kept_whole() {
        let on = day(2026, 11, 20);
        for (text, expected) in [
            (
                "CHILDRENS_SOCIAL_CARE 2026-11-20 REF-123",
                typed(Agency::ChildrensSocialCare, on, Some("REF-123")),
            ),
            ("POLICE 2026-11-20", typed(Agency::Police, on, None)),
            (
                "  MARAC   2026-11-20   ref 7 / b  ",
                typed(Agency::Marac, on, Some("ref 7 / b")),
            ),
            (
                "OTHER 2026-11-20 MIND",
                typed(Agency::Other, on, Some("MIND")),
            ),
            // not the agency's code, no date, a nonsense date, a date not in ISO form
            ("Police DA unit", kept("Police DA unit")),
            ("Children's social care", kept("Children's social care")),
            ("CHILDRENS_SOCIAL_CARE", kept("CHILDRENS_SOCIAL_CARE")),
            (
                "CHILDRENS_SOCIAL_CARE 2026-02-30 X",
                kept("CHILDRENS_SOCIAL_CARE 2026-02-30 X"),
            ),
            ("POLICE 20/11/2026", kept("POLICE 20/11/2026")),
            ("police 2026-11-20", kept("police 2026-11-20")),
            ("", kept("")),
        ] {
            assert_eq!(AgencyNotified::from_text(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_stored_list_may_mix_typed_entries_and_old_strings() {
        let stored: Vec<StoredAgencyNotified> = serde_json::from_str(
            r#"[{"agency": "CHILDRENS_SOCIAL_CARE", "notifiedOn": "2026-11-20", "reference": "MASH-1"},
                {"agency": "POLICE", "notifiedOn": "2026-11-21"},
                "HEALTH 2026-11-19 GP",
                "MIND-CAMBS"]"#,
        )
        .unwrap();
        assert_eq!(
            from_stored(stored),
            vec![
                typed(
                    Agency::ChildrensSocialCare,
                    day(2026, 11, 20),
                    Some("MASH-1")
                ),
                typed(Agency::Police, day(2026, 11, 21), None),
                typed(Agency::Health, day(2026, 11, 19), Some("GP")),
                kept("MIND-CAMBS"),
            ]
        );
        // What is written reads back as itself.
        let entry = typed(
            Agency::ChildrensSocialCare,
            day(2026, 11, 20),
            Some("MASH-1"),
        );
        let text = serde_json::to_string(&vec![entry.clone(), kept("as written")]).unwrap();
        let back: Vec<StoredAgencyNotified> = serde_json::from_str(&text).unwrap();
        assert_eq!(from_stored(back), vec![entry, kept("as written")]);
    }

    #[test]
    fn an_entry_tells_of_its_agency_only_with_a_date_not_after_today() {
        let today = day(2026, 12, 1);
        let csc = Agency::ChildrensSocialCare;
        for (entry, told) in [
            (typed(csc, day(2026, 11, 29), Some("MASH-4411")), true),
            (typed(csc, today, None), true),
            (typed(csc, day(2026, 12, 2), None), false),
            (typed(Agency::Police, day(2026, 11, 29), None), false),
            (kept("CHILDRENS_SOCIAL_CARE"), false),
        ] {
            assert_eq!(entry.tells(csc, today), told, "{entry}");
        }
    }

    #[test]
    fn an_entry_reads_as_a_line_of_evidence() {
        let on = day(2026, 11, 20);
        assert_eq!(
            typed(Agency::ChildrensSocialCare, on, Some("MASH-1")).to_string(),
            "CHILDRENS_SOCIAL_CARE on 2026-11-20 (reference MASH-1)"
        );
        assert_eq!(
            typed(Agency::Police, on, None).to_string(),
            "POLICE on 2026-11-20"
        );
        assert_eq!(
            kept("Police DA unit").to_string(),
            "\"Police DA unit\" (recorded as free text)"
        );
    }
}
