use perfwarden_sdk::{Confidence, Finding, Span, declare_rule};

use super::{Cx, wp_config_defines};

declare_rule! {
    /// ## What it does
    /// In `wp-config.php`, flags a missing or false `DISABLE_WP_CRON`: WP-Cron
    /// then runs from page loads instead of a system cron job.
    ///
    /// ## Why is this bad?
    /// On each page load WordPress checks the cron schedule and, when a job
    /// is due, fires a loopback HTTP request that runs it: scheduled work
    /// depends on traffic (late on quiet sites, piling up on busy ones) and
    /// competes with visitors for PHP workers. Heavy jobs (imports, feeds,
    /// emails) then slow the site at random moments.
    ///
    /// ## Example
    /// ```php
    /// // wp-config.php without DISABLE_WP_CRON
    /// define( 'DB_NAME', 'shop' );
    /// ```
    ///
    /// ## Use instead
    /// ```php
    /// define( 'DISABLE_WP_CRON', true );
    /// // crontab: */5 * * * * wp cron event run --due-now
    /// ```
    pub static RULE = {
        id: "WP051",
        name: "wp-cron-on-request",
        summary: "WP-Cron runs on page loads (DISABLE_WP_CRON not set)",
        policy: "anti_patterns.sync_processing",
    }
}

pub const SNIFFS: &[&str] = &[];

pub fn check(cx: &mut Cx<'_, '_>) {
    let m = cx.model;
    let Some(defines) = wp_config_defines(m) else {
        return;
    };
    let fix =
        "define( 'DISABLE_WP_CRON', true ); and run `wp cron event run --due-now` from system cron";
    match defines
        .iter()
        .rev()
        .find(|(name, _, _)| *name == "DISABLE_WP_CRON")
    {
        Some((_, value, call)) => {
            if crate::eval::truthy(value) == Some(false) {
                cx.report(
                    Finding::new(
                        &RULE,
                        "DISABLE_WP_CRON is false: WP-Cron jobs are triggered by page loads",
                    )
                    .span(m.span(call.range))
                    .evidence(m.snippet(call.range))
                    .fix(fix),
                );
            }
        }
        None => cx.report(
            Finding::new(
                &RULE,
                "DISABLE_WP_CRON is not set: WP-Cron jobs are triggered by page loads",
            )
            .span(Span::file(m.path))
            .fix(fix)
            .confidence(Confidence::Medium),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test::tester;

    #[test]
    fn rule() {
        tester().test_rule(
            &RULE,
            "site/wp-config.php",
            &["<?php define( 'DISABLE_WP_CRON', true );"],
            &[
                "<?php define( 'DISABLE_WP_CRON', false );",
                "<?php define( 'DB_NAME', 'wp' );",
            ],
        );
    }
}
