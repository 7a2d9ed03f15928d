//! Payloads fit the reader: free text in events goes only to roles that may read casework, in
//! the feed and in webhooks alike.

use crate::helpers::*;
use crate::scenario::*;
use crate::webhooks::{deliver, start_receiver};
use serde_json::json;

#[actix_web::test]
async fn free_text_in_events_goes_only_to_readers_of_casework_in_the_feed_and_in_webhooks() {
    let app = TestApp::builder()
        .seeded(Seed::Case { accepted: false })
        .spawn()
        .await;
    let case = app.seeded.clone().unwrap();
    let (url, receiver) = start_receiver(0).await;
    expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &app.spo(),
            &json!({"url": url, "eventTypes": ["rarlink.referral.declined"]}),
        )
        .await,
        201,
        "subscribe",
    )
    .await;
    let reason = "Partner disclosed threats; staff safety concern";
    expect(
        app.post(
            &format!("/api/v1/referrals/{}/decline", case.referral_id),
            &app.worker(),
            &json!({"reason": reason}),
        )
        .await,
        200,
        "decline",
    )
    .await;
    let path = "/api/v1/events?type=rarlink.referral.declined";
    let officer = body(app.get(path, &app.pp()).await).await;
    assert_eq!(
        officer["items"][0]["additionalInformation"]["reason"],
        reason
    );

    let integration = app.token("ndelius", PROBATION, &["integration"]);
    for token in [integration, app.worker()] {
        let page = body(app.get(path, &token).await).await;
        let event = &page["items"][0];
        assert_eq!(event["eventType"], "rarlink.referral.declined");
        assert_eq!(
            event["additionalInformation"]["referralId"],
            case.referral_id.as_str()
        );
        assert!(
            event["additionalInformation"].get("reason").is_none(),
            "{event}"
        );
        assert!(!event.to_string().contains("threats"), "{event}");
    }

    assert_eq!(deliver(&app).await, 1);
    let (_, _, _, text) = receiver.received.lock().unwrap()[0].clone();
    assert!(text.contains(&case.referral_id), "{text}");
    assert!(!text.contains("threats"), "{text}");
}
