//! Case notes: the running, two-way record on a referral. What a note may say, how sensitive it
//! is, and how a new note is checked before anything is written.

use super::disclosure::DisclosureType;
use super::validate::Errors;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest note body, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// Longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest reason for saying a note is not a disclosure, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;

crate::text_enum! {
    /// Who a note may be shown to beyond the practitioners on the case.
    pub enum Sensitivity {
        /// An ordinary note.
        Standard = "STANDARD",
        /// Names or concerns someone other than the person on probation.
        ThirdParty = "THIRD_PARTY",
        /// Would harm someone if disclosed to the person on probation.
        NotForSubject = "NOT_FOR_SUBJECT",
    }
}

/// What in a note sounds like a disclosure: the kinds of disclosure its words suggest, and the
/// words themselves (as listed in `docs/safeguarding-rules.md`), so the writer can act at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PossibleDisclosure {
    /// The disclosure types the matched terms suggest, in a fixed order.
    pub types: Vec<DisclosureType>,
    /// The terms matched, in the order they first appear in the note.
    pub terms: Vec<String>,
}

/// Body of `POST /referrals/{id}/case-notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCaseNote {
    /// A short subject line (at most 200 characters).
    #[schema(example = "Telephone call about Thursday")]
    pub subject: String,
    /// The note itself (at most 20,000 characters).
    #[schema(example = "Please ring me about Thursday's session")]
    pub body: String,
    pub sensitivity: Sensitivity,
    /// The earlier note on this referral that this one corrects (notes are never edited).
    #[serde(default)]
    pub corrects: Option<uuid::Uuid>,
    /// A disclosure about this person already recorded (by the caller's organisation) that this
    /// note is about: no `case-note-possible-disclosure` prompt is raised.
    #[serde(default)]
    pub disclosure_id: Option<uuid::Uuid>,
    /// Why what the note says is not a disclosure: no `case-note-possible-disclosure` prompt is
    /// raised, and the reason is kept with the note.
    #[serde(default)]
    pub not_a_disclosure_reason: Option<String>,
}

impl NewCaseNote {
    /// Refuses a blank or over-long subject, body or reason, listing every problem at once.
    pub fn validate(&self) -> Result<(), ApiError> {
        let mut e = Errors::default();
        e.text("subject", &self.subject, MAX_SUBJECT_CHARS);
        e.text("body", &self.body, MAX_BODY_CHARS);
        e.optional_text(
            "notADisclosureReason",
            self.not_a_disclosure_reason.as_deref(),
            MAX_REASON_CHARS,
        );
        e.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(subject: &str, body: &str) -> NewCaseNote {
        NewCaseNote {
            subject: subject.into(),
            body: body.into(),
            sensitivity: Sensitivity::Standard,
            corrects: None,
            disclosure_id: None,
            not_a_disclosure_reason: None,
        }
    }

    #[test]
    fn blank_or_over_long_text_is_refused_and_the_limit_itself_is_kept() {
        let at_limit = "a".repeat(MAX_BODY_CHARS);
        let over = "é".repeat(MAX_BODY_CHARS + 1);
        let cases: &[(&str, &str, Option<&str>, &[&str])] = &[
            ("Call", "Attended and engaged well", None, &[]),
            ("Call", &at_limit, None, &[]),
            ("Call", &over, None, &["body"]),
            ("Call", "   ", None, &["body"]),
            ("", "text", None, &["subject"]),
            ("Call", "text", Some(" "), &["notADisclosureReason"]),
        ];
        for (subject, body, reason, fields) in cases {
            let mut n = note(subject, body);
            n.not_a_disclosure_reason = reason.map(str::to_string);
            let got: Vec<String> = match n.validate() {
                Ok(()) => vec![],
                Err(ApiError::Validation(e)) => e.into_iter().map(|f| f.field).collect(),
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(got, *fields, "{subject:?} / {} chars", body.len());
        }
    }

    #[test]
    fn an_unknown_sensitivity_does_not_parse() {
        assert!(serde_json::from_value::<Sensitivity>(serde_json::json!("SECRET")).is_err());
        for &s in Sensitivity::ALL {
            assert_eq!(Sensitivity::parse(s.as_str()), Some(s));
        }
    }
}
