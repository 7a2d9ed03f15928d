//! Every case-data endpoint, called by another organisation, answers 404 or 403 and no data.
//! New endpoints join `ENDPOINTS`; `every_case_data_route_is_in_the_table` fails until they do.

use crate::helpers::*;
use crate::scenario::*;
use reqwest::Method;
use serde_json::json;

/// (method, path template, body). `{crn}`, `{order}`, `{referral}`, `{member}` are filled in.
const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/api/v1/people/{crn}"),
    ("PUT", "/api/v1/people/{crn}"),
    ("GET", "/api/v1/people/{crn}/risk"),
    ("PUT", "/api/v1/people/{crn}/risk"),
    ("GET", "/api/v1/people/{crn}/risk/history"),
    ("GET", "/api/v1/people/{crn}/household-members"),
    ("POST", "/api/v1/people/{crn}/household-members"),
    ("PATCH", "/api/v1/people/{crn}/household-members/{member}"),
    ("GET", "/api/v1/people/{crn}/household-declarations"),
    ("POST", "/api/v1/people/{crn}/household-declarations"),
    ("GET", "/api/v1/people/{crn}/orders"),
    ("POST", "/api/v1/people/{crn}/orders"),
    ("GET", "/api/v1/orders/{order}"),
    ("GET", "/api/v1/orders/{order}/rar"),
    ("POST", "/api/v1/orders/{order}/referrals"),
    ("GET", "/api/v1/referrals/{referral}"),
    ("PATCH", "/api/v1/referrals/{referral}"),
    ("POST", "/api/v1/referrals/{referral}/send"),
    ("POST", "/api/v1/referrals/{referral}/accept"),
    ("POST", "/api/v1/referrals/{referral}/decline"),
    ("POST", "/api/v1/referrals/{referral}/assign"),
    ("POST", "/api/v1/referrals/{referral}/withdraw"),
    ("POST", "/api/v1/referrals/{referral}/risk-acknowledgement"),
    ("POST", "/api/v1/referrals/{referral}/disclosures"),
    ("POST", "/api/v1/people/{crn}/disclosures"),
    ("GET", "/api/v1/people/{crn}/disclosures"),
    ("GET", "/api/v1/safeguarding-prompts/{prompt}"),
    ("POST", "/api/v1/referrals/{referral}/appointments"),
    ("GET", "/api/v1/referrals/{referral}/appointments"),
    ("GET", "/api/v1/appointments/{appointment}"),
    ("PATCH", "/api/v1/appointments/{appointment}"),
    ("POST", "/api/v1/appointments/{appointment}/cancel"),
    ("PUT", "/api/v1/appointments/{appointment}/attendance"),
    (
        "POST",
        "/api/v1/appointments/{appointment}/absence-decision",
    ),
    ("POST", "/api/v1/referrals/{referral}/progress-reports"),
    ("GET", "/api/v1/referrals/{referral}/progress-reports"),
    ("POST", "/api/v1/referrals/{referral}/end-of-service-report"),
    ("GET", "/api/v1/referrals/{referral}/end-of-service-report"),
    ("POST", "/api/v1/referrals/{referral}/end"),
    ("GET", "/api/v1/orders/{order}/termination-review"),
    (
        "POST",
        "/api/v1/orders/{order}/termination-review/items/{item}/confirm",
    ),
    ("POST", "/api/v1/orders/{order}/termination-review/complete"),
    ("POST", "/api/v1/orders/{order}/termination-review/sign-off"),
    ("POST", "/api/v1/orders/{order}/terminate"),
    ("GET", "/api/v1/people/{crn}/chronology"),
    ("POST", "/api/v1/safeguarding-prompts/{prompt}/resolve"),
];

/// Routes that are not case data, or list only the caller's own organisation's data.
const NOT_CASE_DATA: &[&str] = &[
    "/api/v1/organisations",
    "/api/v1/audit-events",
    "/api/v1/audit-events/verify",
    "/api/v1/events",
    "/api/v1/people",
    "/api/v1/referrals",
    "/api/v1/safeguarding-prompts",
    "/api/v1/webhook-subscriptions",
    "/api/v1/webhook-subscriptions/{id}/deliveries",
];

#[actix_web::test]
async fn another_organisation_gets_404_or_403_and_no_data_from_every_case_endpoint() {
    let app = spawn_app().await;
    let case = app.case(true).await;
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
    let recorded = body(
        app.post(
            &format!("/api/v1/referrals/{}/disclosures", case.referral_id),
            &app.worker(),
            &serde_json::json!({"type": "PREGNANCY", "disclosedAt": "2026-03-02T09:00:00Z",
                "disclosedBy": "PERSON_ON_PROBATION", "summary": "Partner is pregnant",
                "details": {"whoIsPregnant": "PARTNER"}}),
        )
        .await,
    )
    .await;
    assert!(recorded["id"].is_string());
    let open = body(app.get("/api/v1/safeguarding-prompts", &app.pp()).await).await;
    let prompt_id = open["items"][0]["id"].as_str().unwrap().to_string();
    let appointment = body(
        app.post(
            &format!("/api/v1/referrals/{}/appointments", case.referral_id),
            &app.worker(),
            &json!({"startsAt": "2026-03-04T10:00:00Z", "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE"}),
        )
        .await,
    )
    .await;
    let appointment_id = appointment["id"].as_str().unwrap().to_string();
    let outsiders = [
        ("other probation practitioner", app.other_pp()),
        ("other provider worker", app.other_worker()),
        (
            "other provider manager",
            app.token("zz", OTHER_PROVIDER, &["provider_manager"]),
        ),
    ];
    for (method, template) in ENDPOINTS {
        let path = template
            .replace("{crn}", &case.crn)
            .replace("{order}", &case.order_id)
            .replace("{referral}", &case.referral_id)
            .replace("{member}", &member_id)
            .replace("{prompt}", &prompt_id)
            .replace("{appointment}", &appointment_id)
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

#[actix_web::test]
async fn every_case_data_route_is_in_the_table() {
    let doc: serde_json::Value = serde_json::from_str(&rarlink::api::openapi_json()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/") || NOT_CASE_DATA.contains(&path.as_str()) {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            let template = if path.contains("household-members/{id}") {
                "/api/v1/people/{crn}/household-members/{member}".to_string()
            } else if path.starts_with("/api/v1/appointments") {
                path.replace("{id}", "{appointment}")
            } else if path.starts_with("/api/v1/safeguarding-prompts") {
                path.replace("{id}", "{prompt}")
            } else if path.starts_with("/api/v1/orders") {
                path.replace("{id}", "{order}")
                    .replace("{itemId}", "{item}")
            } else {
                path.replace("{id}", "{referral}")
            };
            let known = ENDPOINTS
                .iter()
                .any(|(m, p)| m.eq_ignore_ascii_case(method) && *p == template);
            assert!(
                known,
                "{method} {path} is not in the cross-organisation table"
            );
        }
    }
}
