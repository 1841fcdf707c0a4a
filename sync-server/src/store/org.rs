//! The organisation as the server reads it: periods, sheets, members and
//! their user sheets.

use redb::ReadableDatabase as _;

use super::tables::{GROUPS, MEMBERS, PERIODS, SHEETS, USER_SHEETS, user_sheet_key};
use super::{Store, get_json, scan_json, scan_user_sheets};
use crate::error::AppError;
use crate::model::{CustomizeSheet, Group, Member, Period, UserSheet};

/// Reading a tenant's organisation. Every operation reads one consistent
/// snapshot.
pub trait Organisation {
    /// The tenant's periods, in id order.
    fn periods(&self, tenant: &str) -> Result<Vec<Period>, AppError>;
    /// One period.
    fn period(&self, tenant: &str, id: &str) -> Result<Option<Period>, AppError>;
    /// The tenant's customize sheets, in id order.
    fn sheets(&self, tenant: &str) -> Result<Vec<CustomizeSheet>, AppError>;
    /// One customize sheet.
    fn sheet(&self, tenant: &str, id: &str) -> Result<Option<CustomizeSheet>, AppError>;
    /// The tenant's members, in id order.
    fn members(&self, tenant: &str) -> Result<Vec<Member>, AppError>;
    /// The tenant's groups, in id order.
    fn groups(&self, tenant: &str) -> Result<Vec<Group>, AppError>;
    /// One member.
    fn member(&self, tenant: &str, id: &str) -> Result<Option<Member>, AppError>;
    /// The member a login id signs in as, with their tenant: the tenant
    /// named, else the one `login@tenant` names (when such a tenant exists),
    /// else the server's only tenant (see [`crate::accounts::resolve_tenant`]).
    /// `None` for an unknown login id, a deactivated member or a disabled
    /// tenant; an `Err` when several tenants exist and none is named.
    fn login(
        &self,
        tenant: Option<&str>,
        login: &str,
    ) -> Result<Option<(String, Member)>, AppError>;
    /// Who a sign-in with `login` (and the tenant as typed) would be,
    /// whether or not such a member exists: the tenant it resolves to and
    /// the login id folded (`None` when no tenant resolves). The throttle
    /// counts an unknown login id under it, as it counts a member.
    fn login_account(
        &self,
        tenant: Option<&str>,
        login: &str,
    ) -> Result<Option<(String, String)>, AppError>;
    /// Member `id` of `tenant` as a session may act for them: active, in an
    /// enabled tenant, with access `access` (see [`Member::access`]).
    fn signed_in(&self, tenant: &str, id: &str, access: u64) -> Result<Option<Member>, AppError>;
    /// One member's user sheet of `sheet` in `period`.
    fn user_sheet(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        member: &str,
    ) -> Result<Option<UserSheet>, AppError>;
    /// Every member's user sheet of `sheet` in `period`, as `(member id,
    /// sheet)` in member order.
    fn user_sheets(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
    ) -> Result<Vec<(String, UserSheet)>, AppError>;
    /// Runs `job` over one read snapshot of the user sheets of `sheet` in
    /// `period`: an import checks and plans every evaluatee against the same
    /// data, without copying a sheet.
    fn with_user_sheets<T>(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        job: impl FnOnce(&dyn SheetSnapshot) -> Result<T, AppError>,
    ) -> Result<T, AppError>;
}

/// What [`SheetSnapshot::visit`] hands a stored sheet to.
pub type SheetVisitor<'a> = dyn FnMut(Option<&[u8]>) -> Result<(), AppError> + 'a;

/// The user sheets of one customize sheet in one period, as one snapshot
/// saw them.
pub trait SheetSnapshot {
    /// Hands `visit` the stored (encoded, see [`UserSheet::encode`]) sheet of
    /// `member`, or `None` when the member has none.
    fn visit(&self, member: &str, visit: &mut SheetVisitor<'_>) -> Result<(), AppError>;
}

impl Store {
    /// The tenant a sign-in means and the login id within it
    /// (`accounts::resolve_tenant` over this store: one tenant looked up,
    /// at most two tenant records read — enough to tell "the only one").
    fn resolve_login(
        &self,
        tenant: Option<&str>,
        login: &str,
    ) -> Result<Option<(String, String)>, AppError> {
        use super::Accounts as _;
        let first_two = || {
            let mut first = Vec::new();
            super::scan_json_rev(self.db(), super::tables::TENANTS, "", |_, tenant| {
                first.push(tenant);
                first.len() < 2
            })?;
            Ok(first)
        };
        crate::accounts::resolve_tenant(tenant, login, |id| self.tenant(id), first_two)
    }
}

impl Organisation for Store {
    fn periods(&self, tenant: &str) -> Result<Vec<Period>, AppError> {
        values(scan_json(self.db(), PERIODS, &format!("{tenant}/"))?)
    }

    fn period(&self, tenant: &str, id: &str) -> Result<Option<Period>, AppError> {
        get_json(self.db(), PERIODS, &format!("{tenant}/{id}"))
    }

    fn sheets(&self, tenant: &str) -> Result<Vec<CustomizeSheet>, AppError> {
        values(scan_json(self.db(), SHEETS, &format!("{tenant}/"))?)
    }

    fn sheet(&self, tenant: &str, id: &str) -> Result<Option<CustomizeSheet>, AppError> {
        get_json(self.db(), SHEETS, &format!("{tenant}/{id}"))
    }

    fn members(&self, tenant: &str) -> Result<Vec<Member>, AppError> {
        values(scan_json(self.db(), MEMBERS, &format!("{tenant}/"))?)
    }

    fn member(&self, tenant: &str, id: &str) -> Result<Option<Member>, AppError> {
        get_json(self.db(), MEMBERS, &format!("{tenant}/{id}"))
    }

    fn groups(&self, tenant: &str) -> Result<Vec<Group>, AppError> {
        values(scan_json(self.db(), GROUPS, &format!("{tenant}/"))?)
    }

    fn login(
        &self,
        tenant: Option<&str>,
        login: &str,
    ) -> Result<Option<(String, Member)>, AppError> {
        let Some((tenant, login)) = self.resolve_login(tenant, login)? else {
            return Ok(None);
        };
        let Some(id) = super::accounts::login_member(self.db(), &tenant, &login)? else {
            return Ok(None);
        };
        let member = get_json::<Member>(self.db(), MEMBERS, &format!("{tenant}/{id}"))?;
        Ok(member
            .filter(|member| member.active)
            .map(|member| (tenant, member)))
    }

    fn login_account(
        &self,
        tenant: Option<&str>,
        login: &str,
    ) -> Result<Option<(String, String)>, AppError> {
        Ok(self
            .resolve_login(tenant, login)?
            .map(|(tenant, login)| (tenant, sheetlink_protocol::naming::login_key(&login))))
    }

    fn signed_in(&self, tenant: &str, id: &str, access: u64) -> Result<Option<Member>, AppError> {
        use super::Accounts as _;
        if self
            .tenant(tenant)?
            .is_none_or(|tenant| tenant.disabled_at.is_some())
        {
            return Ok(None);
        }
        Ok(self
            .member(tenant, id)?
            .filter(|member| member.active && member.access == access))
    }

    fn user_sheet(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        member: &str,
    ) -> Result<Option<UserSheet>, AppError> {
        super::get_user_sheet(self.db(), &user_sheet_key(tenant, period, sheet, member))
    }

    fn user_sheets(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
    ) -> Result<Vec<(String, UserSheet)>, AppError> {
        let prefix = user_sheet_key(tenant, period, sheet, "");
        Ok(scan_user_sheets(self.db(), &prefix)?
            .into_iter()
            .map(|(key, sheet)| (key[prefix.len()..].to_owned(), sheet))
            .collect())
    }

    fn with_user_sheets<T>(
        &self,
        tenant: &str,
        period: &str,
        sheet: &str,
        job: impl FnOnce(&dyn SheetSnapshot) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let read = self.db().begin_read().map_err(AppError::internal)?;
        let table = match read.open_table(USER_SHEETS) {
            Ok(table) => Some(table),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(error) => return Err(AppError::internal(error)),
        };
        job(&RedbSnapshot {
            table,
            prefix: user_sheet_key(tenant, period, sheet, ""),
        })
    }
}

fn values<T>(entries: Vec<(String, T)>) -> Result<Vec<T>, AppError> {
    Ok(entries.into_iter().map(|(_, value)| value).collect())
}

struct RedbSnapshot {
    table: Option<redb::ReadOnlyTable<&'static str, &'static [u8]>>,
    prefix: String,
}

impl SheetSnapshot for RedbSnapshot {
    fn visit(&self, member: &str, visit: &mut SheetVisitor<'_>) -> Result<(), AppError> {
        let key = format!("{}{member}", self.prefix);
        let stored = match &self.table {
            Some(table) => table.get(key.as_str()).map_err(AppError::internal)?,
            None => None,
        };
        visit(stored.as_ref().map(|value| value.value()))
    }
}
