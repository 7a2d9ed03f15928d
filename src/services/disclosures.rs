//! Disclosures: recording one (a provider on its referral, probation about a person), gathering
//! the facts the rules need, storing it and raising its prompts; listing a person's disclosures
//! a page at a time; and checking a new household declaration against what was disclosed.

use super::prompts::{self, Origin, Raised};
use super::{access, case_rules, referrals, risk};
use crate::db::disclosures::{self as rows, DisclosureRow};
use crate::db::orders::{self, OrderRow};
use crate::db::people;
use crate::db::prompts::{self as prompt_rows, PromptRow};
use crate::db::referrals::ReferralRow;
use crate::db::{from_json, to_json};
use crate::domain::disclosure::{predates, DisclosureType, NewDisclosure, PregnancyDetails};
use crate::domain::events::{DisclosureRecorded, DomainEvent};
use crate::domain::household::HouseholdDeclaration;
use crate::domain::ids::ReferralId;
use crate::domain::order::OrderStatus;
use crate::domain::prompt::TriggerKind;
use crate::domain::Crn;
use crate::error::ApiError;
use crate::rules::disclosure::{
    contradiction_on_declaration, evaluate, CaseFacts, DeclarationFacts, DisclosureFacts,
    EarlierDisclosure,
};
use crate::work::{Event, Principal, Work};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// A disclosure with the ids of the prompts it raised.
pub struct DisclosureRecord {
    pub row: DisclosureRow,
    pub prompt_ids: Vec<String>,
}

/// What recording a disclosure did, as the caller may see it.
pub struct Recorded {
    /// The disclosure, listing the new prompts visible to the caller.
    pub disclosure: DisclosureRecord,
    /// The prompts raised now that the caller may see (a provider sees those addressed to it).
    pub raised: Vec<PromptRow>,
    /// How many prompts were raised in all, including those addressed to others.
    pub raised_count: usize,
    /// Ids of prompts, visible to the caller, that already covered the same facts.
    pub already_open: Vec<String>,
    /// Every prompt that already covered the same facts (shown to the caller without notes).
    pub covering: Vec<PromptRow>,
}

impl Recorded {
    fn seen_by(row: DisclosureRow, raised: Raised, me: &Principal) -> Self {
        let raised_count = raised.new.len();
        let visible: Vec<PromptRow> = raised
            .new
            .into_iter()
            .filter(|p| access::prompt_visible_to(p, me))
            .collect();
        Recorded {
            disclosure: DisclosureRecord {
                row,
                prompt_ids: visible.iter().map(|p| p.id.clone()).collect(),
            },
            raised: visible,
            raised_count,
            already_open: raised
                .already_open
                .iter()
                .filter(|p| access::prompt_visible_to(p, me))
                .map(|p| p.id.clone())
                .collect(),
            covering: raised.already_open,
        }
    }
}

/// A provider reports a disclosure on a referral sent to it, accepted and not ended.
pub fn record_on_referral(
    w: &mut Work,
    referral_id: ReferralId,
    body: NewDisclosure,
) -> Result<Recorded, ApiError> {
    let referral = access::referral(w, referral_id)?;
    if !w.me.is_provider() {
        return Err(ApiError::not_found("referral"));
    }
    let status = referral.status;
    if !status.is_active() {
        return Err(ApiError::invalid_state(
            "disclosures are reported on an accepted referral that has not ended",
            status.as_str(),
        ));
    }
    let pregnancy = body
        .validate(w.now)
        .map_err(|e| ApiError::Validation(e.into_vec()))?;
    let (crn, probation_org) = (referral.crn.clone(), referral.probation_org.clone());
    let (row, raised) = record(w, &crn, &probation_org, Some(&referral), body, pregnancy)?;
    Ok(Recorded::seen_by(row, raised, w.me))
}

/// Probation records a disclosure about a person it manages (`body` already validated, giving
/// `pregnancy`).
pub fn record_for_person(
    w: &mut Work,
    crn: &Crn,
    body: NewDisclosure,
    pregnancy: Option<PregnancyDetails>,
) -> Result<Recorded, ApiError> {
    let person = access::person(w, crn)?;
    let (row, raised) = record(w, &person.crn, &person.managing_org, None, body, pregnancy)?;
    Ok(Recorded::seen_by(row, raised, w.me))
}

/// A page of a person's disclosures in the order they were made, after the cursor
/// `(disclosed_at, id)`: up to `limit + 1` records, the extra one only saying that more exist.
/// The prompts of the whole page are loaded with one query.
pub fn page(
    w: &mut Work,
    crn: &Crn,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<DisclosureRecord>, ApiError> {
    let person = access::person(w, crn)?;
    let page = rows::page_for_person(w.conn, &person.crn, after, limit + 1)?;
    let ids: Vec<&str> = page.iter().map(|d| d.id.as_str()).collect();
    let mut raised: HashMap<String, Vec<String>> = HashMap::new();
    for prompt in prompt_rows::triggered_by_any(w.conn, &ids)? {
        raised
            .entry(prompt.triggered_by_id)
            .or_default()
            .push(prompt.id);
    }
    Ok(page
        .into_iter()
        .map(|row| DisclosureRecord {
            prompt_ids: raised.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The order a probation-side disclosure belongs to: the person's latest active order, if any.
fn current_order(w: &mut Work, crn: &str) -> Result<Option<OrderRow>, ApiError> {
    Ok(orders::for_person(w.conn, crn)?
        .into_iter()
        .filter(|o| o.status == OrderStatus::Active)
        .max_by_key(|o| o.start_date))
}

/// Records a disclosure about `crn` (through `referral` when a provider reports it) and raises
/// the prompts the rules give. If every prompt was already open, the reason is recorded on the
/// disclosure, so no disclosure is ever left without a prompt or a reason.
fn record(
    w: &mut Work,
    crn: &str,
    probation_org: &str,
    referral: Option<&ReferralRow>,
    body: NewDisclosure,
    pregnancy: Option<PregnancyDetails>,
) -> Result<(DisclosureRow, Raised), ApiError> {
    if let Some(original) = body.corrects {
        rows::find_for_person(w.conn, crn, &original.to_string())?
            .filter(|d| d.recorded_by_org == w.me.org())
            .ok_or_else(|| {
                ApiError::field(
                    "corrects",
                    "unknown",
                    "no earlier disclosure about this person has that id",
                )
            })?;
    }
    let order = match referral {
        Some(r) => Some(orders::get(w.conn, &r.order_id)?),
        None => current_order(w, crn)?,
    };
    let offences = order
        .as_ref()
        .map(referrals::offences)
        .transpose()?
        .unwrap_or_default();
    let current_risk = risk::current(w.conn, crn)?.map(|(_, a)| a);
    let declarations = people::declarations(w.conn, crn)?;
    let latest_declaration = declarations
        .iter()
        .rev()
        .find(|d| d.declared_at <= body.disclosed_at.naive_utc());
    let parsed_declaration: Option<HouseholdDeclaration> = latest_declaration
        .map(|d| from_json(&d.body, "household declaration"))
        .transpose()?;

    let provider_org = referral.map(|r| r.provider_org.clone());
    let reported_by = match &provider_org {
        Some(org) => format!("{org} worker {}", w.me.caller.display_name()),
        None => format!("{} officer {}", w.me.org(), w.me.caller.display_name()),
    };
    let partner_name = pregnancy
        .as_ref()
        .and_then(|p| p.partner_name.clone())
        .or_else(|| {
            body.details
                .as_ref()
                .and_then(|d| d.get("partnerName"))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
    let row = DisclosureRow {
        id: uuid::Uuid::now_v7().to_string(),
        crn: crn.to_string(),
        probation_org: probation_org.to_string(),
        referral_id: referral.map(|r| r.id.clone()),
        order_id: order.as_ref().map(|o| o.id.clone()),
        provider_org: provider_org.clone(),
        disclosure_type: body.disclosure_type,
        disclosed_at: body.disclosed_at.naive_utc(),
        disclosed_by: body.disclosed_by,
        summary: body.summary.trim().to_string(),
        details: body.details.as_ref().map(to_json).transpose()?,
        immediate_action_taken: body.immediate_action_taken.clone(),
        corrects: body.corrects.map(|c| c.to_string()),
        no_prompt_reason: None,
        recorded_at: w.now.naive_utc(),
        recorded_by: w.me.caller.sub.clone(),
        recorded_by_org: w.me.org().to_string(),
        predates_referral: predates(
            body.disclosed_at,
            referral.and_then(|r| r.sent_at).map(|t| t.and_utc()),
        ),
    };
    rows::insert(w.conn, &row)?;

    let specs = {
        let facts = DisclosureFacts {
            id: &row.id,
            kind: body.disclosure_type,
            disclosed_at: body.disclosed_at,
            summary: &row.summary,
            pregnancy: pregnancy.as_ref(),
            partner_name: partner_name.as_deref(),
            provider_org: provider_org.as_deref(),
            reported_by: &reported_by,
        };
        let case = CaseFacts {
            crn,
            risk: current_risk.as_ref(),
            da_related_offence: offences.iter().any(|o| o.domestic_abuse_related),
            latest_declaration: match (latest_declaration, &parsed_declaration) {
                (Some(row), Some(decl)) => Some(DeclarationFacts {
                    id: &row.id,
                    declared_at: decl.declared_at,
                    statement: &decl.statement,
                    recorded_by: &row.recorded_by,
                    denies_children: decl.denies_children(),
                }),
                _ => None,
            },
            responsible_officer: order.as_ref().map(|o| o.responsible_officer.as_str()),
        };
        evaluate(&facts, &case)
    };
    let origin = Origin {
        crn,
        probation_org,
        provider_org: provider_org.as_deref(),
        order_id: order.as_ref().map(|o| o.id.as_str()),
        referral_id: referral.map(|r| r.id.as_str()),
        kind: TriggerKind::Disclosure,
        id: &row.id,
    };
    let mut raised = prompts::raise(w, specs, &origin)?;
    let mut case_wide = case_rules::after_disclosure(w, &row, &origin)?;
    if referral.is_none() && row.disclosure_type == DisclosureType::Pregnancy {
        let providers = case_rules::after_probation_pregnancy(w, &row)?;
        case_wide.new.extend(providers.new);
        case_wide.already_open.extend(providers.already_open);
    }
    raised.new.extend(case_wide.new);
    raised.already_open.extend(case_wide.already_open);
    let mut row = row;
    if raised.new.is_empty() {
        let reason = format!(
            "No new prompt: the same facts are already covered by {} prompt(s) raised within the last {} days",
            raised.already_open.len(),
            w.rules.dedup_window_days
        );
        rows::set_no_prompt_reason(w.conn, &row.id, &reason)?;
        row.no_prompt_reason = Some(reason);
    }
    w.emit(Event {
        payload: DomainEvent::DisclosureRecorded(DisclosureRecorded {
            disclosure_id: row.id.clone(),
            disclosure_type: row.disclosure_type,
            referral_id: row.referral_id.clone(),
            prompts_raised: raised.new.len(),
        }),
        description: format!("{} disclosure recorded", row.disclosure_type.as_str()),
        detail_path: format!("/api/v1/people/{crn}/disclosures"),
        crn: Some(crn.to_string()),
        org: probation_org.to_string(),
        provider_org,
    });
    Ok((row, raised))
}

/// After a new declaration: raises the contradiction prompt if the person now denies children an
/// agency already heard about.
pub fn check_declaration(
    w: &mut Work,
    crn: &str,
    probation_org: &str,
    declaration_id: &str,
    declaration: &HouseholdDeclaration,
) -> Result<Raised, ApiError> {
    let earlier_rows = rows::for_person(w.conn, crn)?;
    let labels: Vec<String> = earlier_rows
        .iter()
        .map(|d| match &d.provider_org {
            Some(org) => format!("{org} worker {}", d.recorded_by),
            None => format!("{} officer {}", d.recorded_by_org, d.recorded_by),
        })
        .collect();
    let earlier: Vec<EarlierDisclosure> = earlier_rows
        .iter()
        .zip(&labels)
        .map(|(d, label)| EarlierDisclosure {
            id: &d.id,
            kind: d.disclosure_type,
            disclosed_at: d.disclosed_at.and_utc(),
            summary: &d.summary,
            reported_by: label,
        })
        .collect();
    let order = current_order(w, crn)?;
    let facts = DeclarationFacts {
        id: declaration_id,
        declared_at: declaration.declared_at,
        statement: &declaration.statement,
        recorded_by: &w.me.caller.sub,
        denies_children: declaration.denies_children(),
    };
    let spec = contradiction_on_declaration(
        crn,
        order.as_ref().map(|o| o.responsible_officer.as_str()),
        &facts,
        &earlier,
    );
    let origin = Origin {
        crn,
        probation_org,
        provider_org: None,
        order_id: order.as_ref().map(|o| o.id.as_str()),
        referral_id: None,
        kind: TriggerKind::Declaration,
        id: declaration_id,
    };
    prompts::raise(w, spec.into_iter().collect(), &origin)
}
