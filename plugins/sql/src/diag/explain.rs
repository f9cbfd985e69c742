//! PostgreSQL `EXPLAIN (ANALYZE, FORMAT JSON)` output and auto_explain
//! JSON entries: per-node checks, and the execution time as a metric.

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Confidence, Context, Metric, Output, Span};
use serde_json::Value;

use super::short;
use crate::rules::{
    disk_sort, nested_loop_many_loops, row_estimate_error, seq_scan_discarding_rows, slow_query,
};

/// A plan node of the JSON tree. Times and row counts are per loop, as
/// PostgreSQL reports them.
#[derive(Clone, Copy)]
pub(crate) struct PlanNode<'a>(pub &'a Value);

impl<'a> PlanNode<'a> {
    pub fn number(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Value::as_f64)
    }

    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).and_then(Value::as_str)
    }

    pub fn node_type(&self) -> &'a str {
        self.text("Node Type").unwrap_or("?")
    }

    pub fn loops(&self) -> f64 {
        self.number("Actual Loops").unwrap_or(1.0).max(1.0)
    }

    /// Time spent in this node and its children over all loops, ms.
    pub fn total_ms(&self) -> f64 {
        self.number("Actual Total Time").unwrap_or(0.0) * self.loops()
    }

    pub fn children(&self) -> impl Iterator<Item = PlanNode<'a>> {
        self.0
            .get("Plans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(PlanNode)
    }

    /// `Seq Scan on orders` style label.
    pub fn describe(&self) -> String {
        match self.text("Relation Name") {
            Some(rel) => format!("{} on {rel}", self.node_type()),
            None => self.node_type().to_owned(),
        }
    }
}

pub(crate) fn analyze(cx: &Context, path: &str, slow_ms: f64, out: &mut Output) {
    let bytes = match cx.read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            out.note(format!("cannot read {path}: {err}"), Some(Span::file(path)));
            return;
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(err) => {
            out.note(
                format!("{path}: EXPLAIN JSON does not parse: {err}"),
                Some(Span::line(path, u32::try_from(err.line()).unwrap_or(1))),
            );
            return;
        }
    };
    let explains: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for explain in explains {
        let Some(root) = explain.get("Plan").map(PlanNode) else {
            continue;
        };
        check_plan(explain, root, path, slow_ms, out);
    }
}

fn check_plan(explain: &Value, root: PlanNode<'_>, path: &str, slow_ms: f64, out: &mut Output) {
    let query = explain.get("Query Text").and_then(Value::as_str);
    let mut stack = vec![root];
    let mut slowest: Option<(f64, PlanNode<'_>)> = None;
    while let Some(node) = stack.pop() {
        out.findings
            .extend(seq_scan_discarding_rows::check(node, path));
        out.findings.extend(disk_sort::check(node, path));
        out.findings.extend(row_estimate_error::check(node, path));
        out.findings
            .extend(nested_loop_many_loops::check(node, path));
        // Exclusive time: the node's own work, without its children's.
        let own = node.total_ms() - node.children().map(|c| c.total_ms()).sum::<f64>();
        if slowest.is_none_or(|(t, _)| own > t) {
            slowest = Some((own, node));
        }
        stack.extend(node.children());
    }
    // auto_explain entries carry no "Execution Time": the root node's time is it.
    let execution = explain
        .get("Execution Time")
        .and_then(Value::as_f64)
        .unwrap_or_else(|| root.total_ms());
    let mut metric = Metric::new(vocabulary::DB_QUERY_LATENCY, execution, unit::MS)
        .label(label::SOURCE, "explain")
        .samples(1)
        .span(Span::file(path));
    if let Some(query) = query {
        metric = metric.label(label::STATEMENT, short(query));
    }
    out.metric(metric);
    if execution > slow_ms {
        let (own, node) = slowest.unwrap_or((execution, root));
        let statement = query.unwrap_or("the explained query");
        let mut finding =
            slow_query::finding(path, statement, 1, execution, slow_ms, Confidence::High);
        finding.message = format!(
            "{}; slowest node: {} ({own:.1} ms over {} loop(s), {:.3} ms per loop)",
            finding.message,
            node.describe(),
            node.loops(),
            node.number("Actual Total Time").unwrap_or(0.0),
        );
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;
    use perfwarden_sdk::vocabulary::DB_QUERY_LATENCY;

    use crate::Sql;

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/")).join(name)
    }

    #[test]
    fn real_explain_analyze_json() {
        let path = fixture("postgres_explain_json/Komzpa_fastmap__explain.json");
        let out = Tester::new(Sql).run_files(&[("db/explain.json", &path)]);
        let latency: Vec<_> = out
            .metrics
            .iter()
            .filter(|m| m.name == DB_QUERY_LATENCY)
            .collect();
        assert_eq!(latency.len(), 1);
        assert_eq!(latency[0].value, 4313.617);
        let rules: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
        // 4.3 s > 1 s; the Index Scan inside a Nested Loop runs 37 274 times;
        // a CTE Scan planned for 1 000 rows returned 37 274.
        assert!(rules.contains(&"SQL034"), "{rules:?}");
        assert!(rules.contains(&"SQL033"), "{rules:?}");
        assert!(rules.contains(&"SQL032"), "{rules:?}");
        assert!(
            !rules.contains(&"SQL031"),
            "all sorts are in memory: {rules:?}"
        );
        let loops = out
            .findings
            .iter()
            .find(|f| f.rule == "SQL033")
            .expect("nested loop");
        assert!(loops.message.contains("37274"), "{}", loops.message);
        let slow = out
            .findings
            .iter()
            .find(|f| f.rule == "SQL034")
            .expect("slow");
        assert!(slow.message.contains("CTE Scan"), "{}", slow.message);
    }

    #[test]
    fn real_auto_explain_json() {
        // The first has no "Execution Time" (root node time), the second has 0.049.
        let jit = fixture(
            "postgres_explain_json/pganalyze_collector__querysample_testdata_json_jit.auto_explain.in.json",
        );
        let agg = fixture(
            "postgres_explain_json/pganalyze_collector__querysample_testdata_json_hash_aggregate.auto_explain.in.json",
        );
        let out = Tester::new(Sql).run_files(&[("a.json", &jit), ("b.json", &agg)]);
        let values: Vec<(f64, Option<&str>)> = out
            .metrics
            .iter()
            .map(|m| (m.value, m.label_value("statement")))
            .collect();
        assert_eq!(
            values,
            [
                (2007.489, Some("SELECT pg_sleep(2);")),
                (0.049, values[1].1)
            ]
        );
        assert!(
            values[1]
                .1
                .is_some_and(|s| s.starts_with("select * from t1 inner join t2"))
        );
        assert_eq!(
            out.findings.iter().filter(|f| f.rule == "SQL034").count(),
            1
        );
    }

    #[test]
    fn truncated_json_is_a_note() {
        let out = Tester::new(Sql).run(&[(
            "explain.json",
            "[{\"Plan\": {\"Node Type\": \"Seq Scan\", \"Actual Rows\": 1",
        )]);
        assert!(out.metrics.is_empty() && out.findings.is_empty());
        assert_eq!(out.notes.len(), 1);
        assert!(out.notes[0].message.contains("does not parse"));
    }
}
