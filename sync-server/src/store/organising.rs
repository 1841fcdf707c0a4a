//! Setting up a tenant's organisation behind the storage seam: periods,
//! who is in a group, customize sheets, evaluatees, and members in bulk.
//! Each operation is one transaction that also writes its audit entries,
//! and the ones whose rule depends on stored data (a sheet change checked
//! against the values in use, a member file planned against the members)
//! hand that data to the domain's closure inside the transaction, so the
//! check and the write see the same state.

use std::collections::{BTreeSet, HashMap};

use redb::{ReadableDatabase as _, ReadableTable};
use sheetlink_engine::evaluation::ItemKind;
use sheetlink_protocol::accounts::AuditEntry;

use super::accounts::{NewGrant, txn_audit};
use super::tables::{
    GROUPS, LOGINS, MEMBERS, PERIODS, SETUP_LINKS, SHEETS, USER_SHEETS, login_key, user_sheet_key,
};
use super::{Store, to_json, txn_get, txn_put};
use crate::error::AppError;
use crate::linkage::mail::Mail;
use crate::model::{CustomizeSheet, Group, Member, Period, SheetStatus, SheetView, UserSheet};

/// How a sheet's items are used by the stored user sheets, over every
/// period: what a change of the sheet must not break.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetUsage {
    /// User sheets of the sheet.
    pub user_sheets: u64,
    /// Per item id: user sheets holding a value.
    pub values: HashMap<String, u64>,
    /// Per dropdown item id, per option label: user sheets holding it.
    pub options: HashMap<String, HashMap<String, u64>>,
}

/// What a member file writes, in one transaction.
#[derive(Debug, Default)]
pub struct MemberWrites {
    /// New and changed members, whole (a new one's login id is added to
    /// the login index; an existing one's login id must not change).
    pub members: Vec<Member>,
    /// New groups.
    pub groups: Vec<Group>,
    /// New members' set-up links.
    pub grants: Vec<NewGrant>,
    /// Set-up links to e-mail.
    pub mails: Vec<Mail>,
    /// Audit entries.
    pub audit: Vec<AuditEntry>,
}

/// Changes to a tenant's organisation.
pub trait OrganisationEdits {
    /// Creates a period with its audit entry; `false` when the id is taken.
    fn create_period(
        &self,
        tenant: &str,
        period: &Period,
        audit: &AuditEntry,
    ) -> Result<bool, AppError>;

    /// Reads period `id`, lets `change` change it and name the audit entry,
    /// and writes both; `None` when there is no such period, nothing written
    /// when `change` fails.
    fn update_period(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut Period) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<Period>, AppError>;

    /// Makes `members` (ids) exactly the members of `group`, with the audit
    /// entry: `Ok(Err(id))` names a member that does not exist, `Ok(Ok(false))`
    /// says there is no such group.
    fn set_group_members(
        &self,
        tenant: &str,
        group: &str,
        members: &[String],
        audit: &AuditEntry,
    ) -> Result<Result<bool, String>, AppError>;

    /// Creates a customize sheet with its audit entry; `false` when the id
    /// is taken.
    fn create_sheet(
        &self,
        tenant: &str,
        sheet: &CustomizeSheet,
        audit: &AuditEntry,
    ) -> Result<bool, AppError>;

    /// How the stored user sheets use sheet `id`'s items.
    fn sheet_usage(&self, tenant: &str, id: &str) -> Result<SheetUsage, AppError>;

    /// Reads sheet `id` and how its items are used, lets `change` change it
    /// (refusing what would break stored values) and name the audit entry,
    /// and writes both; `None` when there is no such sheet.
    fn update_sheet(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut CustomizeSheet, &SheetUsage) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<CustomizeSheet>, AppError>;

    /// Gives each of `members` a user sheet of `sheet` in `period` in the
    /// first status, unless they have one; with the audit entry `audit`
    /// makes of how many were added (none when none was). Answers that
    /// number.
    fn add_evaluatees(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        members: &[String],
        audit: &dyn Fn(u32) -> AuditEntry,
    ) -> Result<u32, AppError>;

    /// Plans and applies a member file in one transaction: `plan` gets every
    /// member and group as stored and answers what to write; an `Err` from it
    /// writes nothing.
    fn import_members<R>(
        &self,
        tenant: &str,
        plan: impl FnOnce(&[Member], &[Group]) -> Result<(R, MemberWrites), AppError>,
    ) -> Result<R, AppError>;
}

/// Whether an import of `tenant` into customize sheet `sheet` is running,
/// as `txn` sees the import records.
fn importing(txn: &redb::WriteTransaction, tenant: &str, sheet: &str) -> Result<bool, AppError> {
    let table = txn
        .open_table(super::tables::IMPORTS)
        .map_err(AppError::internal)?;
    let running: Vec<crate::imports::ImportRecord> = scan_prefix(&table, &format!("{tenant}/"))?;
    Ok(running.iter().any(|record| {
        record.sheet == sheet && record.status == crate::imports::ImportStatus::Running
    }))
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(AppError::internal)
}

/// Every JSON value of `table` whose key starts with `prefix`, in key
/// order, as a read or a write transaction sees it.
fn scan_prefix<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    prefix: &str,
) -> Result<Vec<T>, AppError> {
    let mut values = Vec::new();
    for entry in table.range(prefix..).map_err(AppError::internal)? {
        let (key, value) = entry.map_err(AppError::internal)?;
        if !key.value().starts_with(prefix) {
            break;
        }
        values.push(decode(value.value())?);
    }
    Ok(values)
}

/// Every JSON value under `{tenant}/` of `table`, inside a write transaction.
fn txn_scan<T: serde::de::DeserializeOwned>(
    txn: &redb::WriteTransaction,
    table: super::JsonTable,
    tenant: &str,
) -> Result<Vec<T>, AppError> {
    let table = txn.open_table(table).map_err(AppError::internal)?;
    scan_prefix(&table, &format!("{tenant}/"))
}

/// [`SheetUsage`] of `sheet` in `periods`, from `table` (the user sheets
/// as a read or a write transaction sees them).
fn usage_in(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    tenant: &str,
    periods: &[Period],
    sheet: &CustomizeSheet,
) -> Result<SheetUsage, AppError> {
    let dropdowns: BTreeSet<&str> = sheet
        .items
        .iter()
        .filter(|item| matches!(item.kind(), Some(ItemKind::Dropdown { .. })))
        .map(|item| item.id())
        .collect();
    let mut usage = SheetUsage::default();
    for period in periods {
        let prefix = user_sheet_key(tenant, &period.id, &sheet.id, "");
        for entry in table.range(prefix.as_str()..).map_err(AppError::internal)? {
            let (key, value) = entry.map_err(AppError::internal)?;
            if !key.value().starts_with(&prefix) {
                break;
            }
            let view = SheetView::parse(value.value())
                .ok_or_else(|| AppError::internal(format!("corrupt user sheet {}", key.value())))?;
            usage.user_sheets += 1;
            for (item, value) in view.values {
                if value.is_empty() {
                    continue;
                }
                *usage.values.entry(item.to_owned()).or_default() += 1;
                if dropdowns.contains(item) {
                    *usage
                        .options
                        .entry(item.to_owned())
                        .or_default()
                        .entry(value.to_owned())
                        .or_default() += 1;
                }
            }
        }
    }
    Ok(usage)
}

/// [`SheetUsage`] of `sheet`, read inside `txn`.
fn txn_usage(
    txn: &redb::WriteTransaction,
    tenant: &str,
    sheet: &CustomizeSheet,
) -> Result<SheetUsage, AppError> {
    let periods: Vec<Period> = txn_scan(txn, PERIODS, tenant)?;
    let table = txn.open_table(USER_SHEETS).map_err(AppError::internal)?;
    usage_in(&table, tenant, &periods, sheet)
}

impl OrganisationEdits for Store {
    fn create_period(
        &self,
        tenant: &str,
        period: &Period,
        audit: &AuditEntry,
    ) -> Result<bool, AppError> {
        super::create_audited(self, tenant, PERIODS, &period.id, period, audit)
    }

    fn update_period(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut Period) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<Period>, AppError> {
        super::update_audited(
            self,
            tenant,
            PERIODS,
            &format!("{tenant}/{id}"),
            |_, period| change(period),
        )
    }

    fn set_group_members(
        &self,
        tenant: &str,
        group: &str,
        members: &[String],
        audit: &AuditEntry,
    ) -> Result<Result<bool, String>, AppError> {
        self.write(true, |txn| {
            if txn_get(txn, GROUPS, &format!("{tenant}/{group}"))?.is_none() {
                return Ok(Ok(false));
            }
            let wanted: BTreeSet<&str> = members.iter().map(String::as_str).collect();
            let stored: Vec<Member> = txn_scan(txn, MEMBERS, tenant)?;
            if let Some(unknown) = wanted
                .iter()
                .find(|id| !stored.iter().any(|member| member.id == **id))
            {
                return Ok(Err(unknown.to_string()));
            }
            for mut member in stored {
                let inside = member.groups.iter().any(|g| g == group);
                let should = wanted.contains(member.id.as_str());
                if inside == should {
                    continue;
                }
                if should {
                    member.groups.push(group.to_owned());
                } else {
                    member.groups.retain(|g| g != group);
                }
                txn_put(
                    txn,
                    MEMBERS,
                    &format!("{tenant}/{}", member.id),
                    &to_json(&member)?,
                )?;
            }
            txn_audit(txn, tenant, audit)?;
            Ok(Ok(true))
        })
    }

    fn create_sheet(
        &self,
        tenant: &str,
        sheet: &CustomizeSheet,
        audit: &AuditEntry,
    ) -> Result<bool, AppError> {
        super::create_audited(self, tenant, SHEETS, &sheet.id, sheet, audit)
    }

    fn sheet_usage(&self, tenant: &str, id: &str) -> Result<SheetUsage, AppError> {
        // One read snapshot: never waits for the writer (an import).
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let open = |table| match read.open_table(table) {
            Ok(table) => Ok(Some(table)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(error) => Err(AppError::internal(error)),
        };
        let (Some(sheets), Some(periods), Some(user_sheets)) =
            (open(SHEETS)?, open(PERIODS)?, open(USER_SHEETS)?)
        else {
            return Ok(SheetUsage::default());
        };
        let Some(sheet) = sheets
            .get(format!("{tenant}/{id}").as_str())
            .map_err(AppError::internal)?
        else {
            return Ok(SheetUsage::default());
        };
        let sheet: CustomizeSheet = decode(sheet.value())?;
        let prefix = format!("{tenant}/");
        let mut listed = Vec::new();
        for entry in periods
            .range(prefix.as_str()..)
            .map_err(AppError::internal)?
        {
            let (key, value) = entry.map_err(AppError::internal)?;
            if !key.value().starts_with(&prefix) {
                break;
            }
            listed.push(decode::<Period>(value.value())?);
        }
        usage_in(&user_sheets, tenant, &listed, &sheet)
    }

    fn update_sheet(
        &self,
        tenant: &str,
        id: &str,
        change: impl FnOnce(&mut CustomizeSheet, &SheetUsage) -> Result<AuditEntry, AppError>,
    ) -> Result<Option<CustomizeSheet>, AppError> {
        super::update_audited(
            self,
            tenant,
            SHEETS,
            &format!("{tenant}/{id}"),
            |txn, sheet| {
                // An import applying to this sheet was checked against it
                // as it is: the edit waits until it has ended.
                if importing(txn, tenant, id)? {
                    return Err(AppError::conflict(
                        "import_running",
                        "このシートへのインポートを反映中のため、今は変更できません。反映が終わってからもう一度保存してください（変更は保存していません）。",
                        "An import is being applied to this sheet, so it cannot change now. Save again once the import has ended (nothing was saved).",
                    ));
                }
                let usage = txn_usage(txn, tenant, sheet)?;
                change(sheet, &usage)
            },
        )
    }

    fn add_evaluatees(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        members: &[String],
        audit: &dyn Fn(u32) -> AuditEntry,
    ) -> Result<u32, AppError> {
        self.commit(|txn| {
            let mut added = 0;
            {
                let mut table = txn.open_table(USER_SHEETS).map_err(AppError::internal)?;
                let fresh = UserSheet {
                    status: SheetStatus::NotStarted,
                    values: Default::default(),
                }
                .encode();
                for member in members {
                    let key = user_sheet_key(tenant, period, sheet, member);
                    if table
                        .get(key.as_str())
                        .map_err(AppError::internal)?
                        .is_none()
                    {
                        table
                            .insert(key.as_str(), fresh.as_slice())
                            .map_err(AppError::internal)?;
                        added += 1;
                    }
                }
            }
            if added > 0 {
                txn_audit(txn, tenant, &audit(added))?;
            }
            Ok(added)
        })
    }

    fn import_members<R>(
        &self,
        tenant: &str,
        plan: impl FnOnce(&[Member], &[Group]) -> Result<(R, MemberWrites), AppError>,
    ) -> Result<R, AppError> {
        self.write(true, |txn| {
            let members: Vec<Member> = txn_scan(txn, MEMBERS, tenant)?;
            let groups: Vec<Group> = txn_scan(txn, GROUPS, tenant)?;
            let (answer, writes) = match plan(&members, &groups) {
                Ok(planned) => planned,
                Err(error) => return Ok(Err(error)),
            };
            let logins: HashMap<&str, Option<&str>> = members
                .iter()
                .map(|member| (member.id.as_str(), member.login_id.as_deref()))
                .collect();
            {
                let mut table = txn.open_table(MEMBERS).map_err(AppError::internal)?;
                let mut login_index = txn.open_table(LOGINS).map_err(AppError::internal)?;
                for member in &writes.members {
                    match logins.get(member.id.as_str()) {
                        Some(&stored) if stored != member.login_id.as_deref() => {
                            return Err(AppError::internal("a member file changed a login id"));
                        }
                        Some(_) => {}
                        None => {
                            if let Some(login) = &member.login_id {
                                let key = login_key(tenant, login);
                                if login_index
                                    .get(key.as_str())
                                    .map_err(AppError::internal)?
                                    .is_some()
                                {
                                    return Err(AppError::internal(
                                        "a member file reused a login id",
                                    ));
                                }
                                login_index
                                    .insert(key.as_str(), member.id.as_str())
                                    .map_err(AppError::internal)?;
                            }
                        }
                    }
                    table
                        .insert(
                            format!("{tenant}/{}", member.id).as_str(),
                            to_json(member)?.as_slice(),
                        )
                        .map_err(AppError::internal)?;
                }
            }
            for group in &writes.groups {
                txn_put(
                    txn,
                    GROUPS,
                    &format!("{tenant}/{}", group.id),
                    &to_json(group)?,
                )?;
            }
            for (hash, grant) in &writes.grants {
                txn_put(txn, SETUP_LINKS, hash, &to_json(grant)?)?;
            }
            for mail in &writes.mails {
                super::mail::enqueue(txn, mail, 0)?;
            }
            for entry in &writes.audit {
                txn_audit(txn, tenant, entry)?;
            }
            Ok(Ok(answer))
        })?
    }
}
