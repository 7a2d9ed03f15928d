//! Every case-data endpoint, called by another organisation, answers 404 or 403 and no data.
//! The operations come from the document's `x-access` (declared once, in `api::operations`).

use crate::helpers::*;
use crate::scenario::*;
use reqwest::Method;
use serde_json::json;

/// The case-data operations (`x-access.reach == "case"`) of the served document, with each path
/// parameter named for the seeded resource it stands for.
fn case_operations() -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&rarlink::api::openapi_json()).unwrap();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let reach = op["x-access"]["reach"].as_str();
            assert!(reach.is_some(), "{method} {path} declares no x-access");
            if reach != Some("case") {
                continue;
            }
            let resource = if path.contains("household-members/{id}") {
                "{member}"
            } else if path.starts_with("/api/v1/appointments") {
                "{appointment}"
            } else if path.starts_with("/api/v1/safeguarding-prompts") {
                "{prompt}"
            } else if path.starts_with("/api/v1/orders") {
                "{order}"
            } else if path.starts_with("/api/v1/case-notes") {
                "{note}"
            } else {
                "{referral}"
            };
            let template = path
                .replace("{id}", resource)
                .replace("{itemId}", "{item}")
                .replace("{planId}", "{plan}");
            found.push((method.to_uppercase(), template));
        }
    }
    assert!(
        found.len() > 40,
        "expected the case API, found {}",
        found.len()
    );
    found
}

#[actix_web::test]
async fn another_organisation_gets_404_or_403_and_no_data_from_every_case_endpoint() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().expect("seeded case");
    let member = body(
        app.post(
            &format!("/api/v1/people/{}/household-members", case.crn),
            &app.pp(),
            &json!({"name": "Jane Doe", "relationship": "PARTNER", "livesInHousehold": true,
                    "source": {"kind": "PERSON_ON_PROBATION", "reportedOn": "2026-02-01"}, "verified": false}),
        )
        .await,
    )
    .await;
    let member_id = member["id"].as_str().unwrap().to_string();
    let disclosure = json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T09:00:00Z",
        "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
        "details": {"whoIsPregnant": "PARTNER"}});
    app.provider_disclosure(&case.referral_id, &disclosure)
        .await;
    let prompt_id = id_of(&app.prompts(&app.pp()).await[0]);
    let appointment_id = app
        .book_session(&case.referral_id, "2026-03-04T10:00:00Z")
        .await;
    let referral = body(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.pp(),
        )
        .await,
    )
    .await;
    let plan_id = id_of(
        &body(
            app.post(
                &format!("/api/v1/referrals/{}/action-plans", case.referral_id),
                &app.worker(),
                &json!({"activities": [{"description": "One-to-one",
                        "desiredOutcomeId": referral["desiredOutcomes"][0]["id"]}],
                        "numberOfSessions": 6}),
            )
            .await,
        )
        .await,
    );
    let note_id = id_of(
        &body(
            app.post(
                &format!("/api/v1/referrals/{}/case-notes", case.referral_id),
                &app.worker(),
                &json!({"subject": "Session", "body": "Stephen attended", "sensitivity": "STANDARD"}),
            )
            .await,
        )
        .await,
    );
    let outsiders = [
        ("other probation practitioner", app.other_pp()),
        ("other provider worker", app.other_worker()),
        (
            "other provider manager",
            app.token("zz", OTHER_PROVIDER, &["provider_manager"]),
        ),
    ];
    for (method, template) in case_operations() {
        let path = template
            .replace("{crn}", &case.crn)
            .replace("{order}", &case.order_id)
            .replace("{referral}", &case.referral_id)
            .replace("{member}", &member_id)
            .replace("{prompt}", &prompt_id)
            .replace("{appointment}", &appointment_id)
            .replace("{plan}", &plan_id)
            .replace("{note}", &note_id)
            .replace("{item}", "household");
        for (who, token) in &outsiders {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let res = app
                .request(method.clone(), &path, Some(token), Some(&json!({})))
                .await;
            let status = res.status().as_u16();
            let text = res.text().await.unwrap();
            assert!(
                status == 404 || status == 403 || status == 422,
                "{who} {method} {path}: {status} {text}"
            );
            for secret in [
                "Stephen",
                "Domestic abuse",
                "Female staff",
                "X123456\"",
                "jsmith",
            ] {
                assert!(
                    !text.contains(secret),
                    "{who} {method} {path} leaked {secret}: {text}"
                );
            }
        }
    }
}
