use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::{file_finding, short, threshold_label};

declare_rule! {
    /// ## What it does
    /// Reports statements measured slower than the slow-query threshold
    /// (`slow_query_ms`, 1 s by default) in EXPLAIN ANALYZE output,
    /// pg_stat_statements exports (mean or max), PostgreSQL logs, MySQL slow
    /// logs and pt-query-digest reports, with how often and how slow.
    ///
    /// ## Why is this bad?
    /// A slow statement holds a connection, locks and CPU for its whole
    /// duration: under load the pool drains and every request queues
    /// behind it. The policy allows none over 1 s.
    ///
    /// ## Example
    /// `duration: 2315.118 ms  statement: SELECT ... FROM orders WHERE status = 'pending'`
    ///
    /// ## Use instead
    /// EXPLAIN (ANALYZE, BUFFERS) it; add the missing index, bound the
    /// result, or move the work to a background job.
    pub static SLOW_QUERY = {
        id: "SQL034",
        name: "slow-query",
        summary: "statement slower than the slow-query threshold",
        policy: "queries.slow_query",
    }
}

/// The finding for `count` executions of `statement` over the threshold.
pub(crate) fn finding(
    path: &str,
    statement: &str,
    count: u64,
    max_ms: f64,
    slow_ms: f64,
    confidence: Confidence,
) -> Finding {
    let times = if count == 1 {
        "once".to_owned()
    } else {
        format!("{count} times")
    };
    file_finding(
        &SLOW_QUERY,
        path,
        format!(
            "slower than {}: {times}, up to {max_ms:.1} ms: {}",
            threshold_label(slow_ms),
            short(statement)
        ),
    )
    .evidence(short(statement))
    .confidence(confidence)
}

#[cfg(test)]
mod tests {
    use super::SLOW_QUERY;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn test() {
        Tester::new(Sql).test_rule(
            &SLOW_QUERY,
            "postgresql.log",
            &["2024-03-01 10:00:00.000 UTC [81] LOG:  duration: 12.5 ms  statement: SELECT 1\n"],
            &["2024-03-01 10:00:00.000 UTC [81] LOG:  duration: 2315.118 ms  statement: SELECT id FROM orders WHERE status = 'pending'\n"],
        );
    }
}
