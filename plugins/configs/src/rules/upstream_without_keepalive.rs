use perfwarden_sdk::{Finding, Output, declare_rule};

use crate::sources::nginx::Model;

declare_rule! {
    /// ## What it does
    /// Flags an nginx `upstream` block without `keepalive`.
    ///
    /// ## Why is this bad?
    /// Without `keepalive` nginx opens a new TCP connection (and TLS
    /// handshake, for `https` upstreams) to the backend for every request:
    /// an extra round trip or three per request, thousands of sockets in
    /// TIME_WAIT under load, and ephemeral-port exhaustion at high rates.
    ///
    /// ## Example
    /// ```nginx
    /// upstream app { server 127.0.0.1:3000; }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// upstream app { server 127.0.0.1:3000; keepalive 16; }
    /// # and, where it is used:
    /// proxy_http_version 1.1;
    /// proxy_set_header Connection "";
    /// ```
    pub static UPSTREAM_WITHOUT_KEEPALIVE = {
        id: "CFG008",
        name: "upstream-without-keepalive",
        summary: "nginx upstream without `keepalive`: a new connection per request",
        policy: "anti_patterns.no_connection_pool",
    }
}

/// Reports `upstream` blocks with servers and no `keepalive`.
pub fn check(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, _site| {
        if d.name.text != "upstream" || d.block.is_none() {
            return;
        }
        let children = d.children();
        if !children.iter().any(|c| c.name.text == "server") || children.iter().any(|c| c.name.text == "keepalive") {
            return;
        }
        out.push(
            Finding::new(
                &UPSTREAM_WITHOUT_KEEPALIVE,
                format!("upstream `{}` has no `keepalive`: nginx opens a new backend connection for every request", d.arg(0)),
            )
            .span(model.span(d))
            .evidence(format!("upstream {} {{ ... }}", d.arg(0)))
            .fix("add `keepalive 16;` to the upstream, with `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` where it is proxied"),
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
            &UPSTREAM_WITHOUT_KEEPALIVE,
            "nginx/nginx.conf",
            &[
                "http { upstream app { server 127.0.0.1:3000; keepalive 16; } }",
                "http { server { listen 80; } }",
            ],
            &["http { upstream app { server 127.0.0.1:3000; server 127.0.0.1:3001; } }"],
        );
    }
}
