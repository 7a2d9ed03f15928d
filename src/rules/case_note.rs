//! A case note that sounds like a disclosure: a word list over the note's text, and the prompt
//! asking the writer's side to record the disclosure or say why it is not one. No I/O.
//!
//! The detector is deliberately crude. It matches whole words and phrases, case-insensitively,
//! after splitting the text at anything that is not a letter or digit (so "self-harm", "self
//! harm" and "Self-Harming" all split into words, and "girlfriend's" still contains
//! "girlfriend"). It does not understand negation ("she is not pregnant" matches), tense or who
//! is spoken about, and it misses anything not in the list (misspellings, slang not listed, other
//! languages). A false positive costs one prompt closed with a reason; a missed pregnancy is what
//! the case review found, so the list errs towards matching.

use super::prompt::*;
use super::working_days::DeadlinePolicy;
use crate::domain::case_note::PossibleDisclosure;
use crate::domain::disclosure::DisclosureType;
use crate::domain::OrgKind;

use DisclosureType::*;

/// Every term the detector looks for, with the kind of disclosure it suggests. A term of several
/// words matches those words in sequence. `docs/safeguarding-rules.md` lists the same terms.
pub const TERMS: &[(&str, DisclosureType)] = &[
    // Pregnancy and a coming baby.
    ("pregnant", Pregnancy),
    ("pregnancy", Pregnancy),
    ("expecting a baby", Pregnancy),
    ("baby", Pregnancy),
    ("babies", Pregnancy),
    ("due date", Pregnancy),
    ("going to be a dad", Pregnancy),
    ("going to be a father", Pregnancy),
    ("going to be a mum", Pregnancy),
    ("going to be a mother", Pregnancy),
    ("midwife", Pregnancy),
    ("antenatal", Pregnancy),
    ("scan", Pregnancy),
    // A new relationship.
    ("new partner", NewRelationship),
    ("new relationship", NewRelationship),
    ("girlfriend", NewRelationship),
    ("girlfriends", NewRelationship),
    ("boyfriend", NewRelationship),
    ("boyfriends", NewRelationship),
    ("seeing someone", NewRelationship),
    ("fiance", NewRelationship),
    ("fiancé", NewRelationship),
    ("fiancée", NewRelationship),
    // Children.
    ("stepchild", ChildrenInHousehold),
    ("stepchildren", ChildrenInHousehold),
    ("step children", ChildrenInHousehold),
    ("stepson", ChildrenInHousehold),
    ("stepdaughter", ChildrenInHousehold),
    ("child", ContactWithChildren),
    ("children", ContactWithChildren),
    ("kids", ContactWithChildren),
    ("toddler", ContactWithChildren),
    ("son", ContactWithChildren),
    ("daughter", ContactWithChildren),
    // Police and new offending.
    ("police", NewOffence),
    ("arrest", NewOffence),
    ("arrested", NewOffence),
    ("charged", NewOffence),
    ("bail", NewOffence),
    ("nicked", NewOffence),
    // Violence and injury.
    ("hit", DomesticAbuseIncident),
    ("hits", DomesticAbuseIncident),
    ("hitting", DomesticAbuseIncident),
    ("hurt", DomesticAbuseIncident),
    ("hurts", DomesticAbuseIncident),
    ("hurting", DomesticAbuseIncident),
    ("injury", DomesticAbuseIncident),
    ("injuries", DomesticAbuseIncident),
    ("injured", DomesticAbuseIncident),
    ("bruise", DomesticAbuseIncident),
    ("bruises", DomesticAbuseIncident),
    ("bruised", DomesticAbuseIncident),
    ("punched", DomesticAbuseIncident),
    ("slapped", DomesticAbuseIncident),
    ("assault", DomesticAbuseIncident),
    ("assaulted", DomesticAbuseIncident),
    ("strangled", DomesticAbuseIncident),
    // Self-harm and suicide.
    ("self harm", SelfHarm),
    ("self harming", SelfHarm),
    ("selfharm", SelfHarm),
    ("cutting himself", SelfHarm),
    ("cutting herself", SelfHarm),
    ("overdose", SelfHarm),
    ("overdosed", SelfHarm),
    ("suicide", SuicidalIdeation),
    ("suicidal", SuicidalIdeation),
    ("kill himself", SuicidalIdeation),
    ("kill herself", SuicidalIdeation),
    ("kill myself", SuicidalIdeation),
    ("end it all", SuicidalIdeation),
    // Weapons.
    ("weapon", Weapon),
    ("weapons", Weapon),
    ("knife", Weapon),
    ("knives", Weapon),
    ("blade", Weapon),
    ("machete", Weapon),
    ("gun", Weapon),
    ("guns", Weapon),
    ("firearm", Weapon),
    // Drugs and drink, and relapse.
    ("relapse", SubstanceMisuse),
    ("relapsed", SubstanceMisuse),
    ("relapsing", SubstanceMisuse),
    ("drugs", SubstanceMisuse),
    ("drug", SubstanceMisuse),
    ("drink", SubstanceMisuse),
    ("drinking", SubstanceMisuse),
    ("drunk", SubstanceMisuse),
    ("alcohol", SubstanceMisuse),
    ("cocaine", SubstanceMisuse),
    ("heroin", SubstanceMisuse),
    ("cannabis", SubstanceMisuse),
    ("spice", SubstanceMisuse),
    ("using again", SubstanceMisuse),
];

/// The text's words, lower-cased, split at anything that is not a letter or digit.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// What in `texts` (e.g. a note's subject and body) sounds like a disclosure, or `None`.
pub fn detect(texts: &[&str]) -> Option<PossibleDisclosure> {
    // (position of first match, term, type), position counted across the texts in order.
    let mut found: Vec<(usize, &'static str, DisclosureType)> = Vec::new();
    let mut offset = 0;
    for text in texts {
        let words = words(text);
        for &(term, kind) in TERMS {
            let wanted = self::words(term);
            let at = words
                .windows(wanted.len())
                .position(|window| window == wanted.as_slice());
            if let Some(at) = at {
                if !found.iter().any(|(_, t, _)| *t == term) {
                    found.push((offset + at, term, kind));
                }
            }
        }
        offset += words.len() + 1;
    }
    if found.is_empty() {
        return None;
    }
    found.sort_by_key(|(at, _, _)| *at);
    let mut types: Vec<DisclosureType> = found.iter().map(|(_, _, k)| *k).collect();
    types.sort();
    types.dedup();
    Some(PossibleDisclosure {
        types,
        terms: found.into_iter().map(|(_, t, _)| t.to_string()).collect(),
    })
}

/// The note that sounded like a disclosure.
#[derive(Debug, Clone)]
pub struct NoteFacts<'a> {
    pub note_id: &'a str,
    pub crn: &'a str,
    /// The side that wrote the note, which must act.
    pub written_by: OrgKind,
    /// Who wrote it, for the rationale ("MIND-CAMBS worker akhan").
    pub author: &'a str,
    pub found: &'a PossibleDisclosure,
}

/// Asks the writer's side (the provider's safeguarding lead for a provider note, a probation
/// manager for a probation note) to record the disclosure or dismiss the prompt with a reason,
/// within one working day. One prompt per note: the note's id is the fact.
pub fn possible_disclosure_prompt(note: &NoteFacts) -> PromptSpec {
    let rule = RuleId::CaseNotePossibleDisclosure;
    let assignee_role = match note.written_by {
        OrgKind::Provider => AssigneeRole::ProviderSafeguardingLead,
        OrgKind::Probation => AssigneeRole::ProbationManager,
    };
    let types: Vec<&str> = note.found.types.iter().map(|t| t.as_str()).collect();
    PromptSpec {
        rule,
        title: "A case note may record a disclosure".into(),
        action: "Read the case note. If it records a disclosure, record it as a disclosure (so its safeguarding rules run) and close this prompt ACTIONED; if not, close it NOT_REQUIRED saying why.".into(),
        assignee_role,
        assignee: None,
        deadline: DeadlinePolicy::WorkingDays(1),
        mandatory: false,
        rationale: format!(
            "A case note by {} uses the words \"{}\", which may mean a disclosure ({}) that is not recorded as one.",
            note.author,
            note.found.terms.join("\", \""),
            types.join(", ")
        ),
        guidance: vec![CASE_REVIEW, INFO_SHARING],
        dedup_key: format!("{rule}|{}|{}", note.crn, note.note_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        detect(&[text]).map(|p| p.terms).unwrap_or_default()
    }

    #[test]
    fn the_words_that_sound_like_a_disclosure_are_found_whole_and_in_any_case() {
        let cases: &[(&str, &[&str])] = &[
            (
                "He said his girlfriend is pregnant, due in May",
                &["girlfriend", "pregnant"],
            ),
            ("Attended and engaged well", &[]),
            ("HE IS GOING TO BE A DAD", &["going to be a dad"]),
            ("Going to be a dad!", &["going to be a dad"]),
            ("Her due date is in August", &["due date"]),
            (
                "Talked about his new partner's stepchildren",
                &["new partner", "stepchildren"],
            ),
            (
                "Mentioned his step-children",
                &["step children", "children"],
            ),
            (
                "Police called round; he was arrested",
                &["police", "arrested"],
            ),
            ("He hit her", &["hit"]),
            ("White shirt; hitch in the plans", &[]),
            ("Childhood memories", &[]),
            ("She has an injury", &["injury"]),
            ("History of self-harm", &["self harm"]),
            ("Spoke of Self Harming", &["self harming"]),
            ("Suicidal thoughts", &["suicidal"]),
            ("Carries a knife", &["knife"]),
            ("Has relapsed on drugs", &["relapsed", "drugs"]),
            ("Back on the drink", &["drink"]),
            ("The girlfriend's baby", &["girlfriend", "baby"]),
            ("Fiancée moved in", &["fiancée"]),
            ("Pregnant. Pregnant again.", &["pregnant"]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(terms(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn the_types_follow_from_the_terms_in_a_fixed_order() {
        let found = detect(&["He said his girlfriend is pregnant, due in May"]).unwrap();
        assert_eq!(found.types, vec![Pregnancy, NewRelationship]);
        let found = detect(&["Weapon", "he drinks and the police came"]).unwrap();
        assert_eq!(found.terms, vec!["weapon", "police"]);
        assert_eq!(found.types, vec![NewOffence, Weapon]);
    }

    #[test]
    fn every_term_matches_itself_and_is_listed_once() {
        for (i, (term, kind)) in TERMS.iter().enumerate() {
            let found = detect(&[&term.to_uppercase()]).unwrap_or_else(|| panic!("{term}"));
            assert!(found.terms.contains(&term.to_string()), "{term}");
            assert!(found.types.contains(kind), "{term}");
            assert!(
                !TERMS[..i].iter().any(|(t, _)| t == term),
                "{term} listed twice"
            );
        }
    }

    #[test]
    fn the_writers_side_acts_within_a_working_day_once_per_note() {
        let found = detect(&["girlfriend is pregnant"]).unwrap();
        for (side, role) in [
            (OrgKind::Provider, AssigneeRole::ProviderSafeguardingLead),
            (OrgKind::Probation, AssigneeRole::ProbationManager),
        ] {
            let spec = possible_disclosure_prompt(&NoteFacts {
                note_id: "n1",
                crn: "X123456",
                written_by: side,
                author: "MIND-CAMBS worker akhan",
                found: &found,
            });
            assert_eq!(spec.rule, RuleId::CaseNotePossibleDisclosure);
            assert_eq!(spec.assignee_role, role);
            assert_eq!(spec.deadline, DeadlinePolicy::WorkingDays(1));
            assert!(!spec.mandatory);
            assert_eq!(spec.dedup_key, "case-note-possible-disclosure|X123456|n1");
            assert!(spec.rationale.contains("\"girlfriend\", \"pregnant\""));
            assert!(spec.rationale.contains("PREGNANCY"));
        }
    }
}
