use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::explain::PlanNode;
use crate::diag::file_finding;

declare_rule! {
    /// ## What it does
    /// Flags `Seq Scan` nodes of an `EXPLAIN ANALYZE` plan whose filter
    /// discards at least 90 % of the rows read (and at least 1 000 rows).
    ///
    /// ## Why is this bad?
    /// The database reads the whole table to keep a small part of it: I/O
    /// and CPU grow with the table, not with the result. An index on the
    /// filter column reads only the rows kept.
    ///
    /// ## Example
    /// `Seq Scan on orders (Filter: (user_id = 42), Rows Removed by Filter: 99 812, rows=12)`
    ///
    /// ## Use instead
    /// `CREATE INDEX CONCURRENTLY idx_orders_user_id ON orders (user_id);`
    pub static SEQ_SCAN_DISCARDING_ROWS = {
        id: "SQL030",
        name: "seq-scan-discarding-rows",
        summary: "sequential scan that filters out most of the rows it reads",
        policy: "queries.index_required",
    }
}

const MIN_DISCARDED_SHARE: f64 = 0.9;
const MIN_DISCARDED_ROWS: f64 = 1000.0;

pub(crate) fn check(node: PlanNode<'_>, path: &str) -> Option<Finding> {
    if !node.node_type().ends_with("Seq Scan") {
        return None;
    }
    let removed = node.number("Rows Removed by Filter")? * node.loops();
    let kept = node.number("Actual Rows").unwrap_or(0.0) * node.loops();
    let share = removed / (removed + kept).max(1.0);
    if share < MIN_DISCARDED_SHARE || removed < MIN_DISCARDED_ROWS {
        return None;
    }
    let filter = node.text("Filter").unwrap_or("its filter");
    Some(
        file_finding(
            &SEQ_SCAN_DISCARDING_ROWS,
            path,
            format!(
                "{} reads {:.0} rows and discards {:.0} ({:.1} %) with {filter}",
                node.describe(),
                removed + kept,
                removed,
                share * 100.0
            ),
        )
        .evidence(filter.to_owned())
        .fix("index the filtered column(s) so only matching rows are read")
        .confidence(Confidence::High),
    )
}

#[cfg(test)]
mod tests {
    use super::SEQ_SCAN_DISCARDING_ROWS;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    fn plan(removed: u32, rows: u32) -> String {
        format!(
            r#"[{{"Plan": {{"Node Type": "Seq Scan", "Relation Name": "orders", "Filter": "(user_id = 42)",
               "Actual Total Time": 35.1, "Actual Loops": 1, "Plan Rows": 10, "Actual Rows": {rows},
               "Rows Removed by Filter": {removed}}}, "Execution Time": 35.4}}]"#
        )
    }

    #[test]
    fn test() {
        let (pass_few, pass_kept, fail) = (plan(500, 2), plan(5000, 5000), plan(99_812, 12));
        Tester::new(Sql).test_rule(
            &SEQ_SCAN_DISCARDING_ROWS,
            "explain.json",
            &[&pass_few, &pass_kept],
            &[&fail],
        );
    }
}
