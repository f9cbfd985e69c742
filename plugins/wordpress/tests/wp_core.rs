//! Robustness on real code: the whole of WordPress core, when
//! `PERFWARDEN_WP_CORE` points at it (`.ci/run` installs Debian's
//! `wordpress` package and sets it to `/usr/share/wordpress`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use perfwarden_plugin_wordpress::Plugin;
use perfwarden_sdk::testing::Tester;

#[test]
fn wordpress_core_is_analyzed_without_crashing() {
    let Ok(root) = std::env::var("PERFWARDEN_WP_CORE") else {
        eprintln!("PERFWARDEN_WP_CORE not set: skipping the WordPress core run");
        return;
    };
    let files = common::php_files(Path::new(&root));
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    assert!(
        files.len() > 900,
        "expected WordPress core (~950 PHP files), found {}",
        files.len()
    );
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let out = Tester::new(Plugin)
        .try_run_bytes(&borrowed)
        .expect("analysis succeeds");

    // Parse errors are notes with a location, never a failure.
    assert!(
        out.notes.iter().all(|n| n.span.is_some()),
        "{:#?}",
        out.notes
    );
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &out.findings {
        *by_rule.entry(finding.rule).or_default() += 1;
        let span = finding.span.as_ref().expect("every finding is located");
        assert!(files.iter().any(|(p, _)| *p == span.path), "{span:?}");
    }
    eprintln!(
        "WordPress core: {} files, {} bytes, {} findings, {} notes, {} metrics",
        files.len(),
        bytes,
        out.findings.len(),
        out.notes.len(),
        out.metrics.len()
    );
    eprintln!("findings per rule: {by_rule:?}");
    for note in &out.notes {
        eprintln!("note: {} at {:?}", note.message, note.span);
    }
    if let Ok(dump) = std::env::var("PERFWARDEN_WP_CORE_DUMP") {
        let lines: Vec<String> = out
            .findings
            .iter()
            .map(|f| {
                let s = f.span.as_ref().expect("located");
                format!(
                    "{}\t{:?}\t{}:{}\t{}\t{}",
                    f.rule,
                    f.confidence,
                    s.path,
                    s.line,
                    f.message,
                    f.evidence.as_deref().unwrap_or("")
                )
            })
            .collect();
        std::fs::write(dump, lines.join("\n")).expect("dump written");
    }
}
