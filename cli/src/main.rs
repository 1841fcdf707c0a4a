//! `sheetlink`: the command-line client.
//!
//! Today it validates evaluation-sheet CSV files offline with the same engine
//! the browser and the server run; the batch-linkage client (`import`,
//! `export`) joins it later.
//!
//! Exit codes, shared by every subcommand:
//! - `0` success (for `validate`: status `ok`);
//! - `1` completed with errors (some rows have errors);
//! - `2` failed (the file was rejected, or validation aborted);
//! - `3` configuration problem (bad arguments, unreadable schema or file).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod validate;

/// sheetlink: move business data in and out of sheets as CSV, safely.
#[derive(Debug, Parser)]
#[command(name = "sheetlink", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate an evaluation-sheet CSV against a sheet schema, offline.
    Validate {
        /// The sheet schema (JSON), as served by the server or written by hand.
        #[arg(long, value_name = "SCHEMA.json")]
        schema: PathBuf,
        /// The CSV file to check.
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
        /// Print a JSON report instead of a table.
        #[arg(long)]
        json: bool,
        /// Language of the messages.
        #[arg(long, value_enum, default_value_t = Language::Ja)]
        lang: Language,
    },
}

/// Language of the messages.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Language {
    /// 日本語
    Ja,
    /// English
    En,
}

impl From<Language> for sheetlink_engine::Lang {
    fn from(language: Language) -> Self {
        match language {
            Language::Ja => sheetlink_engine::Lang::Ja,
            Language::En => sheetlink_engine::Lang::En,
        }
    }
}

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success = 0,
    CompletedWithErrors = 1,
    Failed = 2,
    Configuration = 3,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(Exit::Configuration as u8)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match cli.command {
        Command::Validate {
            schema,
            file,
            json,
            lang,
        } => validate::run(&schema, &file, json, lang.into()),
    };
    match outcome {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "sheetlink: {error:#}");
            ExitCode::from(Exit::Configuration as u8)
        }
    }
}
