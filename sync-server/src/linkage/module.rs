//! The batch client module: `linkage.conf` filled in, and a run script per
//! condition for Linux (`.sh`, for cron) and Windows (`.bat`, for Task
//! Scheduler). The `sheetlink` binary itself is installed separately.

use crate::linkage::Direction;
use std::io::Write as _;

/// `linkage.conf` for a server at `url`; the token only when it was just
/// issued (it is never stored, so it cannot be filled in later).
pub fn linkage_conf(url: &str, token: Option<&str>) -> String {
    let token_line = match token {
        Some(token) => format!("linkage.token={token}\n"),
        None => {
            "# linkage.token=（発行したトークンを貼り付けてください / paste the issued token）\n"
                .to_owned()
        }
    };
    format!(
        "# sheetlink バッチ連携クライアント設定 / batch client settings\n\
         linkage.url={url}\n\
         {token_line}\
         # ユーザーID・パスワード認証の場合 / with user id + password authentication:\n\
         # linkage.user=\n\
         # linkage.password=\n"
    )
}

/// Whether a condition key is safe in a file name and a command line: the
/// engine's one rule for keys.
fn safe_key(key: &str) -> bool {
    sheetlink_engine::linkage::valid_key(key)
}

/// The Linux run script of a condition.
pub fn shell_script(direction: Direction, key: &str) -> String {
    let what = match direction {
        Direction::Import => format!("import {key} --dir \"$DIR/in/{key}\""),
        Direction::Export => format!("export {key} --out \"$DIR/out/{key}\""),
    };
    let direction = direction.as_str();
    format!(
        "#!/bin/sh\n\
         # sheetlink batch {direction}: {key}. For cron, e.g. every night at 2:00:\n\
         #   0 2 * * * /opt/sheetlink/{direction}_{key}.sh >> /var/log/sheetlink.log 2>&1\n\
         DIR=$(cd \"$(dirname \"$0\")\" && pwd)\n\
         cd \"$DIR\" || exit 3\n\
         exec \"$DIR/sheetlink\" --conf \"$DIR/linkage.conf\" {what}\n"
    )
}

/// The Windows run script of a condition.
pub fn batch_script(direction: Direction, key: &str) -> String {
    let what = match direction {
        Direction::Import => format!("import {key} --dir \"%~dp0in\\{key}\""),
        Direction::Export => format!("export {key} --out \"%~dp0out\\{key}\""),
    };
    let direction = direction.as_str();
    format!(
        "@echo off\r\n\
         rem sheetlink batch {direction}: {key}. Register in Task Scheduler:\r\n\
         rem   schtasks /Create /SC DAILY /ST 02:00 /TN sheetlink-{key} /TR \"%~dp0{direction}_{key}.bat\"\r\n\
         \"%~dp0sheetlink.exe\" --conf \"%~dp0linkage.conf\" {what}\r\n\
         exit /b %ERRORLEVEL%\r\n"
    )
}

/// The module as a zip archive: `linkage.conf`, a README, and both scripts
/// of every condition (`(direction, key)`; unsafe keys are left out).
pub fn archive(
    url: &str,
    token: Option<&str>,
    conditions: &[(Direction, &str)],
) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let shell = options.unix_permissions(0o755);
    zip.start_file("sheetlink/linkage.conf", options)?;
    zip.write_all(linkage_conf(url, token).as_bytes())?;
    zip.start_file("sheetlink/README.txt", options)?;
    zip.write_all(README.as_bytes())?;
    for (direction, key) in conditions {
        if !safe_key(key) {
            continue;
        }
        let name = direction.as_str();
        zip.start_file(format!("sheetlink/{name}_{key}.sh"), shell)?;
        zip.write_all(shell_script(*direction, key).as_bytes())?;
        zip.start_file(format!("sheetlink/{name}_{key}.bat"), options)?;
        zip.write_all(batch_script(*direction, key).as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

const README: &str = "sheetlink バッチ連携クライアント / batch client\r\n\
\r\n\
1. このフォルダに sheetlink（Windows は sheetlink.exe）を置きます。\r\n\
   Put the sheetlink binary (sheetlink.exe on Windows) in this folder.\r\n\
2. linkage.conf を確認します（トークンは発行時にしか表示されません）。\r\n\
   Check linkage.conf (a token is shown only when issued).\r\n\
3. インポートするCSVを in/<インポートキー>/ に置き、スクリプトを実行します。\r\n\
   処理したファイルは done/ または failed/ に移り、結果CSVが横に置かれます。\r\n\
   Put CSV files in in/<import key>/ and run the script; each file moves to\r\n\
   done/ or failed/ with a result CSV beside it.\r\n\
4. 終了コード / exit codes: 0 成功 success, 1 一部エラー completed with errors,\r\n\
   2 失敗 failed, 3 設定・認証の問題 configuration or authentication problem.\r\n";

/// The client module of `tenant`: `linkage.conf` with the server's public
/// `url` and — only when it is the tenant's current token — `token`, and
/// the scripts of every condition.
pub fn client_module(
    store: &impl crate::store::Linkage,
    tenant: &str,
    url: &str,
    token: Option<String>,
) -> Result<Vec<u8>, crate::error::AppError> {
    use crate::linkage::{StoredCondition as _, StoredExportCondition, StoredImportCondition};
    let settings = store.linkage_settings(tenant)?;
    let token = token.filter(|token| {
        settings.token_hash.as_deref() == Some(crate::auth::token_key(token).as_str())
    });
    let imports: Vec<StoredImportCondition> = store.conditions(tenant)?;
    let exports: Vec<StoredExportCondition> = store.conditions(tenant)?;
    let conditions: Vec<(Direction, &str)> = imports
        .iter()
        .map(|c| (Direction::Import, c.key()))
        .chain(exports.iter().map(|c| (Direction::Export, c.key())))
        .collect();
    archive(url, token.as_deref(), &conditions).map_err(crate::error::AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_holds_the_url_and_a_fresh_token_only() {
        let with = linkage_conf("https://sheetlink.example.co.jp", Some("slk_demo_x"));
        assert!(with.contains("linkage.url=https://sheetlink.example.co.jp\n"));
        assert!(with.contains("linkage.token=slk_demo_x\n"));
        let without = linkage_conf("https://x", None);
        assert!(!without.lines().any(|l| l.starts_with("linkage.token=")));
    }

    #[test]
    fn scripts_run_the_client_for_their_condition() {
        let sh = shell_script(Direction::Import, "customers");
        assert!(sh.starts_with("#!/bin/sh\n") && sh.contains("import customers --dir"));
        let bat = batch_script(Direction::Export, "customers-sjis");
        assert!(bat.contains("export customers-sjis --out") && bat.contains("\r\n"));
        let bytes = archive(
            "http://x",
            None,
            &[
                (Direction::Import, "customers"),
                (Direction::Export, "bad key;rm"),
            ],
        )
        .expect("zip");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("reads back");
        let names: Vec<String> = zip.file_names().map(str::to_owned).collect();
        assert!(names.contains(&"sheetlink/import_customers.sh".to_owned()));
        assert!(names.contains(&"sheetlink/import_customers.bat".to_owned()));
        assert!(!names.iter().any(|n| n.contains("bad key")), "{names:?}");
        assert!(zip.by_name("sheetlink/linkage.conf").is_ok());
    }
}
