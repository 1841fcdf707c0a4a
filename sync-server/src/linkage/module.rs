//! The batch client module: the `sheetlink` client for Linux and Windows,
//! `linkage.conf` filled in, a run script per condition for Linux (`.sh`,
//! for cron) and Windows (`.bat`, for Task Scheduler), and the `in/` and
//! `out/` folders the scripts use. A program the server does not hold is
//! left out and the module says so (README and screen) rather than failing.

use crate::linkage::Direction;
use sheetlink_protocol::linkage::{ClientModuleInfo, ClientProgram};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A client program larger than this is not put in a module (this
/// project's release and debug builds are 25–30 MB each): a module is built
/// in memory per download (the programs packed once per build, see
/// [`ProgramCache`]), so this bounds what one download holds.
const MAX_PROGRAM_BYTES: u64 = 64 * 1024 * 1024;

/// Tells a real program from a stray file by its first bytes.
type HeaderCheck = fn(&[u8]) -> bool;

/// The programs a module carries: file name, platform, and the check of
/// their header (format and machine).
const PROGRAMS: [(&str, &str, HeaderCheck); 2] = [
    ("sheetlink", "Linux x86-64", is_linux_x86_64),
    ("sheetlink.exe", "Windows x86-64", is_windows_x86_64),
];

/// An ELF executable for x86-64 (`e_machine` 62).
pub fn is_linux_x86_64(head: &[u8]) -> bool {
    head.len() >= 20 && head.starts_with(b"\x7fELF") && head[18..20] == [62, 0]
}

/// A PE executable for x86-64: `MZ`, then at the offset in bytes 60..64 the
/// `PE\0\0` signature and machine 0x8664.
pub fn is_windows_x86_64(head: &[u8]) -> bool {
    if !head.starts_with(b"MZ") || head.len() < 64 {
        return false;
    }
    let offset = u32::from_le_bytes([head[60], head[61], head[62], head[63]]) as usize;
    head.get(offset..offset + 6)
        .is_some_and(|pe| pe[..4] == *b"PE\0\0" && pe[4..6] == [0x64, 0x86])
}

/// Where the programs are: the configured folder, else the server's own.
pub fn programs_dir(configured: Option<&Path>) -> Option<PathBuf> {
    match configured {
        Some(dir) => Some(dir.to_owned()),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_owned)),
    }
}

/// A program found in the programs folder, with its bytes read when asked.
pub struct Program {
    /// File name and platform as the screen shows them.
    pub info: ClientProgram,
    path: Option<PathBuf>,
}

/// Each program of the module and whether `dir` holds a usable one (a
/// regular file of at most [`MAX_PROGRAM_BYTES`] with the right header).
pub fn find_programs(dir: Option<&Path>) -> Vec<Program> {
    PROGRAMS
        .iter()
        .map(|(file, platform, check)| {
            let path = dir
                .map(|dir| dir.join(file))
                .filter(|path| usable(path, *check));
            let bytes = path
                .as_ref()
                .and_then(|path| std::fs::metadata(path).ok())
                .map(|meta| meta.len());
            Program {
                info: ClientProgram {
                    file: (*file).to_owned(),
                    platform: (*platform).to_owned(),
                    bytes,
                },
                path,
            }
        })
        .collect()
}

/// Whether `path` is a regular file of at most [`MAX_PROGRAM_BYTES`] whose
/// first bytes pass `check`.
fn usable(path: &Path, check: HeaderCheck) -> bool {
    use std::io::Read as _;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(512);
    file.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.len() <= MAX_PROGRAM_BYTES)
        && file.take(512).read_to_end(&mut head).is_ok()
        && check(&head)
}

/// What a module built now would hold.
pub fn module_info(dir: Option<&Path>) -> ClientModuleInfo {
    ClientModuleInfo {
        programs: find_programs(dir).into_iter().map(|p| p.info).collect(),
    }
}

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

/// The programs of a module, compressed once: a zip of the programs found
/// (`sheetlink/<file>`, executable) and which of them it holds. Every
/// module copies their compressed entries as they are.
#[derive(Debug, Clone)]
pub struct PackedPrograms {
    zip: std::sync::Arc<Vec<u8>>,
    held: Vec<(ClientProgram, bool)>,
}

impl PackedPrograms {
    /// Packs `programs` (`(file name and platform, bytes)`; a missing one is
    /// `None`, named in the README as missing).
    pub fn pack(programs: &[(ClientProgram, Option<Vec<u8>>)]) -> std::io::Result<Self> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let executable = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755);
        for (program, bytes) in programs {
            if let Some(bytes) = bytes {
                zip.start_file(format!("sheetlink/{}", program.file), executable)?;
                zip.write_all(bytes)?;
            }
        }
        Ok(PackedPrograms {
            zip: std::sync::Arc::new(zip.finish()?.into_inner()),
            held: programs
                .iter()
                .map(|(program, bytes)| (program.clone(), bytes.is_some()))
                .collect(),
        })
    }
}

/// The programs packed last, kept while the files are the same (path, size
/// and modification time of each): a module download reads and compresses
/// the programs (up to 128 MB) only after a new build replaced them.
#[derive(Debug, Clone, Default)]
pub struct ProgramCache {
    packed: std::sync::Arc<std::sync::Mutex<Option<Packed>>>,
    packs: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// What says a program file is the one packed: path, size, modified.
type ProgramStamp = (Option<PathBuf>, u64, Option<std::time::SystemTime>);

/// The files packed last and their packing.
type Packed = (Vec<ProgramStamp>, PackedPrograms);

impl ProgramCache {
    /// The programs of `dir`, packed now or taken from the last packing of
    /// the very same files.
    pub fn programs(&self, dir: Option<&Path>) -> std::io::Result<PackedPrograms> {
        let found = find_programs(dir);
        let stamps: Vec<ProgramStamp> = found
            .iter()
            .map(|program| {
                let meta = program
                    .path
                    .as_deref()
                    .and_then(|p| std::fs::metadata(p).ok());
                (
                    program.path.clone(),
                    meta.as_ref().map_or(0, std::fs::Metadata::len),
                    meta.and_then(|m| m.modified().ok()),
                )
            })
            .collect();
        let mut packed = self
            .packed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((kept, programs)) = packed.as_ref()
            && *kept == stamps
        {
            return Ok(programs.clone());
        }
        let programs = found
            .into_iter()
            .map(|program| {
                let bytes = match &program.path {
                    Some(path) => Some(std::fs::read(path)?),
                    None => None,
                };
                Ok((program.info, bytes))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        let programs = PackedPrograms::pack(&programs)?;
        self.packs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        *packed = Some((stamps, programs.clone()));
        Ok(programs)
    }

    /// How many times programs were read and packed (for tests).
    pub fn packs(&self) -> usize {
        self.packs.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The module as a zip archive: the packed programs (copied compressed),
/// `linkage.conf`, the README, and per condition (`(direction, key)`;
/// unsafe keys are left out) both scripts and its folder (`in/KEY/` or
/// `out/KEY/`).
pub fn archive(
    url: &str,
    token: Option<&str>,
    programs: &PackedPrograms,
    conditions: &[(Direction, &str)],
) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let executable = options.unix_permissions(0o755);
    let mut packed = zip::ZipArchive::new(std::io::Cursor::new(programs.zip.as_slice()))?;
    for index in 0..packed.len() {
        zip.raw_copy_file(packed.by_index_raw(index)?)?;
    }
    zip.start_file("sheetlink/linkage.conf", options)?;
    zip.write_all(linkage_conf(url, token).as_bytes())?;
    zip.start_file("sheetlink/README.txt", options)?;
    zip.write_all(readme(&programs.held).as_bytes())?;
    for (direction, key) in conditions {
        if !safe_key(key) {
            continue;
        }
        let name = direction.as_str();
        zip.start_file(format!("sheetlink/{name}_{key}.sh"), executable)?;
        zip.write_all(shell_script(*direction, key).as_bytes())?;
        zip.start_file(format!("sheetlink/{name}_{key}.bat"), options)?;
        zip.write_all(batch_script(*direction, key).as_bytes())?;
        let folder = match direction {
            Direction::Import => "in",
            Direction::Export => "out",
        };
        zip.add_directory(format!("sheetlink/{folder}/{key}/"), options)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The README, saying which programs the module holds and which it lacks.
fn readme(programs: &[(ClientProgram, bool)]) -> String {
    let mut text = String::from(README_HEAD);
    for (program, held) in programs {
        let line = match held {
            true => format!(
                "- {} ({}): 同梱 / included\r\n",
                program.file, program.platform
            ),
            false => format!(
                "- {} ({}): 同梱されていません。サーバー管理者に、サーバーのクライアントフォルダ（SHEETLINK_CLIENT_DIR）へ置くよう依頼し、モジュールを作り直してください。\r\n  NOT INCLUDED: the server does not hold it. Ask the server's operator to put it in the client folder (SHEETLINK_CLIENT_DIR), then download the module again.\r\n",
                program.file, program.platform
            ),
        };
        text.push_str(&line);
    }
    text.push_str(README_STEPS);
    text
}

const README_HEAD: &str = "sheetlink バッチ連携クライアント / batch client\r\n\
\r\n\
プログラム / programs:\r\n";

const README_STEPS: &str = "\r\n\
1. このフォルダをそのまま置きます（Linux: sheetlink と *.sh、Windows: sheetlink.exe と *.bat）。\r\n\
   Keep this folder as it is (Linux: sheetlink and the .sh scripts; Windows: sheetlink.exe and the .bat scripts).\r\n\
2. linkage.conf を確認します（トークンは発行時にしか表示されません）。\r\n\
   Check linkage.conf (a token is shown only when issued).\r\n\
3. インポートするCSVを in/<インポートキー>/ に置き、スクリプトを実行します。\r\n\
   処理したファイルは done/ または failed/ に移り、結果CSVが横に置かれます。\r\n\
   Put CSV files in in/<import key>/ and run the script; each file moves to\r\n\
   done/ or failed/ with a result CSV beside it.\r\n\
4. 終了コード / exit codes: 0 成功 success, 1 一部エラー completed with errors,\r\n\
   2 失敗 failed, 3 設定・認証の問題 configuration or authentication problem.\r\n";

/// The client module of `tenant`: the programs found in `programs`,
/// `linkage.conf` with the server's public `url` and — only when it is the
/// tenant's current token — `token`, and the scripts of every condition.
pub fn client_module(
    store: &impl crate::store::Linkage,
    tenant: &str,
    url: &str,
    token: Option<String>,
    programs: Option<&Path>,
    cache: &ProgramCache,
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
    let programs = cache
        .programs(programs)
        .map_err(crate::error::AppError::internal)?;
    archive(url, token.as_deref(), &programs, &conditions).map_err(crate::error::AppError::internal)
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
        let linux = ClientProgram {
            file: "sheetlink".into(),
            platform: "Linux x86-64".into(),
            bytes: Some(4),
        };
        let windows = ClientProgram {
            file: "sheetlink.exe".into(),
            platform: "Windows x86-64".into(),
            bytes: None,
        };
        let programs = PackedPrograms::pack(&[(linux, Some(b"\x7fELF".to_vec())), (windows, None)])
            .expect("packs");
        let bytes = archive(
            "http://x",
            None,
            &programs,
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
        assert!(names.contains(&"sheetlink/in/customers/".to_owned()));
        assert!(names.contains(&"sheetlink/sheetlink".to_owned()));
        assert!(!names.contains(&"sheetlink/sheetlink.exe".to_owned()));
        let mut readme = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("sheetlink/README.txt").expect("readme"),
            &mut readme,
        )
        .expect("text");
        assert!(readme.contains("- sheetlink (Linux x86-64): 同梱 / included"));
        assert!(readme.contains("- sheetlink.exe (Windows x86-64): 同梱されていません"));
    }

    #[test]
    fn programs_are_told_by_their_headers() {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[18] = 62;
        assert!(is_linux_x86_64(&elf));
        elf[18] = 183; // aarch64
        assert!(!is_linux_x86_64(&elf));
        let mut pe = vec![0u8; 256];
        pe[..2].copy_from_slice(b"MZ");
        pe[60] = 128;
        pe[128..132].copy_from_slice(b"PE\0\0");
        pe[132..134].copy_from_slice(&[0x64, 0x86]);
        assert!(is_windows_x86_64(&pe));
        pe[132] = 0x4c; // i386
        assert!(!is_windows_x86_64(&pe));
        assert!(!is_windows_x86_64(b"MZ"));
        let dir = std::env::temp_dir().join(format!("sheetlink-programs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("sheetlink"), b"#!/bin/sh\necho not a program\n").expect("file");
        std::fs::write(dir.join("sheetlink.exe"), &pe[..]).expect("file");
        let info = module_info(Some(&dir));
        assert_eq!(info.programs[0].bytes, None, "a script is not the client");
        assert_eq!(
            info.programs[1].bytes, None,
            "an i386 file is not the client"
        );
        pe[132] = 0x64;
        std::fs::write(dir.join("sheetlink.exe"), &pe[..]).expect("file");
        assert_eq!(module_info(Some(&dir)).programs[1].bytes, Some(256));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn programs_are_packed_once_per_build() {
        let mut elf = vec![7u8; 4096];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[18..20].copy_from_slice(&[62, 0]);
        let dir = std::env::temp_dir().join(format!("sheetlink-packs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("sheetlink"), &elf).expect("file");
        let cache = ProgramCache::default();
        let module = |cache: &ProgramCache| {
            let programs = cache.programs(Some(&dir)).expect("packs");
            archive("http://x", None, &programs, &[]).expect("zip")
        };
        let first = module(&cache);
        let second = module(&cache);
        assert_eq!(
            cache.packs(),
            1,
            "the second module reuses the packed program"
        );
        for bytes in [first, second] {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("reads back");
            let mut program = Vec::new();
            std::io::Read::read_to_end(
                &mut zip.by_name("sheetlink/sheetlink").expect("the program"),
                &mut program,
            )
            .expect("inflates");
            assert_eq!(program, elf, "copied exactly");
            assert_eq!(
                zip.by_name("sheetlink/sheetlink")
                    .expect("the program")
                    .unix_mode()
                    .map(|m| m & 0o777),
                Some(0o755)
            );
        }
        // A new build (another size) is packed again.
        elf.extend_from_slice(&[1, 2, 3]);
        std::fs::write(dir.join("sheetlink"), &elf).expect("file");
        module(&cache);
        assert_eq!(cache.packs(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
