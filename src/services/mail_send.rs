//! Sending one e-mail over SMTP (`lettre`, rustls), and naming a failure by its kind (never the
//! server's own text, which may echo addresses).

use crate::config::MailSettings;
use crate::domain::notification::full_body;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The longest one SMTP conversation may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// An SMTP sender, built once at start from the settings.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    /// The sender for these settings (already checked when the settings were read).
    pub fn new(settings: &MailSettings, public_url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose())
            .map_err(|_| "RARLINK_SMTP_URL is not a usable SMTP URL".to_string())?
            .timeout(Some(TIMEOUT))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|_| "RARLINK_MAIL_FROM is not an e-mail address".to_string())?;
        Ok(Self {
            transport,
            from,
            public_url: public_url.to_string(),
        })
    }

    /// Sends one plain-text e-mail; `Err` names the kind of failure.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        link_path: &str,
    ) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| "the recipient's address is not valid".to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(full_body(body, &self.public_url, link_path))
            .map_err(|_| "the message could not be built".to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| failure_kind(&e))
    }
}

fn failure_kind(e: &lettre::transport::smtp::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if let Some(code) = e.status() {
        format!("SMTP {code}")
    } else if e.is_tls() {
        "TLS failure".into()
    } else {
        "could not connect".into()
    }
}
