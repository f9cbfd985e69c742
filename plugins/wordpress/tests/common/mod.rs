//! Shared by the integration tests: load a directory tree as artifacts.

use std::path::{Path, PathBuf};

/// Every `.php` file under `root`, as (path relative to `root`, bytes), sorted.
pub fn php_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut stack = vec![root.to_path_buf()];
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("directory entry");
            let path: PathBuf = entry.path();
            // Debian links wp-content into /var/lib: do not follow directory links.
            let file_type = entry.file_type().expect("file type");
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_symlink() && path.is_dir() {
                continue;
            } else if path.extension().is_some_and(|e| e == "php") {
                let relative = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                files.push((relative, bytes));
            }
        }
    }
    files.sort();
    files
}
