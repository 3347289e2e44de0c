//! Sending mail: SMTP (lettre; STARTTLS, implicit TLS, optional auth, all from
//! `KLIMASPOR_SMTP_URL`) or, with no SMTP configured, `.eml` files in
//! `KLIMASPOR_DATA_DIR/outbox/`. Failures say whether trying again may help.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

/// A mail ready to go.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// `<…@…>`; fixed per message so that a retried send is recognisably the same mail.
    pub message_id: String,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attachment: Option<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Connection refused, timeouts, 4xx replies: try again later.
    #[error("transient: {0}")]
    Transient(String),
    /// 5xx replies, bad addresses: trying again will not help.
    #[error("permanent: {0}")]
    Permanent(String),
}

pub trait Mailer: Send + Sync {
    fn send(&self, mail: &OutgoingMail) -> Result<(), SendError>;
    /// Where mail goes, for logs (no credentials).
    fn describe(&self) -> String;
}

fn mailbox(s: &str) -> Result<Mailbox, SendError> {
    s.trim()
        .parse()
        .map_err(|e| SendError::Permanent(format!("'{s}' is not a mail address: {e}")))
}

/// The RFC 5322 message.
pub fn build_message(mail: &OutgoingMail) -> Result<Message, SendError> {
    let mut b = Message::builder()
        .from(mailbox(&mail.from)?)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()));
    if mail.to.is_empty() {
        return Err(SendError::Permanent("no recipients".into()));
    }
    for to in &mail.to {
        b = b.to(mailbox(to)?);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone());
    let built = match &mail.attachment {
        Some((name, bytes)) => {
            let pdf = ContentType::parse("application/pdf")
                .map_err(|e| SendError::Permanent(e.to_string()))?;
            b.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(name.clone()).body(bytes.clone(), pdf)),
            )
        }
        None => b.singlepart(text),
    };
    built.map_err(|e| SendError::Permanent(format!("cannot build the mail: {e}")))
}

pub struct SmtpMailer {
    transport: SmtpTransport,
    description: String,
}

impl SmtpMailer {
    /// `url` as lettre reads it: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host:465` (implicit TLS).
    pub fn from_url(url: &str, timeout: Duration) -> Result<Self, String> {
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| format!("KLIMASPOR_SMTP_URL is not usable: {e}"))?
            .timeout(Some(timeout))
            .build();
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        Ok(Self {
            transport,
            description: format!("SMTP server {}", host.split('?').next().unwrap_or(host)),
        })
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let message = build_message(mail)?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                SendError::Permanent(e.to_string())
            } else {
                SendError::Transient(e.to_string())
            }
        })
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// Writes each mail to `dir/<message id>.eml` (atomically, replacing an earlier copy of the
/// same message): what `cargo run --release` does with mail out of the box.
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn file_name(message_id: &str) -> String {
        let safe: String = message_id
            .trim_matches(['<', '>'])
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.eml")
    }
}

impl Mailer for FileMailer {
    fn send(&self, mail: &OutgoingMail) -> Result<(), SendError> {
        let bytes = build_message(mail)?.formatted();
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            SendError::Transient(format!("cannot create {}: {e}", self.dir.display()))
        })?;
        let path = self.dir.join(Self::file_name(&mail.message_id));
        let tmp = path.with_extension("eml.tmp");
        std::fs::write(&tmp, &bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| SendError::Transient(format!("cannot write {}: {e}", path.display())))
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            message_id: "<klimaspor.ballerup.ugo-status.2026-H2.r1@ballerup.example>".into(),
            from: "klimaspor <klimaspor@ballerup.example>".into(),
            to: vec!["ugo@ballerup.example".into()],
            subject: "Halvårlig status til UGO – 2. halvår 2026".into(),
            body: "Kære medlemmer af UGO\n\nVedhæftet er status.".into(),
            attachment: Some((
                "klimaspor-ugo-status-2026-H2.pdf".into(),
                b"%PDF-1.3 test".to_vec(),
            )),
        }
    }

    #[test]
    fn the_file_mailer_writes_one_eml_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let m = FileMailer::new(dir.path().join("outbox"));
        m.send(&mail()).unwrap();
        m.send(&mail()).unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(files.len(), 1, "the same message replaces its file");
        let eml = std::fs::read_to_string(files[0].path()).unwrap();
        assert!(
            eml.contains("Message-ID: <klimaspor.ballerup.ugo-status.2026-H2.r1@ballerup.example>")
        );
        assert!(eml.contains("klimaspor-ugo-status-2026-H2.pdf"));
        assert!(eml.contains("application/pdf"));
    }

    #[test]
    fn bad_addresses_are_permanent_failures() {
        let mut m = mail();
        m.to = vec!["not an address".into()];
        assert!(matches!(build_message(&m), Err(SendError::Permanent(_))));
        m.to = vec![];
        assert!(matches!(build_message(&m), Err(SendError::Permanent(_))));
    }

    #[test]
    fn an_unreachable_server_is_transient() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let m = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(2))
            .unwrap();
        assert!(matches!(m.send(&mail()), Err(SendError::Transient(_))));
        assert!(m.describe().contains("127.0.0.1"));
    }
}
