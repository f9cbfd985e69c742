use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::explain::PlanNode;
use crate::diag::file_finding;

declare_rule! {
    /// ## What it does
    /// Flags plan nodes whose actual row count differs from the planner's
    /// estimate by 10x or more (over at least 100 rows).
    ///
    /// ## Why is this bad?
    /// The planner chose join methods, join order and memory from the wrong
    /// row count: a nested loop planned for 10 rows that meets 100 000 runs
    /// its inner side 100 000 times. Stale statistics or correlated columns
    /// are the usual cause.
    ///
    /// ## Example
    /// `Hash Join (rows=120 estimated, actual rows=48 000)`
    ///
    /// ## Use instead
    /// `ANALYZE` the tables, raise the column's statistics target, or add
    /// extended statistics (`CREATE STATISTICS ... (dependencies)`).
    pub static ROW_ESTIMATE_ERROR = {
        id: "SQL032",
        name: "row-estimate-error",
        summary: "planner row estimate off by 10x or more",
        policy: "queries.slow_query",
    }
}

const MIN_FACTOR: f64 = 10.0;
const MIN_ROWS: f64 = 100.0;

pub(crate) fn check(node: PlanNode<'_>, path: &str) -> Option<Finding> {
    let planned = node.number("Plan Rows")?;
    let actual = node.number("Actual Rows")?;
    let (low, high) = (planned.min(actual), planned.max(actual));
    let factor = high / low.max(1.0);
    if factor < MIN_FACTOR || high < MIN_ROWS {
        return None;
    }
    let direction = if actual > planned { "under" } else { "over" };
    Some(
        file_finding(
            &ROW_ESTIMATE_ERROR,
            path,
            format!(
                "{} estimated {planned:.0} rows, got {actual:.0} per loop: {direction}estimated {factor:.0}x",
                node.describe()
            ),
        )
        .fix("ANALYZE the table(s); for correlated columns add CREATE STATISTICS")
        .confidence(Confidence::Medium),
    )
}

#[cfg(test)]
mod tests {
    use super::ROW_ESTIMATE_ERROR;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    fn plan(planned: u32, actual: u32) -> String {
        format!(
            r#"{{"Plan": {{"Node Type": "Hash Join", "Actual Total Time": 3.0, "Actual Loops": 1,
                "Plan Rows": {planned}, "Actual Rows": {actual}}}}}"#
        )
    }

    #[test]
    fn test() {
        let (close, tiny, off) = (plan(1000, 3000), plan(1, 40), plan(120, 48_000));
        Tester::new(Sql).test_rule(&ROW_ESTIMATE_ERROR, "plan.json", &[&close, &tiny], &[&off]);
    }
}
