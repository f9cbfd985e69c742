//! A corpus is analysed with the memory of its texts and one file's syntax
//! trees, not the trees of every file (about 100 bytes per byte of SQL).
//!
//! A counting global allocator measures the peak heap while 80 generated
//! migration-and-query files (1.7 MB) are analysed; a last migration
//! indexes every table, so every query is judged again on the final schema.

use perfwarden_plugin_sql::Sql;
use perfwarden_sdk::testing::{PeakAllocator, Tester};

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator::new();

const FILES: usize = 80;
const QUERIES_PER_FILE: usize = 400;

#[test]
fn syntax_trees_do_not_accumulate_over_a_corpus() {
    let mut files: Vec<(String, String)> = (0..FILES)
        .map(|n| {
            let mut sql = format!(
                "CREATE TABLE t{n} (id bigint PRIMARY KEY, a int, b int, c text);\n\
                 SELECT id FROM t{n} WHERE c = $1 LIMIT 5;\n"
            );
            for q in 0..QUERIES_PER_FILE {
                sql.push_str(&format!(
                    "SELECT id, a, b FROM t{n} WHERE id = {q} AND b > {q};\n"
                ));
            }
            (format!("db/{n:03}.sql"), sql)
        })
        .collect();
    let indexes: String = (0..FILES)
        .map(|n| format!("CREATE INDEX t{n}_b ON t{n} (b);\n"))
        .collect();
    files.push(("db/999_indexes.sql".to_owned(), indexes));
    let bytes: usize = files.iter().map(|(_, sql)| sql.len()).sum();
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(path, sql)| (path.as_str(), sql.as_bytes()))
        .collect();
    let tester = Tester::new(Sql);

    let (peak, out) = ALLOCATOR.peak_during(|| tester.try_run_bytes(&borrowed).expect("runs"));

    // The one unindexed filter per file is found, after the re-judgement.
    let missing: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.rule == "SQL003")
        .map(|f| f.evidence.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(missing.len(), FILES, "{missing:?}");
    assert!(bytes > 1_500_000, "{bytes}");
    // Texts, the schema, the verdicts and one file's tokens and trees:
    // 11 times the input here. Keeping every tree took 355 times.
    assert!(
        peak < bytes * 20,
        "peak heap {peak} bytes for {bytes} bytes of SQL"
    );
}
