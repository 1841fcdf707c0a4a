//! One module per screen.

pub mod history;
pub mod import;
pub mod login;
pub mod template;
