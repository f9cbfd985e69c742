use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

use crate::sources::nginx::{Model, upstream_pass_prefix};

declare_rule! {
    /// ## What it does
    /// Flags an nginx `proxy_pass` / `fastcgi_pass` / `uwsgi_pass` /
    /// `scgi_pass` / `grpc_pass` with no matching `*_read_timeout` in scope.
    ///
    /// ## Why is this bad?
    /// nginx then waits 60 s for each upstream read. When the backend hangs,
    /// every client request holds a worker connection and a backend slot for
    /// a full minute: connections pile up, and users wait 60 s for an error
    /// a timeout near the endpoint's latency budget would have returned fast.
    ///
    /// ## Example
    /// ```nginx
    /// location /api/ { proxy_pass http://app; }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// location /api/ {
    ///     proxy_connect_timeout 2s;
    ///     proxy_read_timeout 10s;
    ///     proxy_pass http://app;
    /// }
    /// ```
    pub static UPSTREAM_TIMEOUT_DEFAULT = {
        id: "CFG007",
        name: "upstream-timeout-default",
        summary: "upstream pass without `*_read_timeout`: nginx waits 60 s",
        policy: "timeouts.http_client",
    }
}

/// Reports passes relying on the 60 s default read timeout. A default can
/// be intended, hence Medium (Low when the `http` level is unknown).
pub fn check(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, site| {
        let Some(prefix) = upstream_pass_prefix(&d.name.text) else { return };
        let timeout = format!("{prefix}_read_timeout");
        if site.find(&timeout).is_some() {
            return;
        }
        let confidence = if site.root.context_known { Confidence::Medium } else { Confidence::Low };
        out.push(
            Finding::new(
                &UPSTREAM_TIMEOUT_DEFAULT,
                format!(
                    "`{} {}` on {} has no `{timeout}`: nginx waits the 60 s default for a hung upstream",
                    d.name.text,
                    d.arg(0),
                    site.route()
                ),
            )
            .span(model.span(d))
            .evidence(format!("{} {};", d.name.text, d.arg(0)))
            .fix(format!("set `{prefix}_connect_timeout 2s;` and `{timeout} 10s;` (within the endpoint's latency budget)"))
            .confidence(confidence),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    #[test]
    fn rule() {
        Tester::new(crate::Plugin).test_rule(
            &UPSTREAM_TIMEOUT_DEFAULT,
            "nginx/nginx.conf",
            &[
                "http { proxy_read_timeout 10s; server { location / { proxy_pass http://a; } } }",
                "http { server { location / { fastcgi_read_timeout 30; fastcgi_pass unix:/s; } } }",
                "http { server { location / { root /srv; } } }",
            ],
            &[
                "http { server { location /api/ { proxy_pass http://app; } } }",
                "http { proxy_read_timeout 10s; server { location ~ \\.php$ { fastcgi_pass unix:/s; } } }",
            ],
        );
    }
}
