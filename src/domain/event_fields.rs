//! Which fields of an event's payload are free text (notes, evidence, reasons, rationale) that
//! only readers of casework may see, and which text fields are identifiers or codes that any
//! reader of the event may see. Every text field of every payload struct in `event_payloads.rs`
//! is in one list or the other; a test fails when a new one is in neither.

/// `(payload struct, field)`: free text, removed for readers who may not read casework.
pub const FREE_TEXT: &[(&str, &str)] = &[
    ("OrderTerminated", "reason"),
    ("OrderTerminated", "evidence"),
    // typed entries (agency, date, reference, an old free-text note): removed whole
    ("OrderTerminated", "agencies_notified"),
    ("OrderTerminated", "sign_off_reasons"),
    ("ReferralDeclined", "reason"),
    ("ReferralEnded", "note"),
    ("ReviewItemConfirmed", "note"),
    // a prompt's title names what happened in the case ("Pregnancy disclosed: refer to MASH")
    ("PromptFacts", "title"),
    ("PersonTransferred", "note"),
];

/// `(payload struct, field)`: text that identifies or codes something, sent to every reader.
pub const KEPT_TEXT: &[(&str, &str)] = &[
    ("OrganisationCreated", "code"),
    ("RiskAssessed", "assessment_id"),
    ("HouseholdRecord", "id"),
    ("OrderCreated", "order_id"),
    ("OrderTerminated", "order_id"),
    ("OrderTerminated", "signed_off_by"),
    ("OnReferral", "referral_id"),
    ("OnReferral", "order_id"),
    ("OnReferral", "provider_org"),
    ("OnReferral", "provider_reference"),
    ("ReferralAccepted", "accepted_by"),
    ("ReferralAssigned", "worker"),
    ("ReferralWithdrawn", "code"),
    ("ProgressReportSubmitted", "report_id"),
    ("AppointmentFacts", "appointment_id"),
    ("AppointmentFacts", "referral_id"),
    ("AppointmentFacts", "provider_reference"),
    ("AbsenceDecided", "appointment_id"),
    ("AbsenceDecided", "outcome"),
    ("WarningIssued", "warning_id"),
    ("WarningIssued", "appointment_id"),
    ("DisclosureRecorded", "disclosure_id"),
    ("DisclosureRecorded", "referral_id"),
    ("PromptFacts", "prompt_id"),
    ("PromptFacts", "assignee"),
    ("ReviewItemConfirmed", "item_id"),
    ("ReviewSignedOff", "signed_off_by"),
    ("WebhookSubscriptionDisabled", "subscription_id"),
    ("ReferralAmended", "amendment_id"),
    // the names of the fields that changed, not their values
    ("ReferralAmended", "fields"),
    ("ActionPlanFacts", "action_plan_id"),
    ("CaseNoteAdded", "case_note_id"),
    ("CaseNoteAdded", "corrects"),
    ("PromptFacts", "assignee_org"),
    ("OrderTransferred", "order_id"),
    ("OrderTransferred", "from_officer"),
    ("OrderTransferred", "to_officer"),
    ("PersonTransferred", "from_org"),
    ("PersonTransferred", "to_org"),
    ("PromptFacts", "disclosure_id"),
];

/// The payload keys (as sent, camelCase) that are free text in a payload of type `payload_type`
/// (as written in `domain_events!`, e.g. `OnReferral<ReferralEnded>`).
pub fn free_text_keys(payload_type: &str) -> Vec<String> {
    let structs: Vec<&str> = payload_type
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|s| !s.is_empty())
        .collect();
    FREE_TEXT
        .iter()
        .filter(|(s, _)| structs.contains(s))
        .map(|(_, field)| camel_case(field))
        .collect()
}

fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `pub field: <text type>` of each `pub struct` in the payloads' source.
    fn text_fields(source: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut current: Option<String> = None;
        for line in source.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("pub struct ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                current = Some(name);
            } else if line == "}" {
                current = None;
            } else if let (Some(s), Some(rest)) = (&current, line.strip_prefix("pub ")) {
                if let Some((field, ty)) = rest.split_once(':') {
                    let ty = ty.trim().trim_end_matches(',');
                    if ty.contains("String") || ty.contains("str") {
                        found.push((s.clone(), field.trim().to_string()));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_text_field_of_every_payload_is_classified_as_free_text_or_kept() {
        let source = include_str!("event_payloads.rs");
        let fields = text_fields(source);
        assert!(fields.len() > 20, "{fields:?}");
        let unclassified: Vec<_> = fields
            .iter()
            .filter(|(s, f)| {
                !FREE_TEXT
                    .iter()
                    .chain(KEPT_TEXT)
                    .any(|(cs, cf)| cs == s && cf == f)
            })
            .collect();
        assert!(
            unclassified.is_empty(),
            "classify these payload text fields in src/domain/event_fields.rs (FREE_TEXT if a person wrote them, KEPT_TEXT if they are ids or codes): {unclassified:?}"
        );
        for (s, f) in FREE_TEXT {
            assert!(!KEPT_TEXT.contains(&(s, f)), "{s}.{f} is in both lists");
        }
    }

    #[test]
    fn free_text_keys_follow_the_payload_type_and_its_wrapped_detail() {
        assert_eq!(free_text_keys("OnReferral<ReferralEnded>"), vec!["note"]);
        assert_eq!(
            free_text_keys("OrderTerminated"),
            vec!["reason", "evidence", "agenciesNotified", "signOffReasons"]
        );
        assert_eq!(free_text_keys("PromptFacts"), vec!["title"]);
        assert!(free_text_keys("OnReferral<Nothing>").is_empty());
    }
}
