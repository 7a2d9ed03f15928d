//! Feeding the case rules (`rules::case`): what the case looks like now (its risk profile, its
//! pregnancies and partners, its police incidents), gathered when a household member, a risk
//! assessment, a disclosure or an absence is recorded, and the prompts raised from it.

use super::prompts::{self, Origin, Raised};
use super::{referrals, risk};
use crate::db::disclosures::{self as disclosure_rows, DisclosureRow};
use crate::db::from_json;
use crate::db::orders::{self, OrderRow};
use crate::db::people::{self, PersonRow};
use crate::db::referrals as referral_rows;
use crate::domain::disclosure::DisclosureType;
use crate::domain::household::{HouseholdDeclaration, HouseholdMember, Relationship};
use crate::domain::order::OrderStatus;
use crate::domain::prompt::TriggerKind;
use crate::domain::risk::RiskAssessment;
use crate::error::ApiError;
use crate::rules::case::{
    self as rules, Case, Incident, MemberChange, PartnerFacts, PregnancyFact, Profile,
    RelationshipFact,
};
use crate::rules::disclosure::CaseFacts;
use crate::rules::prompt::PromptSpec;
use crate::work::Work;
use chrono::NaiveDate;

/// What the case rules read about a person now.
pub struct Known {
    pub profile: Profile,
    /// The person's latest active order (it names the responsible officer).
    pub order: Option<OrderRow>,
    members: Vec<HouseholdMember>,
    disclosures: Vec<DisclosureRow>,
    declaration: Option<HouseholdDeclaration>,
}

impl Known {
    pub fn case<'a>(&'a self, crn: &'a str) -> Case<'a> {
        Case {
            crn,
            responsible_officer: self.order.as_ref().map(|o| o.responsible_officer.as_str()),
        }
    }
}

/// Reads the person's risk profile, household, disclosures and latest declaration.
pub fn known(w: &mut Work, crn: &str) -> Result<Known, ApiError> {
    let order = orders::for_person(w.conn, crn)?
        .into_iter()
        .filter(|o| o.status == OrderStatus::Active)
        .max_by_key(|o| o.start_date);
    let offences = order
        .as_ref()
        .map(referrals::offences)
        .transpose()?
        .unwrap_or_default();
    let assessment = risk::current(w.conn, crn)?.map(|(_, a)| a);
    let members = people::members(w.conn, crn)?
        .iter()
        .map(|m| from_json::<HouseholdMember>(&m.body, "household member"))
        .collect::<Result<Vec<_>, _>>()?;
    let disclosures = disclosure_rows::for_person(w.conn, crn)?;
    let declaration = people::declarations(w.conn, crn)?
        .last()
        .map(|d| from_json::<HouseholdDeclaration>(&d.body, "household declaration"))
        .transpose()?;
    let facts = CaseFacts {
        crn,
        risk: assessment.as_ref(),
        da_related_offence: offences.iter().any(|o| o.domestic_abuse_related),
        ..CaseFacts::default()
    };
    let children_or_pregnancy = members.iter().any(rules::child_in_contact)
        || disclosures.iter().any(|d| {
            matches!(
                d.disclosure_type,
                DisclosureType::Pregnancy
                    | DisclosureType::ChildrenInHousehold
                    | DisclosureType::ContactWithChildren
            )
        })
        || declaration.as_ref().is_some_and(|d| !d.denies_children());
    let profile = Profile {
        domestic_abuse: facts.domestic_abuse_concern(),
        child_risk: facts.child_concern(),
        highest_rosh: assessment.as_ref().map(|a| a.rosh().highest()),
        children_or_pregnancy,
    };
    Ok(Known {
        profile,
        order,
        members,
        disclosures,
        declaration,
    })
}

fn raise(
    w: &mut Work,
    person: (&str, &str),
    known: &Known,
    kind: TriggerKind,
    id: &str,
    specs: Vec<PromptSpec>,
) -> Result<Raised, ApiError> {
    let (crn, probation_org) = person;
    let origin = Origin {
        crn,
        probation_org,
        provider_org: None,
        order_id: known.order.as_ref().map(|o| o.id.as_str()),
        referral_id: None,
        kind,
        id,
    };
    prompts::raise(w, specs, &origin)
}

/// After a household member was added (`before` is `None`) or changed: the household rule, and
/// the partner-change rule when a partner or an unborn child was recorded.
pub fn after_member_change(
    w: &mut Work,
    person: &PersonRow,
    member_id: &str,
    before: Option<&HouseholdMember>,
    after: &HouseholdMember,
) -> Result<Raised, ApiError> {
    let known = known(w, &person.crn)?;
    let case = known.case(&person.crn);
    let change = MemberChange {
        member_id,
        before,
        after,
    };
    let mut specs = vec![rules::household_change(&case, &known.profile, &change)];
    if matches!(
        after.relationship,
        Relationship::Partner | Relationship::UnbornChild
    ) {
        specs.extend(partner_change(&known, &case)?);
    }
    raise(
        w,
        (&person.crn, &person.managing_org),
        &known,
        TriggerKind::HouseholdMember,
        member_id,
        specs,
    )
}

/// After a risk assessment was recorded: the officer's review and the manager's oversight when
/// it raised risk compared with `previous`.
pub fn after_risk_recorded(
    w: &mut Work,
    person: &PersonRow,
    assessment_id: &str,
    previous: Option<&RiskAssessment>,
    next: &RiskAssessment,
) -> Result<Raised, ApiError> {
    let known = known(w, &person.crn)?;
    let specs = rules::risk_increase(&known.case(&person.crn), assessment_id, previous, next);
    raise(
        w,
        (&person.crn, &person.managing_org),
        &known,
        TriggerKind::RiskAssessment,
        assessment_id,
        specs,
    )
}

/// After a disclosure was stored: a partner change in pregnancy (for a pregnancy or a new
/// relationship) and the pattern of police incidents (for an incident).
pub fn after_disclosure(
    w: &mut Work,
    disclosure: &DisclosureRow,
    origin: &Origin,
) -> Result<Raised, ApiError> {
    // Only these kinds have case-wide rules: the others load nothing (five statements saved).
    if !matches!(
        disclosure.disclosure_type,
        DisclosureType::Pregnancy
            | DisclosureType::NewRelationship
            | DisclosureType::DomesticAbuseIncident
    ) {
        return Ok(Raised::default());
    }
    let known = known(w, &disclosure.crn)?;
    let case = known.case(&disclosure.crn);
    let specs = match disclosure.disclosure_type {
        DisclosureType::Pregnancy | DisclosureType::NewRelationship => {
            partner_change(&known, &case)?
        }
        DisclosureType::DomesticAbuseIncident => {
            let incidents: Vec<Incident> = known
                .disclosures
                .iter()
                .filter(|d| d.disclosure_type == DisclosureType::DomesticAbuseIncident)
                .map(|d| Incident {
                    id: &d.id,
                    at: d.disclosed_at.and_utc(),
                    summary: &d.summary,
                })
                .collect();
            rules::domestic_incidents_pattern(&case, &incidents)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    };
    prompts::raise(w, specs, origin)
}

/// After probation recorded a pregnancy: each provider with a live referral for the person is
/// asked, through its safeguarding lead, to review staff safety and support.
pub fn after_probation_pregnancy(
    w: &mut Work,
    disclosure: &DisclosureRow,
) -> Result<Raised, ApiError> {
    let known = known(w, &disclosure.crn)?;
    let case = known.case(&disclosure.crn);
    let mut raised = Raised::default();
    for r in referral_rows::for_person(w.conn, &disclosure.crn)? {
        if !r.status.is_live() {
            continue;
        }
        let spec = rules::pregnancy_provider_review(
            &case,
            &r.provider_org,
            &r.id,
            &disclosure.id,
            &disclosure.summary,
        );
        let origin = Origin {
            crn: &r.crn,
            probation_org: &r.probation_org,
            provider_org: Some(&r.provider_org),
            order_id: Some(&r.order_id),
            referral_id: Some(&r.id),
            kind: TriggerKind::Disclosure,
            id: &disclosure.id,
        };
        let more = prompts::raise(w, vec![spec], &origin)?;
        raised.new.extend(more.new);
        raised.already_open.extend(more.already_open);
    }
    Ok(raised)
}

/// The officer's same-day prompt for an unexcused absence when risk is high, if it applies.
pub fn missed_session(
    w: &mut Work,
    crn: &str,
    appointment_id: &str,
    starts_at: chrono::DateTime<chrono::Utc>,
    provider_org: &str,
) -> Result<Option<PromptSpec>, ApiError> {
    let known = known(w, crn)?;
    Ok(rules::missed_session_high_risk(
        &known.case(crn),
        &known.profile,
        appointment_id,
        starts_at,
        provider_org,
    ))
}

/// A date in a free-form details object; anything else there is not a date we can use.
fn detail_date(details: &serde_json::Value, key: &str) -> Option<NaiveDate> {
    let text = details.get(key)?.as_str()?;
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn detail_text<'a>(details: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    details.get(key)?.as_str().filter(|s| !s.trim().is_empty())
}

/// The pregnancies and partners on record, and the rule over them.
fn partner_change(known: &Known, case: &Case) -> Result<Vec<PromptSpec>, ApiError> {
    let details: Vec<(&DisclosureRow, serde_json::Value)> = known
        .disclosures
        .iter()
        .filter(|d| {
            matches!(
                d.disclosure_type,
                DisclosureType::Pregnancy | DisclosureType::NewRelationship
            )
        })
        .map(|d| {
            let value = match d.details.as_deref() {
                Some(t) => from_json(t, "disclosure details")?,
                None => serde_json::Value::Null,
            };
            Ok((d, value))
        })
        .collect::<Result<_, ApiError>>()?;
    let mut facts = PartnerFacts {
        declared_partner: known
            .declaration
            .as_ref()
            .and_then(|d| d.partner.as_deref()),
        ..PartnerFacts::default()
    };
    for (d, value) in &details {
        let source = format!(
            "{} disclosure of {}",
            d.disclosure_type.as_str(),
            d.disclosed_at.format("%Y-%m-%d")
        );
        match d.disclosure_type {
            DisclosureType::Pregnancy => facts.pregnancies.push(PregnancyFact {
                expected_due_date: detail_date(value, "expectedDueDate"),
                partner: detail_text(value, "partnerName"),
                source,
            }),
            _ => facts.relationships.push(RelationshipFact {
                partner: detail_text(value, "partnerName"),
                started_on: detail_date(value, "relationshipStartedOn"),
                source,
            }),
        }
    }
    for m in &known.members {
        match m.relationship {
            Relationship::UnbornChild => facts.pregnancies.push(PregnancyFact {
                expected_due_date: m.expected_due_date,
                partner: None,
                source: format!("unborn child {} on the household record", m.name.trim()),
            }),
            Relationship::Partner => facts.relationships.push(RelationshipFact {
                partner: Some(&m.name),
                started_on: m.relationship_started_on,
                source: format!("partner {} on the household record", m.name.trim()),
            }),
            _ => {}
        }
    }
    Ok(rules::pregnancy_partner_change(
        case,
        &known.profile,
        &facts,
    ))
}
