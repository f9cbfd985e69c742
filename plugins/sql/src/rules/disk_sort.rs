use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::explain::PlanNode;
use crate::diag::file_finding;

declare_rule! {
    /// ## What it does
    /// Flags plan nodes that spilled to disk: a `Sort` with
    /// `Sort Space Type: Disk`, or a hash aggregate with `Disk Usage`.
    ///
    /// ## Why is this bad?
    /// The data did not fit in `work_mem`, so it was written to temporary
    /// files and read back: an order of magnitude slower than in memory,
    /// and the disk I/O competes with every other query.
    ///
    /// ## Example
    /// `Sort (Sort Method: external merge, Disk: 102 400 kB)`
    ///
    /// ## Use instead
    /// An index that returns rows in the wanted order, a smaller result
    /// (`LIMIT`, fewer columns), or a larger `work_mem` for this query.
    pub static DISK_SORT = {
        id: "SQL031",
        name: "sort-spills-to-disk",
        summary: "sort or aggregate spilled to disk",
        policy: "queries.slow_query",
    }
}

pub(crate) fn check(node: PlanNode<'_>, path: &str) -> Option<Finding> {
    let spilled_kb = if node.text("Sort Space Type") == Some("Disk") {
        node.number("Sort Space Used")?
    } else {
        node.number("Disk Usage").filter(|kb| *kb > 0.0)?
    };
    Some(
        file_finding(
            &DISK_SORT,
            path,
            format!(
                "{} spilled {spilled_kb:.0} kB to disk (work_mem too small for it)",
                node.describe()
            ),
        )
        .fix("return fewer or narrower rows, sort through an index, or raise work_mem for this query")
        .confidence(Confidence::High),
    )
}

#[cfg(test)]
mod tests {
    use super::DISK_SORT;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn test() {
        Tester::new(Sql).test_rule(
            &DISK_SORT,
            "explain.json",
            &[r#"[{"Plan": {"Node Type": "Sort", "Sort Space Type": "Memory", "Sort Space Used": 25,
                  "Actual Total Time": 1.0, "Actual Loops": 1, "Plan Rows": 10, "Actual Rows": 10}}]"#],
            &[
                r#"[{"Plan": {"Node Type": "Sort", "Sort Method": "external merge", "Sort Space Type": "Disk",
                   "Sort Space Used": 102400, "Actual Total Time": 850.0, "Actual Loops": 1,
                   "Plan Rows": 900000, "Actual Rows": 1000000}}]"#,
                r#"[{"Plan": {"Node Type": "Aggregate", "Strategy": "Hashed", "Disk Usage": 4096,
                   "Actual Total Time": 95.0, "Actual Loops": 1, "Plan Rows": 90, "Actual Rows": 100}}]"#,
            ],
        );
    }
}
