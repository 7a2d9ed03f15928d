//! What the provider reports back on a referral: progress against each desired outcome, the
//! end-of-service report, and ending the referral (completed, or early, which the officer must
//! act on).

use super::access;
use super::delivery::{case_ref, delivered_days, raise_on_referral};
use super::referrals::{apply, content, emit};
use crate::db::referrals::{self as referral_rows, ReferralRow};
use crate::db::reports::{self as rows, EndOfServiceRow, ProgressRow};
use crate::db::{from_json, orders, to_json};
use crate::domain::events::{DomainEvent, Nothing, ProgressReportSubmitted, ReferralEnded};
use crate::domain::ids::ReferralId;
use crate::domain::prompt::TriggerKind;
use crate::domain::referral::{Action, EndReason, ReferralStatus};
use crate::domain::report::{EndOfServiceReport, EndReferral, ProgressReport};
use crate::domain::stored::wire_name;
use crate::error::{ApiError, BlockingItem};
use crate::rules::attendance::ended_early;
use crate::work::Work;
use chrono::NaiveDateTime;

/// A submitted progress report and what it said.
pub struct ProgressRecord {
    pub row: ProgressRow,
    pub report: ProgressReport,
}

/// The submitted end-of-service report and what it said.
pub struct EndOfServiceRecord {
    pub row: EndOfServiceRow,
    pub report: EndOfServiceReport,
}

/// A referral the caller may see, for a change only its provider makes.
fn provider_referral(w: &mut Work, id: ReferralId) -> Result<ReferralRow, ApiError> {
    let r = access::referral(w, id)?;
    if !w.me.is_provider() {
        return Err(ApiError::Forbidden(
            "reports are submitted by the provider".into(),
        ));
    }
    Ok(r)
}

/// Reports progress against desired outcomes of an active referral.
pub fn submit_progress(
    w: &mut Work,
    referral_id: ReferralId,
    report: ProgressReport,
) -> Result<ProgressRecord, ApiError> {
    let referral = provider_referral(w, referral_id)?;
    let s = referral.status;
    if !s.is_active() {
        return Err(ApiError::invalid_state(
            "progress is reported on an accepted referral that has not ended",
            s.as_str(),
        ));
    }
    report.validate(&content(&referral)?).into_result()?;
    let row = ProgressRow {
        id: uuid::Uuid::now_v7().to_string(),
        referral_id: referral.id.clone(),
        submitted_at: w.now.naive_utc(),
        submitted_by: w.me.caller.sub.clone(),
        body: to_json(&report)?,
    };
    rows::insert_progress(w.conn, &row)?;
    emit(
        w,
        &referral,
        DomainEvent::ProgressReportSubmitted,
        "Progress report submitted".into(),
        ProgressReportSubmitted {
            report_id: row.id.clone(),
        },
    );
    Ok(ProgressRecord { row, report })
}

/// Up to `limit` of a referral's progress reports, oldest first, after the cursor
/// `(submitted_at, id)`.
pub fn progress(
    w: &mut Work,
    referral_id: ReferralId,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<ProgressRecord>, ApiError> {
    let referral = access::referral(w, referral_id)?;
    rows::progress_page(w.conn, &referral.id, after, limit)?
        .into_iter()
        .map(|row| {
            Ok(ProgressRecord {
                report: from_json(&row.body, "progress report")?,
                row,
            })
        })
        .collect()
}

/// Submits the end-of-service report, once, on a referral the provider accepted.
pub fn submit_end_of_service(
    w: &mut Work,
    referral_id: ReferralId,
    report: EndOfServiceReport,
) -> Result<EndOfServiceRecord, ApiError> {
    let referral = provider_referral(w, referral_id)?;
    let s = referral.status;
    if referral.accepted_at.is_none() || s == ReferralStatus::Withdrawn {
        return Err(ApiError::invalid_state(
            "an end-of-service report is for a referral the provider accepted",
            s.as_str(),
        ));
    }
    if rows::end_of_service(w.conn, &referral.id)?.is_some() {
        return Err(ApiError::conflict(
            "an end-of-service report was already submitted for this referral",
        ));
    }
    report.validate(&content(&referral)?).into_result()?;
    let row = EndOfServiceRow {
        referral_id: referral.id.clone(),
        submitted_at: w.now.naive_utc(),
        submitted_by: w.me.caller.sub.clone(),
        body: to_json(&report)?,
    };
    rows::insert_end_of_service(w.conn, &row)?;
    emit(
        w,
        &referral,
        DomainEvent::EndOfServiceReportSubmitted,
        "End-of-service report submitted".into(),
        Nothing {},
    );
    Ok(EndOfServiceRecord { row, report })
}

/// The referral's end-of-service report (`404` until it is submitted).
pub fn end_of_service(
    w: &mut Work,
    referral_id: ReferralId,
) -> Result<EndOfServiceRecord, ApiError> {
    let referral = access::referral(w, referral_id)?;
    let row = rows::end_of_service(w.conn, &referral.id)?
        .ok_or_else(|| ApiError::NotFound("no end-of-service report has been submitted".into()))?;
    Ok(EndOfServiceRecord {
        report: from_json(&row.body, "end-of-service report")?,
        row,
    })
}

/// Ends a referral. Completion needs the end-of-service report; ending early raises a prompt
/// for the officer to decide on enforcement and on the undelivered RAR days.
pub fn end_referral(
    w: &mut Work,
    referral_id: ReferralId,
    end: EndReferral,
) -> Result<ReferralRow, ApiError> {
    let mut referral = provider_referral(w, referral_id)?;
    apply(&mut referral, Action::End(end.reason))?;
    if end.reason == EndReason::Completed && rows::end_of_service(w.conn, &referral.id)?.is_none() {
        return Err(ApiError::Conflict {
            detail: "a referral is completed only after its end-of-service report is submitted"
                .into(),
            current_state: None,
            blocking_items: vec![BlockingItem {
                kind: "END_OF_SERVICE_REPORT".into(),
                description: "No end-of-service report".into(),
                link: Some(format!(
                    "/api/v1/referrals/{}/end-of-service-report",
                    referral.id
                )),
            }],
        });
    }
    let reason = wire_name(&end.reason)?;
    let now = w.now.naive_utc();
    referral.end_reason = Some(reason.clone());
    referral.end_note = end.note.clone().map(|n| n.trim().to_string());
    referral.ended_at = Some(now);
    referral.ended_by = Some(w.me.caller.sub.clone());
    referral.updated_at = now;
    referral_rows::save(w.conn, &referral)?;
    if end.reason != EndReason::Completed {
        let delivered = delivered_days(w.conn, &referral)?;
        let order = orders::get(w.conn, &referral.order_id)?;
        let spec = ended_early(
            &case_ref(&referral, &order),
            &reason,
            delivered,
            referral.rar_days.unwrap_or(0).max(0) as u32,
            end.note.as_deref(),
        );
        let id = referral.id.clone();
        raise_on_referral(w, &referral, TriggerKind::Referral, &id, vec![spec])?;
    }
    emit(
        w,
        &referral,
        DomainEvent::ReferralEnded,
        format!("Referral ended: {reason}"),
        ReferralEnded {
            reason: end.reason,
            note: end.note.clone(),
        },
    );
    Ok(referral)
}
