//! Risk of serious harm (RoSH), risk flags and the risk assessment recorded by probation.

use super::validate::Errors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// RoSH level for one group, in increasing order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoshLevel {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl RoshLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::VeryHigh => "VERY_HIGH",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Low, Self::Medium, Self::High, Self::VeryHigh]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// nDelius-style registrations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskFlag {
    DomesticAbusePerpetrator,
    DomesticAbuseHistory,
    Marac,
    Mappa,
    ChildConcerns,
    ChildProtection,
    RiskToChildren,
    RiskToStaff,
    SuicideSelfHarm,
}

impl RiskFlag {
    /// Flags a provider needs in order to work safely with the person (all of them, today; kept
    /// as a function so the need-to-know rule lives in one place).
    pub fn relevant_to_provider_safety(self) -> bool {
        true
    }
}

/// RoSH to each of the four groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rosh {
    pub children: RoshLevel,
    pub public: RoshLevel,
    pub known_adult: RoshLevel,
    pub staff: RoshLevel,
}

impl Rosh {
    pub fn highest(&self) -> RoshLevel {
        *[self.children, self.public, self.known_adult, self.staff]
            .iter()
            .max()
            .expect("four levels")
    }

    /// True if any group's level is higher than in `before`.
    pub fn raised_since(&self, before: &Rosh) -> bool {
        self.children > before.children
            || self.public > before.public
            || self.known_adult > before.known_adult
            || self.staff > before.staff
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskToSelf {
    #[serde(default)]
    pub suicide: bool,
    #[serde(default)]
    pub self_harm: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mappa {
    /// 1 to 3.
    pub category: u8,
    /// 1 to 3.
    pub level: u8,
}

/// A risk assessment as recorded by the officer (request body of `PUT /people/{crn}/risk`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RiskAssessment {
    pub assessed_on: NaiveDate,
    pub rosh_children: RoshLevel,
    pub rosh_public: RoshLevel,
    pub rosh_known_adult: RoshLevel,
    pub rosh_staff: RoshLevel,
    #[schema(example = "Current and future female partners and their children")]
    pub who_is_at_risk: String,
    #[schema(example = "Physical and emotional abuse of intimate partners")]
    pub nature_of_risk: String,
    #[schema(example = "Not imminent; increases with a new relationship or alcohol misuse")]
    pub imminence: String,
    #[serde(default)]
    pub increasing_factors: Vec<String>,
    #[serde(default)]
    pub reducing_factors: Vec<String>,
    #[serde(default)]
    pub risk_to_self: RiskToSelf,
    #[serde(default)]
    pub flags: Vec<RiskFlag>,
    #[serde(default)]
    pub mappa: Option<Mappa>,
    #[serde(default)]
    pub marac_count: u32,
    #[schema(example = "Monthly home visits; liaison with police DA unit; alcohol work")]
    pub risk_management_plan: String,
    /// How staff must work with the person; state "no specific measures" if there are none.
    #[schema(example = "Female staff not to see alone; office appointments only")]
    pub staff_safety: String,
}

impl RiskAssessment {
    pub fn rosh(&self) -> Rosh {
        Rosh {
            children: self.rosh_children,
            public: self.rosh_public,
            known_adult: self.rosh_known_adult,
            staff: self.rosh_staff,
        }
    }

    pub fn has(&self, flag: RiskFlag) -> bool {
        self.flags.contains(&flag)
    }

    /// Checks what is impossible; every problem at once.
    pub fn validate(&self, today: NaiveDate, date_of_birth: Option<NaiveDate>) -> Errors {
        let mut e = Errors::default();
        if !e.plausible_date("assessedOn", self.assessed_on) {
        } else if self.assessed_on > today {
            e.add(
                "assessedOn",
                "in_future",
                "an assessment cannot be dated in the future",
            );
        }
        if let Some(dob) = date_of_birth {
            if self.assessed_on < dob {
                e.add(
                    "assessedOn",
                    "invalid",
                    "assessedOn is before the person's date of birth",
                );
            }
        }
        e.text("whoIsAtRisk", &self.who_is_at_risk, 4000);
        e.text("natureOfRisk", &self.nature_of_risk, 4000);
        e.text("imminence", &self.imminence, 2000);
        e.text("riskManagementPlan", &self.risk_management_plan, 8000);
        e.text("staffSafety", &self.staff_safety, 4000);
        e.list("increasingFactors", &self.increasing_factors, 50, 1000);
        e.list("reducingFactors", &self.reducing_factors, 50, 1000);
        let mut seen = std::collections::BTreeSet::new();
        for flag in &self.flags {
            if !seen.insert(flag) {
                e.add("flags", "duplicate", "a flag is listed twice");
            }
        }
        match (self.has(RiskFlag::Mappa), self.mappa) {
            (true, None) => e.add(
                "mappa",
                "required",
                "the MAPPA flag needs mappa {category, level}",
            ),
            (false, Some(_)) => e.add(
                "mappa",
                "invalid",
                "mappa is given but the MAPPA flag is not set",
            ),
            (_, Some(m)) => {
                if !(1..=3).contains(&m.category) {
                    e.add(
                        "mappa.category",
                        "out_of_range",
                        "MAPPA category is 1, 2 or 3",
                    );
                }
                if !(1..=3).contains(&m.level) {
                    e.add("mappa.level", "out_of_range", "MAPPA level is 1, 2 or 3");
                }
            }
            (false, None) => {}
        }
        if self.has(RiskFlag::Marac) && self.marac_count == 0 {
            e.add(
                "maracCount",
                "invalid",
                "the MARAC flag needs maracCount of at least 1",
            );
        }
        if self.marac_count > 1000 {
            e.add(
                "maracCount",
                "out_of_range",
                "maracCount is implausibly large",
            );
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn assessment() -> RiskAssessment {
        RiskAssessment {
            assessed_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            rosh_children: RoshLevel::Medium,
            rosh_public: RoshLevel::Low,
            rosh_known_adult: RoshLevel::Medium,
            rosh_staff: RoshLevel::Low,
            who_is_at_risk: "partners".into(),
            nature_of_risk: "violence".into(),
            imminence: "not imminent".into(),
            increasing_factors: vec![],
            reducing_factors: vec![],
            risk_to_self: RiskToSelf::default(),
            flags: vec![RiskFlag::DomesticAbusePerpetrator],
            mappa: None,
            marac_count: 0,
            risk_management_plan: "plan".into(),
            staff_safety: "female staff not to see alone".into(),
        }
    }

    #[test]
    fn levels_are_ordered_low_to_very_high() {
        assert!(RoshLevel::Low < RoshLevel::Medium);
        assert!(RoshLevel::High < RoshLevel::VeryHigh);
        assert_eq!(assessment().rosh().highest(), RoshLevel::Medium);
    }

    #[test]
    fn a_rise_in_any_group_is_a_raise() {
        let before = assessment().rosh();
        let mut after = before;
        assert!(!after.raised_since(&before));
        after.staff = RoshLevel::High;
        assert!(after.raised_since(&before));
    }

    #[test]
    fn a_valid_assessment_has_no_errors() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert!(assessment().validate(today, None).is_empty());
    }

    #[test]
    fn future_dates_missing_mappa_and_empty_plans_are_all_reported() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut a = assessment();
        a.flags.push(RiskFlag::Mappa);
        a.risk_management_plan = " ".into();
        let fields: Vec<String> = a
            .validate(today, None)
            .into_vec()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["assessedOn", "riskManagementPlan", "mappa"]);
    }
}
