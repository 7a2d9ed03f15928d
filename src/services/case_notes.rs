//! Case notes: either side adds a note to a live or recently ended referral; a note that sounds
//! like a disclosure (and is neither linked to one nor said not to be one) asks the writer's side
//! to record it; notes are read one at a time or a page at a time, newest first.

use super::prompts::{self, Origin};
use super::{access, referrals};
use crate::db::case_notes::{self as rows, CaseNoteRow};
use crate::db::disclosures;
use crate::db::referrals::ReferralRow;
use crate::db::to_json;
use crate::domain::case_note::NewCaseNote;
use crate::domain::events::{CaseNoteAdded, DomainEvent};
use crate::domain::ids::{CaseNoteId, ReferralId};
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::ReferralStatus;
use crate::domain::OrgKind;
use crate::error::ApiError;
use crate::rules::case_note::{detect, possible_disclosure_prompt, NoteFacts};
use crate::work::Work;
use chrono::{Duration, NaiveDateTime};

/// How long after a referral ends either side may still add notes to it.
pub const NOTES_AFTER_END_DAYS: i64 = 28;

/// Whether notes may be added to `referral` at `now`: sent and not finished, or finished
/// (completed, ended early, withdrawn or declined) within [`NOTES_AFTER_END_DAYS`]. A referral
/// withdrawn or declined has no end time of its own; its last change is when it finished.
fn open_for_notes(referral: &ReferralRow, now: NaiveDateTime) -> bool {
    if referral.status.is_live() {
        return true;
    }
    let finished = referral.ended_at.unwrap_or(referral.updated_at);
    referral.status != ReferralStatus::Draft
        && now - finished <= Duration::days(NOTES_AFTER_END_DAYS)
}

/// Adds a note to a referral the caller may see, raising a `case-note-possible-disclosure`
/// prompt for the writer's side when the note sounds like a disclosure and the writer neither
/// linked it to one nor said why it is not one.
pub fn add(
    w: &mut Work,
    referral_id: ReferralId,
    body: NewCaseNote,
) -> Result<CaseNoteRow, ApiError> {
    let referral = access::referral(w, referral_id)?;
    if !open_for_notes(&referral, w.now.naive_utc()) {
        return Err(ApiError::invalid_state(
            format!(
                "notes are added to a sent referral until {NOTES_AFTER_END_DAYS} days after it ends"
            ),
            referral.status.as_str(),
        ));
    }
    body.validate()?;
    if let Some(original) = body.corrects {
        rows::find_on_referral(w.conn, &referral.id, &original.to_string())?.ok_or_else(|| {
            ApiError::field(
                "corrects",
                "unknown",
                "no earlier note on this referral has that id",
            )
        })?;
    }
    if let Some(disclosure) = body.disclosure_id {
        let org = w.me.org().to_string();
        disclosures::find_for_person(w.conn, &referral.crn, &disclosure.to_string())?
            .filter(|d| d.recorded_by_org == org || (w.me.is_probation() && d.probation_org == org))
            .ok_or_else(|| {
                ApiError::field(
                    "disclosureId",
                    "unknown",
                    "no disclosure about this person that your organisation may see has that id",
                )
            })?;
    }
    let written_by = if w.me.is_provider() {
        OrgKind::Provider
    } else {
        OrgKind::Probation
    };
    let found = detect(&[&body.subject, &body.body]);
    let mut row = CaseNoteRow {
        id: CaseNoteId::new().to_string(),
        referral_id: referral.id.clone(),
        crn: referral.crn.clone(),
        probation_org: referral.probation_org.clone(),
        provider_org: referral.provider_org.clone(),
        author_org: w.me.org().to_string(),
        author_sub: w.me.caller.sub.clone(),
        author_name: w.me.caller.display_name().to_string(),
        subject: body.subject.trim().to_string(),
        body: body.body,
        sensitivity: body.sensitivity,
        corrects: body.corrects.map(|c| c.to_string()),
        disclosure_id: body.disclosure_id.map(|d| d.to_string()),
        not_a_disclosure_reason: body.not_a_disclosure_reason.map(|r| r.trim().to_string()),
        possible_disclosure: found.as_ref().map(to_json).transpose()?,
        prompt_id: None,
        created_at: w.now.naive_utc(),
    };
    rows::insert(w.conn, &row)?;

    let accounted_for = row.disclosure_id.is_some() || row.not_a_disclosure_reason.is_some();
    if let (Some(found), false) = (&found, accounted_for) {
        let author = format!("{} {}", row.author_org, row.author_name);
        let spec = possible_disclosure_prompt(&NoteFacts {
            note_id: &row.id,
            crn: &row.crn,
            written_by,
            author: &author,
            found,
        });
        let origin = Origin {
            crn: &referral.crn,
            probation_org: &referral.probation_org,
            provider_org: (written_by == OrgKind::Provider)
                .then_some(referral.provider_org.as_str()),
            order_id: Some(&referral.order_id),
            referral_id: Some(&referral.id),
            kind: TriggerKind::CaseNote,
            id: &row.id,
        };
        let raised = prompts::raise(w, vec![spec], &origin)?;
        if let Some(prompt) = raised.new.first() {
            rows::set_prompt(w.conn, &row.id, &prompt.id)?;
            row.prompt_id = Some(prompt.id.clone());
        }
    }

    let mut event = referrals::event(
        &referral,
        DomainEvent::CaseNoteAdded,
        format!("Case note added by the {}", written_by.as_str()),
        CaseNoteAdded {
            case_note_id: row.id.clone(),
            sensitivity: row.sensitivity,
            written_by,
            corrects: row.corrects.clone(),
            possible_disclosure: found.is_some(),
            prompt_raised: row.prompt_id.is_some(),
        },
    );
    event.detail_path = format!("/api/v1/case-notes/{}", row.id);
    w.emit(event);
    Ok(row)
}

/// A note the caller may see: one on a referral the caller's organisation may see.
pub fn get(w: &mut Work, id: CaseNoteId) -> Result<CaseNoteRow, ApiError> {
    let row =
        rows::get(w.conn, &id.to_string())?.ok_or_else(|| ApiError::not_found("case note"))?;
    let referral_id = ReferralId::parse(&row.referral_id)
        .map_err(|e| ApiError::internal_from("stored referral id of a case note", e))?;
    match access::referral(w, referral_id) {
        Ok(_) => Ok(row),
        Err(ApiError::NotFound(_)) => Err(ApiError::not_found("case note")),
        Err(other) => Err(other),
    }
}

/// A page of a referral's notes, newest first, after the cursor `(created_at, id)`: up to
/// `limit + 1` rows, the extra one only saying that more exist.
pub fn page(
    w: &mut Work,
    referral_id: ReferralId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<CaseNoteRow>, ApiError> {
    let referral = access::referral(w, referral_id)?;
    Ok(rows::page_for_referral(
        w.conn,
        &referral.id,
        after,
        limit + 1,
    )?)
}
