//! Webhook signatures checked by an independent implementation of Standard Webhooks: a real HTTP
//! receiver in Python (`scripts/webhook_receiver.py`, standard library `hmac`) that answers `204`
//! only to a delivery it can verify with the secrets it is given.

use crate::helpers::*;
use crate::scenario::*;
use chrono::Duration;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The Python receiver, running until dropped.
struct Receiver {
    url: String,
    dir: PathBuf,
    child: Child,
}

impl Receiver {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("rarlink-hooks-{}", uuid::Uuid::now_v7()));
        let mut child = Command::new("python3")
            .arg(format!(
                "{}/scripts/webhook_receiver.py",
                env!("CARGO_MANIFEST_DIR")
            ))
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs scripts/webhook_receiver.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the receiver says it is ready");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the receiver did not start: {line:?}"));
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            dir,
            child,
        }
    }

    /// The secrets the receiver checks signatures against from now on.
    fn trust(&self, secrets: &[&str]) {
        std::fs::write(self.dir.join("secrets"), secrets.join("\n")).unwrap();
    }

    /// What it received, oldest first.
    fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn deliver(app: &TestApp) -> usize {
    rarlink::background::deliver_webhooks(&app.state)
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_independent_receiver_verifies_deliveries_with_either_secret_in_the_overlap_and_refuses_others(
) {
    let app = spawn_app().await;
    app.setup_orgs().await;
    let pm = app.provider_manager();
    let receiver = Receiver::start();
    let sub = expect(
        app.post(
            "/api/v1/webhook-subscriptions",
            &pm,
            &json!({"url": receiver.url, "eventTypes": ["rarlink.referral.sent", "rarlink.referral.accepted"]}),
        )
        .await,
        201,
        "subscribe",
    )
    .await;
    let old = sub["secret"].as_str().unwrap().to_string();
    let sub_path = format!(
        "/api/v1/webhook-subscriptions/{}",
        sub["id"].as_str().unwrap()
    );
    receiver.trust(&[&old]);

    app.create_person(CRN).await;
    app.record_risk(CRN, &risk_body()).await;
    let order_id = app.create_order(CRN).await;
    let referral_id = app.draft_referral(&order_id, &complete_draft()).await;
    app.send_referral(&referral_id).await;
    assert_eq!(deliver(&app).await, 1);
    let got = receiver.received();
    assert_eq!(got[0]["eventType"], "rarlink.referral.sent");
    assert_eq!(got[0]["verifiedWith"], json!([0]));

    let rotated = expect(
        app.post(&format!("{sub_path}/rotate-secret"), &pm, &json!({}))
            .await,
        200,
        "rotate",
    )
    .await;
    let new = rotated["secret"].as_str().unwrap().to_string();
    // A receiver still on the old secret verifies deliveries in the overlap…
    app.accept_referral(&referral_id).await;
    assert_eq!(deliver(&app).await, 1);
    assert_eq!(receiver.received()[1]["verifiedWith"], json!([0]));
    // …and one that switched verifies them with the new one.
    receiver.trust(&["whsec_bm90IHRoZSBzZWNyZXQgYXQgYWxs", &new]);
    let ping = expect(
        app.post(&format!("{sub_path}/test"), &pm, &json!({})).await,
        200,
        "ping",
    )
    .await;
    assert_eq!(ping["delivered"], true, "{ping}");
    assert_eq!(receiver.received()[2]["verifiedWith"], json!([1]));

    // After the overlap the old secret verifies nothing: the receiver refuses the delivery.
    app.clock.advance(Duration::hours(25));
    receiver.trust(&[&old]);
    let ping = expect(
        app.post(&format!("{sub_path}/test"), &pm, &json!({})).await,
        200,
        "ping",
    )
    .await;
    assert_eq!(ping["delivered"], false, "{ping}");
    assert_eq!(receiver.received()[3]["verifiedWith"], json!([]));
}
