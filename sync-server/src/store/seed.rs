//! Writing a whole tenant at once: the demo tenant today, an organisation
//! set up from files tomorrow.

use sheetlink_engine::linkage::SheetRecord;

use super::linkage::condition_table;
use super::tables::{
    CRM_COUNTERS, GROUPS, LINKAGE_SETTINGS, LOGINS, MEMBERS, PERIODS, SHEETS, TENANTS, USER_SHEETS,
    login_key, user_sheet_key,
};
use super::{Store, any_login, scan_raw, to_json, txn_put};
use crate::error::AppError;
use crate::linkage::{Direction, Settings, StoredExportCondition, StoredImportCondition};
use crate::model::{CustomizeSheet, Group, Member, Period, Tenant, UserSheet};

/// Everything of one tenant, to be written together.
#[derive(Debug, Clone, Default)]
pub struct TenantSeed {
    /// The tenant id.
    pub tenant: String,
    /// The tenant's name.
    pub name: String,
    /// Groups.
    pub groups: Vec<Group>,
    /// Evaluation periods.
    pub periods: Vec<Period>,
    /// Customize sheets.
    pub sheets: Vec<CustomizeSheet>,
    /// Members; those with a login id sign in with it.
    pub members: Vec<Member>,
    /// User sheets as `(period, sheet, member, sheet)`.
    pub user_sheets: Vec<(String, String, String, UserSheet)>,
    /// CRM records as `(sheet, record)`.
    pub records: Vec<(String, SheetRecord)>,
    /// Per CRM sheet, the number generated ids follow.
    pub last_numbers: Vec<(String, u64)>,
    /// Batch-linkage settings.
    pub linkage: Settings,
    /// Import conditions.
    pub import_conditions: Vec<StoredImportCondition>,
    /// Export conditions.
    pub export_conditions: Vec<StoredExportCondition>,
}

/// Seeding a store.
pub trait Seeding {
    /// Writes `seed` (the tenant record too) in one transaction, only into
    /// a store without members, logins or tenants (a seed never lands beside
    /// real accounts); returns whether it did. A login id that exists anyway drops the whole seed.
    fn seed_if_empty(&self, seed: &TenantSeed) -> Result<bool, AppError>;
}

impl Seeding for Store {
    fn seed_if_empty(&self, seed: &TenantSeed) -> Result<bool, AppError> {
        if !scan_raw(self.db(), MEMBERS, "")?.is_empty()
            || any_login(self.db())?
            || !scan_raw(self.db(), TENANTS, "")?.is_empty()
        {
            return Ok(false);
        }
        let tenant = seed.tenant.as_str();
        let key = |id: &str| format!("{tenant}/{id}");
        self.write(true, |txn| {
            let record = Tenant {
                id: tenant.to_owned(),
                name: seed.name.clone(),
                created_at: crate::ids::now(),
                disabled_at: None,
            };
            txn_put(txn, TENANTS, tenant, &to_json(&record)?)?;
            for group in &seed.groups {
                txn_put(txn, GROUPS, &key(&group.id), &to_json(group)?)?;
            }
            for period in &seed.periods {
                txn_put(txn, PERIODS, &key(&period.id), &to_json(period)?)?;
            }
            for sheet in &seed.sheets {
                txn_put(txn, SHEETS, &key(&sheet.id), &to_json(sheet)?)?;
            }
            for member in &seed.members {
                txn_put(txn, MEMBERS, &key(&member.id), &to_json(member)?)?;
            }
            for (period, sheet, member, user_sheet) in &seed.user_sheets {
                let at = user_sheet_key(tenant, period, sheet, member);
                txn_put(txn, USER_SHEETS, &at, &user_sheet.encode())?;
            }
            {
                let mut logins = txn.open_table(LOGINS).map_err(AppError::internal)?;
                for member in &seed.members {
                    let Some(login) = &member.login_id else {
                        continue;
                    };
                    if logins
                        .insert(login_key(tenant, login).as_str(), member.id.as_str())
                        .map_err(AppError::internal)?
                        .is_some()
                    {
                        return Ok(Err(()));
                    }
                }
            }
            // The standard catalog: a seed's records are of its sheets (a
            // tenant's own sheets come with the per-tenant catalog).
            let catalog = sheetlink_engine::linkage::crm_catalog();
            let mut tables = super::records::CrmTables::open(txn)?;
            for (sheet, record) in &seed.records {
                let sheet = catalog.sheet(sheet).ok_or_else(|| {
                    AppError::internal(format!("a seed record of unknown sheet {sheet}"))
                })?;
                tables.write_record(tenant, sheet, None, record, None)?;
            }
            drop(tables);
            {
                let mut counters = txn.open_table(CRM_COUNTERS).map_err(AppError::internal)?;
                for (sheet, last) in &seed.last_numbers {
                    counters
                        .insert(key(sheet).as_str(), *last)
                        .map_err(AppError::internal)?;
                }
            }
            txn_put(txn, LINKAGE_SETTINGS, tenant, &to_json(&seed.linkage)?)?;
            for condition in &seed.import_conditions {
                let at = key(&condition.condition.key);
                txn_put(
                    txn,
                    condition_table(Direction::Import),
                    &at,
                    &to_json(condition)?,
                )?;
            }
            for condition in &seed.export_conditions {
                let at = key(&condition.condition.key);
                txn_put(
                    txn,
                    condition_table(Direction::Export),
                    &at,
                    &to_json(condition)?,
                )?;
            }
            Ok(Ok(true))
        })
        .map(|seeded| seeded.unwrap_or(false))
    }
}
