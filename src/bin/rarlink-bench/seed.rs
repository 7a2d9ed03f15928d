//! Seeds a realistic population through the API: organisations, people with risk, orders,
//! accepted referrals and sessions with attendance history.

use super::{Args, SECRET};
use chrono::{Duration, Utc};
use futures_util::StreamExt;
use rarlink::auth::jwt::{Authenticator, TokenRequest};
use rarlink::auth::Role;
use rarlink::config::{JwtKeySource, JwtSettings, Secret};
use serde_json::{json, Value};
use std::sync::atomic::AtomicUsize;

pub struct Case {
    pub order: String,
    pub referral: String,
}

pub struct World {
    pub base: String,
    pub cases: Vec<Case>,
    pub worker: String,
    pub officer: String,
    /// Sessions with no attendance yet, for the attendance workload.
    pub appointments: Vec<String>,
    pub next_appointment: AtomicUsize,
}

impl World {
    /// The n-th session to record; past the pool, sessions are corrected instead.
    pub fn appointment(&self, n: usize) -> (&str, bool) {
        let len = self.appointments.len().max(1);
        (self.appointments[n % len].as_str(), n >= len)
    }
}

pub fn token(sub: &str, org: &str, role: Role) -> String {
    let auth = Authenticator::from_settings(&JwtSettings {
        keys: JwtKeySource::SharedSecret {
            secret: Some(Secret::new(SECRET)),
            file: "unused".into(),
        },
        issuer: "rarlink".into(),
        audience: "rarlink".into(),
        leeway_secs: 30,
        max_lifetime_secs: 12 * 3600,
    })
    .expect("bench keys");
    auth.mint(
        &TokenRequest {
            sub: sub.into(),
            name: None,
            org: org.into(),
            roles: vec![role],
            ttl_secs: 6 * 3600,
        },
        jsonwebtoken::get_current_timestamp(),
    )
    .expect("token")
}

pub async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Value {
    let mut req = client.request(method, &url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert!(status.is_success(), "seeding {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Seeds `people` cases with `args.concurrency` requests in flight.
pub async fn seed(base: &str, args: &Args, people: usize) -> World {
    use reqwest::Method;
    let client = reqwest::Client::new();
    let admin = token("admin", "RARLINK", Role::Admin);
    for (code, kind) in [("PDU-BENCH", "probation"), ("MIND-BENCH", "provider")] {
        call(
            &client,
            Method::POST,
            format!("{base}/api/v1/organisations"),
            &admin,
            Some(json!({"code": code, "name": code, "kind": kind})),
        )
        .await;
    }
    let officer = token("officer", "PDU-BENCH", Role::ProbationPractitioner);
    let worker = token("worker", "MIND-BENCH", Role::ProviderWorker);
    let today = Utc::now().date_naive();
    let results: Vec<(Case, Vec<String>)> = futures_util::stream::iter(0..people)
        .map(|i| {
            let (client, officer, worker) = (client.clone(), officer.clone(), worker.clone());
            let base = base.to_string();
            async move {
                let crn = format!("B{i:06}");
                let api = |p: &str| format!("{base}/api/v1{p}");
                call(&client, Method::PUT, api(&format!("/people/{crn}")), &officer, Some(json!({
                    "firstName": "Bench", "lastName": format!("Person {i}"), "dateOfBirth": "1990-01-01", "managingOrg": "PDU-BENCH"}))).await;
                call(&client, Method::PUT, api(&format!("/people/{crn}/risk")), &officer, Some(json!({
                    "assessedOn": today - Duration::days(10), "roshChildren": "MEDIUM", "roshPublic": "LOW", "roshKnownAdult": "MEDIUM", "roshStaff": "LOW",
                    "whoIsAtRisk": "Partners", "natureOfRisk": "Domestic abuse", "imminence": "Not imminent",
                    "flags": ["DOMESTIC_ABUSE_PERPETRATOR"], "riskManagementPlan": "Home visits", "staffSafety": "No specific measures"}))).await;
                let order = call(&client, Method::POST, api(&format!("/people/{crn}/orders")), &officer, Some(json!({
                    "type": "COMMUNITY_ORDER", "startDate": today - Duration::days(30), "endDate": today + Duration::days(300),
                    "offences": [{"description": "Assault", "category": "Violence", "domesticAbuseRelated": true}],
                    "rarMaxDays": 20, "responsibleOfficer": "officer"}))).await["id"].as_str().unwrap_or_default().to_string();
                let referral = call(&client, Method::POST, api(&format!("/orders/{order}/referrals")), &officer, Some(json!({
                    "providerOrg": "MIND-BENCH", "interventionType": "One-to-one", "rarDays": 10, "completionDeadline": today + Duration::days(200),
                    "desiredOutcomes": [{"description": "Manages emotions"}], "offenceSummary": "Domestic abuse",
                    "riskManagementSummary": "Home visits", "staffSafety": "No specific measures"}))).await["id"].as_str().unwrap_or_default().to_string();
                call(&client, Method::POST, api(&format!("/referrals/{referral}/send")), &officer, None).await;
                call(&client, Method::POST, api(&format!("/referrals/{referral}/accept")), &worker, Some(json!({"riskInformationAcknowledged": true}))).await;
                // Sessions start just after the referral reached the provider (never before it).
                let sessions_at = Utc::now() + Duration::seconds(2);
                let mut sessions = Vec::new();
                for k in 0..4 {
                    let a = call(&client, Method::POST, api(&format!("/referrals/{referral}/appointments")), &worker, Some(json!({
                        "startsAt": sessions_at + Duration::seconds(k), "durationMinutes": 60, "kind": "DELIVERY", "method": "IN_PERSON"}))).await;
                    sessions.push(a["id"].as_str().unwrap_or_default().to_string());
                }
                (Case { order, referral }, sessions)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    // History: two attended sessions per referral, once they have started.
    // Every session has started six seconds after the last referral was seeded.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let history: Vec<String> = results.iter().flat_map(|(_, s)| s[..2].to_vec()).collect();
    futures_util::stream::iter(history)
        .map(|a| {
            let (client, worker, base) = (client.clone(), worker.clone(), base.to_string());
            async move {
                call(&client, Method::PUT, format!("{base}/api/v1/appointments/{a}/attendance"), &worker, Some(json!({
                    "attended": "YES", "behaviourConcern": false, "notifyResponsibleOfficer": false}))).await;
            }
        })
        .buffer_unordered(args.concurrency)
        .collect::<Vec<_>>()
        .await;
    let appointments = results.iter().flat_map(|(_, s)| s[2..].to_vec()).collect();
    World {
        base: base.to_string(),
        cases: results.into_iter().map(|(c, _)| c).collect(),
        worker,
        officer,
        appointments,
        next_appointment: AtomicUsize::new(0),
    }
}
