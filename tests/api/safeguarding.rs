//! Disclosures and safeguarding prompts: raised from facts, due in working days, resolved only
//! with an outcome, escalated when overdue.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub fn pregnancy_disclosure() -> Value {
    json!({
        "type": "PREGNANCY", "disclosedAt": "2026-03-03T08:30:00Z", "disclosedBy": "PERSON_ON_PROBATION",
        "summary": "Said he is going to be a dad soon; his partner is due in August",
        "details": {"whoIsPregnant": "PARTNER", "expectedDueDate": "2026-08-15", "claimsParentage": true, "partnerName": "Jane Doe"},
        "immediateActionTaken": "Told our safeguarding lead the same day"
    })
}

async fn declare_no_children(app: &TestApp) {
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/household-declarations"),
            &app.pp(),
            &json!({"declaredAt": "2026-02-25T10:00:00Z", "childrenInHousehold": false,
                    "contactWithChildren": false, "statement": "No children involved"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

async fn prompts(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = body(
        app.get(&format!("/api/v1/safeguarding-prompts?{query}"), token)
            .await,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .clone()
}

/// The morning after the case was set up (the clock starts on Monday 2 March 2026, 09:00).
fn next_morning(app: &TestApp) {
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap());
}

fn find<'a>(list: &'a [Value], rule: &str) -> &'a Value {
    list.iter()
        .find(|p| p["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {list:?}"))
}

#[actix_web::test]
async fn a_pregnancy_disclosed_to_a_provider_reaches_the_officer_with_deadlines_and_escalates() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    declare_no_children(&app).await;

    let res = app
        .post(
            &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
            &app.worker(),
            &pregnancy_disclosure(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let recorded = body(res).await;
    assert!(
        recorded["promptsRaisedCount"].as_u64().unwrap() >= 7,
        "{recorded}"
    );
    assert_eq!(
        recorded["promptsRaised"],
        json!([]),
        "a provider worker is not shown prompts: they are for its safeguarding lead"
    );
    let lead: Vec<String> = prompts(&app, &app.provider_manager(), "status=OPEN")
        .await
        .iter()
        .map(|p| p["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lead, vec!["provider-safeguarding-procedure"]);

    // The officer sees the prompts, named to them, due in working days.
    let open = prompts(&app, &app.pp(), "status=OPEN&assignedToMe=true").await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    assert_eq!(mash["assignee"], "jsmith");
    assert_eq!(mash["mandatory"], true);
    assert_eq!(
        mash["dueAt"], "2026-03-04T17:00:00Z",
        "Tuesday + 1 working day"
    );
    assert!(mash["guidance"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g.as_str().unwrap().contains("Working Together")));
    for rule in [
        "pregnancy-da-pre-birth-protocol",
        "da-clares-law",
        "da-change-risk-review",
        "da-marac-rereferral",
        "household-update",
    ] {
        find(&open, rule);
    }
    let contradiction = find(&open, "contradiction-reconcile");
    let why = contradiction["rationale"].as_str().unwrap();
    assert!(
        why.contains("No children involved") && why.contains("going to be a dad"),
        "{why}"
    );
    assert!(
        why.contains("2026-02-25") && why.contains("MIND-CAMBS"),
        "{why}"
    );

    // Resolving without a note is refused.
    let resolve = format!(
        "/api/v1/safeguarding-prompts/{}/resolve",
        mash["id"].as_str().unwrap()
    );
    let p = problem(
        app.post(
            &resolve,
            &app.pp(),
            &json!({"outcome": "ACTIONED", "note": ""}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "note");
    let done = body(
        app.post(&resolve, &app.pp(), &json!({"outcome": "ACTIONED", "note": "Referred to MASH by phone", "externalReference": "MASH-2026-0042"}))
            .await,
    )
    .await;
    assert_eq!(done["status"], "RESOLVED");
    assert_eq!(done["resolution"]["externalReference"], "MASH-2026-0042");
    problem(
        app.post(
            &resolve,
            &app.pp(),
            &json!({"outcome": "ACTIONED", "note": "again"}),
        )
        .await,
        409,
    )
    .await;

    // Past the deadlines, the open prompts escalate once and a manager sees them.
    assert!(
        prompts(&app, &app.spo(), "assignedToMe=true&escalated=true")
            .await
            .is_empty()
    );
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 12, 9, 0, 0).unwrap());
    let first = rarlink::background::escalate(&app.state).await.unwrap();
    assert!(first >= 6, "escalated {first}");
    assert_eq!(
        rarlink::background::escalate(&app.state).await.unwrap(),
        0,
        "escalated twice"
    );
    let escalated = prompts(&app, &app.spo(), "assignedToMe=true&escalated=true").await;
    assert_eq!(escalated.len(), first);
    assert!(escalated
        .iter()
        .all(|p| p["overdue"] == true && p["status"] == "OPEN"));
    let overdue = prompts(&app, &app.pp(), "overdue=true").await;
    assert!(overdue.len() >= first);
    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.safeguarding-prompt.overdue&limit=200",
            &app.pp(),
        )
        .await,
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), first);
}

#[actix_web::test]
async fn a_mandatory_prompt_is_judged_not_required_only_with_a_managers_approval() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    app.post(
        &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
        &app.worker(),
        &pregnancy_disclosure(),
    )
    .await;
    let open = prompts(&app, &app.pp(), "status=OPEN").await;
    let mash = find(&open, "pregnancy-da-mash-referral");
    let resolve = format!(
        "/api/v1/safeguarding-prompts/{}/resolve",
        mash["id"].as_str().unwrap()
    );
    let not_required =
        json!({"outcome": "NOT_REQUIRED", "note": "Children's social care already involved"});
    let proposed = body(app.post(&resolve, &app.pp(), &not_required).await).await;
    assert_eq!(proposed["status"], "PENDING_APPROVAL");
    let done = body(
        app.post(
            &format!(
                "/api/v1/safeguarding-prompts/{}/approval",
                mash["id"].as_str().unwrap()
            ),
            &app.spo(),
            &json!({"decision": "APPROVE", "note": "Agreed"}),
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "RESOLVED");
    assert_eq!(done["resolution"]["outcome"], "NOT_REQUIRED");
    assert_eq!(done["resolution"]["resolvedByRole"], "probation_manager");
    // A prompt that is not mandatory may be closed as not required by the practitioner.
    let clares = find(&open, "da-clares-law");
    let res = app
        .post(
            &format!(
                "/api/v1/safeguarding-prompts/{}/resolve",
                clares["id"].as_str().unwrap()
            ),
            &app.pp(),
            &not_required,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_same_pregnancy_reported_again_raises_no_duplicate_and_says_why() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let first = body(
        app.post(&path, &app.worker(), &pregnancy_disclosure())
            .await,
    )
    .await;
    let second = body(
        app.post(&path, &app.worker(), &pregnancy_disclosure())
            .await,
    )
    .await;
    assert_eq!(second["promptsRaisedCount"], 0);
    assert_eq!(
        second["promptsAlreadyOpen"].as_array().unwrap().len(),
        first["promptsRaised"].as_array().unwrap().len(),
        "the provider is told only of the open prompts it can see"
    );
    assert!(second["noPromptReason"]
        .as_str()
        .unwrap()
        .contains("already covered"));
    let mut other = pregnancy_disclosure();
    other["details"]["expectedDueDate"] = json!("2026-09-20");
    let third = body(app.post(&path, &app.worker(), &other).await).await;
    assert!(
        third["promptsRaisedCount"].as_u64().unwrap() > 0,
        "a new due date is a new fact"
    );
}

#[actix_web::test]
async fn a_disclosure_about_a_person_without_flags_still_raises_the_household_prompt() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let mut low = risk_body();
    low["flags"] = json!([]);
    low["maracCount"] = json!(0);
    for k in ["roshChildren", "roshKnownAdult", "roshStaff"] {
        low[k] = json!("LOW");
    }
    app.record_risk(CRN, &low).await;
    let res = app.post(&format!("/api/v1/people/{CRN}/disclosures"), &app.pp(), &json!({
        "type": "NEW_RELATIONSHIP", "disclosedAt": "2026-03-01T12:00:00Z", "disclosedBy": "PERSON_ON_PROBATION",
        "summary": "Has a new girlfriend", "details": {"partnerName": "Ann"}
    })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let recorded = body(res).await;
    let rules: Vec<&str> = recorded["promptsRaised"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["household-update"]);
    let list = body(
        app.get(&format!("/api/v1/people/{CRN}/disclosures"), &app.pp())
            .await,
    )
    .await;
    assert_eq!(list["items"][0]["promptIds"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn impossible_disclosures_are_refused_and_nothing_is_raised() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let mut future = pregnancy_disclosure();
    future["disclosedAt"] = json!("2026-03-09T10:00:00Z");
    problem(app.post(&path, &app.worker(), &future).await, 422).await;
    let mut before_1900 = pregnancy_disclosure();
    before_1900["disclosedAt"] = json!("1899-12-31T10:00:00Z");
    problem(app.post(&path, &app.worker(), &before_1900).await, 422).await;
    let mut no_details = pregnancy_disclosure();
    no_details.as_object_mut().unwrap().remove("details");
    problem(app.post(&path, &app.worker(), &no_details).await, 422).await;
    let mut unknown = pregnancy_disclosure();
    unknown["type"] = json!("GOSSIP");
    problem(app.post(&path, &app.worker(), &unknown).await, 422).await;
    assert!(prompts(&app, &app.pp(), "").await.is_empty());
}

#[actix_web::test]
async fn a_disclosure_from_before_the_referral_is_kept_marked_and_raises_its_prompts() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let mut early = pregnancy_disclosure();
    early["disclosedAt"] = json!("2025-12-01T10:00:00Z");
    let recorded = expect(
        app.post(&path, &app.worker(), &early).await,
        201,
        "a disclosure the provider heard before the referral",
    )
    .await;
    assert_eq!(recorded["predatesReferral"], true);
    assert!(
        recorded["promptsRaisedCount"].as_u64().unwrap() > 0,
        "{recorded}"
    );
    assert!(!prompts(&app, &app.pp(), "").await.is_empty());
    let on_time = expect(
        app.post(&path, &app.worker(), &pregnancy_disclosure())
            .await,
        201,
        "a disclosure after the referral",
    )
    .await;
    assert_eq!(on_time["predatesReferral"], false);
}

#[actix_web::test]
async fn providers_report_only_on_their_own_accepted_referrals() {
    let app = spawn_app().await;
    let case = app.case(false).await;
    next_morning(&app);
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let p = problem(
        app.post(&path, &app.worker(), &pregnancy_disclosure())
            .await,
        409,
    )
    .await;
    assert_eq!(p["currentState"], "SENT");
    problem(
        app.post(&path, &app.other_worker(), &pregnancy_disclosure())
            .await,
        404,
    )
    .await;
}

#[actix_web::test]
async fn harm_to_a_child_is_due_today_for_the_officer_and_the_providers_lead() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let res = app.post(&format!("/api/v1/referrals/{}/disclosures", case.referral_id), &app.worker(), &json!({
        "type": "HARM_TO_CHILD", "disclosedAt": "2026-03-03T08:45:00Z", "disclosedBy": "THIRD_PARTY",
        "summary": "Partner's neighbour reported bruising on a toddler"
    })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let officer = prompts(&app, &app.pp(), "status=OPEN").await;
    assert_eq!(
        find(&officer, "harm-to-child-referral")["dueAt"],
        "2026-03-03T17:00:00Z"
    );
    let lead = prompts(&app, &app.provider_manager(), "status=OPEN").await;
    let rules: Vec<&str> = lead.iter().map(|p| p["rule"].as_str().unwrap()).collect();
    assert!(
        rules.contains(&"harm-to-child-provider-referral")
            && rules.contains(&"harm-to-child-written-confirmation"),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"harm-to-child-referral"),
        "a provider sees only prompts addressed to it"
    );
    let other_lead = app.token("zz", OTHER_PROVIDER, &["provider_manager"]);
    assert!(prompts(&app, &other_lead, "").await.is_empty());
    problem(
        app.get("/api/v1/safeguarding-prompts", &app.worker()).await,
        403,
    )
    .await;

    // The provider's lead resolves its own prompt; a worker may not; probation may not.
    let id = find(&lead, "harm-to-child-provider-referral")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/safeguarding-prompts/{id}/resolve");
    let note = json!({"outcome": "ACTIONED", "note": "Referred by our DSL", "externalReference": "MASH-7"});
    problem(app.post(&path, &app.worker(), &note).await, 403).await;
    problem(app.post(&path, &app.pp(), &note).await, 403).await;
    assert_eq!(
        app.post(&path, &app.provider_manager(), &note)
            .await
            .status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_rise_in_risk_after_sending_asks_the_providers_lead_who_alone_closes_it() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let mut raised = risk_body();
    raised["roshStaff"] = json!("HIGH");
    app.record_risk(CRN, &raised).await;
    let lead = prompts(&app, &app.provider_manager(), "status=OPEN").await;
    let ack = find(&lead, "risk-information-updated");
    assert_eq!(ack["assigneeRole"], "PROVIDER_SAFEGUARDING_LEAD");
    assert!(ack["rationale"].as_str().unwrap().contains("RoSH rose"));
    app.post(
        &format!(
            "/api/v1/referrals/{}/risk-acknowledgement",
            case.referral_id
        ),
        &app.worker(),
        &json!({}),
    )
    .await;
    // The worker's acknowledgement leaves the lead's prompt open.
    let after = prompts(&app, &app.provider_manager(), "status=OPEN").await;
    assert_eq!(find(&after, "risk-information-updated")["id"], ack["id"]);
    // The lead acknowledging closes it.
    let res = app
        .post(
            &format!(
                "/api/v1/referrals/{}/risk-acknowledgement",
                case.referral_id
            ),
            &app.provider_manager(),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = prompts(&app, &app.provider_manager(), "status=OPEN").await;
    assert!(after
        .iter()
        .all(|p| p["rule"] != "risk-information-updated"));
    // A lower risk raises nothing for the provider.
    app.clock.advance(Duration::hours(1));
    app.record_risk(CRN, &risk_body()).await;
    assert!(prompts(&app, &app.provider_manager(), "status=OPEN")
        .await
        .iter()
        .all(|p| p["rule"] != "risk-information-updated"));
}

#[actix_web::test]
async fn a_correction_references_the_original_disclosure() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    let path = format!("/api/v1/referrals/{}/disclosures", case.referral_id);
    let first = body(
        app.post(&path, &app.worker(), &pregnancy_disclosure())
            .await,
    )
    .await;
    let mut correction = pregnancy_disclosure();
    correction["details"]["expectedDueDate"] = json!("2026-07-30");
    correction["corrects"] = first["id"].clone();
    let second = body(app.post(&path, &app.worker(), &correction).await).await;
    assert_eq!(second["corrects"], first["id"]);
    correction["corrects"] = json!(uuid::Uuid::new_v4());
    let p = problem(app.post(&path, &app.worker(), &correction).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "corrects");
}

#[actix_web::test]
async fn denying_children_after_a_provider_heard_of_a_pregnancy_is_a_contradiction() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    app.post(
        &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
        &app.worker(),
        &pregnancy_disclosure(),
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/people/{CRN}/household-declarations"),
            &app.pp(),
            &json!({"declaredAt": "2026-03-03T08:50:00Z", "childrenInHousehold": false, "contactWithChildren": false, "statement": "No children involved"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let recorded = body(res).await;
    let p = &recorded["promptsRaised"][0];
    assert_eq!(p["rule"], "contradiction-reconcile");
    assert!(p["rationale"]
        .as_str()
        .unwrap()
        .contains("going to be a dad"));
}

#[actix_web::test]
async fn only_the_providers_manager_closes_its_leads_prompt_not_a_probation_manager() {
    let app = spawn_app().await;
    let case = app.case(true).await;
    next_morning(&app);
    app.post(
        &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
        &app.worker(),
        &pregnancy_disclosure(),
    )
    .await;
    let lead = prompts(&app, &app.provider_manager(), "status=OPEN").await;
    let path = format!(
        "/api/v1/safeguarding-prompts/{}/resolve",
        lead[0]["id"].as_str().unwrap()
    );
    let note =
        json!({"outcome": "ACTIONED", "note": "Provider closed; confirmed by phone with its DSL"});
    problem(app.post(&path, &app.pp(), &note).await, 403).await;
    problem(app.post(&path, &app.spo(), &note).await, 403).await;
    let done = body(app.post(&path, &app.provider_manager(), &note).await).await;
    assert_eq!(done["resolution"]["resolvedByRole"], "provider_manager");
}
