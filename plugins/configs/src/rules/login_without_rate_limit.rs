use perfwarden_sdk::{Confidence, Finding, Output, declare_rule};

use crate::sources::nginx::{Model, route_class, upstream_pass_prefix};

declare_rule! {
    /// ## What it does
    /// Flags an nginx `location` for a login route (`/login`, `/signin`,
    /// `/auth`, `/session`, `wp-login.php`, ...) that passes requests to the
    /// application with no `limit_req` in scope.
    ///
    /// ## Why is this bad?
    /// Password checks are deliberately slow (bcrypt/argon2 cost tens of
    /// milliseconds of CPU each); an unthrottled login endpoint lets one
    /// client run credential stuffing at thousands of attempts per minute
    /// and saturate the application's CPU for every other user.
    ///
    /// ## Example
    /// ```nginx
    /// location /api/login { proxy_pass http://app; }
    /// ```
    ///
    /// ## Use instead
    /// ```nginx
    /// limit_req_zone $binary_remote_addr zone=login:10m rate=1r/m;
    /// location /api/login {
    ///     limit_req zone=login burst=4 nodelay;
    ///     proxy_pass http://app;
    /// }
    /// ```
    pub static LOGIN_WITHOUT_RATE_LIMIT = {
        id: "CFG005",
        name: "login-without-rate-limit",
        summary: "login location without `limit_req`",
        policy: "rate_limit.login",
    }
}

/// Reports login locations passing upstream without `limit_req`. The
/// application may throttle logins itself, hence Medium.
pub fn check(model: &Model<'_>, out: &mut Output) {
    model.visit(&mut |d, site| {
        if upstream_pass_prefix(&d.name.text).is_none() {
            return;
        }
        let Some(location) = site.location() else { return };
        let route = site.route();
        if route_class(&route) != "login" || site.find("limit_req").is_some() {
            return;
        }
        out.push(
            Finding::new(
                &LOGIN_WITHOUT_RATE_LIMIT,
                format!("login route `{route}` reaches the application with no `limit_req`: nothing throttles password guessing here"),
            )
            .span(model.span(location))
            .evidence(format!("location {route}"))
            .fix("define `limit_req_zone $binary_remote_addr zone=login:10m rate=1r/m;` and add `limit_req zone=login burst=4 nodelay;` to the location")
            .confidence(Confidence::Medium),
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
            &LOGIN_WITHOUT_RATE_LIMIT,
            "nginx/nginx.conf",
            &[
                "http { limit_req_zone $binary_remote_addr zone=l:1m rate=1r/m; server { location /login { limit_req zone=l; proxy_pass http://a; } } }",
                "http { server { location /login { return 301 /; } location /api { proxy_pass http://a; } } }",
                "http { limit_req_zone $binary_remote_addr zone=l:1m rate=1r/m; server { limit_req zone=l; location /signin { proxy_pass http://a; } } }",
            ],
            &[
                "http { server { location /api/login { proxy_pass http://a; } } }",
                "http { server { location = /wp-login.php { fastcgi_pass unix:/run/php.sock; } } }",
            ],
        );
    }
}
