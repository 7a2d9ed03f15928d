//! E-mail settings: the SMTP server (`RARLINK_SMTP_URL`, a secret: it may hold credentials), the
//! sender (`RARLINK_MAIL_FROM`) and the address links in e-mails start with
//! (`RARLINK_PUBLIC_URL`). Without an SMTP URL e-mail is off and notifications are recorded as
//! skipped.

use super::Secret;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// How rarlink sends e-mail.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `smtp://[user:password@]host[:port]` (plain, or `?tls=required` for STARTTLS) or
    /// `smtps://…` (TLS from the start).
    pub smtp_url: Secret,
    /// The `From` of every e-mail, e.g. `rarlink <rarlink@probation.example.gov.uk>`.
    pub from: String,
}

/// Reads and checks the e-mail settings; `None` when e-mail is off.
pub fn mail_settings(
    smtp_url: Option<String>,
    from: Option<String>,
    errors: &mut Vec<String>,
) -> Option<MailSettings> {
    let url = smtp_url?;
    let scheme_ok = url.starts_with("smtp://") || url.starts_with("smtps://");
    if !scheme_ok || AsyncSmtpTransport::<Tokio1Executor>::from_url(&url).is_err() {
        // The URL may hold a password: never repeat it.
        errors.push(
            "RARLINK_SMTP_URL must be smtp://[user:password@]host[:port][?tls=required] or smtps://…"
                .into(),
        );
        return None;
    }
    let Some(from) = from else {
        errors.push("RARLINK_MAIL_FROM is required when RARLINK_SMTP_URL is set".into());
        return None;
    };
    if from.parse::<Mailbox>().is_err() {
        errors.push(format!(
            "RARLINK_MAIL_FROM must be an address such as rarlink <rarlink@example.org>, got {from:?}"
        ));
        return None;
    }
    Some(MailSettings {
        smtp_url: Secret::new(url),
        from,
    })
}

/// The public base URL, checked: `http(s)://host[:port][/path]`, without a trailing slash.
pub fn public_url(raw: Option<String>, errors: &mut Vec<String>) -> String {
    let raw = raw.unwrap_or_else(|| "http://localhost:8080".into());
    match url::Url::parse(&raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            raw.trim_end_matches('/').to_string()
        }
        _ => {
            errors.push(format!(
                "RARLINK_PUBLIC_URL must be an http(s) URL such as https://rarlink.example.gov.uk, got {raw:?}"
            ));
            raw
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: Option<&str>, from: Option<&str>) -> (Option<MailSettings>, Vec<String>) {
        let mut errors = Vec::new();
        let m = mail_settings(url.map(String::from), from.map(String::from), &mut errors);
        (m, errors)
    }

    #[test]
    fn without_an_smtp_url_e_mail_is_off() {
        let (m, errors) = read(None, None);
        assert!(m.is_none() && errors.is_empty());
    }

    #[test]
    fn smtp_and_smtps_urls_with_a_sender_are_taken() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pa%24s@mail.example.org:587?tls=required",
            "smtps://user:secret@mail.example.org",
        ] {
            let (m, errors) = read(Some(url), Some("rarlink <rarlink@example.org>"));
            assert!(errors.is_empty(), "{url}: {errors:?}");
            let m = m.unwrap();
            assert_eq!(m.smtp_url.expose(), url);
            assert_eq!(format!("{:?}", m.smtp_url), "[redacted]");
        }
    }

    #[test]
    fn a_bad_url_or_sender_stops_the_start_without_repeating_the_password() {
        let (_, errors) = read(Some("http://user:hunter2@mail"), Some("a@b.org"));
        assert_eq!(errors.len(), 1);
        assert!(!errors[0].contains("hunter2"), "{errors:?}");
        let (_, errors) = read(Some("smtp://mail.example.org"), None);
        assert!(errors[0].contains("RARLINK_MAIL_FROM"), "{errors:?}");
        let (_, errors) = read(Some("smtp://mail.example.org"), Some("not an address"));
        assert!(errors[0].contains("RARLINK_MAIL_FROM"), "{errors:?}");
    }

    #[test]
    fn the_public_url_must_be_http_or_https_and_loses_its_trailing_slash() {
        let mut errors = Vec::new();
        assert_eq!(
            public_url(Some("https://rarlink.example.gov.uk/".into()), &mut errors),
            "https://rarlink.example.gov.uk"
        );
        assert_eq!(public_url(None, &mut errors), "http://localhost:8080");
        assert!(errors.is_empty());
        public_url(Some("ftp://x".into()), &mut errors);
        public_url(Some("not a url".into()), &mut errors);
        assert_eq!(errors.len(), 2);
    }
}
