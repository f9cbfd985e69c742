use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::explain::PlanNode;
use crate::diag::file_finding;

declare_rule! {
    /// ## What it does
    /// Flags `Nested Loop` joins whose inner side runs 1 000 times or more.
    ///
    /// ## Why is this bad?
    /// The inner node (often an index lookup) is executed once per outer
    /// row: its per-loop time multiplied by the loop count is the real
    /// cost, and it grows with the outer result. It is the database-side
    /// shape of an N+1.
    ///
    /// ## Example
    /// `Nested Loop -> Index Scan on order_items (loops=48 000, 0.02 ms per loop)`
    ///
    /// ## Use instead
    /// Fix the outer row estimate (so the planner picks a hash join), filter
    /// the outer side earlier, or make the inner lookup index-only.
    pub static NESTED_LOOP_MANY_LOOPS = {
        id: "SQL033",
        name: "nested-loop-many-loops",
        summary: "nested loop whose inner side runs thousands of times",
        policy: "queries.slow_query",
    }
}

const MIN_LOOPS: f64 = 1000.0;

pub(crate) fn check(node: PlanNode<'_>, path: &str) -> Option<Finding> {
    if node.node_type() != "Nested Loop" {
        return None;
    }
    let inner = node.children().nth(1)?;
    let loops = inner.loops();
    if loops < MIN_LOOPS {
        return None;
    }
    let per_loop = inner.number("Actual Total Time").unwrap_or(0.0);
    Some(
        file_finding(
            &NESTED_LOOP_MANY_LOOPS,
            path,
            format!(
                "Nested Loop runs {} {loops:.0} times ({per_loop:.3} ms per loop, {:.1} ms in total)",
                inner.describe(),
                inner.total_ms()
            ),
        )
        .confidence(Confidence::Medium),
    )
}

#[cfg(test)]
mod tests {
    use super::NESTED_LOOP_MANY_LOOPS;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    fn plan(loops: u32) -> String {
        format!(
            r#"[{{"Plan": {{"Node Type": "Nested Loop", "Actual Total Time": 40.0, "Actual Loops": 1,
                "Plan Rows": 10, "Actual Rows": 10, "Plans": [
                {{"Node Type": "Seq Scan", "Relation Name": "orders", "Actual Total Time": 2.0,
                  "Actual Loops": 1, "Plan Rows": 10, "Actual Rows": 10}},
                {{"Node Type": "Index Scan", "Relation Name": "order_items", "Actual Total Time": 0.02,
                  "Actual Loops": {loops}, "Plan Rows": 1, "Actual Rows": 1}}]}}}}]"#
        )
    }

    #[test]
    fn test() {
        let (few, many) = (plan(10), plan(48_000));
        Tester::new(Sql).test_rule(&NESTED_LOOP_MANY_LOOPS, "plan.json", &[&few], &[&many]);
    }
}
