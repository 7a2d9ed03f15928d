//! Builders for a realistic case: organisations, a person with risk, an order and referrals.

use crate::helpers::*;
use serde_json::{json, Value};

pub const PROBATION: &str = "PDU-CAMBS";
pub const OTHER_PROBATION: &str = "PDU-NORFOLK";
pub const PROVIDER: &str = "MIND-CAMBS";
pub const OTHER_PROVIDER: &str = "NACRO-EAST";
pub const CRN: &str = "X123456";

impl TestApp {
    /// A probation practitioner (the responsible officer) of PDU-CAMBS.
    pub fn pp(&self) -> String {
        self.token("jsmith", PROBATION, &["probation_practitioner"])
    }
    pub fn spo(&self) -> String {
        self.token("mgreen", PROBATION, &["probation_manager"])
    }
    pub fn worker(&self) -> String {
        self.token("akhan", PROVIDER, &["provider_worker"])
    }
    pub fn provider_manager(&self) -> String {
        self.token("blee", PROVIDER, &["provider_manager"])
    }
    pub fn other_worker(&self) -> String {
        self.token("cdoe", OTHER_PROVIDER, &["provider_worker"])
    }
    pub fn other_pp(&self) -> String {
        self.token("nwest", OTHER_PROBATION, &["probation_practitioner"])
    }

    pub async fn setup_orgs(&self) {
        self.register_org(PROBATION, "probation").await;
        self.register_org(OTHER_PROBATION, "probation").await;
        self.register_org(PROVIDER, "provider").await;
        self.register_org(OTHER_PROVIDER, "provider").await;
    }

    pub async fn create_person(&self, crn: &str) {
        let path = format!("/api/v1/people/{crn}");
        expect(
            self.put(&path, &self.pp(), &person_body()).await,
            201,
            "create person",
        )
        .await;
    }

    pub async fn record_risk(&self, crn: &str, body: &Value) -> Value {
        let path = format!("/api/v1/people/{crn}/risk");
        expect(self.put(&path, &self.pp(), body).await, 201, "record risk").await
    }

    pub async fn create_order(&self, crn: &str) -> String {
        let path = format!("/api/v1/people/{crn}/orders");
        let order = expect(
            self.post(&path, &self.pp(), &order_body()).await,
            201,
            "create order",
        )
        .await;
        id_of(&order)
    }

    pub async fn draft_referral(&self, order_id: &str, draft: &Value) -> String {
        let path = format!("/api/v1/orders/{order_id}/referrals");
        let referral = expect(
            self.post(&path, &self.pp(), draft).await,
            201,
            "draft referral",
        )
        .await;
        id_of(&referral)
    }

    /// Probation sends a draft referral (`200`).
    pub async fn send_referral(&self, referral_id: &str) -> Value {
        let path = format!("/api/v1/referrals/{referral_id}/send");
        expect(
            self.post(&path, &self.pp(), &json!({})).await,
            200,
            "send referral",
        )
        .await
    }

    /// The provider worker accepts a sent referral (`200`).
    pub async fn accept_referral(&self, referral_id: &str) -> Value {
        let path = format!("/api/v1/referrals/{referral_id}/accept");
        let body = json!({"riskInformationAcknowledged": true});
        expect(
            self.post(&path, &self.worker(), &body).await,
            200,
            "accept referral",
        )
        .await
    }

    /// The provider worker books a session on an accepted referral (`201`); returns its id.
    pub async fn book_session(&self, referral_id: &str, starts_at: &str) -> String {
        let path = format!("/api/v1/referrals/{referral_id}/appointments");
        let body = json!({"startsAt": starts_at, "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"});
        id_of(
            &expect(
                self.post(&path, &self.worker(), &body).await,
                201,
                "book session",
            )
            .await,
        )
    }

    /// The provider worker records a disclosure on a referral (`201`).
    pub async fn provider_disclosure(&self, referral_id: &str, disclosure: &Value) -> Value {
        let path = format!("/api/v1/referrals/{referral_id}/disclosures");
        expect(
            self.post(&path, &self.worker(), disclosure).await,
            201,
            "provider disclosure",
        )
        .await
    }

    /// The safeguarding prompts a caller sees (first page).
    pub async fn prompts(&self, token: &str) -> Vec<Value> {
        let page = expect(
            self.get("/api/v1/safeguarding-prompts", token).await,
            200,
            "list prompts",
        )
        .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }

    /// Organisations, a DA-flagged person with MEDIUM RoSH to children and known adult, an order
    /// of 20 RAR days, and a referral to MIND that is sent (and accepted if asked).
    pub async fn case(&self, accepted: bool) -> Case {
        self.setup_orgs().await;
        self.create_person(CRN).await;
        self.record_risk(CRN, &risk_body()).await;
        let order_id = self.create_order(CRN).await;
        let referral_id = self.draft_referral(&order_id, &complete_draft()).await;
        self.send_referral(&referral_id).await;
        if accepted {
            self.accept_referral(&referral_id).await;
        }
        Case {
            crn: CRN.into(),
            order_id,
            referral_id,
        }
    }
}

/// The `id` of a created resource.
pub fn id_of(resource: &Value) -> String {
    resource["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {resource}"))
        .to_string()
}

#[derive(Debug, Clone)]
pub struct Case {
    pub crn: String,
    pub order_id: String,
    pub referral_id: String,
}

pub fn person_body() -> Value {
    json!({
        "firstName": "Stephen", "lastName": "Smith", "dateOfBirth": "1990-05-01",
        "pncNumber": "2004/0012345A", "address": "1 Canal Side, Peterborough",
        "managingOrg": PROBATION
    })
}

pub fn risk_body() -> Value {
    json!({
        "assessedOn": "2026-02-20",
        "roshChildren": "MEDIUM", "roshPublic": "LOW", "roshKnownAdult": "MEDIUM", "roshStaff": "MEDIUM",
        "whoIsAtRisk": "Current and future female partners and their children; female staff",
        "natureOfRisk": "Physical and emotional domestic abuse",
        "imminence": "Not imminent; rises with a new relationship or a pregnancy",
        "increasingFactors": ["new relationship", "alcohol misuse"],
        "reducingFactors": ["engagement with supervision"],
        "riskToSelf": {"suicide": false, "selfHarm": false},
        "flags": ["DOMESTIC_ABUSE_PERPETRATOR", "MARAC"],
        "maracCount": 5,
        "riskManagementPlan": "Monthly home visits; police DA unit liaison; alcohol work",
        "staffSafety": "Female staff not to see alone; office appointments only"
    })
}

pub fn order_body() -> Value {
    json!({
        "type": "COMMUNITY_ORDER", "startDate": "2026-01-05", "endDate": "2027-01-04",
        "offences": [{"description": "Assault on a former partner", "category": "Violence",
                      "domesticAbuseRelated": true, "date": "2025-10-12"},
                     {"description": "Criminal damage to canal-side property", "category": "Criminal damage",
                      "domesticAbuseRelated": false}],
        "rarMaxDays": 20,
        "responsibleOfficer": {"sub": "jsmith", "name": "J Smith"}
    })
}

pub fn complete_draft() -> Value {
    json!({
        "providerOrg": PROVIDER,
        "interventionType": "Mental health one-to-one sessions",
        "rarDays": 10,
        "completionDeadline": "2026-09-30",
        "desiredOutcomes": [{"description": "Develops strategies to manage emotions in relationships"}],
        "offenceSummary": "Domestic abuse: assault on a former partner; five MARAC discussions",
        "riskManagementSummary": "Monthly home visits; police DA unit liaison",
        "staffSafety": "Female staff not to see alone; office appointments only"
    })
}
