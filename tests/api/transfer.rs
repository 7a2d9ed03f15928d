//! Transferring a case between probation organisations: the new organisation gains the person,
//! orders, referrals and open prompts; the old one loses them; audited and evented.

use crate::helpers::*;
use crate::scenario::*;
use serde_json::json;

fn other_spo(app: &TestApp) -> String {
    app.token("pgrey", OTHER_PROBATION, &["probation_manager"])
}

#[actix_web::test]
async fn a_manager_transfers_a_case_and_the_new_organisation_takes_it_over() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let prompts_before = app
        .prompts(&app.spo())
        .await
        .into_iter()
        .filter(|p| p["crn"] == CRN)
        .count();
    let path = format!("/api/v1/people/{CRN}/transfer");
    let done = expect(
        app.post(
            &path,
            &app.spo(),
            &json!({"toOrg": OTHER_PROBATION, "note": "Moved to Norwich"}),
        )
        .await,
        200,
        "transfer",
    )
    .await;
    assert_eq!(done["fromOrg"], PROBATION);
    assert_eq!(done["toOrg"], OTHER_PROBATION);
    assert_eq!(done["ordersMoved"], 1);
    assert_eq!(done["referralsMoved"], 1);

    // The old organisation has lost the case.
    for p in [
        format!("/api/v1/people/{CRN}"),
        format!("/api/v1/orders/{}", case.order_id),
        format!("/api/v1/referrals/{}", case.referral_id),
    ] {
        problem(app.get(&p, &app.pp()).await, 404).await;
    }
    assert!(app
        .prompts(&app.spo())
        .await
        .iter()
        .all(|p| p["crn"] != CRN));

    // The new one has it: person, order, referral and the open prompts.
    let person = expect(
        app.get(&format!("/api/v1/people/{CRN}"), &app.other_pp())
            .await,
        200,
        "new organisation reads the person",
    )
    .await;
    assert_eq!(person["managingOrg"], OTHER_PROBATION);
    expect(
        app.get(
            &format!("/api/v1/orders/{}", case.order_id),
            &app.other_pp(),
        )
        .await,
        200,
        "new organisation reads the order",
    )
    .await;
    expect(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.other_pp(),
        )
        .await,
        200,
        "new organisation reads the referral",
    )
    .await;
    let moved = app
        .prompts(&other_spo(&app))
        .await
        .into_iter()
        .filter(|p| p["crn"] == CRN)
        .count();
    assert_eq!(moved, prompts_before);
    // The provider still delivers the referral.
    expect(
        app.get(
            &format!("/api/v1/referrals/{}", case.referral_id),
            &app.worker(),
        )
        .await,
        200,
        "the provider still sees the referral",
    )
    .await;

    // Audited, and both organisations hear of it.
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
    assert!(audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "person.transfer" && e["status"] == 200));
    for token in [app.pp(), app.other_pp()] {
        let events = expect(
            app.get("/api/v1/events?type=rarlink.person.transferred", &token)
                .await,
            200,
            "events",
        )
        .await;
        let items = events["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{events}");
        assert_eq!(items[0]["additionalInformation"]["toOrg"], OTHER_PROBATION);
    }
}

#[actix_web::test]
async fn a_transfer_is_refused_to_the_wrong_people_and_places() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let path = format!("/api/v1/people/{CRN}/transfer");
    let to = |org: &str| json!({"toOrg": org});
    problem(app.post(&path, &app.pp(), &to(OTHER_PROBATION)).await, 403).await;
    problem(
        app.post(&path, &other_spo(&app), &to(OTHER_PROBATION))
            .await,
        404,
    )
    .await;
    for (body, field) in [
        (to("PDU-NOWHERE"), "toOrg"),
        (to(PROVIDER), "toOrg"),
        (to(PROBATION), "toOrg"),
        (to(""), "toOrg"),
        (
            json!({"toOrg": OTHER_PROBATION, "note": "x".repeat(2001)}),
            "note",
        ),
        (
            json!({"toOrg": OTHER_PROBATION, "responsibleOfficer": " "}),
            "responsibleOfficer",
        ),
    ] {
        let p = problem(app.post(&path, &app.spo(), &body).await, 422).await;
        assert_eq!(p["errors"][0]["field"], field, "{body} {p}");
    }
    expect(
        app.get(&format!("/api/v1/people/{CRN}"), &app.pp()).await,
        200,
        "nothing moved",
    )
    .await;
}
