//! The person on probation, as recorded by the managing probation organisation.

use super::validate::Errors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `PUT /people/{crn}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonDetails {
    #[schema(example = "Stephen")]
    pub first_name: String,
    #[schema(example = "Smith")]
    pub last_name: String,
    pub date_of_birth: NaiveDate,
    /// Police National Computer number, e.g. `2004/0012345A`.
    #[serde(default)]
    pub pnc_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// The probation organisation that manages the case; must be the caller's.
    #[schema(example = "PDU-CAMBS")]
    pub managing_org: String,
}

impl PersonDetails {
    /// Checks the details as `caller_org` sends them on `today`; every problem at once.
    pub fn validate(&self, today: NaiveDate, caller_org: &str) -> Errors {
        let mut e = Errors::default();
        e.text("firstName", &self.first_name, 100);
        e.text("lastName", &self.last_name, 100);
        e.optional_text("pncNumber", self.pnc_number.as_deref(), 20);
        e.optional_text("address", self.address.as_deref(), 500);
        if !e.plausible_date("dateOfBirth", self.date_of_birth) {
        } else if self.date_of_birth > today {
            e.add(
                "dateOfBirth",
                "in_future",
                "dateOfBirth cannot be in the future",
            );
        } else if today.years_since(self.date_of_birth).unwrap_or(0) < 10 {
            e.add(
                "dateOfBirth",
                "out_of_range",
                "a person on probation is at least 10 years old (the age of criminal responsibility)",
            );
        } else if today.years_since(self.date_of_birth).unwrap_or(0) > 120 {
            e.add(
                "dateOfBirth",
                "out_of_range",
                "dateOfBirth is more than 120 years ago",
            );
        }
        if self.managing_org != caller_org {
            e.add(
                "managingOrg",
                "invalid",
                "managingOrg must be your own organisation",
            );
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> PersonDetails {
        PersonDetails {
            first_name: "Stephen".into(),
            last_name: "Smith".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
            pnc_number: None,
            address: None,
            managing_org: "PDU-CAMBS".into(),
        }
    }

    /// A name, a change to valid details, and the fields then reported.
    type Case = (
        &'static str,
        fn(&mut PersonDetails),
        &'static [&'static str],
    );

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let cases: &[Case] = &[
            ("valid", |_| {}, &[]),
            (
                "another organisation",
                |d| d.managing_org = "PDU-NORFOLK".into(),
                &["managingOrg"],
            ),
            (
                "a child",
                |d| d.date_of_birth = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                &["dateOfBirth"],
            ),
            (
                "blank name, another organisation",
                |d| {
                    d.first_name = " ".into();
                    d.managing_org = "X".into();
                },
                &["firstName", "managingOrg"],
            ),
        ];
        for (name, change, fields) in cases {
            let mut d = details();
            change(&mut d);
            let got: Vec<String> = d
                .validate(today, "PDU-CAMBS")
                .into_vec()
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(&got, fields, "{name}");
        }
    }
}

/// A letter without its accent (Latin-1 Supplement and Latin Extended-A), or `None` if it has
/// none we know of. `ß`, `æ`, `œ` and the like become two letters.
fn unaccented(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        _ => return None,
    })
}

/// Text folded for search, the same on every database: lower case, accents removed, each run of
/// anything but letters and digits one space, trimmed. `"  Smíth-Jones "` is `"smith jones"`.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if let Some(plain) = unaccented(c) {
            out.push_str(plain);
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// The key a person is found by: first and last name, folded ([`search_key`]).
pub fn name_key(first_name: &str, last_name: &str) -> String {
    search_key(&format!("{first_name} {last_name}"))
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn search_keys_ignore_case_accents_and_punctuation() {
        for (raw, key) in [
            ("Smith", "smith"),
            ("Smíth", "smith"),
            ("SMÍTH", "smith"),
            ("  Smíth-Jones ", "smith jones"),
            ("O'Brien", "o brien"),
            ("Łukasz Żółć", "lukasz zolc"),
            ("Straße", "strasse"),
            ("Zoë  Ørsted", "zoe orsted"),
            ("%_", ""),
            ("", ""),
        ] {
            assert_eq!(search_key(raw), key, "{raw:?}");
        }
        assert_eq!(name_key("Stephen", "Smíth"), "stephen smith");
    }
}
