//! Every change to a referral checks the client's `If-Match` against the view that caller reads,
//! and the ETag a response carries is the one a read returns.

use crate::helpers::*;
use crate::scenario::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

impl TestApp {
    /// The referral's ETag as `token`'s side reads it.
    async fn referral_etag(&self, id: &str, token: &str) -> String {
        let res = self.get(&format!("/api/v1/referrals/{id}"), token).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.headers()["etag"].to_str().unwrap().to_string()
    }

    async fn referral_status(&self, id: &str) -> String {
        let res = self
            .get(&format!("/api/v1/referrals/{id}"), &self.pp())
            .await;
        body(res).await["status"].as_str().unwrap().to_string()
    }

    async fn with_if_match(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        tag: &str,
        payload: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("if-match", tag)
            .json(payload)
            .send()
            .await
            .unwrap()
    }
}

#[actix_web::test]
async fn every_referral_change_refuses_a_stale_etag_and_accepts_the_current_one() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let order_id = app.create_order(CRN).await;
    let kept = app.draft_referral(&order_id, &complete_draft()).await;
    let declined = app.draft_referral(&order_id, &complete_draft()).await;
    let post = reqwest::Method::POST;
    let steps: Vec<(&str, reqwest::Method, String, String, Value, &str)> = vec![
        (
            "edit",
            reqwest::Method::PATCH,
            kept.clone(),
            app.pp(),
            json!({"rarDays": 8}),
            "DRAFT",
        ),
        (
            "send",
            post.clone(),
            kept.clone(),
            app.pp(),
            json!({}),
            "SENT",
        ),
        (
            "send",
            post.clone(),
            declined.clone(),
            app.pp(),
            json!({}),
            "SENT",
        ),
        (
            "acknowledge",
            post.clone(),
            kept.clone(),
            app.worker(),
            json!({}),
            "SENT",
        ),
        (
            "decline",
            post.clone(),
            declined.clone(),
            app.worker(),
            json!({"reason": "No capacity"}),
            "DECLINED",
        ),
        (
            "accept",
            post.clone(),
            kept.clone(),
            app.worker(),
            json!({"riskInformationAcknowledged": true}),
            "ACCEPTED",
        ),
        (
            "assign",
            post.clone(),
            kept.clone(),
            app.provider_manager(),
            json!({"worker": "akhan"}),
            "ACCEPTED",
        ),
        (
            "withdraw",
            post.clone(),
            kept.clone(),
            app.pp(),
            json!({"code": "RISK_CHANGED"}),
            "WITHDRAWN",
        ),
    ];
    for (action, method, id, token, payload, after) in steps {
        let path = match action {
            "edit" => format!("/api/v1/referrals/{id}"),
            "acknowledge" => format!("/api/v1/referrals/{id}/risk-acknowledgement"),
            other => format!("/api/v1/referrals/{id}/{other}"),
        };
        let before = app.referral_status(&id).await;
        let stale = app
            .with_if_match(method.clone(), &path, &token, "\"stale\"", &payload)
            .await;
        problem(stale, 412).await;
        assert_eq!(
            app.referral_status(&id).await,
            before,
            "{action}: nothing changed"
        );
        let current = app.referral_etag(&id, &token).await;
        let res = app
            .with_if_match(method, &path, &token, &current, &payload)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{action}");
        assert_eq!(app.referral_status(&id).await, after, "{action}");
    }
}

#[actix_web::test]
async fn the_etag_a_change_returns_is_the_one_a_read_returns() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let order_id = app.create_order(CRN).await;
    let res = app
        .post(
            &format!("/api/v1/orders/{order_id}/referrals"),
            &app.pp(),
            &complete_draft(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created = res.headers()["etag"].to_str().unwrap().to_string();
    let id = body(res).await["id"].as_str().unwrap().to_string();
    assert_eq!(app.referral_etag(&id, &app.pp()).await, created);
    let res = app
        .patch(
            &format!("/api/v1/referrals/{id}"),
            &app.pp(),
            &json!({"additionalNeeds": "Dyslexia"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let edited = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(edited, created);
    assert_eq!(app.referral_etag(&id, &app.pp()).await, edited);
}
