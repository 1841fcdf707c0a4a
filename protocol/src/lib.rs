//! sheetlink's wire: every type that crosses the HTTP API, declared once and
//! used by the server (which serializes it), the web app and the batch
//! client (which read it). Statuses, outcomes, actions, kinds, directions
//! and roles are enums; their JSON names are the snake_case the API has
//! always used.
//!
//! Plain data and serde: this crate compiles to WebAssembly for the browser,
//! so it carries no server code. The OpenAPI schemas (utoipa `ToSchema`)
//! exist only with the `openapi` feature, which the server turns on and the
//! browser's build does not.

pub mod accounts;
pub mod counts;
pub mod error;
pub mod evaluation;
pub mod linkage;
pub mod naming;
pub mod org;
pub mod organisation;
pub mod records;
pub mod session;

pub use counts::{Counts, Outcome};
pub use error::ErrorBody;
