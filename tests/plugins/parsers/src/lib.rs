//! The built-in analyzers' parsers and nothing else: oxc for JS/TS (as the
//! `nodejs` plugin configures it), mago for PHP (as `wordpress` does) and
//! the SQL rules library's statement parser (as `sql` does). The plugin
//! bench runs it beside each analyzer, natively and in the sandbox, so the
//! analyzer's wasm/native ratio reads against its parser's.
//!
//! It reports one metric per language, the number of files that parsed
//! without error, so the work cannot be optimised away and a test can
//! check it did the work.

use bumpalo::Bump;
use mago_database::file::FileId;
use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_span::SourceType;
use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Metric, Output, PluginInfo, Result, export_analyzer,
};
use perfwarden_sql_rules::{Dialect, StatementParser};

#[derive(Default)]
pub struct Parsers;

impl Analyzer for Parsers {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "parsers",
            "0.0.0",
            "parses JS/TS, PHP and SQL; reports counts",
        )
        .patterns([
            "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.ts", "**/*.mts", "**/*.cts",
            "**/*.tsx", "**/*.php", "**/*.sql",
        ])
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _: &Config) -> Result<Output> {
        let mut clean = [0u32; 3];
        let mut sql = StatementParser::new();
        for artifact in artifacts {
            // Every analyzer reads its files as text, the SDK's way.
            let path = artifact.path.as_str();
            let Ok(text) = cx.read_to_string(path) else {
                continue;
            };
            let (language, parsed) = if path.ends_with(".php") {
                (1, parses_php(&text))
            } else if path.ends_with(".sql") {
                let parsed = sql.parse(&text, Dialect::detect(&text));
                (2, parsed.errors.is_empty())
            } else {
                (0, parses_js(path, &text))
            };
            clean[language] += u32::from(parsed);
        }
        let mut out = Output::default();
        for (language, count) in ["js", "php", "sql"].iter().zip(clean) {
            out.metrics.push(Metric::new(
                format!("parsers.{language}.clean_files"),
                f64::from(count),
                "count",
            ));
        }
        Ok(out)
    }
}

fn parses_js(path: &str, text: &str) -> bool {
    let Ok(source_type) = SourceType::from_path(path) else {
        return false;
    };
    let source_type = if path.ends_with("js") {
        source_type.with_jsx(true)
    } else {
        source_type
    };
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let ret = Parser::new(&allocator, text, source_type)
        .with_options(options)
        .parse();
    ret.diagnostics.is_empty()
}

fn parses_php(text: &str) -> bool {
    let arena = Bump::new();
    let program = mago_syntax::parser::parse_file_content(&arena, FileId::zero(), text.as_bytes());
    program.errors.is_empty()
}

export_analyzer!(Parsers);

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::Parsers;

    #[test]
    fn counts_the_files_each_parser_accepts() {
        let out = Tester::new(Parsers).run(&[
            ("a.js", "const x = <div/>;"),
            ("b.ts", "let y: number = 1;"),
            ("c.ts", "let = ;"),
            ("d.php", "<?php echo 1;"),
            ("e.sql", "SELECT 1; SELECT FROM;"),
            ("f.sql", "CREATE TABLE t (id int);"),
        ]);
        let count = |name: &str| out.metrics.iter().find(|m| m.name == name).map(|m| m.value);
        assert_eq!(count("parsers.js.clean_files"), Some(2.0));
        assert_eq!(count("parsers.php.clean_files"), Some(1.0));
        assert_eq!(count("parsers.sql.clean_files"), Some(1.0));
    }
}
