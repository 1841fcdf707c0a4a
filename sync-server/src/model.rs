//! The evaluation domain as the server stores it (PRODUCT.md Part A).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sheetlink_engine::evaluation::{Item, ItemKind};

pub use sheetlink_protocol::accounts::{LeaderScope, Roles};

/// A tenant: one organisation on this server. Every storage key starts with
/// its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Id (see `sheetlink_protocol::naming`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Seconds since the epoch.
    pub created_at: u64,
    /// When the operator disabled it: nobody of it signs in or runs a batch.
    #[serde(default)]
    pub disabled_at: Option<u64>,
}

/// A person of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// Stable id within the tenant.
    pub id: String,
    /// Login id (stored folded, see `naming::login_key`), for members who
    /// may sign in.
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
    /// What the member may do beyond being a member.
    #[serde(default)]
    pub roles: Roles,
    /// argon2id PHC string; `None` for members who cannot sign in (yet).
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Deactivated members cannot sign in; history keeps their name.
    #[serde(default = "active")]
    pub active: bool,
    /// Bumped whenever the member's access changes (roles, deactivation, a
    /// password reset or change): a session opened under another value is
    /// no longer valid, so such a change ends every session at once.
    #[serde(default)]
    pub access: u64,
    /// SHA-256 (hex) of the member's one live set-up link.
    #[serde(default)]
    pub setup_link: Option<String>,
}

fn active() -> bool {
    true
}

impl Member {
    /// The key printed in column 2 of a template: the employee number, or
    /// the e-mail address when there is none.
    pub fn evaluatee_key(&self) -> Option<&str> {
        self.employee_number.as_deref().or(self.email.as_deref())
    }

    /// 評価管理者.
    pub fn is_evaluation_admin(&self) -> bool {
        self.roles.evaluation_admin
    }

    /// CRM管理者.
    pub fn is_crm_admin(&self) -> bool {
        self.roles.crm_admin
    }

    /// The groups and periods the member leads, if a leader.
    pub fn leads(&self) -> Option<&LeaderScope> {
        self.roles.leader.as_ref()
    }

    /// A member with no roles beyond being one.
    pub fn new(id: &str, name: &str) -> Member {
        Member {
            id: id.into(),
            login_id: None,
            name: name.into(),
            employee_number: None,
            email: None,
            groups: Vec::new(),
            roles: Roles::default(),
            password_hash: None,
            active: true,
            access: 0,
            setup_link: None,
        }
    }
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
    /// Block path and name of an evaluation-entry item (an importable
    /// item's are its `label`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_label: Vec<String>,
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
    /// Items, in display order: what templates, imports and permissions
    /// read. Made from [`CustomizeSheet::blocks`] whenever the sheet editor
    /// saves it, never edited on their own.
    pub items: Vec<SheetItem>,
    /// The blocks and items as the sheet editor saved them. Empty for a
    /// sheet no editor has saved yet (the demo's): the editor then reads a
    /// tree made from the items' labels (`organisation::sheets`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<sheetlink_protocol::organisation::BlockDefinition>,
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
    /// The member's [`Member::access`] when the session opened.
    #[serde(default)]
    pub access: u64,
}

/// A set-up link as stored (under the SHA-256 of its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupGrant {
    /// The tenant.
    pub tenant: String,
    /// The member who chooses a password with it.
    pub member: String,
    /// Seconds since the epoch after which it no longer works.
    pub expires_at: u64,
}

/// The stored form of a [`UserSheet`]: a format byte, the status, then the
/// values sorted by item id, each id and value as LEB128 length and UTF-8.
/// Compact, and readable without allocating per cell ([`SheetView`]), which
/// matters when an import rewrites ten million cells.
const USER_SHEET_FORMAT: u8 = 1;

impl SheetStatus {
    fn code(self) -> u8 {
        match self {
            SheetStatus::NotStarted => 0,
            SheetStatus::SelfEvaluated => 1,
            SheetStatus::FirstEvaluated => 2,
            SheetStatus::FinalEvaluated => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        [
            SheetStatus::NotStarted,
            SheetStatus::SelfEvaluated,
            SheetStatus::FirstEvaluated,
            SheetStatus::FinalEvaluated,
        ]
        .get(usize::from(code))
        .copied()
    }
}

impl UserSheet {
    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        encode_sheet(
            self.status,
            self.values.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            self.values.len(),
        )
    }

    /// Reads the stored bytes back.
    pub fn decode(bytes: &[u8]) -> Option<UserSheet> {
        let view = SheetView::parse(bytes)?;
        Some(UserSheet {
            status: view.status,
            values: view
                .values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }
}

/// Encodes a status and values already sorted by item id.
pub fn encode_sheet<'v>(
    status: SheetStatus,
    values: impl Iterator<Item = (&'v str, &'v str)>,
    count: usize,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + count * 12);
    out.push(USER_SHEET_FORMAT);
    out.push(status.code());
    put_leb(&mut out, count);
    for (item, value) in values {
        put_leb(&mut out, item.len());
        out.extend_from_slice(item.as_bytes());
        put_leb(&mut out, value.len());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// A stored user sheet read in place: values borrow from the bytes.
#[derive(Debug)]
pub struct SheetView<'a> {
    /// The evaluation flow status.
    pub status: SheetStatus,
    /// `(item id, value)`, sorted by item id.
    pub values: Vec<(&'a str, &'a str)>,
}

impl<'a> SheetView<'a> {
    /// Parses stored bytes; `None` when they are not a user sheet.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let (&format, rest) = bytes.split_first()?;
        let (&status, mut rest) = rest.split_first()?;
        if format != USER_SHEET_FORMAT {
            return None;
        }
        let count = take_leb(&mut rest)?;
        let mut values = Vec::with_capacity(count.min(rest.len()));
        for _ in 0..count {
            let item = take_str(&mut rest)?;
            let value = take_str(&mut rest)?;
            values.push((item, value));
        }
        Some(SheetView {
            status: SheetStatus::from_code(status)?,
            values,
        })
    }

    /// The stored value of `item`.
    pub fn get(&self, item: &str) -> Option<&'a str> {
        self.values
            .binary_search_by(|(id, _)| (*id).cmp(item))
            .ok()
            .map(|index| self.values[index].1)
    }
}

/// Appends `value` as LEB128 (seven bits a byte, high bit "more").
pub(crate) fn put_leb(out: &mut Vec<u8>, mut value: usize) {
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a LEB128 value off the front of `bytes`.
pub(crate) fn take_leb(bytes: &mut &[u8]) -> Option<usize> {
    let mut value = 0usize;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= usize::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

fn take_str<'a>(bytes: &mut &'a [u8]) -> Option<&'a str> {
    let length = take_leb(bytes)?;
    let (text, rest) = bytes.split_at_checked(length)?;
    *bytes = rest;
    std::str::from_utf8(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_sheets_round_trip_through_their_stored_form() {
        let values: BTreeMap<String, String> = [
            ("b", "2"),
            ("a", "所見\n二行目"),
            ("long", &"x".repeat(300)),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sheet = UserSheet {
            status: SheetStatus::FirstEvaluated,
            values,
        };
        let bytes = sheet.encode();
        assert_eq!(UserSheet::decode(&bytes).as_ref(), Some(&sheet));
        let view = SheetView::parse(&bytes).expect("parses");
        assert_eq!(
            (view.get("a"), view.get("b"), view.get("c")),
            (Some("所見\n二行目"), Some("2"), None)
        );
        for cut in 0..bytes.len() {
            assert!(UserSheet::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }
}
