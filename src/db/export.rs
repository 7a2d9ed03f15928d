//! Subject access: every row held about one person, read from the tables retention deletes
//! ([`super::retention::delete_case`] lists them), for the export document.

use super::action_plans::ActionPlanRow;
use super::amendments::AmendmentRow;
use super::appointments::{HistoryRow as SessionHistoryRow, WarningRow};
use super::case_notes::CaseNoteRow;
use super::disclosures::DisclosureRow;
use super::orders::OrderRow;
use super::people::{DeclarationRow, MemberRow, PersonRow, RiskRow};
use super::prompt_steps::{AgencyReferralRow, HistoryRow as PromptHistoryRow};
use super::prompts::PromptRow;
use super::referrals::{ContextRow, ReferralRow};
use super::reports::{EndOfServiceRow, ProgressRow};
use super::schema::{
    action_plans, appointment_history, appointments, case_notes, disclosures,
    end_of_service_reports, household_declarations, household_members, orders, progress_reports,
    referral_amendments, referral_contexts, referrals, risk_assessments,
    safeguarding_prompt_disclosures, safeguarding_prompt_history, safeguarding_prompt_referrals,
    safeguarding_prompts, termination_confirmations, termination_reviews, warnings,
};
use super::termination::{ConfirmationRow, ReviewRow};
use super::DbConnection;
use crate::db::appointments::AppointmentRow;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A prompt and the disclosure it is linked to (`safeguarding_prompt_disclosures`).
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct PromptDisclosureRow {
    pub prompt_id: String,
    pub disclosure_id: String,
    pub linked_at: NaiveDateTime,
}

/// Everything held about one person, table by table, each in the order it was recorded.
#[derive(Debug, Clone)]
pub struct CaseRows {
    pub person: PersonRow,
    pub risk_assessments: Vec<RiskRow>,
    pub household_members: Vec<MemberRow>,
    pub household_declarations: Vec<DeclarationRow>,
    pub orders: Vec<OrderRow>,
    pub termination_reviews: Vec<ReviewRow>,
    pub termination_confirmations: Vec<ConfirmationRow>,
    pub referrals: Vec<ReferralRow>,
    pub referral_contexts: Vec<ContextRow>,
    pub referral_amendments: Vec<AmendmentRow>,
    pub action_plans: Vec<ActionPlanRow>,
    pub progress_reports: Vec<ProgressRow>,
    pub end_of_service_reports: Vec<EndOfServiceRow>,
    pub sessions: Vec<AppointmentRow>,
    pub session_history: Vec<SessionHistoryRow>,
    pub warnings: Vec<WarningRow>,
    pub disclosures: Vec<DisclosureRow>,
    pub prompts: Vec<PromptRow>,
    pub prompt_history: Vec<PromptHistoryRow>,
    pub prompt_agency_referrals: Vec<AgencyReferralRow>,
    pub prompt_disclosures: Vec<PromptDisclosureRow>,
    pub case_notes: Vec<CaseNoteRow>,
}

/// Loads every row held about `person` (already found through the caller's scope).
pub fn case_rows(conn: &mut DbConnection, person: PersonRow) -> QueryResult<CaseRows> {
    let crn = person.crn.clone();
    let order_ids: Vec<String> = orders::table
        .filter(orders::crn.eq(&crn))
        .select(orders::id)
        .load(conn)?;
    let referral_ids: Vec<String> = referrals::table
        .filter(referrals::crn.eq(&crn))
        .select(referrals::id)
        .load(conn)?;
    let session_ids: Vec<String> = appointments::table
        .filter(appointments::crn.eq(&crn))
        .select(appointments::id)
        .load(conn)?;
    let prompt_ids: Vec<String> = safeguarding_prompts::table
        .filter(safeguarding_prompts::crn.eq(&crn))
        .select(safeguarding_prompts::id)
        .load(conn)?;
    Ok(CaseRows {
        risk_assessments: risk_assessments::table
            .filter(risk_assessments::crn.eq(&crn))
            .order((risk_assessments::recorded_at, risk_assessments::id))
            .select(RiskRow::as_select())
            .load(conn)?,
        household_members: household_members::table
            .filter(household_members::crn.eq(&crn))
            .order((household_members::created_at, household_members::id))
            .select(MemberRow::as_select())
            .load(conn)?,
        household_declarations: household_declarations::table
            .filter(household_declarations::crn.eq(&crn))
            .order((
                household_declarations::recorded_at,
                household_declarations::id,
            ))
            .select(DeclarationRow::as_select())
            .load(conn)?,
        orders: orders::table
            .filter(orders::crn.eq(&crn))
            .order((orders::created_at, orders::id))
            .select(OrderRow::as_select())
            .load(conn)?,
        termination_reviews: termination_reviews::table
            .filter(termination_reviews::order_id.eq_any(&order_ids))
            .select(ReviewRow::as_select())
            .load(conn)?,
        termination_confirmations: termination_confirmations::table
            .filter(termination_confirmations::order_id.eq_any(&order_ids))
            .select(ConfirmationRow::as_select())
            .load(conn)?,
        referrals: referrals::table
            .filter(referrals::crn.eq(&crn))
            .order((referrals::created_at, referrals::id))
            .select(ReferralRow::as_select())
            .load(conn)?,
        referral_contexts: referral_contexts::table
            .filter(referral_contexts::referral_id.eq_any(&referral_ids))
            .order((referral_contexts::referral_id, referral_contexts::version))
            .select(ContextRow::as_select())
            .load(conn)?,
        referral_amendments: referral_amendments::table
            .filter(referral_amendments::crn.eq(&crn))
            .order((referral_amendments::amended_at, referral_amendments::id))
            .select(AmendmentRow::as_select())
            .load(conn)?,
        action_plans: action_plans::table
            .filter(action_plans::crn.eq(&crn))
            .order((action_plans::referral_id, action_plans::version))
            .select(ActionPlanRow::as_select())
            .load(conn)?,
        progress_reports: progress_reports::table
            .filter(progress_reports::referral_id.eq_any(&referral_ids))
            .order((progress_reports::submitted_at, progress_reports::id))
            .select(ProgressRow::as_select())
            .load(conn)?,
        end_of_service_reports: end_of_service_reports::table
            .filter(end_of_service_reports::referral_id.eq_any(&referral_ids))
            .select(EndOfServiceRow::as_select())
            .load(conn)?,
        sessions: appointments::table
            .filter(appointments::crn.eq(&crn))
            .order((appointments::starts_at, appointments::id))
            .select(AppointmentRow::as_select())
            .load(conn)?,
        session_history: appointment_history::table
            .filter(appointment_history::appointment_id.eq_any(&session_ids))
            .order((appointment_history::at, appointment_history::id))
            .select(SessionHistoryRow::as_select())
            .load(conn)?,
        warnings: warnings::table
            .filter(warnings::crn.eq(&crn))
            .order((warnings::issued_at, warnings::id))
            .select(WarningRow::as_select())
            .load(conn)?,
        disclosures: disclosures::table
            .filter(disclosures::crn.eq(&crn))
            .order((disclosures::recorded_at, disclosures::id))
            .select(DisclosureRow::as_select())
            .load(conn)?,
        prompts: safeguarding_prompts::table
            .filter(safeguarding_prompts::crn.eq(&crn))
            .order((safeguarding_prompts::raised_at, safeguarding_prompts::id))
            .select(PromptRow::as_select())
            .load(conn)?,
        prompt_history: safeguarding_prompt_history::table
            .filter(safeguarding_prompt_history::prompt_id.eq_any(&prompt_ids))
            .order((
                safeguarding_prompt_history::at,
                safeguarding_prompt_history::id,
            ))
            .select(PromptHistoryRow::as_select())
            .load(conn)?,
        prompt_agency_referrals: safeguarding_prompt_referrals::table
            .filter(safeguarding_prompt_referrals::prompt_id.eq_any(&prompt_ids))
            .select(AgencyReferralRow::as_select())
            .load(conn)?,
        prompt_disclosures: safeguarding_prompt_disclosures::table
            .filter(safeguarding_prompt_disclosures::prompt_id.eq_any(&prompt_ids))
            .order((
                safeguarding_prompt_disclosures::linked_at,
                safeguarding_prompt_disclosures::disclosure_id,
            ))
            .select((
                safeguarding_prompt_disclosures::prompt_id,
                safeguarding_prompt_disclosures::disclosure_id,
                safeguarding_prompt_disclosures::linked_at,
            ))
            .load(conn)?,
        case_notes: case_notes::table
            .filter(case_notes::crn.eq(&crn))
            .order((case_notes::created_at, case_notes::id))
            .select(CaseNoteRow::as_select())
            .load(conn)?,
        person,
    })
}
