//! Subject access: `GET /people/{crn}/export` holds every record created about a seeded case,
//! marks every value naming a third party, is for the managing organisation's probation manager
//! only, and is audited.

use crate::helpers::*;
use crate::scenario::*;
use chrono::Duration;
use serde_json::{json, Value};

/// The ids of a section of the export (`key` names the id field).
fn ids(export: &Value, section: &str, key: &str) -> Vec<String> {
    export[section]
        .as_array()
        .unwrap_or_else(|| panic!("no section {section} in the export"))
        .iter()
        .map(|r| match &r[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn holds(export: &Value, section: &str, key: &str, id: &str) {
    let found = ids(export, section, key);
    assert!(
        found.iter().any(|f| f == id),
        "{section} has no {key} {id}: {found:?}"
    );
}

#[actix_web::test]
async fn the_export_holds_every_record_created_and_marks_third_parties() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let r = &case.referral_id;
    let person = format!("/api/v1/people/{CRN}");

    let member = expect(
        app.post(
            &format!("{person}/household-members"),
            &app.pp(),
            &json!({"name": "Jane Doe", "relationship": "PARTNER", "livesInHousehold": true,
                    "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-02-01"}, "verified": false}),
        )
        .await,
        201,
        "household member",
    )
    .await;
    let declaration = expect(
        app.post(
            &format!("{person}/household-declarations"),
            &app.pp(),
            &json!({"declaredAt": "2026-02-25T10:00:00Z", "childrenInHousehold": false,
                    "contactWithChildren": false, "partner": "Jane Doe",
                    "statement": "Lives with his partner"}),
        )
        .await,
        201,
        "household declaration",
    )
    .await;
    let session = app.book_session(r, "2026-03-02T10:00:00Z").await;
    app.clock.advance(Duration::days(1));
    expect(
        app.put(
            &format!("/api/v1/appointments/{session}/attendance"),
            &app.worker(),
            &json!({"attended": "YES", "engagement": "Engaged well", "behaviourConcern": false,
                    "notifyResponsibleOfficer": false}),
        )
        .await,
        200,
        "attendance",
    )
    .await;
    let pregnancy = app
        .provider_disclosure(
            r,
            &json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T08:00:00Z",
                    "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
                    "details": {"whoIsPregnant": "PARTNER"}}),
        )
        .await;
    let pregnancy_id = pregnancy["disclosure"]["id"]
        .as_str()
        .or(pregnancy["id"].as_str())
        .unwrap_or_else(|| panic!("no disclosure id in {pregnancy}"))
        .to_string();
    let reported = expect(
        app.post(
            &format!("{person}/disclosures"),
            &app.pp(),
            &json!({"type": "NEW_RELATIONSHIP", "disclosedAt": "2026-03-01T10:00:00Z",
                    "disclosedBy": "THIRD_PARTY", "summary": "His sister says he has a new partner",
                    "details": {"partnerName": "Jane Doe", "relationshipStartedOn": "2026-01-10"}}),
        )
        .await,
        201,
        "third-party disclosure",
    )
    .await;
    let reported_id = reported["disclosure"]["id"]
        .as_str()
        .or(reported["id"].as_str())
        .unwrap_or_else(|| panic!("no disclosure id in {reported}"))
        .to_string();
    let prompts = app.prompts(&app.pp()).await;
    assert!(!prompts.is_empty(), "the disclosures raise prompts");
    // Probation's manager closes a prompt probation must act on (a provider lead's prompt is
    // the provider manager's to close).
    let ours: Vec<&Value> = prompts.iter().filter(|p| p["org"] == PROBATION).collect();
    let resolvable = *ours
        .iter()
        .find(|p| p["mandatory"] == false)
        .or(ours.first())
        .expect("a prompt for probation to act on");
    let resolved_id = id_of(resolvable);
    let resolved = expect(
        app.post(
            &format!("/api/v1/safeguarding-prompts/{resolved_id}/resolve"),
            &app.spo(),
            &json!({"outcome": "ACTIONED", "note": "Discussed with him at supervision"}),
        )
        .await,
        200,
        "resolve a prompt",
    )
    .await;
    assert_eq!(resolved["status"], "RESOLVED", "{resolved}");
    let note = expect(
        app.post(
            &format!("/api/v1/referrals/{r}/case-notes"),
            &app.worker(),
            &json!({"subject": "Session 1", "body": "Went well", "sensitivity": "STANDARD"}),
        )
        .await,
        201,
        "case note",
    )
    .await;
    let referral = expect(
        app.get(&format!("/api/v1/referrals/{r}"), &app.worker())
            .await,
        200,
        "referral",
    )
    .await;
    let outcome = referral["desiredOutcomes"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no desired outcome in {referral}"))
        .to_string();
    let report = expect(
        app.post(
            &format!("/api/v1/referrals/{r}/progress-reports"),
            &app.worker(),
            &json!({"outcomes": [{"desiredOutcomeId": outcome, "progress": "SOME_PROGRESS",
                                  "comment": "Uses the strategies"}], "summary": "Going well"}),
        )
        .await,
        201,
        "progress report",
    )
    .await;

    let export = expect(
        app.get(&format!("{person}/export"), &app.spo()).await,
        200,
        "export",
    )
    .await;

    // Every record created, by id.
    assert_eq!(export["crn"], CRN);
    assert_eq!(export["person"]["crn"], CRN);
    assert_eq!(export["riskAssessments"].as_array().unwrap().len(), 1);
    holds(&export, "householdMembers", "id", &id_of(&member));
    holds(&export, "householdDeclarations", "id", &id_of(&declaration));
    holds(&export, "orders", "id", &case.order_id);
    holds(&export, "referrals", "id", r);
    holds(&export, "referralContextVersions", "referralId", r);
    holds(&export, "sessions", "id", &session);
    holds(&export, "sessionHistory", "appointmentId", &session);
    let attended = export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == session.as_str())
        .unwrap();
    assert_eq!(attended["attended"], "YES", "{attended}");
    holds(&export, "disclosures", "id", &pregnancy_id);
    holds(&export, "disclosures", "id", &reported_id);
    for p in &prompts {
        holds(&export, "safeguardingPrompts", "id", &id_of(p));
    }
    let kept = export["safeguardingPrompts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == resolved_id.as_str())
        .unwrap();
    assert_eq!(kept["status"], "RESOLVED");
    assert_eq!(kept["outcome"], "ACTIONED");
    holds(
        &export,
        "safeguardingPromptHistory",
        "promptId",
        &resolved_id,
    );
    holds(&export, "caseNotes", "id", &id_of(&note));
    holds(&export, "progressReports", "id", &id_of(&report));
    let chronology = export["chronology"].as_array().unwrap();
    let about = |id: &str| {
        chronology
            .iter()
            .find(|e| e["link"].as_str().is_some_and(|l| l.ends_with(id)))
            .unwrap_or_else(|| panic!("the chronology has no entry for {id}"))
            .clone()
    };
    assert!(about(&pregnancy_id)["summary"]
        .as_str()
        .is_some_and(|s| s.contains("Partner is pregnant")));
    assert_eq!(
        about(&reported_id)["summary"]["thirdParty"],
        "third-party-discloser"
    );
    assert_eq!(export["person"]["createdAt"], "2026-03-02T09:00:00Z");

    // Nothing is missed: the export holds exactly the rows retention would delete for the case.
    let exported: usize = 1 + export
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "chronology")
        .filter_map(|(_, v)| v.as_array().map(Vec::len))
        .sum::<usize>();
    let held = app
        .state
        .db
        .run(|conn| Ok(rarlink::db::retention::delete_case(conn, CRN)?))
        .await
        .unwrap();
    assert_eq!(exported, held, "rows exported vs rows held");

    // Third parties are marked for redaction.
    let member_row = &export["householdMembers"][0];
    assert_eq!(member_row["body"]["thirdParty"], "household-member");
    assert_eq!(member_row["body"]["value"]["name"], "Jane Doe");
    let declared = &export["householdDeclarations"][0];
    assert_eq!(
        declared["body"]["partner"],
        json!({"value": "Jane Doe", "thirdParty": "partner"})
    );
    assert_eq!(
        declared["recordedBy"],
        json!({"value": "jsmith", "thirdParty": "staff"})
    );
    let third = export["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == reported_id.as_str())
        .unwrap();
    assert_eq!(third["summary"]["thirdParty"], "third-party-discloser");
    assert_eq!(third["details"]["thirdParty"], "third-party-discloser");
    let own = export["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == pregnancy_id.as_str())
        .unwrap();
    assert_eq!(own["summary"], "Partner is pregnant");
    assert_eq!(
        export["caseNotes"][0]["authorSub"],
        json!({"value": "akhan", "thirdParty": "staff"})
    );
    assert!(chronology
        .iter()
        .all(|e| e["who"].is_null() || e["who"]["thirdParty"] == "staff"));

    // Audited under the person.
    let audit = expect(
        app.get(
            &format!("/api/v1/audit-events?crn={CRN}&limit=200"),
            &app.auditor(),
        )
        .await,
        200,
        "audit",
    )
    .await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "person.export" && e["status"] == 200),
        "{audit}"
    );
}

#[actix_web::test]
async fn only_the_managing_organisations_probation_manager_exports() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let path = format!("/api/v1/people/{CRN}/export");
    problem(app.get(&path, &app.pp()).await, 403).await;
    problem(app.get(&path, &app.worker()).await, 403).await;
    problem(app.get(&path, &app.provider_manager()).await, 403).await;
    let other_manager = app.token("okay", OTHER_PROBATION, &["probation_manager"]);
    problem(app.get(&path, &other_manager).await, 404).await;
    problem(
        app.get("/api/v1/people/X999999/export", &app.spo()).await,
        404,
    )
    .await;
    problem(
        app.get("/api/v1/people/not-a-crn/export", &app.spo()).await,
        422,
    )
    .await;
    expect(app.get(&path, &app.spo()).await, 200, "the manager exports").await;
}
