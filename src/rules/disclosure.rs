//! Safeguarding rules for disclosures: facts in, prompt specifications out. No I/O.
//!
//! Every disclosure yields at least one prompt: what a provider reports is never dropped. The
//! rules encode `shared/docs/DOMAIN.md` ("Rules worth encoding"); each prompt says which facts
//! fired it and which guidance applies. Deadlines here are defaults; configuration may override
//! them per rule id (see [`super::prompt::deadline_for`]).

use super::prompt::*;
use super::working_days::DeadlinePolicy;
use crate::domain::disclosure::{DisclosureType, PregnancyDetails, WhoIsPregnant};
use crate::domain::risk::{RiskAssessment, RiskFlag, RoshLevel};
use chrono::{DateTime, Utc};

/// The disclosure that was just recorded.
#[derive(Debug, Clone)]
pub struct DisclosureFacts<'a> {
    pub id: &'a str,
    pub kind: DisclosureType,
    pub disclosed_at: DateTime<Utc>,
    pub summary: &'a str,
    pub pregnancy: Option<&'a PregnancyDetails>,
    /// A partner named in the disclosure (pregnancy or new relationship).
    pub partner_name: Option<&'a str>,
    /// The provider organisation that reported it; `None` when probation recorded it.
    pub provider_org: Option<&'a str>,
    /// Who recorded it, for rationales ("MIND-CAMBS worker akhan").
    pub reported_by: &'a str,
}

/// What the person told the officer about their household.
#[derive(Debug, Clone)]
pub struct DeclarationFacts<'a> {
    pub id: &'a str,
    pub declared_at: DateTime<Utc>,
    pub statement: &'a str,
    pub recorded_by: &'a str,
    pub denies_children: bool,
}

/// What is known about the case when the disclosure arrives.
#[derive(Debug, Clone, Default)]
pub struct CaseFacts<'a> {
    pub crn: &'a str,
    pub risk: Option<&'a RiskAssessment>,
    /// An offence on the order is domestic-abuse related.
    pub da_related_offence: bool,
    /// The person's latest declaration made before the disclosure.
    pub latest_declaration: Option<DeclarationFacts<'a>>,
    /// The responsible officer's subject id, where an order names one.
    pub responsible_officer: Option<&'a str>,
}

impl CaseFacts<'_> {
    fn has(&self, flag: RiskFlag) -> bool {
        self.risk.is_some_and(|r| r.has(flag))
    }

    fn marac_case(&self) -> bool {
        self.has(RiskFlag::Marac) || self.risk.is_some_and(|r| r.marac_count > 0)
    }

    fn rosh_children(&self) -> Option<RoshLevel> {
        self.risk.map(|r| r.rosh_children)
    }

    fn rosh_known_adult(&self) -> Option<RoshLevel> {
        self.risk.map(|r| r.rosh_known_adult)
    }

    /// Domestic abuse or risk to children/partners: the profile for which a pregnancy or a new
    /// partner is a pivotal change of circumstances.
    pub fn domestic_abuse_concern(&self) -> bool {
        self.has(RiskFlag::DomesticAbusePerpetrator)
            || self.has(RiskFlag::DomesticAbuseHistory)
            || self.marac_case()
            || self.da_related_offence
            || self.rosh_children() >= Some(RoshLevel::Medium)
            || self.rosh_known_adult() >= Some(RoshLevel::Medium)
    }

    pub fn child_concern(&self) -> bool {
        self.rosh_children() >= Some(RoshLevel::Medium)
            || self.has(RiskFlag::ChildConcerns)
            || self.has(RiskFlag::ChildProtection)
            || self.has(RiskFlag::RiskToChildren)
    }

    /// The risk facts that fired a rule, in words.
    fn profile(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.risk {
            if !r.flags.is_empty() {
                let flags: Vec<String> = r
                    .flags
                    .iter()
                    .map(|f| {
                        serde_json::to_value(f)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    })
                    .collect();
                parts.push(format!("flags {}", flags.join(", ")));
            }
            if r.marac_count > 0 {
                parts.push(format!("{} MARAC discussion(s)", r.marac_count));
            }
            parts.push(format!(
                "RoSH to children {}, known adult {}",
                r.rosh_children.as_str(),
                r.rosh_known_adult.as_str()
            ));
        } else {
            parts.push("no risk assessment recorded".into());
        }
        if self.da_related_offence {
            parts.push("a domestic-abuse related offence on the order".into());
        }
        parts.join("; ")
    }
}

struct Builder<'a, 'b> {
    d: &'b DisclosureFacts<'a>,
    c: &'b CaseFacts<'a>,
    out: Vec<PromptSpec>,
}

impl Builder<'_, '_> {
    /// What was disclosed, by whom, when.
    fn said(&self) -> String {
        format!(
            "{} recorded on {} a {} disclosure: \"{}\"",
            self.d.reported_by,
            self.d.disclosed_at.format("%Y-%m-%d"),
            self.d.kind.as_str(),
            self.d.summary.trim()
        )
    }

    /// The facts' identity: repeats of the same pregnancy or partner are the same facts.
    fn fact_key(&self) -> String {
        let pregnancy = self.d.pregnancy.map(|p| {
            format!(
                "{:?}:{}",
                p.who_is_pregnant,
                p.expected_due_date
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            )
        });
        match (self.d.kind, pregnancy, self.d.partner_name) {
            (DisclosureType::Pregnancy, Some(p), _) => format!("pregnancy:{p}"),
            (DisclosureType::NewRelationship, _, Some(name)) => {
                format!("partner:{}", name.trim().to_lowercase())
            }
            _ => format!("disclosure:{}", self.d.id),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        role: AssigneeRole,
        title: &str,
        action: &str,
        deadline: DeadlinePolicy,
        mandatory: bool,
        why: String,
        guidance: &[Guidance],
    ) {
        let assignee = match role {
            AssigneeRole::ResponsibleOfficer => self.c.responsible_officer.map(str::to_string),
            _ => None,
        };
        self.out.push(PromptSpec {
            rule,
            title: title.to_string(),
            action: action.to_string(),
            assignee_role: role,
            assignee,
            deadline,
            mandatory,
            rationale: format!("{}. {why}", self.said()),
            guidance: guidance.to_vec(),
            dedup_key: format!("{}|{}|{}", rule, self.c.crn, self.fact_key()),
        });
    }

    fn ro(
        &mut self,
        rule: &'static str,
        title: &str,
        action: &str,
        deadline: DeadlinePolicy,
        mandatory: bool,
        why: String,
        guidance: &[Guidance],
    ) {
        self.push(
            rule,
            AssigneeRole::ResponsibleOfficer,
            title,
            action,
            deadline,
            mandatory,
            why,
            guidance,
        );
    }

    /// A prompt for the reporting provider's safeguarding lead (only when a provider reported it).
    fn provider_lead(
        &mut self,
        rule: &'static str,
        title: &str,
        action: &str,
        deadline: DeadlinePolicy,
        mandatory: bool,
        why: String,
        guidance: &[Guidance],
    ) {
        if self.d.provider_org.is_some() {
            self.push(
                rule,
                AssigneeRole::ProviderSafeguardingLead,
                title,
                action,
                deadline,
                mandatory,
                why,
                guidance,
            );
        }
    }
}

const ONE_DAY: DeadlinePolicy = DeadlinePolicy::WorkingDays(1);
const TWO_DAYS: DeadlinePolicy = DeadlinePolicy::WorkingDays(2);
const FIVE_DAYS: DeadlinePolicy = DeadlinePolicy::WorkingDays(5);
const TODAY: DeadlinePolicy = DeadlinePolicy::SameWorkingDay;

/// Evaluates every rule for a disclosure. Never returns an empty list.
pub fn evaluate(d: &DisclosureFacts, c: &CaseFacts) -> Vec<PromptSpec> {
    let mut b = Builder {
        d,
        c,
        out: Vec::new(),
    };
    use DisclosureType::*;
    match d.kind {
        Pregnancy | NewRelationship if c.domestic_abuse_concern() => {
            change_of_circumstances(&mut b)
        }
        HarmToChild => harm_to_child(&mut b),
        ChildrenInHousehold | ContactWithChildren
            if c.child_concern() || c.domestic_abuse_concern() =>
        {
            let why = format!(
                "Children are in the person's life and the case has {}.",
                c.profile()
            );
            b.ro("children-safeguarding-referral", "Consider a referral to children's social care",
                "Establish who the children are, their ages and where they live; consider a referral to children's social care (MASH) and share the risk information.",
                ONE_DAY, false, why, &[WORKING_TOGETHER, INFO_SHARING]);
        }
        ChangeOfAddress => {
            b.ro("change-of-address-permission", "Check permission to move and who lives there",
                "The person needs permission to change residence: check it was sought, and re-check who lives at the new address (partners, children).",
                TWO_DAYS, false, "A change of address affects who the person lives with and where supervision happens.".into(), &[RESIDENCE, CASE_REVIEW]);
        }
        DomesticAbuseIncident => {
            b.ro("domestic-abuse-incident-review", "Review risk after a domestic abuse incident",
                "Review the risk of serious harm today: establish who was harmed, whether children were present, inform the police domestic abuse unit and consider a MARAC referral.",
                TODAY, true, format!("A domestic abuse incident was disclosed; the case has {}.", c.profile()), &[MARAC, INFO_SHARING]);
        }
        SelfHarm | SuicidalIdeation => {
            b.provider_lead("risk-to-self-provider-action", "Follow your risk-to-self procedure now",
                "Make sure the person is safe now: follow your organisation's self-harm and suicide procedure and tell the responsible officer what was done.",
                TODAY, true, "Self-harm or suicidal thoughts were disclosed to your worker.".into(), &[RISK_TO_SELF]);
            b.ro("risk-to-self-review", "Review risk to self",
                "Review the person's risk to self (suicide and self-harm) and the plan to manage it; consider health referrals.",
                ONE_DAY, true, "Self-harm or suicidal thoughts were disclosed.".into(), &[RISK_TO_SELF]);
        }
        SubstanceMisuse | NewOffence | MentalHealthDeterioration => {
            let (rule, title) = match d.kind {
                SubstanceMisuse => (
                    "substance-misuse-risk-review",
                    "Review risk after a substance misuse relapse",
                ),
                NewOffence => (
                    "new-offence-risk-review",
                    "Review risk after a new offence or arrest",
                ),
                _ => (
                    "mental-health-risk-review",
                    "Review risk after a deterioration in mental health",
                ),
            };
            b.ro(rule, title,
                "Review the risk of serious harm: this is a change in circumstances that can raise it. Consider police liaison and enforcement where relevant.",
                TWO_DAYS, false, format!("The case has {}.", c.profile()), &[INFO_SHARING]);
        }
        Weapon => {
            b.ro(
                "weapon-risk-review",
                "Review risk: access to a weapon",
                "Review the risk of serious harm today and consider informing the police.",
                TODAY,
                true,
                format!(
                    "Access to a weapon was disclosed; the case has {}.",
                    c.profile()
                ),
                &[INFO_SHARING],
            );
        }
        _ => {}
    }
    contradiction(&mut b);
    if d.kind.changes_household() {
        b.ro("household-update", "Update the household record",
            "Update household composition (partners, children including unborn with expected dates, putative paternity, addresses) and record who reported each fact.",
            TWO_DAYS, false, "What providers report about the household must reach the household record.".into(), &[CASE_REVIEW]);
    }
    if b.out.is_empty() {
        b.ro("disclosure-consider", "Consider the disclosure",
            "Read the disclosure and decide whether it changes risk or the plan; record what you decided.",
            TWO_DAYS, false, "Nothing a provider reports is dropped: every disclosure is considered.".into(), &[CASE_REVIEW]);
    }
    b.out
}

/// Pregnancy or a new partner, for a person with domestic abuse history or risk to children or partners.
fn change_of_circumstances(b: &mut Builder) {
    let c = b.c;
    let pregnancy = b.d.kind == DisclosureType::Pregnancy;
    let partner_pregnant =
        b.d.pregnancy
            .is_none_or(|p| p.who_is_pregnant == WhoIsPregnant::Partner);
    let why = format!(
        "A {} is a change in circumstances for a person with {}.",
        if pregnancy {
            "pregnancy"
        } else {
            "new relationship"
        },
        c.profile()
    );
    if pregnancy {
        b.ro("pregnancy-da-mash-referral", "Refer to children's social care (MASH)",
            "Refer the unborn child to children's social care (MASH) now, sharing the offence, the risk of serious harm and the risk management plan.",
            ONE_DAY, true, why.clone(), &[WORKING_TOGETHER, PRE_BIRTH, INFO_SHARING, OMA_S14]);
        b.ro("pregnancy-da-pre-birth-protocol", "Consider the pre-birth protocol",
            "Consider a pre-birth assessment under the local protocol and agree with children's social care who leads it.",
            TWO_DAYS, false, why.clone(), &[PRE_BIRTH]);
    } else {
        b.ro("relationship-da-children-check", "Check for children in the new relationship",
            "Find out whether the new partner has children, is pregnant or lives with children; if so refer to children's social care (MASH).",
            ONE_DAY, true, why.clone(), &[WORKING_TOGETHER, INFO_SHARING]);
    }
    if partner_pregnant {
        b.ro("da-clares-law", "Consider a Clare's Law 'right to know' disclosure",
            "Consider asking the police to make a Domestic Violence Disclosure Scheme 'right to know' disclosure to the partner.",
            TWO_DAYS, false, why.clone(), &[DVDS]);
    }
    b.ro("da-change-risk-review", "Review the risk of serious harm",
        "Review the risk assessment: a pregnancy or a new partner is exactly the change in circumstances that raises a medium risk.",
        FIVE_DAYS, true, why.clone(), &[CASE_REVIEW]);
    if c.marac_case() {
        b.ro("da-marac-rereferral", "Re-refer to MARAC",
            "This is a MARAC case: make a repeat referral so partner agencies can plan for the partner and child.",
            TWO_DAYS, true, why.clone(), &[MARAC]);
    }
    b.provider_lead("provider-safeguarding-procedure", "Confirm your safeguarding procedure was followed",
        "Confirm your organisation's safeguarding procedure was followed for this disclosure and that your staff safety measures still fit.",
        ONE_DAY, false, why, &[WORKING_TOGETHER]);
}

fn harm_to_child(b: &mut Builder) {
    let why = "Harm to a child was disclosed: refer immediately, and to the police if the danger is immediate.".to_string();
    b.ro("harm-to-child-referral", "Refer to children's social care today",
        "Refer to children's social care (MASH) today; call the police if a child is in immediate danger.",
        TODAY, true, why.clone(), &[WORKING_TOGETHER, INFO_SHARING]);
    b.provider_lead("harm-to-child-provider-referral", "Refer to children's social care today",
        "Make sure your organisation has referred to children's social care today (or the police if danger is immediate) and tell the responsible officer.",
        TODAY, true, why.clone(), &[WORKING_TOGETHER]);
    b.push("harm-to-child-written-confirmation",
        if b.d.provider_org.is_some() { AssigneeRole::ProviderSafeguardingLead } else { AssigneeRole::ResponsibleOfficer },
        "Confirm the referral in writing within 24 hours",
        "Send written confirmation of the referral to children's social care within 24 hours, as local procedures require.",
        DeadlinePolicy::Hours(24), true, why, &[WORKING_TOGETHER]);
}

/// A disclosure implying children when the person's latest declaration to the officer said none.
fn contradiction(b: &mut Builder) {
    let Some(decl) = b.c.latest_declaration.as_ref() else {
        return;
    };
    if !(b.d.kind.implies_children()
        && decl.denies_children
        && decl.declared_at <= b.d.disclosed_at)
    {
        return;
    }
    let why = format!(
        "On {} the person told the officer \"{}\" (recorded by {}, declaration {}). On {} {} recorded: \"{}\". The two accounts conflict; the contradiction is itself evidence of risk.",
        decl.declared_at.format("%Y-%m-%d"),
        decl.statement.trim(),
        decl.recorded_by,
        decl.id,
        b.d.disclosed_at.format("%Y-%m-%d"),
        b.d.reported_by,
        b.d.summary.trim(),
    );
    let rule = "contradiction-reconcile";
    b.out.push(PromptSpec {
        rule,
        title: "Reconcile conflicting accounts".into(),
        action: "Put both accounts to the person, verify with the other agency, and correct the household record; treat the contradiction as evidence of risk.".into(),
        assignee_role: AssigneeRole::ResponsibleOfficer,
        assignee: b.c.responsible_officer.map(str::to_string),
        deadline: ONE_DAY,
        mandatory: true,
        rationale: why,
        guidance: vec![CASE_REVIEW, INFO_SHARING],
        dedup_key: format!("{rule}|{}|{}|{}", b.c.crn, decl.id, b.d.kind.as_str()),
    });
}

#[cfg(test)]
#[path = "disclosure_tests.rs"]
mod tests;
