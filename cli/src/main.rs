//! `sheetlink`: the command-line client.
//!
//! It validates evaluation-sheet CSV files offline with the same engine the
//! browser and the server run (`validate`), and is the batch-linkage client
//! run by cron or Task Scheduler (`import`, `export`; see `linkage`).
//!
//! Exit codes, shared by every subcommand:
//! - `0` success (for `validate`: status `ok`);
//! - `1` completed with errors (some rows have errors);
//! - `2` failed (the file was rejected, or validation aborted);
//! - `3` configuration or authentication problem (bad arguments, unreadable
//!   schema, file or `linkage.conf`; credentials, address or key refused).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod linkage;
mod validate;

/// sheetlink: move business data in and out of sheets as CSV, safely.
#[derive(Debug, Parser)]
#[command(name = "sheetlink", version, about)]
struct Cli {
    /// The batch client's settings (`import`, `export`).
    #[arg(long, global = true, value_name = "linkage.conf")]
    conf: Option<PathBuf>,
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
    /// Import a CSV file (or every CSV of a folder) by import key.
    Import {
        /// The import condition's key.
        key: String,
        /// The file to import.
        #[arg(
            value_name = "FILE.csv",
            required_unless_present = "dir",
            conflicts_with = "dir"
        )]
        file: Option<PathBuf>,
        /// Import every `*.csv` of this folder, moving each to `done/` or `failed/`.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Export by export key into a folder.
    Export {
        /// The export condition's key.
        key: String,
        /// Where to write the file (the current folder by default).
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
        Command::Import { key, .. } | Command::Export { key, .. }
            if !sheetlink_engine::linkage::valid_key(&key) =>
        {
            Err(anyhow::anyhow!(
                "「{key}」は条件のキーとして使えません（1〜{max}文字の半角英数字・「-」「_」、先頭に「-」は不可）。 \
                 \"{key}\" is not a condition key: 1 to {max} letters, digits, '-' or '_', not starting with '-'.",
                max = sheetlink_engine::linkage::MAX_KEY_LEN
            ))
        }
        Command::Import { key, file, dir } => {
            linkage::load_conf(cli.conf.as_deref()).and_then(|conf| match (file, dir) {
                (_, Some(dir)) => linkage::import_dir(&conf, &key, &dir),
                (Some(file), None) => linkage::import_file(&conf, &key, &file),
                (None, None) => anyhow::bail!("give a FILE or --dir DIR"),
            })
        }
        Command::Export { key, out } => linkage::load_conf(cli.conf.as_deref())
            .and_then(|conf| linkage::export(&conf, &key, &out)),
    };
    match outcome {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "sheetlink: {error:#}");
            // A server that stays unreachable after the retries failed the
            // run; everything else here is a configuration problem.
            let unreachable = format!("{error:#}").contains("gave up after");
            ExitCode::from(if unreachable {
                Exit::Failed
            } else {
                Exit::Configuration
            } as u8)
        }
    }
}
