//! Signing in, and who is signed in.

use serde::{Deserialize, Serialize};

/// A role a member holds (one person may hold several; everyone is a
/// member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Evaluation admin (評価管理者).
    #[serde(alias = "admin")]
    EvaluationAdmin,
    /// CRM admin (CRM管理者): batch linkage.
    CrmAdmin,
    /// Group leader.
    Leader,
    /// Member.
    Member,
}

/// The sign-in form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Login id, or `login@tenant`.
    pub login_id: String,
    /// Tenant id; may be left out when the login id ends with `@tenant` or
    /// the server has one tenant only.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Password.
    pub password: String,
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Tenant id.
    #[serde(default)]
    pub tenant: String,
    /// Every role they hold (always `member`).
    pub roles: Vec<RoleName>,
    /// The server's time zone as minutes east of UTC (540: JST): the app
    /// shows every time in it, as the server's own texts (timeline posts,
    /// e-mails) do.
    #[serde(default = "jst")]
    pub utc_offset_minutes: i32,
}

fn jst() -> i32 {
    9 * 60
}

impl Me {
    /// Whether they hold `role`.
    pub fn has(&self, role: RoleName) -> bool {
        self.roles.contains(&role)
    }
}
