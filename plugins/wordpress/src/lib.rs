//! WordPress analyzer: `WP_Query` arguments, N+1 lookups, `$wpdb` without
//! cache, transients and object-cache TTLs, remote calls, inline email and
//! bulk work, autoloaded options, and the site configuration in
//! `wp-config.php`.
//!
//! PHP is parsed with `mago-syntax` (a complete PHP 8 parser in Rust that
//! recovers from errors and builds for `wasm32-wasip2`); each file is parsed
//! once into an arena and every rule reads the same [`model::Model`].

use bumpalo::Bump;
use mago_database::file::FileId;
use mago_span::HasSpan;
use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, Output, PluginInfo, Result, Span, export_analyzer,
};

mod eval;
pub mod model;
mod project;
pub mod rules;
mod sql;
mod suppress;

use project::Project;

#[derive(Default)]
pub struct Plugin;

impl Analyzer for Plugin {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "wordpress",
            env!("CARGO_PKG_VERSION"),
            "WordPress plugins, themes and sites: queries, caching, remote calls, cron and options",
        )
        .patterns(["**/*.php"])
        .rules(rules::ALL.iter().map(|d| d.rule))
        .rules(perfwarden_sql_rules::RULES.iter().copied())
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _config: &Config) -> Result<Output> {
        let mut out = Output::default();
        let paths: Vec<String> = artifacts.iter().map(|a| a.path.clone()).collect();
        let mut project = Project::default();
        for artifact in artifacts {
            if !artifact.path.ends_with(".php") {
                continue;
            }
            match cx.read_to_string(&artifact.path) {
                Ok(text) => analyze_file(&artifact.path, &text, &paths, &mut project, &mut out),
                Err(err) => out.note(
                    format!("cannot read {}: {err}", artifact.path),
                    Some(Span::file(&artifact.path)),
                ),
            }
        }
        out.findings.extend(project.resolve());
        Ok(out)
    }
}

/// Parse one file and run every rule on it. Findings that depend on other
/// files (hook registrations) go to `project`.
fn analyze_file(
    path: &str,
    text: &str,
    artifacts: &[String],
    project: &mut Project,
    out: &mut Output,
) {
    let arena = Bump::new();
    let program = mago_syntax::parser::parse_file_content(&arena, FileId::zero(), text.as_bytes());
    let model = model::Model::build(path, text, program);
    if let Some(first) = program.errors.first() {
        let span = first.span();
        let more = program.errors.len() - 1;
        let suffix = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        out.note(
            format!("PHP parse error: {first}{suffix}; rules ran on the recovered syntax tree"),
            Some(model.span(model::Model::range(&span))),
        );
    }
    project.learn(&model);
    project.add_sql(sql::collect(&model));
    let mut cx = rules::Cx::new(&model, artifacts);
    rules::run(&mut cx);
    let suppressions = suppress::Suppressions::read(program, &model.lines, text);
    // Arguments shared by two queries are reported once.
    let mut seen = std::collections::BTreeSet::new();
    cx.findings
        .retain(|f| seen.insert((f.rule, f.span.clone(), f.message.clone())));
    let kept = |f: &perfwarden_sdk::Finding| {
        let line = f.span.as_ref().map_or(0, |s| s.line);
        !suppressions.covers(line, rules::sniffs_of(f.rule))
    };
    out.findings
        .extend(cx.findings.into_iter().filter(|f| kept(f)));
    for deferred in cx.deferred {
        if kept(&deferred.finding) {
            project.defer(deferred);
        }
    }
    out.metrics.extend(cx.metrics);
}

/// Parse only, for the benchmark baseline: the number of statements.
pub fn parse_only(bytes: &[u8]) -> usize {
    let arena = Bump::new();
    mago_syntax::parser::parse_file_content(&arena, FileId::zero(), bytes)
        .statements
        .len()
}

export_analyzer!(Plugin);

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::Plugin;

    #[test]
    fn parse_errors_become_located_notes_and_analysis_continues() {
        let out = Tester::new(Plugin).run(&[
            (
                "broken.php",
                "<?php\nfunction f( {\n  get_posts( [ 'numberposts' => -1 ] );\n",
            ),
            ("ok.php", "<?php get_posts( [ 'orderby' => 'rand' ] );"),
        ]);
        assert_eq!(out.notes.len(), 1, "{:#?}", out.notes);
        let note = &out.notes[0];
        assert!(
            note.message.starts_with("PHP parse error"),
            "{}",
            note.message
        );
        assert_eq!(
            note.span.as_ref().map(|s| (s.path.as_str(), s.line)),
            Some(("broken.php", 2))
        );
        // The recovered tree of the broken file and the other file are analyzed.
        let rules: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"WP003"), "{rules:?}");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        // mago stops at its recursion limit; operator chains deep enough
        // to overflow a stack are the host's to isolate (`tests/e2e`).
        let nested = format!("<?php $x = {}1{};", "(".repeat(3000), ")".repeat(3000));
        let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
        let out = Tester::new(Plugin)
            .try_run_bytes(&[
                ("nested.php", nested.as_bytes()),
                ("binary.php", &binary),
                ("empty.php", b""),
                (
                    "comment.php",
                    "<?php // phpcs:ignore \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}".as_bytes(),
                ),
            ])
            .expect("analysis succeeds");
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        let nested_note = out
            .notes
            .iter()
            .find(|n| n.span.as_ref().is_some_and(|s| s.path == "nested.php"))
            .expect("a note on nested.php");
        assert!(
            nested_note.message.contains("recursion depth"),
            "{}",
            nested_note.message
        );
    }
}
