//! A safeguarding response worked as one: prompts grouped by the fact that raised them, a repeat
//! disclosure that adds facts to the open prompts, feedback events to the reporting provider,
//! provider lead prompts closed only by the provider, and escalation of overdue approvals.

use crate::helpers::*;
use crate::prompt_lifecycle::{find, list, path, pregnancy_reported};
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

async fn groups(app: &TestApp, token: &str, query: &str) -> Value {
    expect(
        app.get(
            &format!("/api/v1/safeguarding-prompts?groupBy=trigger&{query}"),
            token,
        )
        .await,
        200,
        "list prompts by trigger",
    )
    .await
}

#[actix_web::test]
async fn the_prompts_of_one_disclosure_are_listed_as_one_group_with_their_counts() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let open = pregnancy_reported(&app).await;
    // A second, different fact a day later: a new relationship.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap());
    let second = app
        .provider_disclosure(
            &case.referral_id,
            &json!({"type": "NEW_RELATIONSHIP", "disclosedAt": "2026-03-04T08:00:00Z",
                    "disclosedBy": "PERSON_ON_PROBATION", "summary": "Seeing someone new",
                    "details": {"partnerName": "Ann Other"}}),
        )
        .await;

    let all = list(&app, &app.pp(), "limit=200").await;
    let page = groups(&app, &app.pp(), "").await;
    assert!(page.get("items").is_none(), "{page}");
    let found = page["groups"].as_array().unwrap();
    assert_eq!(found.len(), 2, "one entry per fact: {page}");
    assert_eq!(
        found[0]["triggeredBy"]["id"], second["id"],
        "newest fact first"
    );
    let pregnancy = &found[1];
    assert_eq!(pregnancy["triggeredBy"]["kind"], "DISCLOSURE");
    let raised_by_it = all
        .iter()
        .filter(|p| p["triggeredBy"]["id"] == pregnancy["triggeredBy"]["id"])
        .count();
    assert_eq!(pregnancy["total"], raised_by_it);
    assert_eq!(pregnancy["prompts"].as_array().unwrap().len(), raised_by_it);
    assert_eq!(pregnancy["resolved"], 0);

    // Two done: the counts say so, and the officer answers the rest in one call.
    let clares = find(&open, "da-clares-law");
    let mash = find(&open, "pregnancy-da-mash-referral");
    for p in [&clares, &mash] {
        expect(
            app.post(
                &path(p, "resolve"),
                &app.pp(),
                &json!({"outcome": "ACTIONED", "note": "Done"}),
            )
            .await,
            200,
            "resolve",
        )
        .await;
    }
    let page = groups(&app, &app.pp(), "").await;
    let pregnancy = &page["groups"][1];
    assert_eq!(pregnancy["resolved"], 2);
    assert_eq!(
        pregnancy["unresolved"].as_u64().unwrap(),
        raised_by_it as u64 - 2
    );
    // Filters apply inside groups; paging counts groups.
    let first = groups(&app, &app.pp(), "status=OPEN&limit=1").await;
    assert_eq!(first["groups"].as_array().unwrap().len(), 1);
    let cursor = first["nextCursor"].as_str().expect("a second page");
    let rest = groups(
        &app,
        &app.pp(),
        &format!("status=OPEN&limit=1&cursor={cursor}"),
    )
    .await;
    let only_open = &rest["groups"][0];
    assert_eq!(
        only_open["triggeredBy"]["id"],
        pregnancy["triggeredBy"]["id"]
    );
    assert_eq!(only_open["resolved"], 0);
    assert!(only_open["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"] == "OPEN"));
    assert!(rest["nextCursor"].is_null());
    // A provider sees only its own prompts, grouped the same way.
    let provider = groups(&app, &app.provider_manager(), "").await;
    for g in provider["groups"].as_array().unwrap() {
        for p in g["prompts"].as_array().unwrap() {
            assert_eq!(p["org"], PROVIDER);
        }
    }
    // An unknown grouping is a bad request.
    problem(
        app.get("/api/v1/safeguarding-prompts?groupBy=officer", &app.pp())
            .await,
        400,
    )
    .await;
}

#[actix_web::test]
async fn a_proposal_awaiting_approval_past_the_deadline_is_escalated_once() {
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
            &json!({"outcome": "NOT_REQUIRED", "note": "Already known to social care"}),
        )
        .await,
        200,
        "propose",
    )
    .await;
    assert_eq!(proposed["status"], "PENDING_APPROVAL");
    // Due Wednesday 17:00; on Thursday no manager has decided.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0).unwrap());
    rarlink::background::escalate(&app.state).await.unwrap();
    rarlink::background::escalate(&app.state).await.unwrap();
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
    assert_eq!(read["status"], "PENDING_APPROVAL");
    assert_eq!(read["overdue"], true);
    assert!(read["escalatedAt"].is_string(), "{read}");
    let escalated = list(&app, &app.spo(), "escalated=true&assignedToMe=true").await;
    assert!(escalated.iter().any(|p| p["id"] == mash["id"]));
    let overdue = list(&app, &app.pp(), "overdue=true").await;
    assert!(overdue.iter().any(|p| p["id"] == mash["id"]));
    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.overdue&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await;
    let for_mash = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["additionalInformation"]["promptId"] == mash["id"])
        .count();
    assert_eq!(for_mash, 1, "escalated once");
}

#[actix_web::test]
async fn a_reminder_reaches_every_prompt_half_way_to_its_deadline_however_many_there_are() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    // Enough distinct facts to raise more prompts than one page of the background run (100).
    let mut n = 0;
    while list(&app, &app.pp(), "status=OPEN&limit=200").await.len() <= 110 {
        n += 1;
        app.provider_disclosure(
            &case.referral_id,
            &json!({"type": "HARM_TO_CHILD", "disclosedAt": "2026-03-03T08:00:00Z",
                    "disclosedBy": "PERSON_ON_PROBATION", "summary": format!("Incident {n}")}),
        )
        .await;
        assert!(n < 60, "disclosures keep raising prompts");
    }
    let open = list(&app, &app.pp(), "status=OPEN&limit=200").await;
    // Every deadline here is at least the same working day (17:00): by 16:59 all are half-way.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 16, 59, 0).unwrap());
    let due_half_way: Vec<&Value> = open
        .iter()
        .filter(|p| p["dueAt"] == "2026-03-03T17:00:00Z")
        .collect();
    rarlink::background::escalate(&app.state).await.unwrap();
    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.due-soon&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await;
    let reminded: Vec<&Value> = events["items"].as_array().unwrap().iter().collect();
    for p in &due_half_way {
        assert!(
            reminded
                .iter()
                .any(|e| e["additionalInformation"]["promptId"] == p["id"]),
            "every same-day prompt is reminded"
        );
    }
    assert!(!due_half_way.is_empty());
}

#[actix_web::test]
async fn the_reporting_provider_is_told_by_event_what_became_of_probations_prompts_without_casework(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    let recorded = app
        .provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    let open = list(&app, &app.pp(), "status=OPEN").await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    assert_eq!(mash["org"], PROBATION, "a probation prompt");
    expect(
        app.post(
            &path(&mash, "resolve"),
            &app.pp(),
            &json!({"outcome": "REFERRED", "note": "Secret: spoke to the partner's mother",
                    "referral": {"agency": "CHILDRENS_SOCIAL_CARE", "method": "PHONE", "referredOn": "2026-03-03"}}),
        )
        .await,
        200,
        "refer",
    )
    .await;
    let feed = |token: String| {
        let app = &app;
        async move {
            body(
                app.get(
                    "/api/v1/events?type=rarlink.safeguarding-prompt.referred&limit=200",
                    &token,
                )
                .await,
            )
            .await["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        }
    };
    let told = feed(app.worker()).await;
    let event = told
        .iter()
        .find(|e| e["additionalInformation"]["promptId"] == mash["id"])
        .unwrap_or_else(|| panic!("the reporting provider hears of the referral: {told:?}"));
    let info = &event["additionalInformation"];
    assert_eq!(info["status"], "AWAITING_RESPONSE");
    assert_eq!(info["outcome"], "REFERRED");
    assert_eq!(info["agency"], "CHILDRENS_SOCIAL_CARE");
    assert_eq!(info["assigneeOrg"], PROBATION);
    assert_eq!(info["disclosureId"], recorded["id"]);
    assert!(info.get("title").is_none(), "no casework for the provider");
    assert!(!event.to_string().contains("Secret"));
    // Probation reads the whole event; another provider hears nothing.
    let probation = feed(app.pp()).await;
    let full = probation
        .iter()
        .find(|e| e["additionalInformation"]["promptId"] == mash["id"])
        .unwrap();
    assert!(full["additionalInformation"]["title"].is_string());
    assert!(feed(app.other_worker())
        .await
        .iter()
        .all(|e| e["additionalInformation"]["promptId"] != mash["id"]));
    // The disclosure the event names says the same.
    let read = expect(
        app.get(
            &format!(
                "/api/v1/disclosures/{}",
                info["disclosureId"].as_str().unwrap()
            ),
            &app.worker(),
        )
        .await,
        200,
        "the reporter reads the disclosure",
    )
    .await;
    let response = find(
        read["responses"].as_array().unwrap(),
        "pregnancy-da-mash-referral",
    );
    assert_eq!(response["status"], "AWAITING_RESPONSE");
}

#[actix_web::test]
async fn the_same_pregnancy_told_again_with_a_due_date_adds_it_to_the_open_prompts_not_a_new_set() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
    let mut first = pregnancy_disclosure();
    first["details"]
        .as_object_mut()
        .unwrap()
        .remove("expectedDueDate");
    first["summary"] = json!("Says his partner is pregnant; no date yet");
    app.provider_disclosure(&case.referral_id, &first).await;
    let before = list(&app, &app.pp(), "limit=200").await;
    let mash = find(&before, "pregnancy-da-mash-referral");

    // A week later, the same pregnancy with its due date.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut again = pregnancy_disclosure();
    again["disclosedAt"] = json!("2026-03-10T08:00:00Z");
    let second = app.provider_disclosure(&case.referral_id, &again).await;
    let after = list(&app, &app.pp(), "limit=200").await;
    let mandatory_before = before.iter().filter(|p| p["mandatory"] == true).count();
    let mandatory_after = after.iter().filter(|p| p["mandatory"] == true).count();
    assert_eq!(
        mandatory_after, mandatory_before,
        "no second mandatory set: {second}"
    );
    assert!(find(
        second["promptsCovering"].as_array().unwrap(),
        "pregnancy-da-mash-referral"
    )["status"]
        .is_string());
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
    assert!(
        read["rationale"]
            .as_str()
            .unwrap()
            .contains("expected due date 2026-08-15"),
        "{read}"
    );
    let steps: Vec<&str> = read["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps.last(), Some(&"FACTS_ADDED"));
    assert_eq!(read["relatedDisclosures"], json!([second["id"]]));
    let told = facts_added(&app).await;
    assert!(told >= 1);

    // Told a third time with nothing new: linked, nothing added, nothing raised.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 11, 9, 0, 0).unwrap());
    let mut third = pregnancy_disclosure();
    third["disclosedAt"] = json!("2026-03-11T08:00:00Z");
    let third = app.provider_disclosure(&case.referral_id, &third).await;
    assert_eq!(third["promptsRaisedCount"], 0, "{third}");
    assert_eq!(facts_added(&app).await, told);

    // Another due date is another pregnancy: raised afresh.
    let mut other = pregnancy_disclosure();
    other["disclosedAt"] = json!("2026-03-11T08:30:00Z");
    other["details"]["expectedDueDate"] = json!("2026-11-20");
    let other = app.provider_disclosure(&case.referral_id, &other).await;
    assert!(other["promptsRaisedCount"].as_u64().unwrap() > 0, "{other}");
}

async fn facts_added(app: &TestApp) -> usize {
    body(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.facts-added&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .len()
}
