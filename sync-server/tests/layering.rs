//! The storage seam holds: no server module outside `src/store/` names redb
//! (opens a transaction, a table, a database). A change that reaches past
//! the seam fails here, not in the PostgreSQL step.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reads the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn nothing_outside_the_store_names_redb() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let store = src.join("store");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "{} files", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| !path.starts_with(&store))
        .filter(|path| {
            std::fs::read_to_string(path)
                .expect("reads")
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .any(|line| line.contains("redb::") || line.contains("use redb"))
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "redb outside store/: {offenders:?}");
}
