//! The e-mail queue: mails are queued in the transaction of the run they
//! report ([`super::CrmTx::enqueue_mail`]) and claimed by the sender.

use redb::{ReadableTable as _, WriteTransaction};

use super::tables::MAIL_QUEUE;
use super::{Store, to_json};
use crate::error::AppError;
use crate::ids::now_millis;
use crate::linkage::mail::Mail;

/// A mail claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Names the claim for [`MailQueue::settle`].
    pub ticket: String,
    /// The mail.
    pub mail: Mail,
}

/// Mail waiting to be sent.
pub trait MailQueue {
    /// Claims every mail due now (at most `limit`), in due order: in one
    /// transaction each is put off by `lease_millis`, so no other sender
    /// (another server on the same database) claims it meanwhile, and a
    /// sender that dies before settling it hands it on after the lease.
    fn claim_due(&self, lease_millis: u128, limit: usize) -> Result<Vec<Claimed>, AppError>;
    /// Settles a claim in one transaction: the claimed mail leaves the
    /// queue (sent, or given up) and, when `again` is given, that mail (its
    /// attempts counted) is queued again, due after the delay.
    fn settle(&self, ticket: &str, again: Option<(&Mail, u128)>) -> Result<(), AppError>;
    /// How many mails wait, due or not.
    fn queued(&self) -> Result<usize, AppError>;
}

/// Queues `mail` in `txn`, due after `delay_millis`.
pub(super) fn enqueue(
    txn: &WriteTransaction,
    mail: &Mail,
    delay_millis: u128,
) -> Result<(), AppError> {
    let mut queue = txn.open_table(MAIL_QUEUE).map_err(AppError::internal)?;
    queue
        .insert(
            queue_key(now_millis() + delay_millis, &mail.id).as_str(),
            to_json(mail)?.as_slice(),
        )
        .map_err(AppError::internal)?;
    Ok(())
}

/// Keys sort by due time: `{due millis, 20 digits}/{mail id}`.
fn queue_key(due_millis: u128, id: &str) -> String {
    format!("{due_millis:020}/{id}")
}

impl MailQueue for Store {
    fn claim_due(&self, lease_millis: u128, limit: usize) -> Result<Vec<Claimed>, AppError> {
        let now = now_millis();
        let end = queue_key(now, "~");
        self.commit(|txn| {
            let mut queue = txn.open_table(MAIL_QUEUE).map_err(AppError::internal)?;
            let mut due = Vec::new();
            for entry in queue.range(..end.as_str()).map_err(AppError::internal)? {
                let (key, value) = entry.map_err(AppError::internal)?;
                let mail: Mail =
                    serde_json::from_slice(value.value()).map_err(AppError::internal)?;
                due.push((key.value().to_owned(), mail));
                if due.len() == limit {
                    break;
                }
            }
            let mut claimed = Vec::with_capacity(due.len());
            for (key, mail) in due {
                queue.remove(key.as_str()).map_err(AppError::internal)?;
                let ticket = queue_key(now + lease_millis, &mail.id);
                queue
                    .insert(ticket.as_str(), to_json(&mail)?.as_slice())
                    .map_err(AppError::internal)?;
                claimed.push(Claimed { ticket, mail });
            }
            Ok(claimed)
        })
    }

    fn settle(&self, ticket: &str, again: Option<(&Mail, u128)>) -> Result<(), AppError> {
        self.commit(|txn| {
            txn.open_table(MAIL_QUEUE)
                .map_err(AppError::internal)?
                .remove(ticket)
                .map_err(AppError::internal)?;
            if let Some((mail, delay)) = again {
                enqueue(txn, mail, delay)?;
            }
            Ok(())
        })
    }

    fn queued(&self) -> Result<usize, AppError> {
        use redb::{ReadableDatabase as _, ReadableTableMetadata as _};
        let read = self.db().begin_read().map_err(AppError::internal)?;
        match read.open_table(MAIL_QUEUE) {
            Ok(table) => Ok(table.len().map_err(AppError::internal)? as usize),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
            Err(error) => Err(AppError::internal(error)),
        }
    }
}
