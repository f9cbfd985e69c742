use oxc_ast::ast::{Argument, CallExpression};
use oxc_span::Span;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, has_key_deep, has_spread, object};
use crate::model::{Binding, Kind, Lib, method_name, unwrap};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags outbound HTTP calls without a timeout: `fetch` without a
    /// `signal` (`AbortSignal.timeout`), direct `axios`/`got` calls without
    /// `timeout`, and `axios.create()`/`got.extend()` instances without a
    /// default `timeout`. JSX/TSX (front-end) files are skipped.
    ///
    /// ## Why is this bad?
    /// fetch, axios and got wait forever by default: a hung upstream holds
    /// the request, its memory and its sockets until the client gives up, and
    /// the failure cascades to every caller.
    ///
    /// ## Example
    /// ```js
    /// const res = await fetch('https://rates.example.com/eur');
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const res = await fetch('https://rates.example.com/eur', { signal: AbortSignal.timeout(3000) });
    /// ```
    pub static RULE = {
        id: "NODE012",
        name: "http-call-without-timeout",
        summary: "Outbound HTTP call without a timeout",
        policy: "timeouts.http_client",
    }
}

const TIMEOUT_KEYS: [&str; 2] = ["timeout", "signal"];

/// Whether optional options at `index` lack a timeout (`None`: unknowable).
fn lacks(args: &[Argument<'_>], index: usize) -> Option<bool> {
    match arg(args, index) {
        None => Some(true),
        Some(options) => {
            let obj = object(Some(options))?;
            (!has_spread(obj)).then(|| !has_key_deep(obj, &TIMEOUT_KEYS))
        }
    }
}

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>) -> Option<Finding> {
    if w.jsx {
        return None;
    }
    let callee = unwrap(&call.callee);
    let method = method_name(callee);
    let kind = match method {
        Some(_) => w.kind_of(callee.as_member_expression()?.object())?,
        None => w.kind_of(callee)?,
    };
    let lacking = match (kind, method) {
        (Kind::Http(Lib::Fetch), None) => lacks(&call.arguments, 1)?,
        (Kind::Http(lib @ (Lib::Axios | Lib::Got)), _) => {
            // Instances carry their own defaults: judged where they are created.
            let receiver = match method {
                Some(_) => callee.as_member_expression()?.object(),
                None => callee,
            };
            let Some(Binding::Pkg { path, .. }) = w.binding_of(receiver) else {
                return None;
            };
            if !(path.is_empty() || path == ["default"]) {
                return None;
            }
            let index = match (lib, method) {
                (_, None) => 1,
                (Lib::Axios, Some("get" | "delete" | "head" | "options")) => 1,
                (Lib::Axios, Some("post" | "put" | "patch")) => 2,
                (Lib::Axios, Some("request")) => 0,
                (Lib::Got, Some("get" | "post" | "put" | "patch" | "delete" | "head")) => 1,
                _ => return None,
            };
            // `axios(config)`: the config is the first argument.
            let index = if method.is_none() && object(arg(&call.arguments, 0)).is_some() {
                0
            } else {
                index
            };
            lacks(&call.arguments, index)?
        }
        _ => return None,
    };
    lacking.then(|| {
        finding(
            w,
            call.span,
            "outbound HTTP call has no timeout: a hung upstream holds this request",
        )
    })
}

/// `axios.create()` / `got.extend()` without a default timeout.
pub fn check_constructor(
    w: &Walker<'_>,
    kind: Kind,
    args: &[Argument<'_>],
    span: Span,
) -> Option<Finding> {
    if w.jsx || !matches!(kind, Kind::Http(Lib::Axios | Lib::Got)) {
        return None;
    }
    lacks(args, 0)?.then(|| finding(w, span, "HTTP client instance has no default timeout"))
}

fn finding(w: &Walker<'_>, span: Span, message: &str) -> Finding {
    Finding::new(&RULE, message)
        .span(w.span(span))
        .evidence(w.snippet(span))
        .fix("Pass a timeout (`AbortSignal.timeout(ms)` for fetch, `timeout` for axios/got)")
        .confidence(Confidence::High)
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::RULE;
    use crate::Plugin;

    #[test]
    fn rule() {
        Tester::new(Plugin).test_rule(
            &RULE,
            "src/rates.ts",
            &[
                "export const f = () => fetch('https://x', { signal: AbortSignal.timeout(3000) });",
                "import axios from 'axios';\nconst http = axios.create({ timeout: 2000 });\nexport const f = () => http.get('/x');",
                "import axios from 'axios';\nexport const f = () => axios.get('https://x', { timeout: 2000 });",
            ],
            &[
                "export const f = () => fetch('https://x');",
                "import axios from 'axios';\nexport const f = () => axios.post('https://x', { a: 1 });",
                "import axios from 'axios';\nexport const http = axios.create({ baseURL: 'https://x' });",
            ],
        );
    }
}
