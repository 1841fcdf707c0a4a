//! Signing in, and who is signed in.

use serde::{Deserialize, Serialize};

/// What a member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Evaluation admin.
    Admin,
    /// Group leader.
    Leader,
    /// Plain member.
    Member,
}

/// The sign-in form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Login id.
    pub login_id: String,
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
    /// What they may do.
    pub role: RoleName,
    /// The server's time zone as minutes east of UTC (540: JST): the app
    /// shows every time in it, as the server's own texts (timeline posts,
    /// e-mails) do.
    #[serde(default = "jst")]
    pub utc_offset_minutes: i32,
}

fn jst() -> i32 {
    9 * 60
}
