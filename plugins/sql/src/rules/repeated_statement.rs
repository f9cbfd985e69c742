use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::diag::{file_finding, short};

declare_rule! {
    /// ## What it does
    /// Reports the N+1 signature in database diagnostics: one session of a
    /// PostgreSQL or MySQL log running the same normalised `SELECT` 10 times
    /// or more, or a pg_stat_statements lookup called far more often (20x
    /// the median, and 1 000 calls or more) than the statements around it.
    ///
    /// ## Why is this bad?
    /// Each execution pays a network round trip, parsing and planning: a
    /// page that loads 50 orders and then each order's items one by one
    /// makes 51 queries where 2 would do, and its latency grows with the
    /// data.
    ///
    /// ## Example
    /// `SELECT ... FROM order_items WHERE order_id = $1` run 50 times in one session.
    ///
    /// ## Use instead
    /// Load the related rows in one query (`WHERE order_id = ANY($1)`, a
    /// join, or the ORM's eager loading).
    pub static REPEATED_STATEMENT = {
        id: "SQL035",
        name: "repeated-statement",
        summary: "the same query repeated many times (N+1 signature)",
        policy: "queries.n_plus_one",
    }
}

/// Only reads repeat as an N+1: repeated inserts are batching candidates
/// but not lookups, and transaction control repeats by design.
pub(crate) fn is_lookup(normalised: &str) -> bool {
    normalised.starts_with("select") && normalised.contains(" from ")
}

pub(crate) fn finding(path: &str, statement: &str, count: u64, scope: &str) -> Finding {
    file_finding(
        &REPEATED_STATEMENT,
        path,
        format!(
            "the same query ran {count} times in {scope}: {}",
            short(statement)
        ),
    )
    .evidence(short(statement))
    .fix("fetch the rows in one query (IN/ANY list, join, or eager loading)")
    .confidence(Confidence::Medium)
}

#[cfg(test)]
mod tests {
    use super::REPEATED_STATEMENT;
    use crate::Sql;
    use perfwarden_sdk::testing::Tester;

    fn log(pid_of: impl Fn(u32) -> u32) -> String {
        (0..12)
            .map(|i| {
                format!(
                    "2024-03-01 10:00:{i:02}.000 UTC [{}] LOG:  duration: 0.4 ms  statement: SELECT id, qty FROM order_items WHERE order_id = {i}\n",
                    pid_of(i)
                )
            })
            .collect()
    }

    #[test]
    fn test() {
        let spread = log(|i| 100 + i);
        let one_session = log(|_| 77);
        Tester::new(Sql).test_rule(
            &REPEATED_STATEMENT,
            "postgresql.log",
            &[&spread],
            &[&one_session],
        );
    }
}
