//! What follows a prompt's answer: feedback to the reporting provider, deduplication across time,
//! reassigning, reopening and transferring the order, and the due-soon reminder.

use crate::helpers::*;
use crate::prompt_lifecycle::{find, list, path, pregnancy_reported};
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

#[actix_web::test]
async fn the_reporting_provider_reads_what_became_of_its_disclosure_without_the_notes() {
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
    let id = recorded["id"].as_str().unwrap();
    let open = list(&app, &app.pp(), "status=OPEN").await;
    let mash = find(&open, "pregnancy-da-mash-referral");
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
    let read = expect(
        app.get(&format!("/api/v1/disclosures/{id}"), &app.worker())
            .await,
        200,
        "the reporting worker reads the disclosure",
    )
    .await;
    let responses = read["responses"].as_array().unwrap();
    assert_eq!(
        responses.len() as u64,
        recorded["promptsRaisedCount"].as_u64().unwrap(),
        "every prompt it raised, whoever it was for"
    );
    let mash_response = find(responses, "pregnancy-da-mash-referral");
    assert_eq!(mash_response["status"], "AWAITING_RESPONSE");
    assert_eq!(mash_response["outcome"], "REFERRED");
    assert_eq!(mash_response["agency"], "CHILDRENS_SOCIAL_CARE");
    assert_eq!(mash_response["assigneeOrg"], PROBATION);
    let text = read["responses"].to_string();
    assert!(!text.contains("Secret") && !text.contains("rationale") && !text.contains("note"));
    // Probation reads it too; another provider or probation area does not.
    expect(
        app.get(&format!("/api/v1/disclosures/{id}"), &app.pp())
            .await,
        200,
        "probation reads it",
    )
    .await;
    problem(
        app.get(&format!("/api/v1/disclosures/{id}"), &app.other_worker())
            .await,
        404,
    )
    .await;
    problem(
        app.get(&format!("/api/v1/disclosures/{id}"), &app.other_pp())
            .await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn the_same_pregnancy_told_again_a_week_after_it_was_actioned_is_linked_not_raised_again() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let mine = pregnancy_reported(&app).await;
    let items: Vec<Value> = list(&app, &app.pp(), "status=OPEN&assignedToMe=true")
        .await
        .iter()
        .map(|p| json!({"promptId": p["id"], "outcome": "ACTIONED", "note": "Done"}))
        .collect();
    expect(
        app.post(
            "/api/v1/safeguarding-prompts/respond",
            &app.pp(),
            &json!({ "items": items }),
        )
        .await,
        200,
        "all actioned",
    )
    .await;

    // A week later the worker hears of the same pregnancy again.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap());
    let mut again = pregnancy_disclosure();
    again["disclosedAt"] = json!("2026-03-10T08:00:00Z");
    let second = app.provider_disclosure(&case.referral_id, &again).await;
    assert_eq!(second["promptsRaisedCount"], 0, "{second}");
    let covering = second["promptsCovering"].as_array().unwrap();
    let mash_cover = find(covering, "pregnancy-da-mash-referral");
    assert_eq!(mash_cover["status"], "RESOLVED");
    assert_eq!(mash_cover["outcome"], "ACTIONED");
    assert!(!second["promptsCovering"].to_string().contains("Done"));
    assert!(second["noPromptReason"]
        .as_str()
        .unwrap()
        .contains("already covered"));
    let mash = find(&mine, "pregnancy-da-mash-referral");
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
    assert_eq!(read["relatedDisclosures"], json!([second["id"]]));

    // Beyond the window (90 days) the same fact is raised afresh.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap());
    let mut later = pregnancy_disclosure();
    later["disclosedAt"] = json!("2026-06-15T08:00:00Z");
    let third = app.provider_disclosure(&case.referral_id, &later).await;
    assert!(third["promptsRaisedCount"].as_u64().unwrap() > 0, "{third}");
}

#[actix_web::test]
async fn transferring_the_order_moves_its_open_prompts_to_the_new_officer_and_managers_reassign_and_reopen(
) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let open = pregnancy_reported(&app).await;
    let clares = find(&open, "da-clares-law");
    expect(
        app.post(
            &path(&clares, "resolve"),
            &app.pp(),
            &json!({"outcome": "ACTIONED", "note": "Right to know considered"}),
        )
        .await,
        200,
        "resolve one",
    )
    .await;
    let named_to_jsmith = list(&app, &app.pp(), "status=OPEN")
        .await
        .into_iter()
        .filter(|p| p["assignee"] == "jsmith")
        .count();
    assert!(named_to_jsmith >= 4);

    let order = format!("/api/v1/orders/{}", case.order_id);
    let transfer = json!({"responsibleOfficer": {"sub": "kbrown", "name": "K Brown"}});
    problem(app.patch(&order, &app.pp(), &transfer).await, 403).await;
    let moved = expect(
        app.patch(&order, &app.spo(), &transfer).await,
        200,
        "transfer",
    )
    .await;
    assert_eq!(moved["responsibleOfficer"]["sub"], "kbrown");
    let kbrown = app.token("kbrown", PROBATION, &["probation_practitioner"]);
    let theirs = list(&app, &kbrown, "status=OPEN&assignedToMe=true").await;
    assert_eq!(
        theirs.iter().filter(|p| p["assignee"] == "kbrown").count(),
        named_to_jsmith
    );
    assert!(list(&app, &app.pp(), "status=OPEN&assignedToMe=true")
        .await
        .iter()
        .all(|p| p["assignee"] != "jsmith"));
    let resolved = expect(
        app.get(
            &format!(
                "/api/v1/safeguarding-prompts/{}",
                clares["id"].as_str().unwrap()
            ),
            &app.pp(),
        )
        .await,
        200,
        "resolved stays",
    )
    .await;
    assert_eq!(
        resolved["assignee"], "jsmith",
        "a resolved prompt keeps who acted"
    );
    let chronology = body(
        app.get(&format!("/api/v1/people/{CRN}/chronology"), &app.pp())
            .await,
    )
    .await;
    assert!(
        chronology.to_string().contains("order.transferred"),
        "the transfer shows in the chronology"
    );
    problem(app.patch(&order, &app.spo(), &transfer).await, 409).await;

    // A manager reassigns an open prompt and reopens a resolved one; the history keeps all.
    let mash = find(&theirs, "pregnancy-da-mash-referral");
    problem(
        app.post(
            &path(&mash, "reassign"),
            &kbrown,
            &json!({"assignee": "jsmith", "note": "x"}),
        )
        .await,
        403,
    )
    .await;
    let reassigned = expect(
        app.post(
            &path(&mash, "reassign"),
            &app.spo(),
            &json!({"assignee": "jsmith", "note": "Knows the family"}),
        )
        .await,
        200,
        "reassign",
    )
    .await;
    assert_eq!(reassigned["assignee"], "jsmith");
    let steps: Vec<&str> = reassigned["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["RAISED", "REASSIGNED", "REASSIGNED"]);
    problem(
        app.post(&path(&mash, "reopen"), &app.spo(), &json!({"note": "x"}))
            .await,
        409,
    )
    .await;
    let reopened = expect(
        app.post(
            &path(&clares, "reopen"),
            &app.spo(),
            &json!({"note": "The partner asked for a disclosure after all"}),
        )
        .await,
        200,
        "reopen",
    )
    .await;
    assert_eq!(reopened["status"], "OPEN");
    assert!(reopened["resolution"].is_null());
    let history = reopened["history"].as_array().unwrap();
    assert_eq!(history[1]["note"], "Right to know considered", "kept");
    assert_eq!(history.last().unwrap()["step"], "REOPENED");
}

async fn reminders(app: &TestApp, prompt: &Value) -> usize {
    let path = "/api/v1/events?type=rarlink.safeguarding-prompt.due-soon&limit=200";
    let page = body(app.get(path, &app.pp()).await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["additionalInformation"]["promptId"] == prompt["id"])
        .count()
}

#[actix_web::test]
async fn an_open_prompt_half_way_to_its_deadline_is_reminded_once() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let open = pregnancy_reported(&app).await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    assert_eq!(mash["dueAt"], "2026-03-04T17:00:00Z");
    // Raised Tuesday 09:00, due Wednesday 17:00: half-way is Wednesday 01:00.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 20, 0, 0).unwrap());
    rarlink::background::escalate(&app.state).await.unwrap();
    assert_eq!(reminders(&app, &mash).await, 0);
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap());
    rarlink::background::escalate(&app.state).await.unwrap();
    rarlink::background::escalate(&app.state).await.unwrap();
    assert_eq!(reminders(&app, &mash).await, 1, "reminded once");
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
    assert_eq!(
        read["history"].as_array().unwrap().last().unwrap()["step"],
        "DUE_SOON"
    );
}
