//! A real SMTP server for the e-mail tests: `scripts/smtp_sink.py` (aiosmtpd), started and
//! stopped by each test on its own port, keeping each accepted message as a JSON file.
//!
//! `scripts/test.sh` installs aiosmtpd into a venv and sets `RARLINK_TEST_SMTP_PYTHON` to its
//! interpreter. Without it these tests fail, saying how to run them; they never pass silently.

use serde::Deserialize;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message the server accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mail {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// The whole message as sent: headers and body.
    pub data: String,
}

impl Mail {
    /// The decoded `Subject` header.
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }

    /// The body with quoted-printable soft line breaks and escapes undone.
    pub fn body(&self) -> String {
        let raw = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or(&self.data);
        let joined = raw.replace("=\r\n", "");
        let mut out = String::new();
        let mut chars = joined.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '=' {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) => out.push(b as char),
                    Err(_) => {
                        out.push('=');
                        out.push_str(&hex);
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// A running SMTP server on 127.0.0.1.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn python() -> String {
    std::env::var("RARLINK_TEST_SMTP_PYTHON").unwrap_or_else(|_| {
        panic!(
            "the e-mail tests need a real SMTP server (aiosmtpd): run them through scripts/test.sh, \
             or once: python3 -m venv target/smtp-venv && target/smtp-venv/bin/pip install -r \
             scripts/requirements-mail.txt, then set RARLINK_TEST_SMTP_PYTHON=$PWD/target/smtp-venv/bin/python"
        )
    })
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SmtpSink {
    /// Starts a server on a free port.
    pub fn start() -> Self {
        Self::start_on(free_port(), None)
    }

    /// Starts a server on `port`, keeping messages in `dir` (a new directory when `None`).
    pub fn start_on(port: u16, dir: Option<PathBuf>) -> Self {
        let dir = dir.unwrap_or_else(|| {
            std::env::temp_dir().join(format!("rarlink-mail-{}", uuid::Uuid::now_v7()))
        });
        std::fs::create_dir_all(&dir).expect("a mail directory");
        let script = format!("{}/scripts/smtp_sink.py", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(python())
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the SMTP sink starts (is RARLINK_TEST_SMTP_PYTHON a python with aiosmtpd?)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("the SMTP sink says it is ready");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Self {
            port,
            dir,
            child: Some(child),
        }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("the mail directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                serde_json::from_str(&std::fs::read_to_string(p).expect("a message file"))
                    .expect("a message record")
            })
            .collect()
    }

    /// Waits (up to 5 s) until at least `n` messages arrived, and returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || started.elapsed() > Duration::from_secs(5) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
