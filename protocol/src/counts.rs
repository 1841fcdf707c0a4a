//! What became of rows: the one count type of evaluation imports, dry runs
//! and batch runs, and the reconciliation they all keep.

use serde::{Deserialize, Serialize};

/// What became of one row (an evaluatee of an evaluation import, a record
/// of a batch import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Got its first values (a new record; an evaluatee's empty sheet).
    Created,
    /// At least one value changed.
    Updated,
    /// Already as in the file.
    Unchanged,
    /// Left out through no fault of its own (a duplicate, an existing record
    /// in insert-only mode, an abort or a timeout).
    Skipped,
    /// Had an error; nothing of it was applied.
    Failed,
}

impl Outcome {
    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many rows went where. Always `rows_in` = `created` + `updated` +
/// `unchanged` + `skipped` + `failed` ([`Counts::adds_up`]); for an export,
/// `rows_in` is the rows written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    /// Rows read.
    pub rows_in: u32,
    /// Rows created.
    pub created: u32,
    /// Rows updated.
    pub updated: u32,
    /// Rows already as in the file.
    pub unchanged: u32,
    /// Rows left out through no fault of their own.
    pub skipped: u32,
    /// Rows with errors.
    pub failed: u32,
}

impl Counts {
    /// Counts one row's outcome (not `rows_in`, which is known up front).
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Failed => self.failed += 1,
        }
    }

    /// Rows applied (created, updated or found unchanged).
    pub fn applied(&self) -> u32 {
        self.created + self.updated + self.unchanged
    }

    /// Whether every row read is accounted for exactly once.
    pub fn adds_up(&self) -> bool {
        u64::from(self.rows_in)
            == u64::from(self.applied()) + u64::from(self.skipped) + u64::from(self.failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_outcomes_keep_their_names() {
        let mut counts = Counts {
            rows_in: 5,
            ..Counts::default()
        };
        for outcome in [
            Outcome::Created,
            Outcome::Updated,
            Outcome::Unchanged,
            Outcome::Skipped,
        ] {
            counts.count(outcome);
            assert!(!counts.adds_up());
        }
        counts.count(Outcome::Failed);
        assert!(counts.adds_up());
        assert_eq!(counts.applied(), 3);
        for outcome in [Outcome::Created, Outcome::Skipped, Outcome::Failed] {
            let json = serde_json::to_string(&outcome).unwrap_or_default();
            assert_eq!(json, format!("\"{outcome}\""));
        }
    }
}
