use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

use crate::sources::nginx::Model;

declare_rule! {
    /// ## What it does
    /// Flags an nginx `proxy_cache` / `fastcgi_cache` (also `uwsgi_`,
    /// `scgi_`) with no `*_cache_valid` in scope.
    ///
    /// ## Why is this bad?
    /// Without `*_cache_valid` nginx caches a response only when the upstream
    /// sends `Expires` or `Cache-Control: max-age`; most application
    /// responses carry neither, so the cache stays empty and every request
    /// still reaches the backend, or, when headers are ignored, entries
    /// live with no TTL the team chose.
    ///
    /// ## Example
    /// ```nginx
    /// location /api/products {
    ///     proxy_cache api;
    ///     proxy_pass http://app;
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// location /api/products {
    ///     proxy_cache api;
    ///     proxy_cache_valid 200 5m;
    ///     proxy_pass http://app;
    /// }
    /// ```
    pub static NGINX_CACHE_WITHOUT_VALID = {
        id: "CFG003",
        name: "nginx-cache-without-valid",
        summary: "nginx cache without `*_cache_valid`: no TTL configured",
        policy: "anti_patterns.cache_without_ttl",
    }
}

/// Reports cache uses with no `*_cache_valid` at their level or above.
pub fn check(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, site| {
        let Some(prefix) = d.name.text.strip_suffix("_cache") else { return };
        if !matches!(prefix, "proxy" | "fastcgi" | "uwsgi" | "scgi") || d.arg(0) == "off" || d.args.is_empty() {
            return;
        }
        let valid = format!("{prefix}_cache_valid");
        if site.find(&valid).is_some() {
            return;
        }
        let mut finding = Finding::new(
            &NGINX_CACHE_WITHOUT_VALID,
            format!(
                "`{} {}` on {} has no `{valid}`: responses are cached only if the upstream sends Expires/Cache-Control, with no TTL set here",
                d.name.text,
                d.arg(0),
                site.route()
            ),
        )
        .span(model.span(d))
        .evidence(format!("{} {};", d.name.text, d.arg(0)))
        .fix(format!("add `{valid} 200 5m;` (or the TTL of the data class) next to it"));
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
            &NGINX_CACHE_WITHOUT_VALID,
            "nginx/nginx.conf",
            &[
                "http { proxy_cache_valid 200 10m; server { location / { proxy_cache c; proxy_pass http://a; } } }",
                "http { server { location / { fastcgi_cache off; } } }",
                "http { server { location / { proxy_cache c; proxy_cache_valid any 1m; } } }",
            ],
            &[
                "http { server { location /api { proxy_cache api; proxy_pass http://a; } } }",
                "http { fastcgi_cache_valid 200 1h; server { location / { proxy_cache c; } } }",
            ],
        );
    }
}
