//! Case notes: both sides write and read them on a live referral; a note that sounds like a
//! disclosure asks the writer's side to record it, unless it is linked to one or said not to be.

use crate::helpers::*;
use crate::safeguarding::pregnancy_disclosure;
use crate::scenario::*;
use chrono::Duration;
use serde_json::{json, Value};

const GIRLFRIEND: &str = "He said his girlfriend is pregnant, due in May";

fn note(body: &str) -> Value {
    json!({"subject": "Session 3", "body": body, "sensitivity": "STANDARD"})
}

async fn app() -> (TestApp, Case) {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().expect("seeded case");
    (app, case)
}

fn notes_path(case: &Case) -> String {
    format!("/api/v1/referrals/{}/case-notes", case.referral_id)
}

async fn add_note(app: &TestApp, case: &Case, token: &str, note: &Value) -> Value {
    expect(
        app.post(&notes_path(case), token, note).await,
        201,
        "add case note",
    )
    .await
}

/// The open prompts of a rule that a caller sees.
async fn prompts_of(app: &TestApp, token: &str, rule: &str) -> Vec<Value> {
    app.prompts(token)
        .await
        .into_iter()
        .filter(|p| p["rule"] == rule)
        .collect()
}

#[actix_web::test]
async fn a_provider_note_about_a_pregnancy_prompts_the_providers_lead_and_the_officer_reads_it() {
    let (app, case) = app().await;
    let added = add_note(&app, &case, &app.worker(), &note(GIRLFRIEND)).await;

    assert_eq!(
        added["possibleDisclosure"]["types"],
        json!(["PREGNANCY", "NEW_RELATIONSHIP"])
    );
    assert_eq!(
        added["possibleDisclosure"]["terms"],
        json!(["girlfriend", "pregnant"])
    );
    assert_eq!(added["author"]["org"], PROVIDER);
    let prompt_id = added["promptId"].as_str().expect("a prompt was raised");

    let lead = prompts_of(
        &app,
        &app.provider_manager(),
        "case-note-possible-disclosure",
    )
    .await;
    assert_eq!(lead.len(), 1, "{lead:?}");
    assert_eq!(lead[0]["id"], prompt_id);
    assert_eq!(lead[0]["assigneeRole"], "PROVIDER_SAFEGUARDING_LEAD");
    assert_eq!(lead[0]["org"], PROVIDER);
    assert_eq!(lead[0]["triggeredBy"]["kind"], "CASE_NOTE");
    assert_eq!(lead[0]["triggeredBy"]["id"], added["id"]);
    assert!(lead[0]["rationale"]
        .as_str()
        .unwrap()
        .contains("\"girlfriend\", \"pregnant\""));
    // Due within one working day (raised on Monday 2 March 2026).
    let raised = lead[0]["raisedAt"].as_str().unwrap();
    let due = lead[0]["dueAt"].as_str().unwrap();
    assert!(due > raised && due < "2026-03-04", "{raised} → {due}");

    let read = expect(
        app.get(&format!("/api/v1/case-notes/{}", id_of(&added)), &app.pp())
            .await,
        200,
        "officer reads the note",
    )
    .await;
    assert_eq!(read["body"], GIRLFRIEND);
    assert_eq!(read["possibleDisclosure"], added["possibleDisclosure"]);
    let listed = expect(app.get(&notes_path(&case), &app.pp()).await, 200, "list").await;
    assert_eq!(listed["items"][0]["id"], added["id"]);
}

#[actix_web::test]
async fn a_note_linked_to_a_recorded_disclosure_or_explained_raises_no_prompt_but_keeps_its_terms()
{
    let (app, case) = app().await;
    app.clock.advance(Duration::days(1));
    let disclosure = app
        .provider_disclosure(&case.referral_id, &pregnancy_disclosure())
        .await;
    let mut linked = note(GIRLFRIEND);
    linked["disclosureId"] = disclosure["id"].clone();
    let added = add_note(&app, &case, &app.worker(), &linked).await;
    assert_eq!(added["disclosureId"], disclosure["id"]);
    assert_eq!(added["possibleDisclosure"]["terms"][1], "pregnant");
    assert!(added["promptId"].is_null());

    let mut explained = note("Talked about the baby sister he looks after with his mum");
    explained["notADisclosureReason"] =
        json!("Already known: recorded in the household declaration");
    let added = add_note(&app, &case, &app.worker(), &explained).await;
    assert_eq!(added["possibleDisclosure"]["terms"], json!(["baby"]));
    assert!(added["promptId"].is_null());

    assert!(prompts_of(
        &app,
        &app.provider_manager(),
        "case-note-possible-disclosure"
    )
    .await
    .is_empty());

    // A disclosure id that names nothing the caller may see is refused.
    let mut unknown = note(GIRLFRIEND);
    unknown["disclosureId"] = json!(uuid::Uuid::now_v7());
    let p = problem(
        app.post(&notes_path(&case), &app.worker(), &unknown).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "disclosureId");
}

#[actix_web::test]
async fn an_ordinary_note_raises_nothing_and_a_probation_note_prompts_the_officers_manager() {
    let (app, case) = app().await;
    let plain = add_note(
        &app,
        &case,
        &app.worker(),
        &note("attended and engaged well"),
    )
    .await;
    assert!(plain["possibleDisclosure"].is_null());
    assert!(plain["promptId"].is_null());

    let officer = add_note(
        &app,
        &case,
        &app.pp(),
        &note("Police called: he was arrested on Friday"),
    )
    .await;
    assert_eq!(
        officer["possibleDisclosure"]["types"],
        json!(["NEW_OFFENCE"])
    );
    assert_eq!(officer["author"]["org"], PROBATION);
    let prompts = prompts_of(&app, &app.spo(), "case-note-possible-disclosure").await;
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert_eq!(prompts[0]["assigneeRole"], "PROBATION_MANAGER");
    assert_eq!(prompts[0]["org"], PROBATION);
    // The provider's lead does not see a prompt addressed to probation.
    assert!(prompts_of(
        &app,
        &app.provider_manager(),
        "case-note-possible-disclosure"
    )
    .await
    .is_empty());

    // The worker reads the officer's note.
    let read = expect(
        app.get(
            &format!("/api/v1/case-notes/{}", id_of(&officer)),
            &app.worker(),
        )
        .await,
        200,
        "worker reads the officer's note",
    )
    .await;
    assert_eq!(read["subject"], "Session 3");
}

#[actix_web::test]
async fn notes_are_listed_newest_first_a_page_at_a_time_and_a_correction_names_the_original() {
    let (app, case) = app().await;
    let first = add_note(&app, &case, &app.worker(), &note("Rang about Thursday")).await;
    app.clock.advance(Duration::minutes(5));
    let mut correction = note("Rang about Friday, not Thursday");
    correction["corrects"] = first["id"].clone();
    let second = add_note(&app, &case, &app.worker(), &correction).await;
    assert_eq!(second["corrects"], first["id"]);
    app.clock.advance(Duration::minutes(5));
    let third = add_note(&app, &case, &app.pp(), &note("Thanks, noted")).await;

    let page = expect(
        app.get(&format!("{}?limit=2", notes_path(&case)), &app.worker())
            .await,
        200,
        "first page",
    )
    .await;
    let ids: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert_eq!(ids, vec![&third["id"], &second["id"]]);
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let next = expect(
        app.get(
            &format!("{}?limit=2&cursor={cursor}", notes_path(&case)),
            &app.worker(),
        )
        .await,
        200,
        "second page",
    )
    .await;
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_eq!(next["items"][0]["id"], first["id"]);
    assert!(next["nextCursor"].is_null());

    // Correcting a note that is not on this referral is refused.
    let mut stray = note("Correction");
    stray["corrects"] = json!(uuid::Uuid::now_v7());
    let p = problem(
        app.post(&notes_path(&case), &app.worker(), &stray).await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "corrects");
}

#[actix_web::test]
async fn bad_notes_are_refused_naming_the_field_and_nothing_is_written() {
    let (app, case) = app().await;
    let cases = [
        (
            json!({"subject": "S", "body": "  ", "sensitivity": "STANDARD"}),
            "body",
        ),
        (
            json!({"subject": "S", "body": "x".repeat(20_001), "sensitivity": "STANDARD"}),
            "body",
        ),
        (
            json!({"subject": "S", "body": "text", "sensitivity": "SECRET"}),
            "sensitivity",
        ),
        (
            json!({"subject": "", "body": "text", "sensitivity": "THIRD_PARTY"}),
            "subject",
        ),
    ];
    for (bad, field) in cases {
        let p = problem(app.post(&notes_path(&case), &app.worker(), &bad).await, 422).await;
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{p}"))
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(fields.iter().any(|f| f.contains(field)), "{field}: {p}");
    }
    let at_limit =
        json!({"subject": "S", "body": "x".repeat(20_000), "sensitivity": "NOT_FOR_SUBJECT"});
    let kept = add_note(&app, &case, &app.worker(), &at_limit).await;
    assert_eq!(kept["sensitivity"], "NOT_FOR_SUBJECT");
    let listed = expect(app.get(&notes_path(&case), &app.pp()).await, 200, "list").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn another_organisation_sees_none_of_it_and_the_event_carries_no_text() {
    let (app, case) = app().await;
    let added = add_note(&app, &case, &app.worker(), &note(GIRLFRIEND)).await;
    let one = format!("/api/v1/case-notes/{}", id_of(&added));
    for token in [app.other_worker(), app.other_pp()] {
        problem(
            app.post(&notes_path(&case), &token, &note("hello")).await,
            404,
        )
        .await;
        problem(app.get(&notes_path(&case), &token).await, 404).await;
        problem(app.get(&one, &token).await, 404).await;
    }

    let events = expect(
        app.get("/api/v1/events?type=rarlink.case-note.added", &app.pp())
            .await,
        200,
        "events",
    )
    .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    let info = &items[0]["additionalInformation"];
    assert_eq!(info["caseNoteId"], added["id"]);
    assert_eq!(info["writtenBy"], "provider");
    assert_eq!(info["possibleDisclosure"], true);
    assert_eq!(info["promptRaised"], true);
    let text = items[0].to_string();
    assert!(
        !text.contains("girlfriend") && !text.contains("Session 3"),
        "{text}"
    );
}

#[actix_web::test]
async fn notes_stop_28_days_after_the_referral_ends_and_drafts_take_none() {
    let (app, case) = app().await;
    let draft = app.draft_referral(&case.order_id, &complete_draft()).await;
    problem(
        app.post(
            &format!("/api/v1/referrals/{draft}/case-notes"),
            &app.pp(),
            &note("hello"),
        )
        .await,
        409,
    )
    .await;
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/withdraw", case.referral_id),
            &app.pp(),
            &json!({"code": "RISK_CHANGED", "note": "Risk rose"}),
        )
        .await,
        200,
        "withdraw",
    )
    .await;
    app.clock.advance(Duration::days(27));
    add_note(&app, &case, &app.worker(), &note("Closing summary")).await;
    app.clock.advance(Duration::days(2));
    let p = problem(
        app.post(&notes_path(&case), &app.worker(), &note("Late"))
            .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "WITHDRAWN");
}

#[actix_web::test]
async fn the_chronology_shows_notes_with_their_text_plan_approvals_and_amendments() {
    let (app, case) = app().await;
    add_note(&app, &case, &app.worker(), &note(GIRLFRIEND)).await;
    let referral = expect(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.pp(),
        )
        .await,
        200,
        "referral",
    )
    .await;
    let plans = format!("/api/v1/referrals/{}/action-plans", case.referral_id);
    let plan = id_of(
        &expect(
            app.post(
                &plans,
                &app.worker(),
                &json!({"activities": [{"description": "One-to-one",
                        "desiredOutcomeId": referral["desiredOutcomes"][0]["id"]}],
                        "numberOfSessions": 6}),
            )
            .await,
            201,
            "draft plan",
        )
        .await,
    );
    for (action, token) in [("submit", app.worker()), ("approve", app.pp())] {
        expect(
            app.post(&format!("{plans}/{plan}/{action}"), &token, &json!({}))
                .await,
            200,
            action,
        )
        .await;
    }
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/amendments", case.referral_id),
            &app.pp(),
            &json!({"changes": {"rarDays": 12}, "reason": "More sessions needed"}),
        )
        .await,
        201,
        "amend",
    )
    .await;

    let chronology = expect(
        app.get(
            &format!("/api/v1/people/{}/chronology", case.crn),
            &app.pp(),
        )
        .await,
        200,
        "chronology",
    )
    .await;
    let entries = chronology["items"].as_array().unwrap();
    let find = |kind: &str| {
        entries
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {chronology}"))
    };
    let noted = find("case-note.added");
    assert_eq!(noted["agency"], PROVIDER);
    assert_eq!(noted["detail"]["subject"], "Session 3");
    assert_eq!(noted["detail"]["body"], GIRLFRIEND);
    assert_eq!(noted["detail"]["sensitivity"], "STANDARD");
    assert!(noted["summary"].as_str().unwrap().contains("Session 3"));
    assert!(noted["summary"].as_str().unwrap().contains(GIRLFRIEND));
    assert!(find("action-plan.approved")["summary"]
        .as_str()
        .unwrap()
        .contains("version 1 approved"));
    assert!(find("referral.amended")["summary"]
        .as_str()
        .unwrap()
        .contains("rarDays"));
    let csv = app
        .get(
            &format!("/api/v1/people/{}/chronology?format=csv", case.crn),
            &app.pp(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("case-note.added") && csv.contains("Session 3"),
        "{csv}"
    );
}
