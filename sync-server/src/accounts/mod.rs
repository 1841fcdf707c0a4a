//! Accounts: tenants (created by the operator), members who sign in, their
//! roles, set-up links, passwords, and the audit log of who changed what.
//!
//! Choices, as HR and CRM systems make them:
//! - The operator creates a tenant with its first administrator, who holds
//!   both admin roles; evaluation admins then manage accounts (HR owns the
//!   people directory); a CRM admin manages batch linkage only.
//! - Nobody chooses a password for someone else. A new account, and a reset,
//!   get a single-use set-up link valid for [`SETUP_LINK_SECONDS`]: e-mailed
//!   when SMTP is configured and the member has an address, otherwise shown
//!   once to the admin who made it. Only its SHA-256 is stored; a newer link
//!   replaces the older one.
//! - Changing roles, deactivating, resetting or changing a password bumps the
//!   member's `access`, which ends every session (and batch Basic access,
//!   checked per request) at once.
//! - Admins cannot deactivate themselves or give up their own evaluation
//!   admin role (a tenant must not lock itself out).

pub mod api;
pub mod operator;
mod passwords;

use sheetlink_protocol::accounts::{
    Account, AuditAction, AuditEntry, CreatedAccount, CreatedTenant, GroupView, NewAccount,
    NewTenant, Roles, SetupInfo, SetupLink, TenantView,
};
use sheetlink_protocol::naming::{IdKind, check_id, login_key};

pub use passwords::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, check_password};

use crate::Config;
use crate::auth::{Caller, hash_password, token_key, verify_password};
use crate::error::AppError;
use crate::ids::now;
use crate::linkage::mail::Mail;
use crate::model::{Member, SetupGrant, Tenant};
use crate::permissions::may_manage_accounts;
use crate::store::{Accounts, Change, NewGrant, Organisation, Taken};

/// How long a set-up link works: 72 hours.
pub const SETUP_LINK_SECONDS: u64 = 72 * 60 * 60;
/// The actor id of the server's operator in the audit log.
pub const OPERATOR: &str = "operator";
/// The member id of a tenant's first administrator.
pub const FIRST_ADMIN_ID: &str = "admin";
/// The longest name (of a tenant or a member).
pub const MAX_NAME_CHARS: usize = 100;
/// The most groups a member belongs to, or a leader leads; the most periods.
pub const MAX_SCOPE: usize = 200;

/// The tenant a sign-in means, and the login id within it: the tenant
/// named; else the one after the last `@` of the login id, when such a
/// tenant exists (an e-mail address as login id keeps its domain, which is
/// no tenant id); else the server's only tenant. `None` when the tenant is
/// unknown or disabled; an `Err` when several tenants exist and none is named.
///
/// Sign-in is a hot path: `tenant` looks one tenant up, and `first_two`
/// reads at most two tenant records (enough to tell "the only one").
pub fn resolve_tenant(
    named: Option<&str>,
    login: &str,
    tenant: impl Fn(&str) -> Result<Option<Tenant>, AppError>,
    first_two: impl FnOnce() -> Result<Vec<Tenant>, AppError>,
) -> Result<Option<(String, String)>, AppError> {
    let usable = |id: &str| -> Result<Option<bool>, AppError> {
        Ok(tenant(id)?.map(|t| t.disabled_at.is_none()))
    };
    let login = login.trim();
    if let Some(named) = named.map(str::trim).filter(|n| !n.is_empty()) {
        let named = named.to_ascii_lowercase();
        // `sato@acme` typed with the tenant `acme` as well means `sato`.
        let login = login
            .strip_suffix(&format!("@{named}"))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(login);
        return Ok((usable(&named)? == Some(true)).then(|| (named, login.to_owned())));
    }
    // `x@guess` naming no tenant: on a server with one tenant it is a login
    // id of that tenant; with several, it signs nobody in — answered like a
    // wrong password, never "name your tenant", which would tell a guessed
    // tenant id from an existing one.
    let mut names_a_tenant = false;
    if let Some((name, tenant)) = login.rsplit_once('@') {
        let tenant = tenant.to_ascii_lowercase();
        if !name.is_empty() && check_id(IdKind::Tenant, &tenant).is_ok() {
            names_a_tenant = true;
            match usable(&tenant)? {
                Some(true) => return Ok(Some((tenant, name.to_owned()))),
                Some(false) => return Ok(None),
                None => {}
            }
        }
    }
    match first_two()?.as_slice() {
        [] => Ok(None),
        [only] => Ok(only
            .disabled_at
            .is_none()
            .then(|| (only.id.clone(), login.to_owned()))),
        _ if names_a_tenant => Ok(None),
        _ => Err(AppError::bad_request(
            "tenant_required",
            "組織IDを入力してください（「ログインID@組織ID」の形でも入力できます）。組織IDは管理者が知っています。",
            "Enter your tenant id (or sign in as login@tenant); your administrator knows it.",
        )),
    }
}

/// The link a set-up token is used through.
pub fn setup_url(config: &Config, token: &str) -> String {
    format!("{}/setup#{token}", public_base(config))
}

/// Where people reach the server: the configured public URL, else the
/// listen address (with `localhost` for an unspecified one).
pub fn public_base(config: &Config) -> String {
    match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None if config.listen.ip().is_unspecified() => {
            format!("http://localhost:{}", config.listen.port())
        }
        None => format!("http://{}", config.listen),
    }
}

/// A new set-up link for member `member` of `tenant`: the grant to store,
/// what the admin is told, and the e-mail to queue when mail is configured
/// and the member has an address (then the link is not shown).
pub(crate) fn issue_link(
    config: &Config,
    tenant: &str,
    member: &Member,
) -> Result<(NewGrant, SetupLink, Option<Mail>), AppError> {
    let token = crate::ids::new_token()?;
    let expires_at = now() + SETUP_LINK_SECONDS;
    let grant = (
        token_key(&token),
        SetupGrant {
            tenant: tenant.to_owned(),
            member: member.id.clone(),
            expires_at,
        },
    );
    let url = setup_url(config, &token);
    let mail = match (&config.smtp_host, &member.email) {
        (Some(_), Some(email)) => Some(Mail {
            id: crate::ids::record_id()?,
            to: email.clone(),
            subject: "sheetlink: パスワードの設定 / Set your password".into(),
            body: format!(
                "{name} 様\n\nsheetlink のアカウントが用意されました。次のリンクを開いてパスワードを設定してください（72時間有効・1回限り）。\n\n{url}\n\n組織ID: {tenant}\nログインID: {login}\n\n---\n{name},\n\nA sheetlink account is ready for you. Open the link above to choose your password (valid for 72 hours, once).\n",
                name = member.name,
                login = member.login_id.as_deref().unwrap_or_default(),
            ),
            attempts: 0,
        }),
        _ => None,
    };
    let link = SetupLink {
        url: if mail.is_some() { String::new() } else { url },
        expires_at,
        emailed: mail.is_some(),
    };
    Ok((grant, link, mail))
}

fn entry(actor: &Member, action: AuditAction, target: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: now(),
        actor: actor.id.clone(),
        actor_name: actor.name.clone(),
        action,
        target: target.to_owned(),
        target_name: String::new(),
        roles: None,
        status: None,
        switched_on: None,
        count: None,
        members: None,
        detail,
    }
}

/// `entry` naming its target as people read it.
pub(crate) fn named(mut entry: AuditEntry, name: &str) -> AuditEntry {
    entry.target_name = name.to_owned();
    entry
}

/// The audit entry of something `caller` did.
pub fn audit_entry(
    caller: &Caller,
    action: AuditAction,
    target: &str,
    detail: String,
) -> AuditEntry {
    entry(&caller.member, action, target, detail)
}

/// Roles in words, for the audit log.
pub fn describe_roles(roles: &Roles) -> String {
    let mut words = Vec::new();
    if roles.evaluation_admin {
        words.push("evaluation_admin".to_owned());
    }
    if roles.crm_admin {
        words.push("crm_admin".to_owned());
    }
    if let Some(scope) = &roles.leader {
        words.push(format!(
            "leader(groups: {}; periods: {})",
            scope.groups.join(","),
            scope.periods.join(",")
        ));
    }
    if words.is_empty() {
        "member".into()
    } else {
        words.join(" + ")
    }
}

pub(crate) fn id_error(problem: sheetlink_protocol::naming::IdProblem) -> AppError {
    AppError::bad_request("invalid_id", problem.ja, problem.en)
}

pub(crate) fn check_name(name: &str, what_ja: &str, what_en: &str) -> Result<String, AppError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid_name",
            format!(
                "{what_ja}は1〜{MAX_NAME_CHARS}文字で入力してください（改行などの制御文字は使えません）。"
            ),
            format!("{what_en} has 1 to {MAX_NAME_CHARS} characters, without control characters."),
        ));
    }
    Ok(name.to_owned())
}

/// The tenant as the operator lists it.
pub fn tenant_view(store: &impl Organisation, tenant: &Tenant) -> Result<TenantView, AppError> {
    let accounts = store
        .members(&tenant.id)?
        .iter()
        .filter(|m| m.active && m.login_id.is_some())
        .count();
    Ok(TenantView {
        id: tenant.id.clone(),
        name: tenant.name.clone(),
        created_at: tenant.created_at,
        disabled_at: tenant.disabled_at,
        accounts,
    })
}

/// Creates a tenant and its first administrator (both admin roles, member
/// id [`FIRST_ADMIN_ID`]); the set-up link is shown once (an operator's
/// tenant has no mail address for its admin yet).
pub fn create_tenant(
    store: &(impl Accounts + Organisation),
    config: &Config,
    new: &NewTenant,
) -> Result<CreatedTenant, AppError> {
    let id = new.id.trim().to_owned();
    check_id(IdKind::Tenant, &id).map_err(id_error)?;
    check_id(IdKind::Login, new.admin_login.trim()).map_err(id_error)?;
    let name = if new.name.trim().is_empty() {
        id.clone()
    } else {
        check_name(&new.name, "組織名", "A tenant name")?
    };
    let login = login_key(&new.admin_login);
    let admin_name = if new.admin_name.trim().is_empty() {
        login.clone()
    } else {
        check_name(&new.admin_name, "管理者の氏名", "The admin's name")?
    };
    let tenant = Tenant {
        id: id.clone(),
        name,
        created_at: now(),
        disabled_at: None,
    };
    let mut admin = Member {
        login_id: Some(login),
        roles: Roles {
            evaluation_admin: true,
            crm_admin: true,
            leader: None,
        },
        ..Member::new(FIRST_ADMIN_ID, &admin_name)
    };
    let config = Config {
        smtp_host: None,
        ..config.clone()
    };
    let (grant, setup, _) = issue_link(&config, &id, &admin)?;
    admin.setup_link = Some(grant.0.clone());
    let operator = Member::new(OPERATOR, "operator");
    let audit = named(
        entry(
            &operator,
            AuditAction::TenantCreated,
            &admin.id,
            format!(
                "first admin {}",
                admin.login_id.as_deref().unwrap_or_default()
            ),
        ),
        &admin.name,
    );
    let change = Change {
        audit: Some(audit),
        grant: Some(grant),
        mail: None,
    };
    match store.create_tenant(&tenant, &admin, &change)? {
        Ok(()) => Ok(CreatedTenant {
            tenant: tenant_view(store, &tenant)?,
            setup,
        }),
        Err(_) => Err(AppError::conflict(
            "tenant_exists",
            format!("組織ID「{id}」はすでに使われています。別のIDを選んでください。"),
            format!("The tenant id {id} is taken: choose another."),
        )),
    }
}

/// Disables (or enables again) a tenant; `false` when there is none.
pub fn set_tenant_disabled(
    store: &impl Accounts,
    id: &str,
    disabled: bool,
) -> Result<bool, AppError> {
    store.set_tenant_disabled(id, disabled.then(now))
}

/// A member as the account screen shows it.
pub fn account(member: &Member) -> Account {
    Account {
        id: member.id.clone(),
        name: member.name.clone(),
        login_id: member.login_id.clone(),
        email: member.email.clone(),
        employee_number: member.employee_number.clone(),
        groups: member.groups.clone(),
        roles: member.roles.clone(),
        active: member.active,
        has_password: member.password_hash.is_some(),
    }
}

fn require_account_admin(caller: &Caller) -> Result<(), AppError> {
    if may_manage_accounts(&caller.member) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "not_an_account_admin",
            "アカウントの管理は評価管理者だけが行えます。",
            "Only evaluation admins manage accounts.",
        ))
    }
}

/// Checks roles against the tenant: a leader's groups and periods exist,
/// and not too many.
fn check_roles(
    store: &impl Organisation,
    tenant: &str,
    roles: &Roles,
    groups: &[String],
) -> Result<(), AppError> {
    let known_groups: Vec<String> = store.groups(tenant)?.into_iter().map(|g| g.id).collect();
    let known_periods: Vec<String> = store.periods(tenant)?.into_iter().map(|p| p.id).collect();
    let scope = roles.leader.as_ref();
    let led_groups = scope.map(|s| s.groups.as_slice()).unwrap_or_default();
    let periods = scope.map(|s| s.periods.as_slice()).unwrap_or_default();
    if groups.len() > MAX_SCOPE || led_groups.len() > MAX_SCOPE || periods.len() > MAX_SCOPE {
        return Err(AppError::bad_request(
            "too_many",
            format!("グループと評価期はそれぞれ{MAX_SCOPE}件までです。"),
            format!("At most {MAX_SCOPE} groups and {MAX_SCOPE} periods."),
        ));
    }
    for group in groups.iter().chain(led_groups) {
        if !known_groups.contains(group) {
            return Err(AppError::bad_request(
                "unknown_group",
                format!("グループ「{group}」はありません。グループIDを確かめてください。"),
                format!("There is no group {group}: check the group id."),
            ));
        }
    }
    for period in periods {
        if !known_periods.contains(period) {
            return Err(AppError::bad_request(
                "unknown_period",
                format!("評価期「{period}」はありません。評価期IDを確かめてください。"),
                format!("There is no period {period}: check the period id."),
            ));
        }
    }
    if scope.is_some_and(|s| s.groups.is_empty()) {
        return Err(AppError::bad_request(
            "leader_without_groups",
            "グループリーダーには担当するグループを1つ以上指定してください。",
            "A group leader leads at least one group.",
        ));
    }
    Ok(())
}

/// Every account of the caller's tenant (evaluation admins).
pub fn accounts(store: &impl Organisation, caller: &Caller) -> Result<Vec<Account>, AppError> {
    require_account_admin(caller)?;
    Ok(store.members(&caller.tenant)?.iter().map(account).collect())
}

/// Creates a member (evaluation admins), with a set-up link when it has a
/// login id.
pub fn create_account(
    store: &(impl Accounts + Organisation),
    config: &Config,
    caller: &Caller,
    new: &NewAccount,
) -> Result<CreatedAccount, AppError> {
    require_account_admin(caller)?;
    let id = new.id.trim();
    check_id(IdKind::Member, id).map_err(id_error)?;
    let login = match new
        .login_id
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        Some(login) => {
            check_id(IdKind::Login, login).map_err(id_error)?;
            Some(login_key(login))
        }
        None => None,
    };
    let name = check_name(&new.name, "氏名", "A name")?;
    let email = match new
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(email) if crate::linkage::valid_email(email) => Some(email.to_owned()),
        Some(email) => {
            return Err(AppError::bad_request(
                "invalid_email",
                format!("メールアドレス「{email}」の形式が正しくありません。"),
                format!("{email} is not a valid e-mail address."),
            ));
        }
        None => None,
    };
    let employee_number = new
        .employee_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| check_name(n, "社員番号", "An employee number"))
        .transpose()?;
    check_roles(store, &caller.tenant, &new.roles, &new.groups)?;
    let mut member = Member {
        login_id: login,
        email,
        employee_number,
        groups: new.groups.clone(),
        roles: new.roles.clone(),
        ..Member::new(id, &name)
    };
    let (grant, setup, mail) = match member.login_id {
        Some(_) => {
            let (grant, setup, mail) = issue_link(config, &caller.tenant, &member)?;
            member.setup_link = Some(grant.0.clone());
            (Some(grant), Some(setup), mail)
        }
        None => (None, None, None),
    };
    let change = Change {
        audit: Some(AuditEntry {
            roles: Some(member.roles.clone()),
            ..named(
                audit_entry(
                    caller,
                    AuditAction::MemberCreated,
                    id,
                    describe_roles(&member.roles),
                ),
                &member.name,
            )
        }),
        grant,
        mail,
    };
    match store.create_member(&caller.tenant, &member, &change)? {
        Ok(()) => Ok(CreatedAccount {
            account: account(&member),
            setup,
        }),
        Err(Taken::Login) => Err(AppError::conflict(
            "login_taken",
            "このログインIDはすでに使われています。別のIDにしてください。",
            "This login id is taken: choose another.",
        )),
        Err(_) => Err(AppError::conflict(
            "member_exists",
            format!("社員ID「{id}」はすでにあります。別のIDにしてください。"),
            format!("A member {id} exists: choose another id."),
        )),
    }
}

fn no_such_member() -> AppError {
    AppError::not_found(
        "no_such_member",
        "そのメンバーはいません。一覧を読み込み直してください。",
        "No such member: reload the list.",
    )
}

/// Changes a member's roles (evaluation admins); ends their sessions.
pub fn set_roles(
    store: &(impl Accounts + Organisation),
    caller: &Caller,
    id: &str,
    roles: &Roles,
) -> Result<Account, AppError> {
    require_account_admin(caller)?;
    if id == caller.member.id && !roles.evaluation_admin {
        return Err(AppError::conflict(
            "own_admin_role",
            "自分の評価管理者ロールは外せません。ほかの評価管理者に依頼してください。",
            "You cannot give up your own evaluation admin role: ask another evaluation admin.",
        ));
    }
    let member = store
        .member(&caller.tenant, id)?
        .ok_or_else(no_such_member)?;
    check_roles(store, &caller.tenant, roles, &member.groups)?;
    store
        .update_member(&caller.tenant, id, |member| {
            if member.roles == *roles {
                return Ok((account(member), Change::default()));
            }
            member.roles = roles.clone();
            member.access += 1;
            let audit = AuditEntry {
                roles: Some(roles.clone()),
                ..named(
                    audit_entry(caller, AuditAction::RolesChanged, id, describe_roles(roles)),
                    &member.name,
                )
            };
            Ok((
                account(member),
                Change {
                    audit: Some(audit),
                    ..Change::default()
                },
            ))
        })?
        .ok_or_else(no_such_member)
}

/// Deactivates or reactivates a member (evaluation admins); deactivating
/// ends their sessions and batch access at once.
pub fn set_active(
    store: &impl Accounts,
    caller: &Caller,
    id: &str,
    active: bool,
) -> Result<Account, AppError> {
    require_account_admin(caller)?;
    if id == caller.member.id && !active {
        return Err(AppError::conflict(
            "own_account",
            "自分のアカウントは無効にできません。ほかの評価管理者に依頼してください。",
            "You cannot deactivate your own account: ask another evaluation admin.",
        ));
    }
    store
        .update_member(&caller.tenant, id, |member| {
            if member.active == active {
                return Ok((account(member), Change::default()));
            }
            member.active = active;
            member.access += 1;
            let action = if active {
                AuditAction::MemberReactivated
            } else {
                AuditAction::MemberDeactivated
            };
            Ok((
                account(member),
                Change {
                    audit: Some(named(
                        audit_entry(caller, action, id, String::new()),
                        &member.name,
                    )),
                    ..Change::default()
                },
            ))
        })?
        .ok_or_else(no_such_member)
}

/// Resets a member's password (evaluation admins): the old password stops
/// working, their sessions end, and a new set-up link is made.
pub fn reset_password(
    store: &impl Accounts,
    config: &Config,
    caller: &Caller,
    id: &str,
) -> Result<SetupLink, AppError> {
    require_account_admin(caller)?;
    store
        .update_member(&caller.tenant, id, |member| {
            if member.login_id.is_none() {
                return Err(AppError::conflict(
                    "no_login",
                    "このメンバーにはログインIDがありません。サインインしない人にはリンクを作れません。",
                    "This member has no login id: they do not sign in.",
                ));
            }
            if !member.active {
                return Err(AppError::conflict(
                    "inactive",
                    "無効なアカウントです。先に有効にしてください。",
                    "The account is deactivated: activate it first.",
                ));
            }
            let (grant, link, mail) = issue_link(config, &caller.tenant, member)?;
            member.password_hash = None;
            member.access += 1;
            Ok((
                link,
                Change {
                    audit: Some(named(
                        audit_entry(caller, AuditAction::SetupLinkIssued, id, String::new()),
                        &member.name,
                    )),
                    grant: Some(grant),
                    mail,
                },
            ))
        })?
        .ok_or_else(no_such_member)
}

fn dead_link() -> AppError {
    AppError::not_found(
        "setup_link_invalid",
        "このリンクは使えません（使用済み・72時間の期限切れ・新しいリンクの発行のいずれか）。管理者に新しいリンクを依頼してください。",
        "This link no longer works (used, older than 72 hours, or replaced by a newer one). Ask your administrator for a new link.",
    )
}

/// Whom a set-up link is for (nothing changes).
pub fn setup_info(
    store: &(impl Accounts + Organisation),
    token: &str,
) -> Result<SetupInfo, AppError> {
    let hash = token_key(token);
    let grant = store.setup_grant(&hash)?.ok_or_else(dead_link)?;
    let member = store
        .member(&grant.tenant, &grant.member)?
        .filter(|m| m.active && m.setup_link.as_deref() == Some(hash.as_str()))
        .ok_or_else(dead_link)?;
    let tenant = store.tenant(&grant.tenant)?.ok_or_else(dead_link)?;
    if grant.expires_at <= now() || tenant.disabled_at.is_some() {
        return Err(dead_link());
    }
    Ok(SetupInfo {
        tenant: tenant.id,
        tenant_name: tenant.name,
        login_id: member.login_id.unwrap_or_default(),
        name: member.name,
        expires_at: grant.expires_at,
    })
}

/// Sets a password with a set-up link (used up by it); returns the tenant
/// and the member, whose sessions elsewhere have ended.
pub fn use_setup_link(
    store: &(impl Accounts + Organisation),
    token: &str,
    password: &str,
) -> Result<(String, Member), AppError> {
    let info = setup_info(store, token)?;
    check_password(password, &info.login_id)?;
    let hash = hash_password(password)?;
    store
        .use_setup_link(&token_key(token), now(), |member| {
            member.password_hash = Some(hash);
            member.access += 1;
            Ok(named(
                entry(member, AuditAction::PasswordSet, &member.id, String::new()),
                &member.name,
            ))
        })?
        .ok_or_else(dead_link)
}

/// Changes the caller's own password; returns the member (with the new
/// access: the caller's other sessions end, the handler opens a new one).
pub fn change_password(
    store: &impl Accounts,
    caller: &Caller,
    current: &str,
    new: &str,
) -> Result<Member, AppError> {
    let login = caller.member.login_id.clone().unwrap_or_default();
    if current.len() > MAX_PASSWORD_BYTES
        || !caller
            .member
            .password_hash
            .as_deref()
            .is_some_and(|stored| verify_password(current, stored))
    {
        return Err(AppError::forbidden(
            "wrong_password",
            "現在のパスワードが違います。",
            "The current password is wrong.",
        ));
    }
    check_password(new, &login)?;
    if new == current {
        return Err(AppError::bad_request(
            "same_password",
            "新しいパスワードが現在のものと同じです。別のパスワードにしてください。",
            "The new password is the current one: choose another.",
        ));
    }
    let hash = hash_password(new)?;
    store
        .update_member(&caller.tenant, &caller.member.id, |member| {
            member.password_hash = Some(hash);
            member.access += 1;
            Ok((
                member.clone(),
                Change {
                    audit: Some(named(
                        audit_entry(
                            caller,
                            AuditAction::PasswordChanged,
                            &member.id,
                            String::new(),
                        ),
                        &member.name,
                    )),
                    ..Change::default()
                },
            ))
        })?
        .ok_or(AppError::Unauthorized)
}

/// The newest audit entries the caller may read (at most `limit`).
pub fn audit_log(
    store: &impl Accounts,
    caller: &Caller,
    limit: usize,
) -> Result<Vec<AuditEntry>, AppError> {
    if !crate::permissions::may_read_audit(&caller.member) {
        return Err(AppError::forbidden(
            "not_an_admin",
            "監査ログは管理者だけが見られます。",
            "Only admins read the audit log.",
        ));
    }
    let mut entries = Vec::new();
    store.audit_newest_first(&caller.tenant, &mut |entry| {
        if crate::permissions::may_read_audit_entry(&caller.member, entry.action) {
            entries.push(entry);
        }
        entries.len() < limit
    })?;
    Ok(entries)
}

/// The tenant's groups (evaluation admins).
pub fn groups(store: &impl Organisation, caller: &Caller) -> Result<Vec<GroupView>, AppError> {
    require_account_admin(caller)?;
    Ok(store
        .groups(&caller.tenant)?
        .into_iter()
        .map(|g| GroupView {
            id: g.id,
            name: g.name,
        })
        .collect())
}

/// Creates a group (evaluation admins); the bulk set-up of an organisation
/// comes with the organisation screens.
pub fn create_group(
    store: &impl Accounts,
    caller: &Caller,
    new: &GroupView,
) -> Result<GroupView, AppError> {
    require_account_admin(caller)?;
    let id = new.id.trim();
    check_id(IdKind::Group, id).map_err(id_error)?;
    let group = crate::model::Group {
        id: id.to_owned(),
        name: check_name(&new.name, "グループ名", "A group name")?,
    };
    let audit = named(
        audit_entry(caller, AuditAction::GroupCreated, id, String::new()),
        &group.name,
    );
    if !store.create_group(&caller.tenant, &group, &audit)? {
        return Err(AppError::conflict(
            "group_exists",
            format!("グループID「{id}」はすでにあります。別のIDにしてください。"),
            format!("A group {id} exists: choose another id."),
        ));
    }
    Ok(GroupView {
        id: group.id,
        name: group.name,
    })
}

/// Records what `caller` did to batch linkage, after it committed.
pub fn record_linkage_change(
    store: &impl Accounts,
    caller: &Caller,
    action: AuditAction,
    target: &str,
) -> Result<(), AppError> {
    store.record_audit(
        &caller.tenant,
        &named(audit_entry(caller, action, target, String::new()), target),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, disabled: bool) -> Tenant {
        Tenant {
            id: id.into(),
            name: id.into(),
            created_at: 0,
            disabled_at: disabled.then_some(1),
        }
    }

    #[test]
    fn a_sign_in_finds_its_tenant() {
        let one = [tenant("acme", false)];
        let two = [tenant("acme", false), tenant("beta", true)];
        let resolve_tenant = |named: Option<&str>, login: &str, tenants: &[Tenant]| {
            super::resolve_tenant(
                named,
                login,
                |id| Ok(tenants.iter().find(|t| t.id == id).cloned()),
                || Ok(tenants.iter().take(2).cloned().collect()),
            )
        };
        let ok = |t: &str, l: &str| Some((t.to_owned(), l.to_owned()));
        assert_eq!(
            resolve_tenant(None, "sato", &one).expect("one"),
            ok("acme", "sato")
        );
        assert_eq!(
            resolve_tenant(None, "sato@acme", &two).expect("suffix"),
            ok("acme", "sato")
        );
        assert_eq!(
            resolve_tenant(Some("ACME"), "sato@acme", &two).expect("both"),
            ok("acme", "sato")
        );
        assert_eq!(
            resolve_tenant(None, "sato@example.co.jp", &one).expect("an e-mail login"),
            ok("acme", "sato@example.co.jp")
        );
        assert_eq!(
            resolve_tenant(None, "sato@beta", &two).expect("disabled"),
            None
        );
        assert_eq!(
            resolve_tenant(Some("beta"), "sato", &two).expect("disabled"),
            None
        );
        assert_eq!(
            resolve_tenant(Some("gamma"), "sato", &two).expect("unknown"),
            None
        );
        assert_eq!(resolve_tenant(None, "sato", &[]).expect("none"), None);
        let error = resolve_tenant(None, "sato", &two).expect_err("which tenant?");
        assert_eq!(error.body().1.error, "tenant_required");
    }

    #[test]
    fn roles_are_described_for_the_log() {
        let roles = Roles {
            crm_admin: true,
            leader: Some(sheetlink_protocol::accounts::LeaderScope {
                groups: vec!["sales".into()],
                periods: vec!["2026-h1".into()],
            }),
            ..Roles::default()
        };
        assert_eq!(
            describe_roles(&roles),
            "crm_admin + leader(groups: sales; periods: 2026-h1)"
        );
        assert_eq!(describe_roles(&Roles::default()), "member");
    }
}
