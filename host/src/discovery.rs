//! Finding the project's artifacts: an ignore-aware walk (`.gitignore`,
//! `.ignore`, hidden files), `include`/`exclude` globs from the config, and
//! per-plugin patterns.

use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

/// Discovery settings (`[discovery]` in `perfwarden.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscoveryConfig {
    /// Only files matching one of these globs are considered (all when empty).
    pub include: Vec<String>,
    /// Files matching these globs are never offered.
    pub exclude: Vec<String>,
    /// Walk hidden directories too (`.github/`, `.config/`...). Hidden
    /// files (`.env`, `.env.production`) are always considered: they carry
    /// configuration; `.git/` is never walked.
    pub hidden: bool,
    /// Files larger than this are skipped with a note.
    pub max_file_size_mib: u64,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        Self {
            include: Vec::new(),
            exclude: Vec::new(),
            hidden: false,
            max_file_size_mib: 4096,
        }
    }
}

/// A project file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Artifact {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub size: u64,
}

/// The walk's result: files, and why some were left out.
#[derive(Debug, Default)]
pub struct Discovered {
    pub artifacts: Vec<Artifact>,
    /// Files skipped as binary: offered only to patterns that name them.
    pub binary: Vec<Artifact>,
    /// Files over the size limit.
    pub oversized: Vec<Artifact>,
}

/// Extensions of compressed or binary formats that analyzers read on
/// purpose (gzipped NDJSON, binary logs): not skipped as binary.
const BINARY_FORMATS: &[&str] = &["gz", "zst", "bin"];

/// Compile gitignore-style globs: `*` stays within a path segment, `**`
/// crosses them, and a pattern without `/` matches at any depth.
pub fn glob_set(patterns: &[String]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let pattern = pattern.trim_start_matches("./");
        let anchored = if pattern.contains('/') {
            pattern.to_owned()
        } else {
            format!("**/{pattern}")
        };
        builder.add(
            GlobBuilder::new(&anchored)
                .literal_separator(true)
                .build()?,
        );
    }
    builder.build()
}

/// Walk `root`.
pub fn discover(root: &Path, config: &DiscoveryConfig) -> Result<Discovered, globset::Error> {
    let include = glob_set(&config.include)?;
    let exclude = glob_set(&config.exclude)?;
    let max_size = config.max_file_size_mib.saturating_mul(1 << 20);
    let mut found = Discovered::default();
    let walk_hidden_dirs = config.hidden;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_string_lossy();
            let hidden = entry.depth() > 0 && name.starts_with('.');
            !(is_dir && hidden && (!walk_hidden_dirs || name == ".git"))
        })
        .git_ignore(true)
        .git_exclude(true)
        .ignore(true)
        // A `.gitignore` counts even outside a git checkout (CI archives).
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(path) = relative_path(root, entry.path()) else {
            continue;
        };
        if exclude.is_match(&path) || (!config.include.is_empty() && !include.is_match(&path)) {
            continue;
        }
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let artifact = Artifact { path, size };
        if size > max_size {
            found.oversized.push(artifact);
        } else if is_binary(entry.path()) && !has_binary_format_extension(&artifact.path) {
            found.binary.push(artifact);
        } else {
            found.artifacts.push(artifact);
        }
    }
    Ok(found)
}

fn relative_path(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    Some(parts.join("/"))
}

fn has_binary_format_extension(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| BINARY_FORMATS.iter().any(|b| ext.eq_ignore_ascii_case(b)))
}

/// A NUL byte in the first 8 KiB, as git decides.
fn is_binary(path: &Path) -> bool {
    let mut head = [0u8; 8192];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let n = file.read(&mut head).unwrap_or(0);
    head[..n].contains(&0)
}

/// The project root as given, made absolute for reading.
pub fn canonical_root(path: &Path) -> std::io::Result<PathBuf> {
    std::fs::canonicalize(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    fn paths(found: &[Artifact]) -> Vec<&str> {
        found.iter().map(|a| a.path.as_str()).collect()
    }

    #[test]
    fn honours_gitignore_hidden_and_globs() {
        let dir = project(&[
            (".gitignore", b"node_modules/\n*.tmp\n"),
            ("src/app.js", b"x"),
            ("src/x.tmp", b"x"),
            ("node_modules/a/index.js", b"x"),
            (".hidden/secret.sql", b"x"),
            (".git/HEAD", b"x"),
            (".env", b"x"),
            ("vendor/lib.php", b"x"),
            ("db/q.sql", b"x"),
        ]);
        let config = DiscoveryConfig {
            exclude: vec!["vendor/**".into()],
            ..Default::default()
        };
        let found = discover(dir.path(), &config).unwrap();
        assert_eq!(
            paths(&found.artifacts),
            [".env", ".gitignore", "db/q.sql", "src/app.js"]
        );

        let config = DiscoveryConfig {
            include: vec!["*.sql".into()],
            hidden: true,
            ..Default::default()
        };
        let found = discover(dir.path(), &config).unwrap();
        assert_eq!(paths(&found.artifacts), [".hidden/secret.sql", "db/q.sql"]);
    }

    #[test]
    fn separates_binary_and_oversized_files() {
        let big = vec![b'a'; (1 << 20) + 1];
        let dir = project(&[
            ("a.png", b"\x89PNG\0\0"),
            ("results.json.gz", b"\x1f\x8b\0"),
            ("big.log", &big),
        ]);
        let config = DiscoveryConfig {
            max_file_size_mib: 1,
            ..Default::default()
        };
        let found = discover(dir.path(), &config).unwrap();
        assert_eq!(paths(&found.artifacts), ["results.json.gz"]);
        assert_eq!(paths(&found.binary), ["a.png"]);
        assert_eq!(paths(&found.oversized), ["big.log"]);
    }

    #[test]
    fn patterns_are_gitignore_style() {
        let set = glob_set(&["*.sql".into(), "migrations/**".into(), "src/*.js".into()]).unwrap();
        assert!(set.is_match("db/deep/q.sql"));
        assert!(set.is_match("migrations/2024/001.up"));
        assert!(set.is_match("src/a.js"));
        assert!(!set.is_match("src/lib/a.js"));
        assert!(!set.is_match("app/migrations/x"));
    }
}
