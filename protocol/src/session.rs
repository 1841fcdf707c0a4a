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
}
