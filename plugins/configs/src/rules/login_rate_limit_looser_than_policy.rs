use perfwarden_sdk::{Finding, Output, declare_rule};

use crate::Settings;
use crate::sources::nginx::{Model, route_class};

declare_rule! {
    /// ## What it does
    /// Flags a `limit_req` on a login location whose zone rate plus burst
    /// allows more attempts per policy window than the login policy (5
    /// attempts per 15 minutes by default; plugin settings `login_limit`
    /// and `login_window_s`).
    ///
    /// ## Why is this bad?
    /// A limit of `10r/s` on a login route still lets one address try 9 000
    /// passwords in 15 minutes: the limiter costs latency to nobody but
    /// stops no credential stuffing, and each attempt burns a password-hash
    /// computation on the application's CPU.
    ///
    /// ## Example
    /// ```nginx
    /// limit_req_zone $binary_remote_addr zone=login:10m rate=10r/s;
    /// location /login { limit_req zone=login burst=20; proxy_pass http://app; }
    /// ```
    ///
    /// ## Use instead
    /// nginx's finest rate is 1 request per minute; combine it with a small
    /// burst and an application-level limit for the 15-minute window:
    /// ```nginx
    /// limit_req_zone $binary_remote_addr zone=login:10m rate=1r/m;
    /// location /login { limit_req zone=login burst=4 nodelay; proxy_pass http://app; }
    /// ```
    pub static LOGIN_RATE_LIMIT_LOOSER_THAN_POLICY = {
        id: "CFG006",
        name: "login-rate-limit-looser-than-policy",
        summary: "login `limit_req` allows more attempts than the login rate-limit policy",
        policy: "rate_limit.login",
    }
}

/// Compares the attempts a login zone admits in the policy window
/// (`rate × window + burst`) with the policy's limit.
pub fn check(model: &Model<'_>, settings: &Settings, out: &mut Output) {
    model.visit(&mut |d, site| {
        if d.name.text != "limit_req" {
            return;
        }
        let route = site.route();
        if site.location().is_none() || route_class(&route) != "login" {
            return;
        }
        let Some(zone) = model.zone_of(d) else { return };
        let burst: f64 = d
            .args
            .iter()
            .find_map(|a| a.text.strip_prefix("burst=").and_then(|b| b.parse().ok()))
            .unwrap_or(0.0);
        let window = settings.login_window_s;
        let allowed = zone.requests / zone.window_s * window + burst;
        if allowed <= settings.login_limit {
            return;
        }
        out.push(
            Finding::new(
                &LOGIN_RATE_LIMIT_LOOSER_THAN_POLICY,
                format!(
                    "login route `{route}` admits {allowed:.0} attempts per {:.0} min (zone `{}` rate {} + burst {burst:.0}); the login policy allows {:.0}",
                    window / 60.0,
                    zone.name,
                    zone.rate,
                    settings.login_limit
                ),
            )
            .span(model.span(d))
            .evidence(format!("limit_req_zone ... zone={} rate={}", zone.name, zone.rate))
            .fix("lower the zone to `rate=1r/m` with a small burst, and enforce the 15-minute budget in the application"),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfwarden_sdk::testing::Tester;

    const ZONE_10S: &str = "limit_req_zone $binary_remote_addr zone=login:10m rate=10r/s;";

    #[test]
    fn rule() {
        let fail = format!(
            "http {{ {ZONE_10S} server {{ location /login {{ limit_req zone=login burst=20; proxy_pass http://a; }} }} }}"
        );
        Tester::new(crate::Plugin).test_rule(
            &LOGIN_RATE_LIMIT_LOOSER_THAN_POLICY,
            "nginx/nginx.conf",
            &[
                // 10r/s on a non-login route is the standard class's business.
                &format!("http {{ {ZONE_10S} server {{ location /api {{ limit_req zone=login; proxy_pass http://a; }} }} }}"),
            ],
            &[&fail, "http { limit_req_zone $binary_remote_addr zone=l:1m rate=1r/m; server { location /login { limit_req zone=l; } } }"],
        );
    }

    #[test]
    fn configured_policy_window_is_used() {
        let conf = "http { limit_req_zone $binary_remote_addr zone=l:1m rate=1r/m; server { location /login { limit_req zone=l burst=2; } } }";
        // 1r/m over 15 min + 2 = 17 attempts: within a 20-attempt policy.
        let out = Tester::new(crate::Plugin)
            .config(r#"{"login_limit": 20, "login_window_s": 900}"#)
            .run(&[("nginx.conf", conf)]);
        assert!(
            out.findings.iter().all(|f| f.rule != "CFG006"),
            "{:#?}",
            out.findings
        );
        let out = Tester::new(crate::Plugin).run(&[("nginx.conf", conf)]);
        let finding = out.findings.iter().find(|f| f.rule == "CFG006").unwrap();
        assert!(
            finding.message.contains("admits 17 attempts per 15 min"),
            "{}",
            finding.message
        );
    }
}
