//! Recording a disclosure: gather the facts the rules need, store it, raise its prompts.

use super::prompts::{self, Origin, Raised};
use super::{referrals, risk};
use crate::db::disclosures::{self as rows, DisclosureRow};
use crate::db::orders::{self, OrderRow};
use crate::db::people;
use crate::db::referrals::ReferralRow;
use crate::db::{from_json, to_json};
use crate::domain::disclosure::DisclosureType;
use crate::domain::disclosure::{NewDisclosure, PregnancyDetails};
use crate::domain::events::EventType;
use crate::domain::household::HouseholdDeclaration;
use crate::domain::order::OrderStatus;
use crate::error::ApiError;
use crate::rules::disclosure::{
    contradiction_on_declaration, evaluate, CaseFacts, DeclarationFacts, DisclosureFacts,
    EarlierDisclosure,
};
use crate::work::{Event, Work};

/// What was recorded and what it raised.
pub struct Recorded {
    pub row: DisclosureRow,
    pub raised: Raised,
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
pub fn record(
    w: &mut Work,
    crn: &str,
    probation_org: &str,
    referral: Option<&ReferralRow>,
    body: NewDisclosure,
    pregnancy: Option<PregnancyDetails>,
) -> Result<Recorded, ApiError> {
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
        disclosure_type: body.disclosure_type.as_str().to_string(),
        disclosed_at: body.disclosed_at.naive_utc(),
        disclosed_by: serde_json::to_value(body.disclosed_by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        summary: body.summary.trim().to_string(),
        details: body.details.as_ref().map(to_json).transpose()?,
        immediate_action_taken: body.immediate_action_taken.clone(),
        corrects: body.corrects.map(|c| c.to_string()),
        no_prompt_reason: None,
        recorded_at: w.now.naive_utc(),
        recorded_by: w.me.caller.sub.clone(),
        recorded_by_org: w.me.org().to_string(),
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
        kind: "DISCLOSURE",
        id: &row.id,
    };
    let raised = prompts::raise(w, specs, &origin)?;
    let mut row = row;
    if raised.new.is_empty() {
        let reason = format!(
            "No new prompt: the same facts are already covered by {} open prompt(s)",
            raised.already_open.len()
        );
        rows::set_no_prompt_reason(w.conn, &row.id, &reason)?;
        row.no_prompt_reason = Some(reason);
    }
    w.emit(Event {
        event_type: EventType::DisclosureRecorded,
        description: format!("{} disclosure recorded", row.disclosure_type),
        detail_path: format!("/api/v1/people/{crn}/disclosures"),
        additional_information: serde_json::json!({
            "disclosureId": row.id,
            "type": row.disclosure_type,
            "referralId": row.referral_id,
            "promptsRaised": raised.new.len(),
        }),
        crn: Some(crn.to_string()),
        org: probation_org.to_string(),
        provider_org,
    });
    Ok(Recorded { row, raised })
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
        .filter_map(|(d, label)| {
            Some(EarlierDisclosure {
                id: &d.id,
                kind: DisclosureType::parse(&d.disclosure_type)?,
                disclosed_at: d.disclosed_at.and_utc(),
                summary: &d.summary,
                reported_by: label,
            })
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
        kind: "DECLARATION",
        id: declaration_id,
    };
    prompts::raise(w, spec.into_iter().collect(), &origin)
}
