//! The evaluation domain as the server stores it (PRODUCT.md Part A).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sheetlink_engine::evaluation::{Item, ItemKind};

/// A person of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Stable id within the tenant.
    pub id: String,
    /// Login id, for members who may sign in.
    #[serde(default)]
    pub login_id: Option<String>,
    /// Display name (氏名).
    pub name: String,
    /// Employee number, when the member has one.
    #[serde(default)]
    pub employee_number: Option<String>,
    /// E-mail address, when the member has one.
    #[serde(default)]
    pub email: Option<String>,
    /// Groups the member belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// What the member may do.
    pub role: Role,
    /// argon2id PHC string; `None` for members who cannot sign in.
    #[serde(default)]
    pub password_hash: Option<String>,
}

impl Member {
    /// The key printed in column 2 of a template: the employee number, or
    /// the e-mail address when there is none.
    pub fn evaluatee_key(&self) -> Option<&str> {
        self.employee_number.as_deref().or(self.email.as_deref())
    }
}

/// Roles, with the scope of a group leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// 評価管理者: every period, sheet and member.
    Admin,
    /// グループリーダー: the assigned groups, in the assigned periods.
    Leader {
        /// Group ids.
        groups: Vec<String>,
        /// Period ids.
        periods: Vec<String>,
    },
    /// Everyone else: may see the import history list only.
    Member,
}

/// A group of members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// An evaluation period (評価期).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Closed periods cannot be imported into.
    pub open: bool,
}

/// Where a user sheet is in the evaluation flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetStatus {
    /// 未着手
    NotStarted,
    /// 自己評価済
    SelfEvaluated,
    /// 一次評価済
    FirstEvaluated,
    /// 最終評価完了
    FinalEvaluated,
}

/// Per role, the sheet statuses in which an item may be written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WritePermission {
    /// Statuses in which an evaluation admin may write.
    #[serde(default)]
    pub admin: Vec<SheetStatus>,
    /// Statuses in which a group leader may write.
    #[serde(default)]
    pub leader: Vec<SheetStatus>,
}

/// An item of a customize sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetItem {
    /// The item as the engine knows it; `None` for an evaluation-entry item
    /// (評価記入欄), which is never importable.
    #[serde(default)]
    pub importable: Option<Item>,
    /// Id of an evaluation-entry item.
    #[serde(default)]
    pub entry_id: Option<String>,
    /// Who may write it, when.
    #[serde(default)]
    pub write: WritePermission,
}

impl SheetItem {
    /// The item's id.
    pub fn id(&self) -> &str {
        self.importable.as_ref().map_or_else(
            || self.entry_id.as_deref().unwrap_or(""),
            |item| item.id.as_str(),
        )
    }

    /// The engine's item type, for importable items.
    pub fn kind(&self) -> Option<&ItemKind> {
        self.importable.as_ref().map(|item| &item.kind)
    }
}

/// A customize sheet (カスタマイズシート).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomizeSheet {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Only published sheets can be imported into.
    pub published: bool,
    /// Items, in display order.
    pub items: Vec<SheetItem>,
}

/// One member's sheet in one period (ユーザーシート).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSheet {
    /// The evaluation flow status.
    pub status: SheetStatus,
    /// Stored value per item id.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// A signed-in session. Only a hash of its token is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The tenant.
    pub tenant: String,
    /// The member id.
    pub member: String,
    /// Seconds since the Unix epoch after which the session is invalid.
    pub expires_at: u64,
}
