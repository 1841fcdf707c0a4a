//! Completion e-mails: queued in the same transaction as the run they
//! announce (so none is lost or sent for a run that did not happen), then
//! claimed and sent over SMTP by a background task, retried with back-off.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{Message, SmtpTransport, Transport};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::store::MailQueue;

/// An e-mail waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// Unique id.
    pub id: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Attempts after which a mail is given up (logged as an error): about a
/// day of retries.
pub const MAX_ATTEMPTS: u32 = 12;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// STARTTLS, required: no mail leaves over an unencrypted connection
    /// (the default; usually port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// None: only for a relay on the same host or a trusted network.
    None,
}

/// Where and how mail is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// SMTP host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The `From` address.
    pub from: String,
    /// Connection security.
    pub security: SmtpSecurity,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
}

/// A subject as one line of at most 200 characters: names in it were saved
/// bounded and without control characters, but one saved before that bound
/// must not break the header either.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

fn send(smtp: &SmtpSettings, mail: &Mail) -> Result<(), String> {
    let from: Mailbox = smtp.from.parse().map_err(|e| format!("from: {e}"))?;
    let to: Mailbox = mail.to.parse().map_err(|e| format!("to: {e}"))?;
    // lettre picks the transfer encoding (base64 for Japanese text).
    let body = Body::new(mail.body.clone());
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&mail.subject))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body),
        )
        .map_err(|e| e.to_string())?;
    let builder = match smtp.security {
        SmtpSecurity::Starttls => {
            SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?
        }
        SmtpSecurity::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
        SmtpSecurity::None => SmtpTransport::builder_dangerous(&smtp.host),
    };
    let builder = match &smtp.credentials {
        Some((user, password)) => {
            builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                user.clone(),
                password.clone(),
            ))
        }
        None => builder,
    };
    builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(20)))
        .build()
        .send(&message)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// How long a claimed mail is kept from other senders: longer than a send
/// may take (its SMTP timeout is 20 s).
const CLAIM_LEASE_MILLIS: u128 = 120_000;
/// Mails claimed at a time.
const CLAIM_BATCH: usize = 100;

/// Sends every mail that is due; a failure is re-queued with back-off
/// (30 s doubling, at most an hour). Returns how many were sent.
pub fn deliver_due(queue: &impl MailQueue, smtp: &SmtpSettings) -> Result<usize, AppError> {
    let mut sent = 0;
    loop {
        let claimed = queue.claim_due(CLAIM_LEASE_MILLIS, CLAIM_BATCH)?;
        let last_batch = claimed.len() < CLAIM_BATCH;
        for crate::store::Claimed { ticket, mut mail } in claimed {
            match send(smtp, &mail) {
                Ok(()) => {
                    sent += 1;
                    queue.settle(&ticket, None)?;
                }
                Err(error) => {
                    mail.attempts += 1;
                    if mail.attempts >= MAX_ATTEMPTS {
                        tracing::error!(to = %mail.to, subject = %mail.subject, %error, "gave up sending an e-mail");
                        queue.settle(&ticket, None)?;
                    } else {
                        let delay = (30_000u128 << mail.attempts.min(7)).min(3_600_000);
                        tracing::warn!(to = %mail.to, attempts = mail.attempts, %error, "e-mail not sent; will retry");
                        queue.settle(&ticket, Some((&mail, delay)))?;
                    }
                }
            }
        }
        if last_batch {
            return Ok(sent);
        }
    }
}

/// Sends queued mail every `every` for the life of the process.
pub fn spawn_sender(store: crate::Store, smtp: SmtpSettings, every: Duration) {
    tokio::spawn(async move {
        loop {
            let smtp = smtp.clone();
            let outcome = store.run(move |store| deliver_due(store, &smtp)).await;
            if let Err(error) = outcome {
                tracing::error!(?error, "the mail queue could not be processed");
            }
            tokio::time::sleep(every).await;
        }
    });
}
