//! A provider keeps its own case id on a referral (`providerReference`), unique per provider,
//! finds the referral by it, and sees it in events, so two systems can be kept in step.

use crate::helpers::*;
use crate::scenario::*;
use serde_json::json;

#[actix_web::test]
async fn a_provider_sets_its_reference_on_an_accepted_referral_finds_it_and_events_carry_it() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let path = format!("/api/v1/referrals/{}/provider-reference", case.referral_id);
    let body_json = json!({"providerReference": "MIND-2026-0412"});
    expect(
        app.put(&path, &app.worker(), &body_json).await,
        409,
        "not accepted yet",
    )
    .await;
    app.accept_referral(&case.referral_id).await;
    let view = expect(app.put(&path, &app.worker(), &body_json).await, 200, "set").await;
    assert_eq!(view["providerReference"], "MIND-2026-0412");

    for token in [app.worker(), app.pp()] {
        let found = expect(
            app.get("/api/v1/referrals?providerReference=MIND-2026-0412", &token)
                .await,
            200,
            "find",
        )
        .await;
        let items = found["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{found}");
        assert_eq!(items[0]["id"], case.referral_id.as_str());
        assert_eq!(items[0]["providerReference"], "MIND-2026-0412");
    }
    let none = body(
        app.get("/api/v1/referrals?providerReference=MIND-9", &app.worker())
            .await,
    )
    .await;
    assert_eq!(none["items"], json!([]));

    let events = body(
        app.get(
            "/api/v1/events?type=rarlink.referral.provider-reference-set",
            &app.worker(),
        )
        .await,
    )
    .await;
    assert_eq!(
        events["items"][0]["additionalInformation"]["providerReference"],
        "MIND-2026-0412"
    );

    // Unique per provider: another referral of the same provider cannot take it.
    let second = app.draft_referral(&case.order_id, &complete_draft()).await;
    app.send_referral(&second).await;
    app.accept_referral(&second).await;
    expect(
        app.put(
            &format!("/api/v1/referrals/{second}/provider-reference"),
            &app.worker(),
            &body_json,
        )
        .await,
        409,
        "taken",
    )
    .await;
    // Probation and another provider cannot set it.
    expect(
        app.put(&path, &app.pp(), &body_json).await,
        403,
        "probation",
    )
    .await;
    expect(
        app.put(&path, &app.other_worker(), &body_json).await,
        404,
        "other provider",
    )
    .await;
    expect(
        app.put(&path, &app.worker(), &json!({"providerReference": ""}))
            .await,
        422,
        "blank",
    )
    .await;
}

#[actix_web::test]
async fn a_session_keeps_the_providers_reference_unique_per_provider_and_events_carry_it() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: true })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let path = format!("/api/v1/referrals/{}/appointments", case.referral_id);
    let session = |starts: &str| {
        json!({"startsAt": starts, "durationMinutes": 60, "kind": "DELIVERY", "method": "PHONE",
               "providerReference": "MIND-S-0099"})
    };
    let booked = expect(
        app.post(&path, &app.worker(), &session("2026-03-04T10:00:00Z"))
            .await,
        201,
        "book",
    )
    .await;
    assert_eq!(booked["providerReference"], "MIND-S-0099");
    expect(
        app.post(&path, &app.worker(), &session("2026-03-05T10:00:00Z"))
            .await,
        409,
        "the same reference again",
    )
    .await;
    let events = body(
        app.get("/api/v1/events?type=rarlink.appointment.booked", &app.pp())
            .await,
    )
    .await;
    assert_eq!(
        events["items"][0]["additionalInformation"]["providerReference"],
        "MIND-S-0099"
    );
}
