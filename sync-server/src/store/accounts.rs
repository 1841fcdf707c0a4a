//! Accounts behind the storage seam: tenants, members who sign in, their
//! set-up links and the audit log. Every change to an account writes its
//! audit entry in the same transaction, so the log cannot miss a change nor
//! record one that did not happen.

use redb::{ReadableDatabase as _, ReadableTable as _};
use sheetlink_protocol::accounts::AuditEntry;

use super::tables::{AUDIT, GROUPS, LOGINS, MEMBERS, SETUP_LINKS, TENANTS, login_key};
use super::{Store, get_json, scan_json, scan_json_rev, to_json, txn_get, txn_put};
use crate::error::AppError;
use crate::model::{Member, SetupGrant, Tenant};

/// Why a creation was refused: the id or login id is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// A tenant with this id exists.
    Tenant,
    /// A member with this id exists in the tenant.
    Member,
    /// A member of the tenant signs in with this login id.
    Login,
}

/// A new set-up link to store: the SHA-256 of its token and the grant.
pub type NewGrant = (String, SetupGrant);

/// What goes with a change of an account, in its transaction.
#[derive(Debug, Default)]
pub struct Change {
    /// The audit entry of the change (none: nothing to record).
    pub audit: Option<AuditEntry>,
    /// A set-up link, replacing the member's live one.
    pub grant: Option<NewGrant>,
    /// An e-mail to queue (the set-up link, when mail is configured).
    pub mail: Option<crate::linkage::mail::Mail>,
}

/// Writes what `change` carries, inside `txn`.
fn txn_change(txn: &redb::WriteTransaction, tenant: &str, change: &Change) -> Result<(), AppError> {
    if let Some(grant) = &change.grant {
        txn_grant(txn, grant)?;
    }
    if let Some(mail) = &change.mail {
        super::mail::enqueue(txn, mail, 0)?;
    }
    if let Some(audit) = &change.audit {
        txn_audit(txn, tenant, audit)?;
    }
    Ok(())
}

/// Tenants, accounts and the audit log.
pub trait Accounts {
    /// Every tenant, in id order.
    fn tenants(&self) -> Result<Vec<Tenant>, AppError>;

    /// One tenant.
    fn tenant(&self, id: &str) -> Result<Option<Tenant>, AppError>;

    /// Creates `tenant` with its first member (`admin`, who has a login id)
    /// and what `change` carries (the admin's set-up link, the audit entry),
    /// in one transaction; refuses a taken tenant id.
    fn create_tenant(
        &self,
        tenant: &Tenant,
        admin: &Member,
        change: &Change,
    ) -> Result<Result<(), Taken>, AppError>;

    /// Sets or clears the tenant's disabled time; `false` when there is no
    /// such tenant.
    fn set_tenant_disabled(&self, id: &str, at: Option<u64>) -> Result<bool, AppError>;

    /// Creates `member` in `tenant` with what `change` carries (set-up link,
    /// e-mail, audit entry), in one transaction; refuses a taken member id
    /// or login id.
    fn create_member(
        &self,
        tenant: &str,
        member: &Member,
        change: &Change,
    ) -> Result<Result<(), Taken>, AppError>;

    /// Reads member `id` of `tenant`, lets `change` change it, and writes it
    /// with what the change decided (audit entry, e-mail, a new set-up link —
    /// the old link's grant is deleted), all in one transaction. `Ok(None)` when
    /// there is no such member; an `Err` from `change` writes nothing. A
    /// change must not touch the login id.
    fn update_member<R>(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut Member) -> Result<(R, Change), AppError>,
    ) -> Result<Option<R>, AppError>;

    /// Creates a group with its audit entry; `false` when the id is taken.
    fn create_group(
        &self,
        tenant: &str,
        group: &crate::model::Group,
        audit: &AuditEntry,
    ) -> Result<bool, AppError>;

    /// The grant of a set-up link (by its token's hash), whatever its state.
    fn setup_grant(&self, token_hash: &str) -> Result<Option<SetupGrant>, AppError>;

    /// Uses a set-up link: in one transaction, checks that it is the
    /// member's live link and unexpired at `now`, lets `change` set the
    /// password on the member, deletes the grant and writes the audit entry
    /// `change` returns. `Ok(None)` when the link does not work (unknown,
    /// used, replaced, expired).
    fn use_setup_link(
        &self,
        token_hash: &str,
        now: u64,
        change: impl FnOnce(&mut Member) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<(String, Member)>, AppError>;

    /// Adds an audit entry on its own (for changes whose own write is
    /// elsewhere and cannot fail after this, e.g. a member's sheet status is
    /// written with it through [`Accounts::update_member`] — prefer the
    /// transactional forms).
    fn record_audit(&self, tenant: &str, entry: &AuditEntry) -> Result<(), AppError>;

    /// The tenant's audit entries, newest first, handed to `visit` until it
    /// returns `false`.
    fn audit_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(AuditEntry) -> bool,
    ) -> Result<(), AppError>;
}

/// Writes `entry` into the audit table inside `txn`.
pub(crate) fn txn_audit(
    txn: &redb::WriteTransaction,
    tenant: &str,
    entry: &AuditEntry,
) -> Result<(), AppError> {
    // Keys sort by time and never tie: the current millisecond and a
    // counter, after the tenant's last entry (several entries written in
    // one millisecond keep the order they were written in).
    let prefix = format!("{tenant}/");
    let end = format!("{tenant}0");
    let last: Option<String> = {
        let table = txn.open_table(AUDIT).map_err(AppError::internal)?;
        let mut range = table
            .range(prefix.as_str()..end.as_str())
            .map_err(AppError::internal)?;
        range
            .next_back()
            .transpose()
            .map_err(AppError::internal)?
            .map(|(key, _)| key.value()[prefix.len()..].to_owned())
    };
    let now = format!("{:013}", crate::ids::now_millis());
    let id = match last
        .as_deref()
        .and_then(|last| last.get(..13).zip(last.get(13..19)))
    {
        Some((millis, counter)) if millis >= now.as_str() => {
            match u32::from_str_radix(counter, 16).map(|n| n + 1) {
                Ok(next) if next <= 0xFF_FFFF => format!("{millis}{next:06x}"),
                // The counter is spent (or unreadable): the next millisecond.
                _ => {
                    let millis: u64 = millis.parse().map_err(AppError::internal)?;
                    format!("{:013}000000", millis + 1)
                }
            }
        }
        _ => format!("{now}000000"),
    };
    txn_put(txn, AUDIT, &format!("{prefix}{id}"), &to_json(entry)?)
}

fn txn_member_exists(
    txn: &redb::WriteTransaction,
    tenant: &str,
    member: &Member,
) -> Result<Option<Taken>, AppError> {
    if txn_get(txn, MEMBERS, &format!("{tenant}/{}", member.id))?.is_some() {
        return Ok(Some(Taken::Member));
    }
    if let Some(login) = &member.login_id {
        let logins = txn.open_table(LOGINS).map_err(AppError::internal)?;
        if logins
            .get(login_key(tenant, login).as_str())
            .map_err(AppError::internal)?
            .is_some()
        {
            return Ok(Some(Taken::Login));
        }
    }
    Ok(None)
}

fn txn_put_member(
    txn: &redb::WriteTransaction,
    tenant: &str,
    member: &Member,
) -> Result<(), AppError> {
    txn_put(
        txn,
        MEMBERS,
        &format!("{tenant}/{}", member.id),
        &to_json(member)?,
    )?;
    if let Some(login) = &member.login_id {
        let mut logins = txn.open_table(LOGINS).map_err(AppError::internal)?;
        logins
            .insert(login_key(tenant, login).as_str(), member.id.as_str())
            .map_err(AppError::internal)?;
    }
    Ok(())
}

fn txn_grant(txn: &redb::WriteTransaction, grant: &NewGrant) -> Result<(), AppError> {
    // The member's record names its live link; create_* set it already.
    txn_put(txn, SETUP_LINKS, &grant.0, &to_json(&grant.1)?)
}

fn txn_drop_grant(txn: &redb::WriteTransaction, hash: &str) -> Result<(), AppError> {
    let mut links = txn.open_table(SETUP_LINKS).map_err(AppError::internal)?;
    links.remove(hash).map_err(AppError::internal)?;
    Ok(())
}

impl Accounts for Store {
    fn tenants(&self) -> Result<Vec<Tenant>, AppError> {
        Ok(scan_json(self.db(), TENANTS, "")?
            .into_iter()
            .map(|(_, tenant)| tenant)
            .collect())
    }

    fn tenant(&self, id: &str) -> Result<Option<Tenant>, AppError> {
        get_json(self.db(), TENANTS, id)
    }

    fn create_tenant(
        &self,
        tenant: &Tenant,
        admin: &Member,
        change: &Change,
    ) -> Result<Result<(), Taken>, AppError> {
        self.write(true, |txn| {
            if txn_get(txn, TENANTS, &tenant.id)?.is_some() {
                return Ok(Err(Taken::Tenant));
            }
            txn_put(txn, TENANTS, &tenant.id, &to_json(tenant)?)?;
            txn_put_member(txn, &tenant.id, admin)?;
            txn_change(txn, &tenant.id, change)?;
            Ok(Ok(()))
        })
    }

    fn set_tenant_disabled(&self, id: &str, at: Option<u64>) -> Result<bool, AppError> {
        self.commit(|txn| {
            let Some(bytes) = txn_get(txn, TENANTS, id)? else {
                return Ok(false);
            };
            let mut tenant: Tenant = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
            tenant.disabled_at = at;
            txn_put(txn, TENANTS, id, &to_json(&tenant)?)?;
            Ok(true)
        })
    }

    fn create_member(
        &self,
        tenant: &str,
        member: &Member,
        change: &Change,
    ) -> Result<Result<(), Taken>, AppError> {
        self.write(true, |txn| {
            if let Some(taken) = txn_member_exists(txn, tenant, member)? {
                return Ok(Err(taken));
            }
            txn_put_member(txn, tenant, member)?;
            txn_change(txn, tenant, change)?;
            Ok(Ok(()))
        })
    }

    fn update_member<R>(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut Member) -> Result<(R, Change), AppError>,
    ) -> Result<Option<R>, AppError> {
        let key = format!("{tenant}/{id}");
        self.write(true, |txn| {
            let Some(bytes) = txn_get(txn, MEMBERS, &key)? else {
                return Ok(Ok(None));
            };
            let mut member: Member = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
            let login = member.login_id.clone();
            let old_link = member.setup_link.clone();
            let (answer, change) = match change(&mut member) {
                Ok(done) => done,
                Err(error) => return Ok(Err(error)),
            };
            if member.login_id != login {
                return Err(AppError::internal("update_member changed a login id"));
            }
            if let Some(grant) = &change.grant {
                member.setup_link = Some(grant.0.clone());
            }
            if let Some(old) = &old_link
                && member.setup_link.as_ref() != Some(old)
            {
                txn_drop_grant(txn, old)?;
            }
            txn_put(txn, MEMBERS, &key, &to_json(&member)?)?;
            txn_change(txn, tenant, &change)?;
            Ok(Ok(Some(answer)))
        })?
    }

    fn create_group(
        &self,
        tenant: &str,
        group: &crate::model::Group,
        audit: &AuditEntry,
    ) -> Result<bool, AppError> {
        super::create_audited(self, tenant, GROUPS, &group.id, group, audit)
    }

    fn setup_grant(&self, token_hash: &str) -> Result<Option<SetupGrant>, AppError> {
        get_json(self.db(), SETUP_LINKS, token_hash)
    }

    fn use_setup_link(
        &self,
        token_hash: &str,
        now: u64,
        change: impl FnOnce(&mut Member) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<(String, Member)>, AppError> {
        self.write(true, |txn| {
            let Some(bytes) = txn_get(txn, SETUP_LINKS, token_hash)? else {
                return Ok(Ok(None));
            };
            let grant: SetupGrant = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
            let key = format!("{}/{}", grant.tenant, grant.member);
            let Some(bytes) = txn_get(txn, MEMBERS, &key)? else {
                return Ok(Ok(None));
            };
            let mut member: Member = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
            txn_drop_grant(txn, token_hash)?;
            let live = member.setup_link.as_deref() == Some(token_hash);
            if !live || grant.expires_at <= now || !member.active {
                // A dead link is deleted all the same.
                return Ok(Ok(None));
            }
            let audit = match change(&mut member) {
                Ok(audit) => audit,
                Err(error) => return Ok(Err(error)),
            };
            member.setup_link = None;
            txn_put(txn, MEMBERS, &key, &to_json(&member)?)?;
            txn_audit(txn, &grant.tenant, &audit)?;
            Ok(Ok(Some((grant.tenant, member))))
        })?
    }

    fn record_audit(&self, tenant: &str, entry: &AuditEntry) -> Result<(), AppError> {
        self.commit(|txn| txn_audit(txn, tenant, entry))
    }

    fn audit_newest_first(
        &self,
        tenant: &str,
        visit: &mut dyn FnMut(AuditEntry) -> bool,
    ) -> Result<(), AppError> {
        scan_json_rev(self.db(), AUDIT, &format!("{tenant}/"), |_, entry| {
            visit(entry)
        })
    }
}

/// Whether a login id (folded) exists in `tenant` — for the store's own
/// checks and the conformance tests.
pub(crate) fn login_member(
    db: &redb::Database,
    tenant: &str,
    login: &str,
) -> Result<Option<String>, AppError> {
    let read = db.begin_read().map_err(AppError::internal)?;
    match read.open_table(LOGINS) {
        Ok(table) => Ok(table
            .get(login_key(tenant, login).as_str())
            .map_err(AppError::internal)?
            .map(|v| v.value().to_owned())),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(error) => Err(AppError::internal(error)),
    }
}
