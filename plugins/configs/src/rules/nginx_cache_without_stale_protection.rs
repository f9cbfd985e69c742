use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

use crate::sources::nginx::Model;

declare_rule! {
    /// ## What it does
    /// Flags an nginx `proxy_cache` / `fastcgi_cache` without
    /// `*_cache_use_stale` or without `*_cache_lock on` in scope.
    ///
    /// ## Why is this bad?
    /// Without `*_cache_lock` every request that misses an expired entry goes
    /// to the backend at once (a cache stampede: N concurrent misses become N
    /// identical backend requests). Without `*_cache_use_stale` an upstream
    /// error or timeout is shown to users although a slightly old copy was
    /// in the cache, and no entry is refreshed in the background.
    ///
    /// ## Example
    /// ```nginx
    /// proxy_cache api;
    /// proxy_cache_valid 200 5m;
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// proxy_cache api;
    /// proxy_cache_valid 200 5m;
    /// proxy_cache_use_stale error timeout updating http_500 http_502 http_503;
    /// proxy_cache_background_update on;
    /// proxy_cache_lock on;
    /// ```
    pub static NGINX_CACHE_WITHOUT_STALE_PROTECTION = {
        id: "CFG004",
        name: "nginx-cache-without-stale-protection",
        summary: "nginx cache without `*_cache_use_stale` / `*_cache_lock`: stampedes and errors on expiry",
        policy: "cache.strategy",
    }
}

/// Reports cache uses missing stale serving or the cache lock.
pub fn check(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, site| {
        let Some(prefix) = d.name.text.strip_suffix("_cache") else { return };
        if !matches!(prefix, "proxy" | "fastcgi" | "uwsgi" | "scgi") || d.arg(0) == "off" || d.args.is_empty() {
            return;
        }
        let stale = format!("{prefix}_cache_use_stale");
        let lock = format!("{prefix}_cache_lock");
        let mut missing = Vec::new();
        if site.find(&stale).is_none_or(|s| s.arg(0) == "off") {
            missing.push(stale);
        }
        if site.find(&lock).is_none_or(|l| l.arg(0) != "on") {
            missing.push(format!("{lock} on"));
        }
        if missing.is_empty() {
            return;
        }
        let mut finding = Finding::new(
            &NGINX_CACHE_WITHOUT_STALE_PROTECTION,
            format!(
                "`{} {}` on {} has no `{}`: expired entries send concurrent misses to the backend and upstream errors reach users",
                d.name.text,
                d.arg(0),
                site.route(),
                missing.join("` / `")
            ),
        )
        .span(model.span(d))
        .evidence(format!("{} {};", d.name.text, d.arg(0)))
        .fix(format!(
            "add `{prefix}_cache_use_stale error timeout updating http_500 http_502 http_503;` and `{prefix}_cache_lock on;`"
        ));
        if !site.root.context_known {
            finding = finding.confidence(Confidence::Low);
        }
        out.push(finding);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn rule() {
        Tester::new(crate::Plugin).test_rule(
            &NGINX_CACHE_WITHOUT_STALE_PROTECTION,
            "nginx/nginx.conf",
            &[
                "http { proxy_cache_use_stale error timeout; proxy_cache_lock on; server { location / { proxy_cache c; } } }",
                "http { server { location / { proxy_cache off; } } }",
            ],
            &[
                "http { server { location / { proxy_cache c; proxy_cache_valid 200 1m; } } }",
                "http { proxy_cache_use_stale error; server { location / { proxy_cache c; } } }",
                "http { proxy_cache_lock on; proxy_cache_use_stale off; server { location / { proxy_cache c; } } }",
            ],
        );
    }

    #[test]
    fn fragments_inherit_the_main_http_level() {
        let main = "http { fastcgi_cache_use_stale error; fastcgi_cache_lock on; include sites-enabled/*.conf; }";
        let site = "server { location ~ \\.php$ { fastcgi_cache wp; fastcgi_cache_valid 200 1h; fastcgi_pass unix:/s; } }";
        let tester = Tester::new(crate::Plugin);
        let out = tester.run(&[
            ("nginx/nginx.conf", main),
            ("nginx/sites-available/wp.conf", site),
        ]);
        assert!(
            out.findings.iter().all(|f| f.rule != "CFG004"),
            "{:#?}",
            out.findings
        );
        let alone = tester.run(&[("nginx/sites-available/wp.conf", site)]);
        let finding = alone.findings.iter().find(|f| f.rule == "CFG004").unwrap();
        assert_eq!(finding.confidence, Confidence::Low);
    }
}
