//! Native test harness (feature `testing`): run an analyzer on in-memory
//! files, without wasm or the host.
//!
//! ```
//! # use perfwarden_sdk::{*, testing::Tester};
//! # declare_rule! {
//! #     /// ## What it does
//! #     /// x
//! #     /// ## Why is this bad?
//! #     /// x
//! #     /// ## Example
//! #     /// x
//! #     /// ## Use instead
//! #     /// x
//! #     static TODO_MARKER = { id: "T1", name: "todo-marker", summary: "s", policy: "p" }
//! # }
//! # #[derive(Default)] struct A;
//! # impl Analyzer for A {
//! #     fn info(&self) -> PluginInfo { PluginInfo::new("a", "1", "a").rules([&TODO_MARKER]) }
//! #     fn analyze(&self, cx: &Context, arts: &[Artifact], _: &Config) -> Result<Output> {
//! #         let mut out = Output::default();
//! #         for a in arts { if cx.read_to_string(&a.path)?.contains("TODO") {
//! #             out.push(Finding::new(&TODO_MARKER, "todo")); } }
//! #         Ok(out)
//! #     }
//! # }
//! Tester::new(A).test_rule(&TODO_MARKER, "a.txt", &["done"], &["TODO: later"]);
//! let out = Tester::new(A).run(&[("a.txt", "TODO"), ("b.txt", "ok")]);
//! assert_eq!(out.findings.len(), 1);
//! // Compare what was reported where in one assertion (no span here: line 0).
//! assert_eq!(perfwarden_sdk::testing::finding_lines(&out), [("T1", "", 0)]);
//! ```

mod peak;

pub use peak::PeakAllocator;

use std::collections::BTreeMap;

use crate::{Analyzer, Artifact, Confidence, Config, Context, Output, Rule, Span};

/// `(message, line)` of every note, in the order reported; a note without a
/// location has line 0.
///
/// ```
/// # use perfwarden_sdk::{Output, Span, testing::note_lines};
/// let mut out = Output::default();
/// out.note("app.yml: `ttl` is templated", Some(Span::line("app.yml", 4)));
/// out.note("no config found", None);
/// assert_eq!(note_lines(&out), [("app.yml: `ttl` is templated", 4), ("no config found", 0)]);
/// ```
pub fn note_lines(output: &Output) -> Vec<(&str, u32)> {
    output
        .notes
        .iter()
        .map(|n| (n.message.as_str(), n.span.as_ref().map_or(0, |s| s.line)))
        .collect()
}

/// `(rule, path, line)` of every finding, in the order reported; a finding
/// without a location has path `""` and line 0.
pub fn finding_lines(output: &Output) -> Vec<(&'static str, &str, u32)> {
    output
        .findings
        .iter()
        .map(|f| {
            let (path, line) = located(f.span.as_ref());
            (f.rule, path, line)
        })
        .collect()
}

/// `(rule, path, line, confidence)` of every finding, in the order reported;
/// a finding without a location has path `""` and line 0.
pub fn finding_lines_with_confidence(
    output: &Output,
) -> Vec<(&'static str, &str, u32, Confidence)> {
    output
        .findings
        .iter()
        .map(|f| {
            let (path, line) = located(f.span.as_ref());
            (f.rule, path, line, f.confidence)
        })
        .collect()
}

fn located(span: Option<&Span>) -> (&str, u32) {
    span.map_or(("", 0), |s| (s.path.as_str(), s.line))
}

/// Runs an analyzer natively on in-memory files.
#[derive(Debug)]
pub struct Tester<A> {
    analyzer: A,
    config: Config,
}

impl<A: Analyzer> Tester<A> {
    /// A tester with an empty configuration.
    pub fn new(analyzer: A) -> Self {
        Self {
            analyzer,
            config: Config::default(),
        }
    }

    /// Use this plugin configuration (JSON, as the host would pass it).
    ///
    /// # Panics
    /// On invalid JSON.
    pub fn config(mut self, json: &str) -> Self {
        self.config = Config::parse(json).expect("test config must be valid JSON");
        self
    }

    /// Analyze `(path, content)` files; panics if the analyzer returns `Err`.
    pub fn run(&self, files: &[(&str, &str)]) -> Output {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
        self.try_run_bytes(&files)
            .unwrap_or_else(|err| panic!("analyzer failed: {err}"))
    }

    /// Analyze files given as bytes; the analyzer's error is returned.
    pub fn try_run_bytes(&self, files: &[(&str, &[u8])]) -> crate::Result<Output> {
        let artifacts: Vec<Artifact> = files
            .iter()
            .map(|(path, bytes)| Artifact {
                path: (*path).to_owned(),
                size: bytes.len() as u64,
            })
            .collect();
        let cx = Context::memory(
            files
                .iter()
                .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
                .collect::<BTreeMap<_, _>>(),
        );
        let output = self.analyzer.analyze(&cx, &artifacts, &self.config)?;
        self.check_declared(&output);
        Ok(output)
    }

    /// Analyze real files from disk, keyed by the given relative path.
    ///
    /// # Panics
    /// If a file cannot be read or the analyzer fails.
    pub fn run_files(&self, files: &[(&str, &std::path::Path)]) -> Output {
        let contents: Vec<(&str, Vec<u8>)> = files
            .iter()
            .map(|(name, path)| {
                let bytes = std::fs::read(path)
                    .unwrap_or_else(|err| panic!("cannot read fixture {}: {err}", path.display()));
                (*name, bytes)
            })
            .collect();
        let borrowed: Vec<(&str, &[u8])> =
            contents.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        self.try_run_bytes(&borrowed)
            .unwrap_or_else(|err| panic!("analyzer failed: {err}"))
    }

    /// Check a rule on snippets: each `pass` snippet yields no finding of
    /// `rule`, each `fail` snippet at least one. Also checks that the rule is
    /// declared by the analyzer and documented.
    ///
    /// # Panics
    /// With the offending snippet and the findings, when a check fails.
    pub fn test_rule(&self, rule: &Rule, path: &str, pass: &[&str], fail: &[&str]) {
        self.assert_documented(rule);
        assert!(
            !fail.is_empty(),
            "{}: a rule test needs at least one failing snippet",
            rule.id
        );
        for snippet in pass {
            let output = self.run(&[(path, snippet)]);
            let hits: Vec<_> = output
                .findings
                .iter()
                .filter(|f| f.rule == rule.id)
                .collect();
            assert!(
                hits.is_empty(),
                "{} ({}) should pass but reported:\n{hits:#?}\n--- snippet ---\n{snippet}",
                rule.id,
                rule.name
            );
        }
        for snippet in fail {
            let output = self.run(&[(path, snippet)]);
            assert!(
                output.findings.iter().any(|f| f.rule == rule.id),
                "{} ({}) should fail but reported nothing of it; got {:#?}\n--- snippet ---\n{snippet}",
                rule.id,
                rule.name,
                output.findings
            );
        }
    }

    /// Assert the rule is in the analyzer's info and has every required doc section.
    pub fn assert_documented(&self, rule: &Rule) {
        let info = self.analyzer.info();
        assert!(
            info.rules.iter().any(|r| r.id == rule.id),
            "{} is not listed in {}'s PluginInfo::rules",
            rule.id,
            info.name
        );
        let missing = rule.missing_doc_sections();
        assert!(
            missing.is_empty(),
            "{} docs lack sections {missing:?}",
            rule.id
        );
    }

    fn check_declared(&self, output: &Output) {
        let info = self.analyzer.info();
        for finding in &output.findings {
            assert!(
                info.rules.iter().any(|r| r.id == finding.rule),
                "finding of undeclared rule {}: add it to PluginInfo::rules",
                finding.rule
            );
        }
    }
}
