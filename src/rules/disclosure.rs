//! Safeguarding rules for disclosures: facts in, prompt specifications out. No I/O.
//!
//! Every disclosure yields at least one prompt: what a provider reports is never dropped. The
//! rules encode the practice described in `docs/domain.md`; each prompt says which facts
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

    /// A child-protection registration: earlier children on plans are a core pre-birth trigger.
    pub fn child_flags(&self) -> bool {
        self.has(RiskFlag::ChildProtection)
            || self.has(RiskFlag::ChildConcerns)
            || self.has(RiskFlag::RiskToChildren)
    }

    /// The profile for which a substance misuse relapse or a mental health deterioration is a
    /// risk matter: a DA or child concern, or RoSH `MEDIUM` or above in any group.
    pub fn risk_matters(&self) -> bool {
        self.domestic_abuse_concern()
            || self.child_concern()
            || self
                .risk
                .is_some_and(|r| r.rosh().highest() >= RoshLevel::Medium)
    }

    /// Risk to self is on record (the flag, or suicide or self-harm in the assessment).
    fn risk_to_self(&self) -> bool {
        self.has(RiskFlag::SuicideSelfHarm)
            || self
                .risk
                .is_some_and(|r| r.risk_to_self.suicide || r.risk_to_self.self_harm)
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
            (DisclosureType::Pregnancy, Some(p), partner) => format!(
                "pregnancy:{p}:{}",
                partner.map(|n| n.trim().to_lowercase()).unwrap_or_default()
            ),
            (DisclosureType::NewRelationship, _, Some(name)) => {
                format!("partner:{}", name.trim().to_lowercase())
            }
            _ => format!("disclosure:{}", self.d.id),
        }
    }

    fn push(&mut self, role: AssigneeRole, ask: Ask, why: String) {
        let assignee = match role {
            AssigneeRole::ResponsibleOfficer => self.c.responsible_officer.map(str::to_string),
            _ => None,
        };
        self.out.push(PromptSpec {
            rule: ask.rule,
            title: ask.title.to_string(),
            action: ask.action.to_string(),
            assignee_role: role,
            assignee,
            deadline: ask.deadline,
            mandatory: ask.mandatory,
            rationale: format!("{}. {why}", self.said()),
            guidance: ask.guidance.to_vec(),
            dedup_key: format!("{}|{}|{}", ask.rule, self.c.crn, self.fact_key()),
        });
    }

    /// A prompt for the responsible officer.
    fn ro(&mut self, ask: Ask, why: String) {
        self.push(AssigneeRole::ResponsibleOfficer, ask, why);
    }

    /// A prompt for the reporting provider's safeguarding lead (only when a provider reported it).
    fn provider_lead(&mut self, ask: Ask, why: String) {
        if self.d.provider_org.is_some() {
            self.push(AssigneeRole::ProviderSafeguardingLead, ask, why);
        }
    }
}

/// The fixed part of a prompt: what a rule asks, of whom it is decided by the caller.
struct Ask {
    rule: RuleId,
    title: &'static str,
    action: &'static str,
    deadline: DeadlinePolicy,
    mandatory: bool,
    guidance: &'static [Guidance],
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
            change_of_circumstances(&mut b, true)
        }
        Pregnancy if c.child_flags() => change_of_circumstances(&mut b, false),
        HarmToChild => harm_to_child(&mut b),
        ChildrenInHousehold | ContactWithChildren
            if c.child_concern() || c.domestic_abuse_concern() =>
        {
            let why = format!(
                "Children are in the person's life and the case has {}.",
                c.profile()
            );
            b.ro(
            Ask { rule: RuleId::ChildrenSafeguardingReferral, title: "Consider a referral to children's social care",
                action: "Establish who the children are, their ages and where they live; consider a referral to children's social care (MASH) and share the risk information.",
                deadline: ONE_DAY, mandatory: c.domestic_abuse_concern(), guidance: &[WORKING_TOGETHER, INFO_SHARING] },
            why,
        );
        }
        ChangeOfAddress => {
            b.ro(
            Ask { rule: RuleId::ChangeOfAddressPermission, title: "Check permission to move and who lives there",
                action: "The person needs permission to change residence: check it was sought, and re-check who lives at the new address (partners, children).",
                deadline: TWO_DAYS, mandatory: false, guidance: &[RESIDENCE, CASE_REVIEW] },
            "A change of address affects who the person lives with and where supervision happens.".into(),
        );
        }
        DomesticAbuseIncident => {
            b.ro(
            Ask { rule: RuleId::DomesticAbuseIncidentReview, title: "Review risk after a domestic abuse incident",
                action: "Review the risk of serious harm today: establish who was harmed, whether children were present, inform the police domestic abuse unit and consider a MARAC referral.",
                deadline: TODAY, mandatory: true, guidance: &[MARAC, INFO_SHARING] },
            format!("A domestic abuse incident was disclosed; the case has {}.", c.profile()),
        );
        }
        SelfHarm | SuicidalIdeation => {
            b.provider_lead(
            Ask { rule: RuleId::RiskToSelfProviderAction, title: "Follow your risk-to-self procedure now",
                action: "Make sure the person is safe now: follow your organisation's self-harm and suicide procedure and tell the responsible officer what was done.",
                deadline: TODAY, mandatory: true, guidance: &[RISK_TO_SELF] },
            "Self-harm or suicidal thoughts were disclosed to your worker.".into(),
        );
            b.ro(
            Ask { rule: RuleId::RiskToSelfReview, title: "Review risk to self",
                action: "Review the person's risk to self (suicide and self-harm) and the plan to manage it; consider health referrals.",
                deadline: ONE_DAY, mandatory: true, guidance: &[RISK_TO_SELF] },
            "Self-harm or suicidal thoughts were disclosed.".into(),
        );
        }
        SubstanceMisuse if !c.risk_matters() => {}
        MentalHealthDeterioration if !c.risk_matters() && !c.risk_to_self() => {}
        SubstanceMisuse | NewOffence | MentalHealthDeterioration => {
            let (rule, title) = match d.kind {
                SubstanceMisuse => (
                    RuleId::SubstanceMisuseRiskReview,
                    "Review risk after a substance misuse relapse",
                ),
                NewOffence => (
                    RuleId::NewOffenceRiskReview,
                    "Review risk after a new offence or arrest",
                ),
                _ => (
                    RuleId::MentalHealthRiskReview,
                    "Review risk after a deterioration in mental health",
                ),
            };
            b.ro(
                Ask { rule, title,
                    action: "Review the risk of serious harm: this is a change in circumstances that can raise it. Consider police liaison and enforcement where relevant.",
                    deadline: TWO_DAYS, mandatory: false, guidance: &[INFO_SHARING] },
                format!("The case has {}.", c.profile()),
            );
        }
        Weapon => {
            b.ro(
                Ask {
                    rule: RuleId::WeaponRiskReview,
                    title: "Review risk: access to a weapon",
                    action:
                        "Review the risk of serious harm today and consider informing the police.",
                    deadline: TODAY,
                    mandatory: true,
                    guidance: &[INFO_SHARING],
                },
                format!(
                    "Access to a weapon was disclosed; the case has {}.",
                    c.profile()
                ),
            );
        }
        _ => {}
    }
    contradiction(&mut b);
    if d.kind.changes_household() {
        b.ro(
            Ask { rule: RuleId::HouseholdUpdate, title: "Update the household record",
                action: "Update household composition (partners, children including unborn with expected dates, putative paternity, addresses) and record who reported each fact.",
                deadline: TWO_DAYS, mandatory: false, guidance: &[CASE_REVIEW] },
            "What providers report about the household must reach the household record.".into(),
        );
    }
    if b.out.is_empty() {
        b.ro(
            Ask { rule: RuleId::DisclosureConsider, title: "Consider the disclosure",
                action: "Read the disclosure and decide whether it changes risk or the plan; record what you decided.",
                deadline: TWO_DAYS, mandatory: false, guidance: &[CASE_REVIEW] },
            "Nothing a provider reports is dropped: every disclosure is considered.".into(),
        );
    }
    b.out
}

/// Pregnancy or a new partner, for a person with domestic abuse history or risk to children or
/// partners (`da`), or a pregnancy for a person with a child-protection registration (then only
/// the children's social care, pre-birth and provider rules).
fn change_of_circumstances(b: &mut Builder, da: bool) {
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
        b.ro(
            Ask { rule: RuleId::PregnancyDaMashReferral, title: "Refer to children's social care (MASH)",
                action: "Refer the unborn child to children's social care (MASH) now, sharing the offence, the risk of serious harm and the risk management plan.",
                deadline: ONE_DAY, mandatory: true, guidance: &[WORKING_TOGETHER, PRE_BIRTH, INFO_SHARING, OMA_S14] },
            why.clone(),
        );
        b.ro(
            Ask { rule: RuleId::PregnancyDaPreBirthProtocol, title: "Consider the pre-birth protocol",
                action: "Consider a pre-birth assessment under the local protocol and agree with children's social care who leads it.",
                deadline: TWO_DAYS, mandatory: false, guidance: &[PRE_BIRTH] },
            why.clone(),
        );
    } else {
        b.ro(
            Ask { rule: RuleId::RelationshipDaChildrenCheck, title: "Check for children in the new relationship",
                action: "Find out whether the new partner has children, is pregnant or lives with children; if so refer to children's social care (MASH).",
                deadline: ONE_DAY, mandatory: true, guidance: &[WORKING_TOGETHER, INFO_SHARING] },
            why.clone(),
        );
    }
    if !da {
        b.provider_lead(
            Ask { rule: RuleId::ProviderSafeguardingProcedure, title: "Confirm your safeguarding procedure was followed",
                action: "Confirm your organisation's safeguarding procedure was followed for this disclosure and that your staff safety measures still fit.",
                deadline: ONE_DAY, mandatory: false, guidance: &[WORKING_TOGETHER] },
            why,
        );
        return;
    }
    if partner_pregnant {
        b.ro(
            Ask { rule: RuleId::DaClaresLaw, title: "Consider a Clare's Law 'right to know' disclosure",
                action: "Consider asking the police to make a Domestic Violence Disclosure Scheme 'right to know' disclosure to the partner.",
                deadline: TWO_DAYS, mandatory: false, guidance: &[DVDS] },
            why.clone(),
        );
    }
    b.ro(
            Ask { rule: RuleId::DaChangeRiskReview, title: "Review the risk of serious harm",
                action: "Review the risk assessment: a pregnancy or a new partner is exactly the change in circumstances that raises a medium risk.",
                deadline: FIVE_DAYS, mandatory: true, guidance: &[CASE_REVIEW] },
            why.clone(),
        );
    if c.marac_case() {
        b.ro(
            Ask { rule: RuleId::DaMaracRereferral, title: "Consider a MARAC referral and tell the MARAC coordinator",
                action: "This is a MARAC case: consider a repeat referral and tell the MARAC coordinator, so partner agencies can plan for the partner and child. Mandatory when RoSH to a known adult is HIGH or above.",
                deadline: TWO_DAYS, mandatory: c.rosh_known_adult() >= Some(RoshLevel::High), guidance: &[MARAC] },
            why.clone(),
        );
    }
    b.provider_lead(
            Ask { rule: RuleId::ProviderSafeguardingProcedure, title: "Confirm your safeguarding procedure was followed",
                action: "Confirm your organisation's safeguarding procedure was followed for this disclosure and that your staff safety measures still fit.",
                deadline: ONE_DAY, mandatory: false, guidance: &[WORKING_TOGETHER] },
            why,
        );
}

fn harm_to_child(b: &mut Builder) {
    let why = "Harm to a child was disclosed: refer immediately, and to the police if the danger is immediate.".to_string();
    b.ro(
            Ask { rule: RuleId::HarmToChildReferral, title: "Refer to children's social care today",
                action: "Refer to children's social care (MASH) today; call the police if a child is in immediate danger.",
                deadline: TODAY, mandatory: true, guidance: &[WORKING_TOGETHER, INFO_SHARING] },
            why.clone(),
        );
    b.provider_lead(
            Ask { rule: RuleId::HarmToChildProviderReferral, title: "Refer to children's social care today",
                action: "Make sure your organisation has referred to children's social care today (or the police if danger is immediate) and tell the responsible officer.",
                deadline: TODAY, mandatory: true, guidance: &[WORKING_TOGETHER] },
            why.clone(),
        );
    let role = if b.d.provider_org.is_some() {
        AssigneeRole::ProviderSafeguardingLead
    } else {
        AssigneeRole::ResponsibleOfficer
    };
    b.push(
        role,
        Ask { rule: RuleId::HarmToChildWrittenConfirmation, title: "Confirm the referral in writing",
            action: "Send written confirmation of the referral to children's social care by the next working day (local procedures ask for it within 24 hours of the referral).",
            deadline: ONE_DAY, mandatory: true, guidance: &[WORKING_TOGETHER] },
        why,
    );
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
    let rule = RuleId::ContradictionReconcile;
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

/// A disclosure already on record, as seen when the person makes a new declaration.
#[derive(Debug, Clone)]
pub struct EarlierDisclosure<'a> {
    pub id: &'a str,
    pub kind: DisclosureType,
    pub disclosed_at: DateTime<Utc>,
    pub summary: &'a str,
    pub reported_by: &'a str,
}

/// The other direction of the contradiction rule: the person tells the officer "no children"
/// after an agency heard of a pregnancy or children. Names the latest such disclosure.
pub fn contradiction_on_declaration(
    crn: &str,
    officer: Option<&str>,
    decl: &DeclarationFacts,
    earlier: &[EarlierDisclosure],
) -> Option<PromptSpec> {
    if !decl.denies_children {
        return None;
    }
    let d = earlier
        .iter()
        .filter(|d| d.kind.implies_children() && d.disclosed_at <= decl.declared_at)
        .max_by_key(|d| d.disclosed_at)?;
    let rule = RuleId::ContradictionReconcile;
    Some(PromptSpec {
        rule,
        title: "Reconcile conflicting accounts".into(),
        action: "Put both accounts to the person, verify with the other agency, and correct the household record; treat the contradiction as evidence of risk.".into(),
        assignee_role: AssigneeRole::ResponsibleOfficer,
        assignee: officer.map(str::to_string),
        deadline: ONE_DAY,
        mandatory: true,
        rationale: format!(
            "On {} {} recorded a {} disclosure: \"{}\". On {} the person told the officer \"{}\" (recorded by {}). The two accounts conflict; the contradiction is itself evidence of risk.",
            d.disclosed_at.format("%Y-%m-%d"),
            d.reported_by,
            d.kind.as_str(),
            d.summary.trim(),
            decl.declared_at.format("%Y-%m-%d"),
            decl.statement.trim(),
            decl.recorded_by,
        ),
        guidance: vec![CASE_REVIEW, INFO_SHARING],
        dedup_key: format!("{rule}|{crn}|{}|{}", decl.id, d.kind.as_str()),
    })
}

#[cfg(test)]
#[path = "disclosure_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "disclosure_gates_tests.rs"]
mod gates_tests;
