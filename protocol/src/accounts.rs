//! Accounts: tenants (the operator's), members who sign in, their roles,
//! set-up links, passwords and the audit log.

use serde::{Deserialize, Serialize};

/// The fewest characters of a password (the server's rule; the web app
/// says it before sending).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The most bytes of a password (argon2 of a megabyte is a denial of
/// service).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A tenant as the operator lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantView {
    /// Id: typed at sign-in (`login@tenant`), part of every storage key.
    pub id: String,
    /// Name.
    pub name: String,
    /// Seconds since the epoch when it was created.
    pub created_at: u64,
    /// When it was disabled; nobody of a disabled tenant signs in or runs a
    /// batch.
    #[serde(default)]
    pub disabled_at: Option<u64>,
    /// Members who may sign in (active, with a login id).
    pub accounts: usize,
}

/// What the operator sends to create a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTenant {
    /// Tenant id (see `naming`).
    pub id: String,
    /// Name; the id when empty.
    #[serde(default)]
    pub name: String,
    /// Login id of its first administrator (evaluation and CRM admin).
    pub admin_login: String,
    /// The administrator's name; the login id when empty.
    #[serde(default)]
    pub admin_name: String,
}

/// A tenant just created, with its administrator's set-up link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: TenantView,
    /// The first administrator's set-up link (shown once).
    pub setup: SetupLink,
}

/// The roles of a member. A member always is a member (sees the history
/// list and their own sheets); the rest add to that, and one person may hold
/// several.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Roles {
    /// 評価管理者: every period, sheet and member of evaluations; manages
    /// accounts and roles.
    #[serde(default)]
    pub evaluation_admin: bool,
    /// CRM管理者: batch linkage — settings, token, conditions, records, runs.
    #[serde(default)]
    pub crm_admin: bool,
    /// グループリーダー: the members of these groups, in these periods.
    #[serde(default)]
    pub leader: Option<LeaderScope>,
}

/// Where a group leader leads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderScope {
    /// Group ids.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Period ids.
    #[serde(default)]
    pub periods: Vec<String>,
}

/// A member as the account screen shows it (never a password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// Member id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Login id; members without one cannot sign in (evaluatees only).
    #[serde(default)]
    pub login_id: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Employee number.
    #[serde(default)]
    pub employee_number: Option<String>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles.
    pub roles: Roles,
    /// Deactivated members keep their name in history but cannot sign in.
    pub active: bool,
    /// Whether a password is set (else the set-up link is still unused).
    pub has_password: bool,
}

/// What an admin sends to create a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAccount {
    /// Member id (see `naming`).
    pub id: String,
    /// Name (any text, 1–100 characters).
    pub name: String,
    /// Login id; without one the member cannot sign in.
    #[serde(default)]
    pub login_id: Option<String>,
    /// E-mail address (the set-up link goes there when mail is configured).
    #[serde(default)]
    pub email: Option<String>,
    /// Employee number.
    #[serde(default)]
    pub employee_number: Option<String>,
    /// Groups (ids of existing groups).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Roles.
    #[serde(default)]
    pub roles: Roles,
}

/// A member just created: the account and, when it may sign in, its set-up
/// link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedAccount {
    /// The account.
    pub account: Account,
    /// The set-up link, when the member has a login id.
    #[serde(default)]
    pub setup: Option<SetupLink>,
}

/// A single-use link that lets a member choose their password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupLink {
    /// The link; shown once (only its hash is stored). Empty when it was
    /// e-mailed instead.
    #[serde(default)]
    pub url: String,
    /// Seconds since the epoch after which it no longer works.
    pub expires_at: u64,
    /// Whether it was e-mailed to the member rather than shown.
    pub emailed: bool,
}

/// A set-up token, to ask whom it is for or to use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupToken {
    /// The token from the link.
    pub token: String,
}

/// Whom a set-up link is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupInfo {
    /// Tenant id (typed at sign-in).
    pub tenant: String,
    /// Tenant name.
    pub tenant_name: String,
    /// The member's login id.
    pub login_id: String,
    /// The member's name.
    pub name: String,
    /// Seconds since the epoch after which the link no longer works.
    pub expires_at: u64,
}

/// Choosing a password with a set-up link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupRequest {
    /// The token from the link.
    pub token: String,
    /// The new password.
    pub password: String,
}

/// Changing one's own password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    /// The current password.
    pub current: String,
    /// The new password.
    pub new: String,
}

/// A group of members (グループ), as the account screen creates and lists
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupView {
    /// Group id (see `naming`).
    pub id: String,
    /// Name.
    pub name: String,
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The operator created the tenant.
    TenantCreated,
    /// A member was created.
    MemberCreated,
    /// A member's roles changed.
    RolesChanged,
    /// A member was deactivated.
    MemberDeactivated,
    /// A member was activated again.
    MemberReactivated,
    /// A new set-up link was made (a password reset).
    SetupLinkIssued,
    /// A member chose a password with a set-up link.
    PasswordSet,
    /// A member changed their own password.
    PasswordChanged,
    /// Batch-linkage settings changed.
    LinkageSettingsChanged,
    /// The batch token was issued again.
    TokenIssued,
    /// A linkage condition was created or replaced.
    ConditionSaved,
    /// A linkage condition was deleted.
    ConditionDeleted,
    /// A member's sheet moved to its next status.
    SheetStatusChanged,
    /// A group was created.
    GroupCreated,
    /// Who is in a group changed.
    GroupMembersChanged,
    /// A period was created.
    PeriodCreated,
    /// A period was renamed, opened or closed.
    PeriodChanged,
    /// A customize sheet was created.
    SheetCreated,
    /// A customize sheet's blocks, items or permissions changed.
    SheetChanged,
    /// A customize sheet was published or unpublished.
    SheetPublicationChanged,
    /// Members became evaluatees of a sheet in a period.
    EvaluateesAdded,
    /// A member file was applied.
    MembersImported,
    /// Records were taken out of a list, or all of them (cleared).
    ListChanged,
    /// A CRM record was deleted (`count`: the links to it cleared).
    RecordDeleted,
    /// The tenant's CRM additions (extension sheets, custom fields,
    /// options) were saved.
    CatalogChanged,
    /// A mapping template was saved (created or replaced).
    MappingTemplateSaved,
    /// A mapping template was deleted.
    MappingTemplateDeleted,
}

impl AuditAction {
    /// Whether the entry is about batch linkage (what a CRM admin reads).
    pub fn is_linkage(self) -> bool {
        matches!(
            self,
            AuditAction::LinkageSettingsChanged
                | AuditAction::TokenIssued
                | AuditAction::ConditionSaved
                | AuditAction::ConditionDeleted
                | AuditAction::ListChanged
                | AuditAction::RecordDeleted
                | AuditAction::CatalogChanged
                | AuditAction::MappingTemplateSaved
                | AuditAction::MappingTemplateDeleted
        )
    }
}

/// One audit entry: who did what to what, when. Account changes write it
/// in their own transaction, linkage changes right after theirs commit;
/// nothing edits or deletes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Seconds since the epoch.
    pub at: u64,
    /// Member id of who did it (`operator` for the server's operator).
    pub actor: String,
    /// Their name as it was then.
    pub actor_name: String,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to: a member id, a condition key, a sheet.
    #[serde(default)]
    pub target: String,
    /// What it was done to, as people read it (the member's name as it was
    /// then, the group's name, the sheet and period).
    #[serde(default)]
    pub target_name: String,
    /// The roles given, for a member created or whose roles changed.
    #[serde(default)]
    pub roles: Option<Roles>,
    /// The status a sheet moved to.
    #[serde(default)]
    pub status: Option<crate::org::SheetStatusName>,
    /// A period opened (`true`) or closed; a sheet published (`true`) or
    /// unpublished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switched_on: Option<bool>,
    /// How many: evaluatees added, members now in a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// What a member file did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<crate::organisation::MemberCounts>,
    /// A short description of the change (the roles given, …).
    #[serde(default)]
    pub detail: String,
}
