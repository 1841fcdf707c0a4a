//! Import history: the latest 100 imports (`list.rs`), and one import's
//! details with its errors and the revert button (`detail.rs`). The server
//! decides who may see what.

pub mod detail;
pub mod list;

pub use detail::ImportDetailPage;
pub use list::HistoryPage;
