//! What a rule produces: a safeguarding prompt specification (who, what, by when, why), and the
//! deadline policy lookup with configured overrides.

use super::working_days::DeadlinePolicy;
use std::collections::BTreeMap;

pub use crate::domain::prompt::AssigneeRole;
pub use crate::domain::rule_id::RuleId;

/// A guidance document a prompt refers to.
pub type Guidance = &'static str;

pub const WORKING_TOGETHER: Guidance =
    "Working Together to Safeguard Children (2023): referral to children's social care when a child may be at risk";
pub const INFO_SHARING: Guidance =
    "DfE Information sharing advice for practitioners (2024): protecting a child takes priority over privacy";
pub const PRE_BIRTH: Guidance =
    "Local pre-birth protocol (e.g. London and Cambridgeshire & Peterborough): refer as soon as concerns are identified";
pub const DVDS: Guidance =
    "Domestic Violence Disclosure Scheme (Clare's Law) statutory guidance: right to know";
pub const MARAC: Guidance = "SafeLives MARAC guidance: repeat referral of a known case";
pub const CASE_REVIEW: Guidance =
    "Cambridgeshire & Peterborough CSPR 'Stephen' (2022), recommendations 1 and 2: household make-up and information for commissioned services";
pub const SCH10: Guidance =
    "Sentencing Act 2020 Sch. 10 paras 6-7: warning or breach for failure without reasonable excuse";
pub const SCH16: Guidance =
    "Sentencing Act 2020 Sch. 16 paras 4-6: warning or breach of a suspended sentence order's requirements";
pub const RESIDENCE: Guidance =
    "Sentencing Act 2020 s.302: permission is needed to change residence";
pub const RISK_TO_SELF: Guidance =
    "HMPPS Suicide and self-harm prevention guidance: risk-to-self review";
pub const OMA_S14: Guidance =
    "Offender Management Act 2007 s.14; DPA 2018 Sch. 1 para 18: lawful sharing to safeguard";

/// What a rule asks for. The service turns it into a stored prompt with a due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptSpec {
    /// Stable rule id, e.g. `pregnancy-da-mash-referral`; also the configuration key for its deadline.
    pub rule: RuleId,
    pub title: String,
    /// What to consider or do.
    pub action: String,
    pub assignee_role: AssigneeRole,
    /// A named person (the responsible officer's subject id) where known.
    pub assignee: Option<String>,
    pub deadline: DeadlinePolicy,
    /// A mandatory prompt can only be closed as NOT_REQUIRED by a manager.
    pub mandatory: bool,
    /// Why: which facts fired the rule.
    pub rationale: String,
    pub guidance: Vec<Guidance>,
    /// Identifies the facts: an open prompt with the same key is not raised twice.
    pub dedup_key: String,
}

/// Applies a configured override (working days) for the rule, if any. Keys are the rule id with
/// `-` replaced by `_`, e.g. `RARLINK_DEADLINE_PREGNANCY_DA_MASH_REFERRAL=2`.
pub fn deadline_for(
    rule: RuleId,
    default: DeadlinePolicy,
    overrides: &BTreeMap<String, u32>,
) -> DeadlinePolicy {
    match overrides.get(&rule.config_key()) {
        Some(0) => DeadlinePolicy::SameWorkingDay,
        Some(days) => DeadlinePolicy::WorkingDays(*days),
        None => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_override_replaces_the_default_deadline() {
        let mut overrides = BTreeMap::new();
        overrides.insert("pregnancy_da_mash_referral".to_string(), 3);
        overrides.insert("harm_to_child_referral".to_string(), 0);
        assert_eq!(
            deadline_for(
                RuleId::PregnancyDaMashReferral,
                DeadlinePolicy::WorkingDays(1),
                &overrides
            ),
            DeadlinePolicy::WorkingDays(3)
        );
        assert_eq!(
            deadline_for(
                RuleId::HarmToChildReferral,
                DeadlinePolicy::WorkingDays(1),
                &overrides
            ),
            DeadlinePolicy::SameWorkingDay
        );
        assert_eq!(
            deadline_for(
                RuleId::WeaponRiskReview,
                DeadlinePolicy::Hours(24),
                &overrides
            ),
            DeadlinePolicy::Hours(24)
        );
    }
}
