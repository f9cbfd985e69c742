use perfwarden_sdk::{Confidence, Finding, Output, Span, declare_rule};

use crate::pools::Pool;

declare_rule! {
    /// ## What it does
    /// Flags a database client configuration (Rails database.yml,
    /// Spring/HikariCP, PgBouncer, Sequelize/Knex JSON) that sets no
    /// statement / query timeout, so the server's default of none applies.
    ///
    /// ## Why is this bad?
    /// A runaway query (a missing index, a lock wait) then runs for minutes,
    /// holding a pooled connection the whole time; a few of them drain the
    /// pool and every other request queues behind them. The policy caps
    /// normal queries at 5 s.
    ///
    /// ## Example
    /// ```yaml
    /// production:
    ///   adapter: postgresql
    ///   pool: 10
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// production:
    ///   adapter: postgresql
    ///   pool: 10
    ///   variables:
    ///     statement_timeout: 5s
    /// ```
    pub static DATABASE_WITHOUT_STATEMENT_TIMEOUT = {
        id: "CFG009",
        name: "database-without-statement-timeout",
        summary: "database client without a statement timeout",
        policy: "queries.timeout",
    }
}

/// Reports clients whose statement timeout is only the default (none).
/// The timeout may be set on the database role instead, hence Medium.
pub fn check(pools: &[Pool], path: &str, out: &mut Output) {
    for pool in pools {
        let Some(timeout) = &pool.statement_timeout else {
            continue;
        };
        let Some(source) = timeout.default_source else {
            continue;
        };
        out.push(
            Finding::new(
                &DATABASE_WITHOUT_STATEMENT_TIMEOUT,
                format!(
                    "`{}` configures no statement timeout: the {source} default (none) lets one slow query hold a pooled connection indefinitely",
                    pool.client
                ),
            )
            .span(Span::line(path, pool.line))
            .fix("set a statement timeout of at most 5 s (PostgreSQL `statement_timeout`, MySQL `max_execution_time`, PgBouncer `query_timeout`)")
            .confidence(Confidence::Medium),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn rule_on_database_yml() {
        Tester::new(crate::Plugin).test_rule(
            &DATABASE_WITHOUT_STATEMENT_TIMEOUT,
            "config/database.yml",
            &[
                "production:\n  adapter: postgresql\n  variables:\n    statement_timeout: 5000\n",
                "production:\n  adapter: sqlite3\n",
                "production:\n  adapter: postgresql\n  variables:\n    statement_timeout: <%= ENV['T'] %>\n",
            ],
            &["production:\n  adapter: postgresql\n  pool: 10\n", "production:\n  adapter: mysql2\n"],
        );
    }

    #[test]
    fn rule_on_pgbouncer_and_knex_json() {
        let tester = Tester::new(crate::Plugin);
        tester.test_rule(
            &DATABASE_WITHOUT_STATEMENT_TIMEOUT,
            "deploy/pgbouncer.ini",
            &["[pgbouncer]\nquery_timeout = 5\n"],
            &["[pgbouncer]\ndefault_pool_size = 10\n"],
        );
        tester.test_rule(
            &DATABASE_WITHOUT_STATEMENT_TIMEOUT,
            "knexfile.json",
            &[
                r#"{"client": "pg", "connection": {"statement_timeout": 5000}}"#,
                r#"{"client": "mysql2"}"#,
            ],
            &[r#"{"client": "pg", "pool": {"max": 10}}"#],
        );
    }
}
