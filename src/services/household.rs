//! Household use cases: members with provenance (added, changed, listed) and what the person
//! declared (recorded as evidence, checked against what agencies heard, listed).

use super::change::Expect;
use super::disclosures::check_declaration;
use super::{access, case_rules};
use crate::db::people::{self as rows, DeclarationRow, MemberRow, PersonRow};
use crate::db::prompts::PromptRow;
use crate::db::{from_json, to_json};
use crate::domain::events::{DomainEvent, HouseholdRecord};
use crate::domain::household::{HouseholdDeclaration, HouseholdMember};
use crate::domain::Crn;
use crate::error::ApiError;
use crate::rules::working_days::london_date;
use crate::work::{Event, Work};
use chrono::NaiveDateTime;

/// A household member as stored, with its parsed record.
pub struct Member {
    pub row: MemberRow,
    pub member: HouseholdMember,
}

impl Member {
    pub fn parse(row: MemberRow) -> Result<Self, ApiError> {
        let member = from_json(&row.body, "household member")?;
        Ok(Self { row, member })
    }
}

/// A declaration as stored, with its parsed content.
pub struct Declaration {
    pub row: DeclarationRow,
    pub declaration: HouseholdDeclaration,
}

impl Declaration {
    fn parse(row: DeclarationRow) -> Result<Self, ApiError> {
        let declaration = from_json(&row.body, "household declaration")?;
        Ok(Self { row, declaration })
    }
}

/// A new declaration and the contradiction prompts it raised.
pub struct DeclarationRecorded {
    pub declaration: Declaration,
    pub prompts_raised: Vec<PromptRow>,
}

fn household_event(
    w: &mut Work,
    person: &PersonRow,
    make: impl FnOnce(HouseholdRecord) -> DomainEvent,
    id: &str,
    what: &str,
) {
    let crn = &person.crn;
    w.emit(Event {
        payload: make(HouseholdRecord { id: id.to_string() }),
        description: format!("{what} for {crn}"),
        detail_path: format!("/api/v1/people/{crn}/household-members"),
        crn: Some(crn.clone()),
        org: person.managing_org.clone(),
        provider_org: None,
    });
}

/// Adds a member to the household of a person the caller manages (`member` was validated).
pub fn add_member(w: &mut Work, crn: &Crn, member: HouseholdMember) -> Result<Member, ApiError> {
    let person = access::person(w, crn)?;
    let now = w.now.naive_utc();
    let row = MemberRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: person.crn.clone(),
        body: to_json(&member)?,
        created_at: now,
        created_by: w.me.sub().to_string(),
        updated_at: now,
        updated_by: w.me.sub().to_string(),
    };
    rows::insert_member(w.conn, &row)?;
    case_rules::after_member_change(w, &person, &row.id, None, &member)?;
    household_event(
        w,
        &person,
        DomainEvent::HouseholdMemberAdded,
        &row.id,
        "Household member added",
    );
    Ok(Member { row, member })
}

/// Changes a member: `expect` is checked against the current record, then `edit` turns the
/// stored document into the new member (e.g. by applying a merge patch), which must be valid.
pub fn update_member(
    w: &mut Work,
    crn: &Crn,
    id: &uuid::Uuid,
    expect: Expect<MemberRow>,
    edit: impl FnOnce(serde_json::Value) -> Result<HouseholdMember, ApiError>,
) -> Result<Member, ApiError> {
    let person = access::person(w, crn)?;
    let row = rows::member(w.conn, &person.crn, &id.to_string())?
        .ok_or_else(|| ApiError::not_found("household member"))?;
    expect(w, &row)?;
    let before: HouseholdMember = from_json(&row.body, "household member")?;
    let stored: serde_json::Value = serde_json::from_str(&row.body)
        .map_err(|e| ApiError::internal_from("stored member is corrupt", e))?;
    let member = edit(stored)?;
    member.validate(london_date(w.now)).into_result()?;
    let row = MemberRow {
        body: to_json(&member)?,
        updated_at: w.now.naive_utc(),
        updated_by: w.me.sub().to_string(),
        ..row
    };
    rows::update_member(w.conn, &row.id, &row.body, row.updated_at, &row.updated_by)?;
    case_rules::after_member_change(w, &person, &row.id, Some(&before), &member)?;
    household_event(
        w,
        &person,
        DomainEvent::HouseholdMemberUpdated,
        &row.id,
        "Household member updated",
    );
    Ok(Member { row, member })
}

/// Up to `limit` members in the order they were recorded, after the position `after`
/// (`(created_at, id)` of the last one seen).
pub fn members(
    w: &mut Work,
    crn: &Crn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Member>, ApiError> {
    let person = access::person(w, crn)?;
    rows::members_page(w.conn, &person.crn, after, limit)?
        .into_iter()
        .map(Member::parse)
        .collect()
}

/// Records what the person declared (`declaration` was validated) and raises the contradiction
/// prompt if they now deny children an agency already heard about.
pub fn record_declaration(
    w: &mut Work,
    crn: &Crn,
    declaration: HouseholdDeclaration,
) -> Result<DeclarationRecorded, ApiError> {
    let person = access::person(w, crn)?;
    let row = DeclarationRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: person.crn.clone(),
        declared_at: declaration.declared_at.naive_utc(),
        body: to_json(&declaration)?,
        recorded_at: w.now.naive_utc(),
        recorded_by: w.me.sub().to_string(),
    };
    rows::insert_declaration(w.conn, &row)?;
    let raised = check_declaration(w, &person.crn, &person.managing_org, &row.id, &declaration)?;
    household_event(
        w,
        &person,
        DomainEvent::HouseholdDeclarationRecorded,
        &row.id,
        "Household declaration recorded",
    );
    Ok(DeclarationRecorded {
        declaration: Declaration { row, declaration },
        prompts_raised: raised.new,
    })
}

/// Up to `limit` declarations in the order they were made, after the position `after`
/// (`(declared_at, id)` of the last one seen).
pub fn declarations(
    w: &mut Work,
    crn: &Crn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<Declaration>, ApiError> {
    let person = access::person(w, crn)?;
    rows::declarations_page(w.conn, &person.crn, after, limit)?
        .into_iter()
        .map(Declaration::parse)
        .collect()
}
