//! Safeguarding prompts worked to closure: referral to an agency, the agency's decision, the
//! follow-up when it is late, the challenge of a "no further action", approval of "not required",
//! and the stored history of every step.

use crate::helpers::*;
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

/// A second probation manager of PDU-CAMBS.
pub fn other_spo(app: &TestApp) -> String {
    app.token("rpatel", PROBATION, &["probation_manager"])
}

pub async fn list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = expect(
        app.get(&format!("/api/v1/safeguarding-prompts?{query}"), token)
            .await,
        200,
        "list prompts",
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

pub fn find(list: &[Value], rule: &str) -> Value {
    list.iter()
        .find(|p| p["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {list:?}"))
        .clone()
}

pub fn path(prompt: &Value, action: &str) -> String {
    format!(
        "/api/v1/safeguarding-prompts/{}/{action}",
        prompt["id"].as_str().unwrap()
    )
}

/// Tuesday 3 March 2026, 09:00: the provider reports the pregnancy of a DA perpetrator's partner.
pub async fn pregnancy_reported(app: &TestApp) -> Vec<Value> {
    let case = app.seeded.clone().expect("seeded case");
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    app.provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    list(app, &app.pp(), "status=OPEN").await
}

#[actix_web::test]
async fn a_mash_referral_awaits_the_decision_is_chased_when_late_and_a_no_further_action_is_challenged(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let open = pregnancy_reported(&app).await;
    let mash = find(&open, "pregnancy-da-mash-referral");

    let referred = expect(
        app.post(
            &path(&mash, "resolve"),
            &app.pp(),
            &json!({"outcome": "REFERRED", "note": "Phoned the MASH; written referral sent",
                    "referral": {"agency": "CHILDRENS_SOCIAL_CARE", "method": "PHONE",
                                 "referredOn": "2026-03-03", "reference": "MASH-42"}}),
        )
        .await,
        200,
        "refer",
    )
    .await;
    assert_eq!(referred["status"], "AWAITING_RESPONSE");
    assert_eq!(
        referred["referral"]["followUpDueAt"], "2026-03-04T17:00:00Z",
        "children's social care: one working day"
    );
    assert_eq!(referred["followUpOverdue"], false);
    let steps: Vec<&str> = referred["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["RAISED", "REFERRED"]);
    assert_eq!(referred["history"][1]["by"], "jsmith");
    assert_eq!(referred["history"][1]["role"], "probation_practitioner");
    assert_eq!(
        referred["history"][1]["note"],
        "Phoned the MASH; written referral sent"
    );

    // Thursday: no decision yet. The prompt says so, the event goes out once, and the manager
    // sees it in the overdue list.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
    let read = expect(
        app.get(
            &format!(
                "/api/v1/safeguarding-prompts/{}",
                mash["id"].as_str().unwrap()
            ),
            &app.pp(),
        )
        .await,
        200,
        "read",
    )
    .await;
    assert_eq!(read["followUpOverdue"], true);
    rarlink::background::escalate(&app.state).await.unwrap();
    rarlink::background::escalate(&app.state).await.unwrap();
    let events = expect(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.follow-up-due",
            &app.pp(),
        )
        .await,
        200,
        "events",
    )
    .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "announced once: {events}");
    assert_eq!(
        items[0]["additionalInformation"]["agency"],
        "CHILDRENS_SOCIAL_CARE"
    );
    let overdue = list(&app, &app.spo(), "overdue=true").await;
    assert!(overdue.iter().any(|p| p["id"] == mash["id"]), "{overdue:?}");
    let escalated = list(&app, &app.spo(), "assignedToMe=true&escalated=true").await;
    assert!(escalated.iter().any(|p| p["id"] == mash["id"]));

    // The decision arrives: no further action. The prompt is resolved and the manager is asked
    // to consider challenging it.
    let answered = expect(
        app.post(
            &path(&mash, "agency-response"),
            &app.pp(),
            &json!({"receivedOn": "2026-03-05", "decision": "NO_FURTHER_ACTION",
                    "reference": "CSC-7", "note": "Threshold not met; signposted to universal services"}),
        )
        .await,
        200,
        "agency response",
    )
    .await;
    assert_eq!(answered["status"], "RESOLVED");
    assert_eq!(answered["followUpOverdue"], false);
    assert_eq!(
        answered["referral"]["response"]["decision"],
        "NO_FURTHER_ACTION"
    );
    assert_eq!(
        answered["resolution"]["note"], "Phoned the MASH; written referral sent",
        "the referral's note is kept"
    );
    let last = answered["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["step"], "AGENCY_RESPONDED");
    let manager = list(&app, &app.spo(), "assignedToMe=true&status=OPEN").await;
    let challenge = find(&manager, "challenge-agency-decision");
    assert_eq!(challenge["assigneeRole"], "PROBATION_MANAGER");
    assert_eq!(challenge["dueAt"], "2026-03-09T17:00:00Z");
    let why = challenge["rationale"].as_str().unwrap();
    assert!(
        why.contains("NO_FURTHER_ACTION") && why.contains("CSC-7") && why.contains("PREGNANCY"),
        "{why}"
    );
    assert_eq!(challenge["triggeredBy"]["kind"], "PROMPT");

    // A second response is refused: nothing is awaited any more.
    let again = problem(
        app.post(
            &path(&mash, "agency-response"),
            &app.pp(),
            &json!({"receivedOn": "2026-03-05", "decision": "EARLY_HELP", "note": "x"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(again["currentState"], "RESOLVED");
}

#[actix_web::test]
async fn referral_outcomes_and_agency_responses_refuse_what_cannot_be() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let open = pregnancy_reported(&app).await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    let resolve = path(&mash, "resolve");
    let cases = [
        (json!({"outcome": "PASSED_ON", "note": "x"}), "outcome"),
        (json!({"outcome": "REFERRED", "note": "x"}), "referral"),
        (
            json!({"outcome": "REFERRED", "note": "x", "referral": {"agency": "SOCIAL_WORK", "method": "PHONE", "referredOn": "2026-03-03"}}),
            "referral.agency",
        ),
        (
            json!({"outcome": "REFERRED", "note": "x", "referral": {"agency": "POLICE", "method": "PHONE", "referredOn": "2026-03-09"}}),
            "referral.referredOn",
        ),
        (
            json!({"outcome": "ACTIONED", "note": "x", "referral": {"agency": "POLICE", "method": "PHONE", "referredOn": "2026-03-03"}}),
            "referral",
        ),
    ];
    for (body, field) in cases {
        let p = problem(app.post(&resolve, &app.pp(), &body).await, 422).await;
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"].as_str().unwrap().contains(field)),
            "{body} should name {field}: {p}"
        );
    }
    // Still open, nothing recorded.
    let read = body(
        app.get(
            &format!(
                "/api/v1/safeguarding-prompts/{}",
                mash["id"].as_str().unwrap()
            ),
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(read["status"], "OPEN");
    assert_eq!(read["history"].as_array().unwrap().len(), 1);

    // An agency response on a prompt that awaits none.
    problem(
        app.post(
            &path(&mash, "agency-response"),
            &app.pp(),
            &json!({"receivedOn": "2026-03-03", "decision": "EARLY_HELP", "note": "x"}),
        )
        .await,
        409,
    )
    .await;
    // Referred to the police: three working days; an unknown decision and a decision received
    // before the referral was made are refused.
    let referred = expect(
        app.post(&resolve, &app.pp(), &json!({"outcome": "REFERRED", "note": "Police DA unit",
            "referral": {"agency": "POLICE", "method": "SECURE_EMAIL", "referredOn": "2026-03-03"}}))
            .await,
        200,
        "refer to the police",
    )
    .await;
    assert_eq!(
        referred["referral"]["followUpDueAt"],
        "2026-03-06T17:00:00Z"
    );
    let p = problem(
        app.post(
            &path(&mash, "agency-response"),
            &app.pp(),
            &json!({"receivedOn": "2026-03-03", "decision": "SHRUG", "note": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert!(p.to_string().contains("decision"), "{p}");
    let p = problem(
        app.post(
            &path(&mash, "agency-response"),
            &app.pp(),
            &json!({"receivedOn": "2026-03-02", "decision": "EARLY_HELP", "note": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "receivedOn");
}

#[actix_web::test]
async fn not_required_on_a_mandatory_prompt_waits_for_another_managers_approval() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let open = pregnancy_reported(&app).await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    let proposed = expect(
        app.post(
            &path(&mash, "resolve"),
            &app.pp(),
            &json!({"outcome": "NOT_REQUIRED", "note": "Children's social care already involved"}),
        )
        .await,
        200,
        "propose",
    )
    .await;
    assert_eq!(proposed["status"], "PENDING_APPROVAL");
    assert!(proposed["resolution"].is_null());
    // The manager sees it among their prompts.
    let mine = list(
        &app,
        &app.spo(),
        "assignedToMe=true&status=PENDING_APPROVAL",
    )
    .await;
    assert!(mine.iter().any(|p| p["id"] == mash["id"]));

    let approval = path(&mash, "approval");
    let approve =
        json!({"decision": "APPROVE", "note": "Confirmed with the allocated social worker"});
    // The practitioner (the proposer, and no manager) may not decide; nor may the provider.
    problem(app.post(&approval, &app.pp(), &approve).await, 403).await;
    problem(
        app.post(&approval, &app.provider_manager(), &approve).await,
        404,
    )
    .await;
    // A manager rejects it: open again, and may propose it themselves.
    let rejected = expect(
        app.post(
            &approval,
            &app.spo(),
            &json!({"decision": "REJECT", "note": "Refer anyway: new partner"}),
        )
        .await,
        200,
        "reject",
    )
    .await;
    assert_eq!(rejected["status"], "OPEN");
    expect(
        app.post(
            &path(&mash, "resolve"),
            &app.spo(),
            &json!({"outcome": "NOT_REQUIRED", "note": "Allocated social worker confirmed in writing"}),
        )
        .await,
        200,
        "manager proposes",
    )
    .await;
    // The proposing manager may not approve their own proposal; another manager may.
    problem(app.post(&approval, &app.spo(), &approve).await, 403).await;
    let approved = expect(
        app.post(&approval, &other_spo(&app), &approve).await,
        200,
        "approve",
    )
    .await;
    assert_eq!(approved["status"], "RESOLVED");
    assert_eq!(approved["resolution"]["outcome"], "NOT_REQUIRED");
    assert_eq!(approved["resolution"]["resolvedBy"], "rpatel");
    assert_eq!(
        approved["resolution"]["note"],
        "Allocated social worker confirmed in writing"
    );
    let history: Vec<(String, String)> = approved["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["step"].as_str().unwrap().to_string(),
                h["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("PROPOSED_NOT_REQUIRED", "jsmith"),
        ("REJECTED", "mgreen"),
        ("PROPOSED_NOT_REQUIRED", "mgreen"),
        ("APPROVED", "rpatel"),
    ]
    .iter()
    .map(|(s, b)| (s.to_string(), b.to_string()))
    .collect();
    assert_eq!(history[1..], expected[..]);
    // Deciding again is a conflict.
    let p = problem(app.post(&approval, &app.spo(), &approve).await, 409).await;
    assert_eq!(p["currentState"], "RESOLVED");
    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.approval-requested",
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_officer_answers_every_prompt_of_a_disclosure_in_one_call_all_or_none() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    pregnancy_reported(&app).await;
    let mine = list(&app, &app.pp(), "status=OPEN&assignedToMe=true").await;
    assert!(mine.len() >= 5, "{mine:?}");
    let answer = |p: &Value| {
        if p["rule"] == "pregnancy-da-mash-referral" {
            json!({"promptId": p["id"], "outcome": "REFERRED", "note": "Phoned the MASH",
                   "referral": {"agency": "CHILDRENS_SOCIAL_CARE", "method": "PHONE", "referredOn": "2026-03-03"}})
        } else {
            json!({"promptId": p["id"], "outcome": "ACTIONED", "note": "Covered in the MASH call and case review"})
        }
    };
    let mut items: Vec<Value> = mine.iter().map(answer).collect();

    // One bad item among good ones: nothing changes, and each refusal is named.
    let provider_prompt = list(&app, &app.provider_manager(), "status=OPEN").await[0].clone();
    let mut bad = items.clone();
    bad.push(json!({"promptId": provider_prompt["id"], "outcome": "ACTIONED", "note": "not mine"}));
    bad.push(json!({"promptId": "0190a0a0-0000-7000-8000-000000000000", "outcome": "ACTIONED", "note": "x"}));
    bad.push(json!({"promptId": mine[0]["id"], "decision": "EARLY_HELP", "note": "x"}));
    let p = problem(
        app.post(
            "/api/v1/safeguarding-prompts/respond",
            &app.pp(),
            &json!({ "items": bad }),
        )
        .await,
        422,
    )
    .await;
    let n = items.len();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [format!("items[{}].receivedOn", n + 2)],
        "shape is checked first: {p}"
    );
    bad.pop();
    let p = problem(
        app.post(
            "/api/v1/safeguarding-prompts/respond",
            &app.pp(),
            &json!({ "items": bad }),
        )
        .await,
        422,
    )
    .await;
    let refused: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            (format!("items[{n}]"), "forbidden".to_string()),
            (format!("items[{}]", n + 1), "not_found".to_string()),
        ],
        "{p}"
    );
    let still_open = list(&app, &app.pp(), "status=OPEN&assignedToMe=true").await;
    assert_eq!(still_open.len(), mine.len(), "nothing changed");

    // All good: one call answers them all.
    let done = expect(
        app.post(
            "/api/v1/safeguarding-prompts/respond",
            &app.pp(),
            &json!({ "items": items.clone() }),
        )
        .await,
        200,
        "respond",
    )
    .await;
    let states: Vec<&str> = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), mine.len());
    assert!(states
        .iter()
        .all(|s| *s == "RESOLVED" || *s == "AWAITING_RESPONSE"));
    assert_eq!(
        states.iter().filter(|s| **s == "AWAITING_RESPONSE").count(),
        1,
        "the MASH prompt waits for children's social care"
    );
    assert!(list(&app, &app.pp(), "status=OPEN&assignedToMe=true")
        .await
        .is_empty());
    // The agency's decision can come through the same call.
    let mash = find(&mine, "pregnancy-da-mash-referral");
    items = vec![
        json!({"promptId": mash["id"], "decision": "CHILD_IN_NEED_ASSESSMENT", "receivedOn": "2026-03-03", "note": "Assessment opened"}),
    ];
    let done = expect(
        app.post(
            "/api/v1/safeguarding-prompts/respond",
            &app.pp(),
            &json!({ "items": items }),
        )
        .await,
        200,
        "agency response in bulk",
    )
    .await;
    assert_eq!(done["items"][0]["status"], "RESOLVED");
    assert_eq!(
        done["items"][0]["referral"]["response"]["decision"],
        "CHILD_IN_NEED_ASSESSMENT"
    );
}

#[actix_web::test]
async fn a_workers_acceptance_leaves_the_leads_prompt_open_for_the_provider_manager_to_close() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let mut raised = risk_body();
    raised["roshStaff"] = json!("HIGH");
    app.record_risk(CRN, &raised).await;
    let lead = list(&app, &app.provider_manager(), "status=OPEN").await;
    let ack = find(&lead, "risk-information-updated");
    app.accept_referral(&case.referral_id).await;
    let still = list(&app, &app.provider_manager(), "status=OPEN").await;
    assert_eq!(
        find(&still, "risk-information-updated")["id"],
        ack["id"],
        "accepting is no answer to the lead's prompt"
    );
    problem(
        app.post(
            &path(&ack, "resolve"),
            &app.pp(),
            &json!({"outcome": "ACTIONED", "note": "x"}),
        )
        .await,
        403,
    )
    .await;
    let closed = expect(
        app.post(
            &path(&ack, "resolve"),
            &app.provider_manager(),
            &json!({"outcome": "ACTIONED", "note": "Briefed the worker on the new risk"}),
        )
        .await,
        200,
        "the lead closes it",
    )
    .await;
    assert_eq!(closed["resolution"]["resolvedByRole"], "provider_manager");
}
