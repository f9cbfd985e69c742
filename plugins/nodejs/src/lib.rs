//! Node.js analyzer: N+1 queries, blocking calls, unbounded and offset
//! queries, pools and timeouts, caches without TTL, inline background work
//! (mail, webhooks, imports, notifications) and unthrottled login routes in
//! JavaScript and TypeScript (oxc parser), plus pool (database clients and
//! the HTTP agents pooling connections to external APIs), cache-TTL and
//! rate-limit configuration as metrics.
//!
//! Every offered file is parsed once. Pass one summarises each file's
//! module-level clients and exports; pass two walks each AST with the
//! project-wide context and runs every rule in the same walk.

use rustc_hash::FxHashMap as HashMap;

use oxc_allocator::Allocator;
use oxc_ast_visit::Visit;
use oxc_parser::{ParseOptions, Parser, ParserReturn};
use oxc_span::SourceType;
use perfwarden_sdk::{
    Analyzer, Artifact, Config, Context, LineIndex, Output, PluginInfo, Result, export_analyzer,
};

mod agents;
mod consts;
mod facts;
mod model;
mod project;
mod routes;
pub mod rules;
mod sql;
mod walk;

use project::{Project, Summarizer};
use walk::Walker;

/// Source bytes analysed together, so imports resolve within a window while
/// memory stays bounded on huge inputs (a vendored `node_modules`).
const WINDOW_BYTES: usize = 16 << 20;

/// The `nodejs` analyzer.
#[derive(Default)]
pub struct Plugin;

impl Analyzer for Plugin {
    fn info(&self) -> PluginInfo {
        PluginInfo::new(
            "nodejs",
            env!("CARGO_PKG_VERSION"),
            "Node.js (JS/TS) performance: N+1 queries, blocking calls, pools, timeouts, caching, queues and rate limits",
        )
        .patterns([
            "**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.ts", "**/*.mts", "**/*.cts",
            "**/*.tsx",
        ])
        .rules(rules::RULES)
        .rules(perfwarden_sql_rules::RULES.iter().copied())
    }

    fn analyze(&self, cx: &Context, artifacts: &[Artifact], _config: &Config) -> Result<Output> {
        let mut out = Output::default();
        let mut window: Vec<(String, String)> = Vec::new();
        let mut bytes = 0;
        for artifact in artifacts {
            match cx.read_to_string(&artifact.path) {
                Ok(text) => {
                    bytes += text.len();
                    window.push((artifact.path.clone(), text));
                }
                Err(err) => out.note(
                    format!("cannot read: {err}"),
                    Some(perfwarden_sdk::Span::file(&artifact.path)),
                ),
            }
            if bytes >= WINDOW_BYTES {
                analyze_window(&window, &mut out);
                window.clear();
                bytes = 0;
            }
        }
        analyze_window(&window, &mut out);
        Ok(out)
    }
}

fn source_type(path: &str) -> Option<SourceType> {
    let ext = path.rsplit_once('.')?.1;
    // `from_path` also recognises declaration files (`.d.ts`).
    let source_type = SourceType::from_path(std::path::Path::new(path)).ok()?;
    // Plain `.js` often holds JSX (React, Next.js); TypeScript must not (`<T>x`).
    Some(if matches!(ext, "js" | "mjs" | "cjs") {
        source_type.with_jsx(true)
    } else {
        source_type
    })
}

/// Tests, specs and benchmarks are parsed (their exports feed the context)
/// but not judged: request-path performance rules do not apply to them.
fn is_test_or_bench(path: &str) -> bool {
    let (dirs, file) = path.rsplit_once('/').unwrap_or(("", path));
    file.contains(".test.")
        || file.contains(".spec.")
        || dirs.split('/').any(|dir| {
            matches!(
                dir,
                "test" | "tests" | "__tests__" | "__mocks__" | "benchmark" | "benchmarks" | "bench"
            )
        })
}

/// Parse and analyse files that can see each other's exports.
fn analyze_window(files: &[(String, String)], out: &mut Output) {
    if files.is_empty() {
        return;
    }
    let allocator = Allocator::default();
    let paths: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (p.as_str(), i))
        .collect();
    let mut parsed: Vec<Option<ParserReturn<'_>>> = Vec::with_capacity(files.len());
    for (path, text) in files {
        let Some(source_type) = source_type(path) else {
            out.note(
                "not JavaScript or TypeScript: skipped",
                Some(perfwarden_sdk::Span::file(path)),
            );
            parsed.push(None);
            continue;
        };
        let options = ParseOptions {
            // CommonJS modules may `return` at top level (Node wraps them in a function).
            allow_return_outside_function: true,
            ..ParseOptions::default()
        };
        let ret = Parser::new(&allocator, text, source_type)
            .with_options(options)
            .parse();
        if let Some(error) = ret.diagnostics.first() {
            let lines = LineIndex::new(text);
            let span = error
                .labels
                .first()
                .map(|l| lines.span(path, l.offset() as usize, (l.offset() + l.len()) as usize))
                .unwrap_or_else(|| perfwarden_sdk::Span::file(path));
            let what = if ret.panicked {
                "skipped"
            } else {
                "analysed what parsed"
            };
            out.note(
                format!(
                    "parse error ({} in total, {what}): {}",
                    ret.diagnostics.len(),
                    error.message
                ),
                Some(span),
            );
        }
        parsed.push((!ret.panicked).then_some(ret));
    }
    let mut project = Project {
        paths: files.iter().map(|(p, _)| p.clone()).collect(),
        ..Project::default()
    };
    for ((path, _), ret) in files.iter().zip(&parsed) {
        let summary = match ret {
            Some(ret) => Summarizer::new(&paths, path).run(&ret.program),
            None => project::Summary::default(),
        };
        project.summaries.push(summary);
    }
    project.link();
    for (file, ((path, text), ret)) in files.iter().zip(&parsed).enumerate() {
        let Some(ret) = ret else {
            continue;
        };
        if is_test_or_bench(path) {
            continue;
        }
        let jsx = path.ends_with(".jsx") || path.ends_with(".tsx");
        let mut walker = Walker::new(file, text, &project, &paths, jsx);
        walker.visit_program(&ret.program);
        out.findings.extend(walker.sink.findings);
        out.metrics.extend(walker.sink.metrics);
        for (message, span) in walker.sink.notes {
            out.note(message, Some(span));
        }
    }
}

export_analyzer!(Plugin);
