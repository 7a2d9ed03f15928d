//! Moving a person's case to another probation organisation: every row that names the managing
//! probation organisation follows the person.

use super::schema::{
    appointments, case_notes, disclosures, orders, people, referrals, safeguarding_prompts,
};
use super::DbConnection;
use crate::domain::prompt::PromptStatus;
use diesel::prelude::*;

/// What moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Moved {
    pub orders: usize,
    pub referrals: usize,
    pub open_prompts: usize,
}

/// Points the case of `crn` at `to` instead of `from`: the person, orders, referrals,
/// disclosures, case notes and sessions, and the prompts. Prompts the old organisation had to act
/// on pass to the new one; the unresolved ones lose their assignee (the new organisation's
/// managers allocate them, or they go to `officer` when given).
pub fn transfer(
    conn: &mut DbConnection,
    crn: &str,
    from: &str,
    to: &str,
    officer: Option<&str>,
) -> QueryResult<Moved> {
    let crn = crn.to_string();
    diesel::update(people::table.find(crn.clone()))
        .set(people::managing_org.eq(to))
        .execute(conn)?;
    let orders = diesel::update(orders::table.filter(orders::crn.eq(crn.clone())))
        .set(orders::managing_org.eq(to))
        .execute(conn)?;
    if let Some(officer) = officer {
        diesel::update(orders::table.filter(orders::crn.eq(crn.clone())))
            .set((
                orders::responsible_officer.eq(officer),
                orders::responsible_officer_name.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    let referrals = diesel::update(referrals::table.filter(referrals::crn.eq(crn.clone())))
        .set(referrals::probation_org.eq(to))
        .execute(conn)?;
    diesel::update(disclosures::table.filter(disclosures::crn.eq(crn.clone())))
        .set(disclosures::probation_org.eq(to))
        .execute(conn)?;
    diesel::update(case_notes::table.filter(case_notes::crn.eq(crn.clone())))
        .set(case_notes::probation_org.eq(to))
        .execute(conn)?;
    diesel::update(appointments::table.filter(appointments::crn.eq(crn.clone())))
        .set(appointments::probation_org.eq(to))
        .execute(conn)?;
    let sp = safeguarding_prompts::table;
    let open_prompts = diesel::update(
        sp.filter(safeguarding_prompts::crn.eq(crn.clone()))
            .filter(safeguarding_prompts::org.eq(from))
            .filter(safeguarding_prompts::status.ne(PromptStatus::Resolved)),
    )
    .set(safeguarding_prompts::assignee.eq(officer))
    .execute(conn)?;
    diesel::update(
        sp.filter(safeguarding_prompts::crn.eq(crn.clone()))
            .filter(safeguarding_prompts::org.eq(from)),
    )
    .set(safeguarding_prompts::org.eq(to))
    .execute(conn)?;
    diesel::update(sp.filter(safeguarding_prompts::crn.eq(crn)))
        .set(safeguarding_prompts::probation_org.eq(to))
        .execute(conn)?;
    Ok(Moved {
        orders,
        referrals,
        open_prompts,
    })
}
