//! One module per screen.

pub mod account;
pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod export_wizard;
pub mod history;
pub mod import;
pub mod import_wizard;
pub mod linkage;
pub mod lists;
pub mod login;
pub mod manual_import;
pub mod member_import;
pub mod organisation;
pub mod records;
pub mod runs;
pub mod setup;
pub mod sheet_editor;
pub mod sheets;
pub mod template;
pub mod timeline;
