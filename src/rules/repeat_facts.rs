//! Whether a repeat disclosure tells the same facts as an earlier prompt's, and what it adds.
//! A pregnancy is the same pregnancy when who is pregnant matches and neither the expected due
//! date nor the partner contradicts (one may be missing from either telling); what the later
//! telling supplies that the earlier lacked is new.

/// The family of a pregnancy key: what must match exactly (`<rule>|<crn>|pregnancy:<who>:`), or
/// `None` for a key that is not a pregnancy's.
pub fn pregnancy_family(key: &str) -> Option<&str> {
    let (head, tail) = key.rsplit_once("|pregnancy:")?;
    let who_len = tail.find(':')?;
    Some(&key[..head.len() + "|pregnancy:".len() + who_len + 1])
}

/// `(due date, partner)` of a pregnancy key, empty when not told.
fn parts(key: &str) -> Option<(&str, &str)> {
    let family = pregnancy_family(key)?;
    key[family.len()..].split_once(':')
}

/// What the later telling (`new`) of the facts behind `existing` adds: `None` when they are not
/// the same facts, `Some((merged key, what is new))` when they are (nothing new when identical).
pub fn same_facts(existing: &str, new: &str) -> Option<(String, Vec<String>)> {
    if existing == new {
        return Some((existing.to_string(), Vec::new()));
    }
    let family = pregnancy_family(existing)?;
    if pregnancy_family(new)? != family {
        return None;
    }
    let (old_due, old_partner) = parts(existing)?;
    let (new_due, new_partner) = parts(new)?;
    let clash = |a: &str, b: &str| !a.is_empty() && !b.is_empty() && a != b;
    if clash(old_due, new_due) || clash(old_partner, new_partner) {
        return None;
    }
    let mut added = Vec::new();
    if old_due.is_empty() && !new_due.is_empty() {
        added.push(format!("expected due date {new_due}"));
    }
    if old_partner.is_empty() && !new_partner.is_empty() {
        added.push(format!("partner named ({new_partner})"));
    }
    let due = if old_due.is_empty() { new_due } else { old_due };
    let partner = if old_partner.is_empty() {
        new_partner
    } else {
        old_partner
    };
    Some((format!("{family}{due}:{partner}"), added))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = "pregnancy-da-mash-referral|X123456|pregnancy:Partner:";

    fn key(due: &str, partner: &str) -> String {
        format!("{RULE}{due}:{partner}")
    }

    #[test]
    fn a_repeat_is_the_same_pregnancy_unless_a_fact_contradicts_and_says_what_it_adds() {
        let no_due = key("", "jane doe");
        let due = key("2026-08-15", "jane doe");
        type Case = (String, String, Option<(String, Vec<&'static str>)>);
        let cases: Vec<Case> = vec![
            (due.clone(), due.clone(), Some((due.clone(), vec![]))),
            (
                no_due.clone(),
                due.clone(),
                Some((due.clone(), vec!["expected due date 2026-08-15"])),
            ),
            // The later telling lacks what the first had: the same, nothing new.
            (due.clone(), no_due.clone(), Some((due.clone(), vec![]))),
            (
                key("2026-08-15", ""),
                due.clone(),
                Some((due.clone(), vec!["partner named (jane doe)"])),
            ),
            // Contradictions: another pregnancy.
            (due.clone(), key("2026-12-01", "jane doe"), None),
            (due.clone(), key("2026-08-15", "ann other"), None),
            // Someone else pregnant, another rule, or not a pregnancy.
            (
                due.clone(),
                "pregnancy-da-mash-referral|X123456|pregnancy:Person:2026-08-15:jane doe".into(),
                None,
            ),
            (
                due.clone(),
                "da-clares-law|X123456|pregnancy:Partner:2026-08-15:jane doe".into(),
                None,
            ),
            ("r|X1|partner:jane".into(), "r|X1|partner:ann".into(), None),
        ];
        for (existing, new, expected) in cases {
            let expected =
                expected.map(|(k, added)| (k, added.into_iter().map(String::from).collect()));
            assert_eq!(
                same_facts(&existing, &new),
                expected,
                "{existing} then {new}"
            );
        }
    }

    #[test]
    fn the_family_is_everything_up_to_who_is_pregnant() {
        assert_eq!(pregnancy_family(&key("2026-08-15", "x")), Some(RULE));
        assert_eq!(pregnancy_family("r|X1|partner:jane"), None);
    }
}
