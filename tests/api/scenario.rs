//! Builders for a realistic case: organisations, a person with risk, an order and referrals.

use crate::helpers::*;
use reqwest::StatusCode;
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
        let res = self
            .put(&format!("/api/v1/people/{crn}"), &self.pp(), &person_body())
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }

    pub async fn record_risk(&self, crn: &str, body: &Value) -> Value {
        let res = self
            .put(&format!("/api/v1/people/{crn}/risk"), &self.pp(), body)
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "risk");
        crate::helpers::body(res).await
    }

    pub async fn create_order(&self, crn: &str) -> String {
        let res = self
            .post(
                &format!("/api/v1/people/{crn}/orders"),
                &self.pp(),
                &order_body(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "order");
        body(res).await["id"].as_str().unwrap().to_string()
    }

    pub async fn draft_referral(&self, order_id: &str, draft: &Value) -> String {
        let res = self
            .post(
                &format!("/api/v1/orders/{order_id}/referrals"),
                &self.pp(),
                draft,
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "draft {}",
            res.text().await.unwrap()
        );
        body(res).await["id"].as_str().unwrap().to_string()
    }

    /// Organisations, a DA-flagged person with MEDIUM RoSH to children and known adult, an order
    /// of 20 RAR days, and a referral to MIND that is sent (and accepted if asked).
    pub async fn case(&self, accepted: bool) -> Case {
        self.setup_orgs().await;
        self.create_person(CRN).await;
        self.record_risk(CRN, &risk_body()).await;
        let order_id = self.create_order(CRN).await;
        let referral_id = self.draft_referral(&order_id, &complete_draft()).await;
        let res = self
            .post(
                &format!("/api/v1/referrals/{referral_id}/send"),
                &self.pp(),
                &json!({}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "send {}",
            res.text().await.unwrap()
        );
        if accepted {
            let res = self
                .post(
                    &format!("/api/v1/referrals/{referral_id}/accept"),
                    &self.worker(),
                    &json!({"riskInformationAcknowledged": true}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK, "accept");
        }
        Case {
            crn: CRN.into(),
            order_id,
            referral_id,
        }
    }
}

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
