//! Security (issue 17): tokens and secrets — `iat` required, guessable secrets and secret files
//! others can read refused at start.

use crate::helpers::*;
use rarlink::auth::jwt::Authenticator;
use rarlink::config::{JwtKeySource, Settings};
use std::collections::BTreeMap;

#[actix_web::test]
async fn a_token_without_iat_is_refused() {
    let app = spawn_app().await;
    let mut claims = claims("admin", "RARLINK", &["admin"]);
    claims.as_object_mut().unwrap().remove("iat");
    let token = sign_hs256(&claims, SECRET);
    let p = problem(app.get("/api/v1/organisations", &token).await, 401).await;
    assert!(
        p["detail"].as_str().unwrap().contains("invalid token"),
        "{p}"
    );
    // The same token with iat is accepted.
    expect(
        app.get("/api/v1/organisations", &app.admin()).await,
        200,
        "with iat",
    )
    .await;
}

#[test]
fn a_guessable_jwt_secret_is_refused_at_start_with_a_clear_message() {
    for secret in ["a".repeat(32), "ab".repeat(20), "short".to_string()] {
        let env = BTreeMap::from([
            ("DATABASE_URL".to_string(), "sqlite::memory:".to_string()),
            ("RARLINK_JWT_SECRET".to_string(), secret.clone()),
        ]);
        let err = Settings::from_env(&env).expect_err(&secret);
        assert!(err.contains("RARLINK_JWT_SECRET"), "{err}");
        assert!(
            err.contains("too easy to guess") || err.contains("at least 32"),
            "{err}"
        );
    }
    let env = BTreeMap::from([(
        "RARLINK_JWT_SECRET".to_string(),
        "3f9a1c0e7b2d4f6a8c1e3b5d7f9a0c2e".to_string(),
    )]);
    assert!(Settings::from_env(&env).is_ok());
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_can_read_is_refused_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("rarlink-secret-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("jwt-secret");
    std::fs::write(&file, "3f9a1c0e7b2d4f6a8c1e3b5d7f9a0c2e4b6d8f0a").unwrap();
    let mut settings = test_settings(fresh_database(), SECRET).jwt;
    settings.keys = JwtKeySource::SharedSecret {
        secret: None,
        file: file.clone(),
    };
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Authenticator::from_settings(&settings)
        .err()
        .expect("a world-readable secret file is refused");
    assert!(err.contains("chmod 600"), "{err}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Authenticator::from_settings(&settings).is_ok());
    std::fs::write(&file, "a".repeat(40)).unwrap();
    let err = Authenticator::from_settings(&settings)
        .err()
        .expect("a guessable secret in the file is refused");
    assert!(err.contains("too easy to guess"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[actix_web::test]
async fn the_cli_mints_only_for_registered_organisations_and_at_most_the_maximum_lifetime() {
    let app = spawn_app().await;
    app.register_org("PDU-A", "probation").await;
    let settings = app.state.settings.clone();
    let check = move |org: &'static str| {
        let settings = settings.clone();
        actix_web::rt::task::spawn_blocking(move || {
            rarlink::cli::require_registered(&settings, org)
        })
    };
    assert_eq!(check("PDU-A").await.unwrap(), Ok(()));
    assert_eq!(
        check("RARLINK").await.unwrap(),
        Ok(()),
        "the operator's own"
    );
    let err = check("PDU-TYPO").await.unwrap().expect_err("unregistered");
    assert!(err.contains("not registered"), "{err}");

    let auth = Authenticator::from_settings(&app.state.settings.jwt).unwrap();
    let request = |ttl_secs| rarlink::auth::jwt::TokenRequest {
        sub: "a".into(),
        name: None,
        org: "PDU-A".into(),
        roles: vec![rarlink::auth::Role::ProbationPractitioner],
        ttl_secs,
    };
    let now = jsonwebtoken::get_current_timestamp();
    assert!(auth.mint(&request(12 * 3600), now).is_ok());
    let err = auth.mint(&request(12 * 3600 + 1), now).unwrap_err();
    assert!(err.contains("at most"), "{err}");
}
