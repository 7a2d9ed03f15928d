//! What the typed contract promises a generated client: the responsible officer in either form,
//! disclosure `details` typed by disclosure type (an unknown field refused by name), nested risk
//! objects and household merge patches that refuse fields they do not define.

use crate::helpers::*;
use crate::scenario::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_responsible_officer_is_a_subject_id_or_sub_and_name_and_nothing_else() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let path = format!("/api/v1/people/{CRN}/orders");
    let mut order = order_body();
    order["responsibleOfficer"] = json!("jsmith");
    let plain = expect(app.post(&path, &app.pp(), &order).await, 201, "subject id").await;
    assert_eq!(
        plain["responsibleOfficer"],
        json!({"sub": "jsmith", "name": null})
    );
    order["responsibleOfficer"] = json!({"sub": "jsmith", "name": "J Smith"});
    let named = expect(
        app.post(&path, &app.pp(), &order).await,
        201,
        "sub and name",
    )
    .await;
    assert_eq!(named["responsibleOfficer"]["name"], "J Smith");
    order["responsibleOfficer"] = json!({"sub": "jsmith", "team": "North"});
    let refused = problem(app.post(&path, &app.pp(), &order).await, 422).await;
    assert_eq!(fields(&refused), ["responsibleOfficer"]);
}

#[actix_web::test]
async fn a_typo_in_disclosure_details_is_refused_naming_the_field_and_raises_nothing() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let path = format!("/api/v1/people/{CRN}/disclosures");
    let disclosure = |kind: &str, details: Value| {
        json!({"type": kind, "disclosedAt": "2026-03-01T12:00:00Z",
               "disclosedBy": "PERSON_ON_PROBATION", "summary": "Said so", "details": details})
    };
    let typo = disclosure(
        "PREGNANCY",
        json!({"whoIsPregnant": "PARTNER", "expectedDueDat": "2026-08-01"}),
    );
    let refused = problem(app.post(&path, &app.pp(), &typo).await, 422).await;
    assert_eq!(fields(&refused), ["details.expectedDueDat"]);
    let other = disclosure("NEW_RELATIONSHIP", json!({"partnerNmae": "Ann"}));
    let refused = problem(app.post(&path, &app.pp(), &other).await, 422).await;
    assert_eq!(fields(&refused), ["details.partnerNmae"]);
    let list = body(app.get(&path, &app.pp()).await).await;
    assert_eq!(list["items"], json!([]), "nothing was recorded");
    assert!(
        app.prompts(&app.pp()).await.is_empty(),
        "nothing was raised"
    );
}

#[actix_web::test]
async fn disclosure_details_come_back_typed_as_they_were_sent() {
    let app = TestApp::builder()
        .clock_at(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap())
        .spawn()
        .await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let path = format!("/api/v1/people/{CRN}/disclosures");
    let details = json!({"whoIsPregnant": "PARTNER", "expectedDueDate": "2026-08-15",
                         "claimsParentage": true, "partnerName": "Jane Doe"});
    let sent = json!({"type": "PREGNANCY", "disclosedAt": "2026-03-01T12:00:00Z",
                      "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
                      "details": details});
    let recorded = expect(app.post(&path, &app.pp(), &sent).await, 201, "pregnancy").await;
    assert_eq!(recorded["details"], details);
    let list = body(app.get(&path, &app.pp()).await).await;
    assert_eq!(list["items"][0]["details"], details);
}

#[actix_web::test]
async fn unknown_fields_inside_risk_to_self_and_mappa_are_refused_by_name() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let path = format!("/api/v1/people/{CRN}/risk");
    let mut risk = risk_body();
    risk["riskToSelf"]["suicde"] = json!(true);
    let refused = problem(app.put(&path, &app.pp(), &risk).await, 422).await;
    assert_eq!(fields(&refused), ["riskToSelf.suicde"]);
    let mut risk = risk_body();
    risk["flags"] = json!(["MAPPA"]);
    risk["mappa"] = json!({"category": 1, "level": 2, "lead": "police"});
    let refused = problem(app.put(&path, &app.pp(), &risk).await, 422).await;
    assert_eq!(fields(&refused), ["mappa.lead"]);
}

#[actix_web::test]
async fn a_household_merge_patch_refuses_a_field_a_member_does_not_have() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let members = format!("/api/v1/people/{CRN}/household-members");
    let member = json!({
        "name": "Jane Doe", "relationship": "PARTNER", "livesInHousehold": true,
        "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-02-27"}, "verified": false
    });
    let added = expect(app.post(&members, &app.pp(), &member).await, 201, "member").await;
    let path = format!("{members}/{}", id_of(&added));
    let refused = problem(
        app.patch(&path, &app.pp(), &json!({"verifed": true})).await,
        422,
    )
    .await;
    assert_eq!(fields(&refused), ["verifed"]);
    let patched = expect(
        app.patch(
            &path,
            &app.pp(),
            &json!({"verified": true, "notes": "seen"}),
        )
        .await,
        200,
        "patch",
    )
    .await;
    assert_eq!(
        (patched["verified"].clone(), patched["notes"].clone()),
        (json!(true), json!("seen"))
    );
}

#[actix_web::test]
async fn the_event_feed_filters_by_a_listed_type_and_refuses_an_unknown_one_by_name() {
    let app = spawn_app().await;
    app.setup_orgs().await;
    app.create_person(CRN).await;
    let typo = app
        .get("/api/v1/events?type=rarlink.person.upsertd", &app.pp())
        .await;
    assert_eq!(fields(&problem(typo, 422).await), ["type"]);
    let page = body(
        app.get("/api/v1/events?type=rarlink.person.upserted", &app.pp())
            .await,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["eventType"], "rarlink.person.upserted");
    assert_eq!(items[0]["additionalInformation"], json!({"created": true}));
    let everything = body(app.get("/api/v1/events?type=", &app.pp()).await).await;
    let types: Vec<&str> = everything["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert!(
        types.len() > 1 && types.contains(&"rarlink.person.upserted"),
        "{types:?}"
    );
}
