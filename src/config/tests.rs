//! Settings read from the environment and the file, and refused at start when impossible.

use super::*;
use std::path::PathBuf;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_to_an_embedded_sqlite_file_on_localhost() {
    let s = Settings::from_env(&env(&[])).unwrap();
    assert_eq!(
        s.database,
        DatabaseTarget::Sqlite {
            path: "rarlink.db".into()
        }
    );
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    match s.jwt.keys {
        JwtKeySource::SharedSecret { secret, file } => {
            assert!(secret.is_none());
            assert_eq!(file, PathBuf::from("rarlink.db.jwt-secret"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn database_url_scheme_picks_the_backend() {
    for (raw, backend) in [
        ("postgres://u:p@localhost/db", "postgres"),
        ("postgresql://localhost/db", "postgres"),
        ("sqlite:///tmp/x.db", "sqlite"),
        ("sqlite:data.db", "sqlite"),
        ("data/rarlink.db", "sqlite"),
    ] {
        assert_eq!(
            DatabaseTarget::parse(raw).unwrap().backend_name(),
            backend,
            "{raw}"
        );
    }
    assert!(DatabaseTarget::parse("mysql://localhost/db").is_err());
}

#[test]
fn passwords_never_appear_in_descriptions_or_debug_output() {
    let db = DatabaseTarget::parse("postgres://app:hunter2@db:5432/rarlink").unwrap();
    assert!(!db.describe().contains("hunter2"));
    assert!(!format!("{db:?}").contains("hunter2"));
}

#[test]
fn all_bad_values_are_reported_together() {
    let err = Settings::from_env(&env(&[
        ("RARLINK_LISTEN", "not-an-address"),
        ("RARLINK_DB_POOL_SIZE", "zero"),
        ("RARLINK_LOG_FORMAT", "xml"),
    ]))
    .unwrap_err();
    assert!(err.contains("RARLINK_LISTEN"), "{err}");
    assert!(err.contains("RARLINK_DB_POOL_SIZE"), "{err}");
    assert!(err.contains("RARLINK_LOG_FORMAT"), "{err}");
}

#[test]
fn a_shared_secret_is_refused_beside_asymmetric_keys() {
    let err = Settings::from_env(&env(&[
        ("RARLINK_JWT_PUBLIC_KEY_FILE", "/keys/pub.pem"),
        ("RARLINK_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ]))
    .unwrap_err();
    assert!(err.contains("HS256 is refused"), "{err}");
}

#[test]
fn deadline_overrides_come_from_the_environment() {
    let s = Settings::from_env(&env(&[(
        "RARLINK_DEADLINE_PREGNANCY_DA_MASH_REFERRAL",
        "2",
    )]))
    .unwrap();
    assert_eq!(
        s.deadline_overrides.get("pregnancy_da_mash_referral"),
        Some(&2)
    );
    let err = Settings::from_env(&env(&[("RARLINK_DEADLINE_NO_SUCH_RULE", "2")])).unwrap_err();
    assert!(err.contains("names no rule"), "{err}");
}

#[test]
fn silence_thresholds_come_from_the_environment_and_are_checked_at_start() {
    let s = Settings::from_env(&env(&[])).unwrap();
    assert_eq!(
        s.silence,
        crate::rules::silence::SilenceThresholds::default()
    );
    let s =
        Settings::from_env(&env(&[("RARLINK_SILENCE_REFERRAL_NOT_ACCEPTED_DAYS", "3")])).unwrap();
    assert_eq!(s.silence.referral_not_accepted, 3);
    for (key, value, says) in [
        (
            "RARLINK_SILENCE_NO_FIRST_APPOINTMENT_DAYS",
            "0",
            "between 1 and 60",
        ),
        (
            "RARLINK_SILENCE_ATTENDANCE_PROVIDER_DAYS",
            "two",
            "whole number",
        ),
        (
            "RARLINK_SILENCE_ATTENDANCE_OFFICER_DAYS",
            "1",
            "cannot be less than",
        ),
    ] {
        let err = Settings::from_env(&env(&[(key, value)])).unwrap_err();
        assert!(err.contains(key) && err.contains(says), "{key}: {err}");
    }
}

#[test]
fn follow_up_days_per_agency_are_checked_at_start() {
    let s = Settings::from_env(&env(&[("RARLINK_FOLLOW_UP_DAYS_POLICE", "2")])).unwrap();
    assert_eq!(s.follow_up_days.get("police"), Some(&2));
    for (key, value, says) in [
        ("RARLINK_FOLLOW_UP_DAYS_SOCIAL_WORK", "1", "names no agency"),
        ("RARLINK_FOLLOW_UP_DAYS_POLICE", "61", "0 to 60"),
        ("RARLINK_FOLLOW_UP_DAYS_MARAC", "soon", "whole number"),
    ] {
        let err = Settings::from_env(&env(&[(key, value)])).unwrap_err();
        assert!(err.contains(says), "{key}={value}: {err}");
    }
}
