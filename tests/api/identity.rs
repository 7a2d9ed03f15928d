//! Identity: which tokens are accepted, with which algorithms, and what roles and organisations may do.

use crate::helpers::*;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn status_with(app: &TestApp, token: &str) -> u16 {
    app.request(Method::GET, "/api/v1/organisations", Some(token), None)
        .await
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_request_without_a_token_is_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let res = app
        .request(Method::GET, "/api/v1/organisations", None, None)
        .await;
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"rarlink\""
    );
    problem(res, 401).await;
}

#[actix_web::test]
async fn a_valid_admin_token_is_accepted() {
    let app = spawn_app().await;
    assert_eq!(status_with(&app, &app.admin()).await, 200);
}

#[actix_web::test]
async fn malformed_tokens_and_bad_schemes_are_401() {
    let app = spawn_app().await;
    assert_eq!(status_with(&app, "not.a.jwt").await, 401);
    assert_eq!(status_with(&app, "").await, 401);
    let res = app
        .client
        .get(app.url("/api/v1/organisations"))
        .header("authorization", format!("Basic {}", app.admin()))
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}

#[actix_web::test]
async fn a_token_signed_with_another_secret_is_401() {
    let app = spawn_app().await;
    let forged = sign_hs256(
        &claims("admin", "RARLINK", &["admin"]),
        "another-secret-another-secret-another-1",
    );
    assert_eq!(status_with(&app, &forged).await, 401);
}

#[actix_web::test]
async fn an_unsigned_alg_none_token_is_401() {
    let app = spawn_app().await;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("admin", "RARLINK", &["admin"]))
    );
    assert_eq!(status_with(&app, &token).await, 401);
}

#[actix_web::test]
async fn expired_not_yet_valid_wrong_issuer_and_wrong_audience_are_401() {
    let app = spawn_app().await;
    let now = jsonwebtoken::get_current_timestamp();
    let cases = [
        (
            "expired",
            json!({"exp": now - 600, "nbf": now - 7200, "iat": now - 7200}),
        ),
        (
            "not yet valid",
            json!({"nbf": now + 3600, "exp": now + 7200}),
        ),
        ("wrong issuer", json!({"iss": "someone-else"})),
        ("wrong audience", json!({"aud": "another-api"})),
    ];
    for (name, change) in cases {
        let mut c = claims("admin", "RARLINK", &["admin"]);
        for (k, v) in change.as_object().unwrap() {
            c[k] = v.clone();
        }
        let token = sign_hs256(&c, SECRET);
        assert_eq!(status_with(&app, &token).await, 401, "{name}");
    }
}

#[actix_web::test]
async fn an_rs256_token_is_refused_where_hs256_is_configured() {
    let app = spawn_app().await;
    let token = sign_rs256(&claims("admin", "RARLINK", &["admin"]), None);
    assert_eq!(status_with(&app, &token).await, 401);
}

#[actix_web::test]
async fn with_an_rs256_public_key_only_rs256_tokens_are_accepted() {
    let app = spawn_app_with(rs256).await;
    let rs = sign_rs256(&claims("admin", "RARLINK", &["admin"]), None);
    assert_eq!(status_with(&app, &rs).await, 200);
    let hs = sign_hs256(&claims("admin", "RARLINK", &["admin"]), SECRET);
    assert_eq!(status_with(&app, &hs).await, 401, "HS256 must be refused");
}

#[actix_web::test]
async fn with_a_jwks_document_keys_are_chosen_by_kid() {
    let app = spawn_app_with(|s| {
        s.jwt.keys = rarlink::config::JwtKeySource::Jwks {
            path: fixture("test-jwks.json").into(),
        }
    })
    .await;
    let c = claims("admin", "RARLINK", &["admin"]);
    assert_eq!(
        status_with(&app, &sign_rs256(&c, Some("rsa-2026"))).await,
        200
    );
    assert_eq!(
        status_with(&app, &sign_rs256(&c, Some("unknown"))).await,
        401
    );
    assert_eq!(status_with(&app, &sign_rs256(&c, None)).await, 401);
    // An RSA signature presented under the EC key's kid is refused: the key fixes the algorithm.
    assert_eq!(
        status_with(&app, &sign_rs256(&c, Some("ec-2026"))).await,
        401
    );
    let es = {
        let pem = std::fs::read(fixture("test-ec-private.pem")).unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some("ec-2026".into());
        jsonwebtoken::encode(
            &header,
            &c,
            &jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(status_with(&app, &es).await, 200);
}

#[actix_web::test]
async fn a_token_without_the_needed_role_is_403() {
    let app = spawn_app().await;
    let res = app
        .get(
            "/api/v1/organisations",
            &app.token("pp", "PDU-A", &["probation_practitioner"]),
        )
        .await;
    problem(res, 403).await;
    let res = app
        .get("/api/v1/organisations", &app.token("x", "PDU-A", &[]))
        .await;
    problem(res, 403).await;
}

#[actix_web::test]
async fn a_token_naming_an_unregistered_organisation_is_refused_on_case_data() {
    let app = spawn_app().await;
    let res = app
        .get(
            "/api/v1/events",
            &app.token("svc", "NOWHERE", &["integration"]),
        )
        .await;
    let p = problem(res, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("not registered"));
}

#[actix_web::test]
async fn a_provider_role_cannot_act_for_a_probation_organisation() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    let res = app
        .get(
            "/api/v1/events",
            &app.token("w", "PDU-A", &["provider_worker"]),
        )
        .await;
    problem(res, 403).await;
    let res = app
        .get(
            "/api/v1/events",
            &app.token("svc", "PDU-A", &["integration"]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn an_audience_array_that_names_us_is_accepted_and_a_day_long_token_is_not() {
    let app = spawn_app().await;
    let mut with_array = claims("admin", "RARLINK", &["admin"]);
    with_array["aud"] = json!(["https://idp.example", "rarlink"]);
    assert_eq!(
        status_with(&app, &sign_hs256(&with_array, SECRET)).await,
        200
    );
    let mut not_ours = claims("admin", "RARLINK", &["admin"]);
    not_ours["aud"] = json!(["https://idp.example"]);
    assert_eq!(status_with(&app, &sign_hs256(&not_ours, SECRET)).await, 401);
    let mut day_long = claims("admin", "RARLINK", &["admin"]);
    day_long["exp"] = json!(day_long["iat"].as_u64().unwrap() + 24 * 3600);
    assert_eq!(status_with(&app, &sign_hs256(&day_long, SECRET)).await, 401);
}
