//! Retention queries: the facts that decide whether a case is past its retention period, deleting
//! a person's case data, and putting the keyed pseudonym in place of the CRN in the audit log and
//! the event feed.

use super::schema::{
    action_plans, appointment_history, appointments, audit_events, case_notes, disclosures,
    domain_events, end_of_service_reports, household_declarations, household_members, orders,
    people, progress_reports, referral_amendments, referral_contexts, referrals, risk_assessments,
    safeguarding_prompt_disclosures, safeguarding_prompt_history, safeguarding_prompt_referrals,
    safeguarding_prompts, termination_confirmations, termination_reviews, warnings,
};
use super::DbConnection;
use crate::domain::order::OrderStatus;
use crate::domain::prompt::PromptStatus;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::BTreeMap;

diesel::define_sql_function! {
    /// SQL `REPLACE(text, from, to)` (the same on SQLite and PostgreSQL).
    fn replace(text: Text, from: Text, to: Text) -> Text;
}

/// What retention knows about one person.
#[derive(Debug, Clone, Default)]
pub struct PersonFacts {
    pub orders: Vec<(OrderStatus, NaiveDate, Option<NaiveDateTime>)>,
    pub open_prompts: usize,
}

/// The facts about every person (or the one named), by CRN.
pub fn facts(
    conn: &mut DbConnection,
    only: Option<&str>,
) -> QueryResult<BTreeMap<String, PersonFacts>> {
    let mut people_q = people::table.select(people::crn).into_boxed();
    let mut orders_q = orders::table
        .select((
            orders::crn,
            orders::status,
            orders::end_date,
            orders::terminated_at,
        ))
        .into_boxed();
    let mut prompts_q = safeguarding_prompts::table
        .filter(safeguarding_prompts::status.ne(PromptStatus::Resolved))
        .select(safeguarding_prompts::crn)
        .into_boxed();
    if let Some(crn) = only {
        people_q = people_q.filter(people::crn.eq(crn.to_string()));
        orders_q = orders_q.filter(orders::crn.eq(crn.to_string()));
        prompts_q = prompts_q.filter(safeguarding_prompts::crn.eq(crn.to_string()));
    }
    let mut out: BTreeMap<String, PersonFacts> = people_q
        .load::<String>(conn)?
        .into_iter()
        .map(|crn| (crn, PersonFacts::default()))
        .collect();
    for (crn, status, end, terminated) in
        orders_q.load::<(String, OrderStatus, NaiveDate, Option<NaiveDateTime>)>(conn)?
    {
        if let Some(f) = out.get_mut(&crn) {
            f.orders.push((status, end, terminated));
        }
    }
    for crn in prompts_q.load::<String>(conn)? {
        if let Some(f) = out.get_mut(&crn) {
            f.open_prompts += 1;
        }
    }
    Ok(out)
}

/// Deletes everything held about the person (children before parents); returns the rows deleted.
pub fn delete_case(conn: &mut DbConnection, crn: &str) -> QueryResult<usize> {
    let crn = crn.to_string();
    let prompts = || {
        safeguarding_prompts::table
            .filter(safeguarding_prompts::crn.eq(crn.clone()))
            .select(safeguarding_prompts::id)
    };
    let refs = || {
        referrals::table
            .filter(referrals::crn.eq(crn.clone()))
            .select(referrals::id)
    };
    let order_ids = || {
        orders::table
            .filter(orders::crn.eq(crn.clone()))
            .select(orders::id)
    };
    let appts = || {
        appointments::table
            .filter(appointments::crn.eq(crn.clone()))
            .select(appointments::id)
    };
    let discs = || {
        disclosures::table
            .filter(disclosures::crn.eq(crn.clone()))
            .select(disclosures::id)
    };
    let mut n = 0;
    n += diesel::delete(
        safeguarding_prompt_history::table
            .filter(safeguarding_prompt_history::prompt_id.eq_any(prompts())),
    )
    .execute(conn)?;
    n += diesel::delete(
        safeguarding_prompt_referrals::table
            .filter(safeguarding_prompt_referrals::prompt_id.eq_any(prompts())),
    )
    .execute(conn)?;
    n += diesel::delete(
        safeguarding_prompt_disclosures::table.filter(
            safeguarding_prompt_disclosures::prompt_id
                .eq_any(prompts())
                .or(safeguarding_prompt_disclosures::disclosure_id.eq_any(discs())),
        ),
    )
    .execute(conn)?;
    n += diesel::delete(case_notes::table.filter(case_notes::crn.eq(crn.clone()))).execute(conn)?;
    n += diesel::delete(
        appointment_history::table.filter(appointment_history::appointment_id.eq_any(appts())),
    )
    .execute(conn)?;
    n += diesel::delete(warnings::table.filter(warnings::crn.eq(crn.clone()))).execute(conn)?;
    n += diesel::delete(appointments::table.filter(appointments::crn.eq(crn.clone())))
        .execute(conn)?;
    n += diesel::delete(
        progress_reports::table.filter(progress_reports::referral_id.eq_any(refs())),
    )
    .execute(conn)?;
    n += diesel::delete(
        end_of_service_reports::table.filter(end_of_service_reports::referral_id.eq_any(refs())),
    )
    .execute(conn)?;
    n += diesel::delete(action_plans::table.filter(action_plans::crn.eq(crn.clone())))
        .execute(conn)?;
    n +=
        diesel::delete(referral_amendments::table.filter(referral_amendments::crn.eq(crn.clone())))
            .execute(conn)?;
    n += diesel::delete(
        referral_contexts::table.filter(referral_contexts::referral_id.eq_any(refs())),
    )
    .execute(conn)?;
    n += diesel::delete(disclosures::table.filter(disclosures::crn.eq(crn.clone())))
        .execute(conn)?;
    n += diesel::delete(
        safeguarding_prompts::table.filter(safeguarding_prompts::crn.eq(crn.clone())),
    )
    .execute(conn)?;
    n += diesel::delete(referrals::table.filter(referrals::crn.eq(crn.clone()))).execute(conn)?;
    n += diesel::delete(
        termination_confirmations::table
            .filter(termination_confirmations::order_id.eq_any(order_ids())),
    )
    .execute(conn)?;
    n += diesel::delete(
        termination_reviews::table.filter(termination_reviews::order_id.eq_any(order_ids())),
    )
    .execute(conn)?;
    n += diesel::delete(orders::table.filter(orders::crn.eq(crn.clone()))).execute(conn)?;
    n += diesel::delete(risk_assessments::table.filter(risk_assessments::crn.eq(crn.clone())))
        .execute(conn)?;
    n += diesel::delete(household_members::table.filter(household_members::crn.eq(crn.clone())))
        .execute(conn)?;
    n += diesel::delete(
        household_declarations::table.filter(household_declarations::crn.eq(crn.clone())),
    )
    .execute(conn)?;
    n += diesel::delete(people::table.filter(people::crn.eq(crn.clone()))).execute(conn)?;
    Ok(n)
}

/// Puts `pseudonym` in place of `crn` in the audit log (its CRN and request path, which the
/// chain covers through the pseudonym already) and in the event feed (CRN, description, detail
/// URL and payload). Returns (audit rows, events) changed.
pub fn pseudonymise(
    conn: &mut DbConnection,
    crn: &str,
    pseudonym: &str,
) -> QueryResult<(usize, usize)> {
    let audit = diesel::update(audit_events::table.filter(audit_events::crn.eq(crn.to_string())))
        .set((
            audit_events::resource.eq(replace(audit_events::resource, crn, pseudonym)),
            audit_events::crn.eq(pseudonym),
        ))
        .execute(conn)?;
    let events =
        diesel::update(domain_events::table.filter(domain_events::crn.eq(crn.to_string())))
            .set((
                domain_events::description.eq(replace(domain_events::description, crn, pseudonym)),
                domain_events::detail_url.eq(replace(domain_events::detail_url, crn, pseudonym)),
                domain_events::additional_information.eq(replace(
                    domain_events::additional_information,
                    crn,
                    pseudonym,
                )),
                domain_events::crn.eq(pseudonym),
            ))
            .execute(conn)?;
    Ok((audit, events))
}
