use oxc_ast::ast::CallExpression;
use oxc_span::GetSpan;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::{arg, object, prop, string};
use crate::model::{Kind, Lib, method_name, unwrap};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags outbound webhook calls made inline in a request handler: an HTTP
    /// POST/PUT whose URL names a hook or callback, or a POST inside a loop
    /// (fan-out to subscribers).
    ///
    /// ## Why is this bad?
    /// The response waits for third-party servers: each subscriber adds its
    /// latency (often 100 ms - 30 s), a down receiver fails the request, and
    /// nothing retries the delivery.
    ///
    /// ## Example
    /// ```js
    /// for (const hook of hooks) await axios.post(hook.url, payload);
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// await webhookQueue.addBulk(hooks.map((h) => ({ name: 'deliver', data: { url: h.url, payload } })));
    /// ```
    pub static RULE = {
        id: "NODE010",
        name: "webhook-sent-in-request-handler",
        summary: "Outbound webhook sent inline in a request handler",
        policy: "async.webhooks",
    }
}

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>) -> Option<Finding> {
    if !w.in_handler() {
        return None;
    }
    let callee = unwrap(&call.callee);
    let url = match (w.kind_of(callee), method_name(callee)) {
        (Some(Kind::Http(Lib::Fetch | Lib::Undici)), None) => {
            let method = object(arg(&call.arguments, 1))
                .and_then(|o| prop(o, "method"))
                .and_then(string)?;
            if !matches!(
                method.to_ascii_uppercase().as_str(),
                "POST" | "PUT" | "PATCH"
            ) {
                return None;
            }
            arg(&call.arguments, 0)?
        }
        (_, Some("post" | "put" | "patch")) => {
            let member = callee.as_member_expression()?;
            if !matches!(w.kind_of(member.object()), Some(Kind::Http(_))) {
                return None;
            }
            arg(&call.arguments, 0)?
        }
        _ => return None,
    };
    let text = w.source(url.span()).to_ascii_lowercase();
    let named_hook = ["hook", "callback", "notify"]
        .iter()
        .any(|k| text.contains(k));
    let fan_out = w.enclosing_loops().next().is_some();
    if !named_hook && !fan_out {
        return None;
    }
    Some(
        Finding::new(
            &RULE,
            "webhook delivered inline: the response waits for the receiver",
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix("Enqueue the delivery (BullMQ) and send it from a worker with retries")
        .confidence(if named_hook {
            Confidence::High
        } else {
            Confidence::Medium
        }),
    )
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
            "src/app.js",
            &[
                "const axios = require('axios');\nasync function deliver(job) { await axios.post(job.data.webhookUrl, job.data.payload, { timeout: 5000 }); }",
                "const axios = require('axios');\nconst app = require('express')();\napp.get('/rates', async (req, res) => res.json((await axios.get('https://api.example.com/rates', { timeout: 2000 })).data));",
            ],
            &[
                "const axios = require('axios');\nconst app = require('express')();\napp.post('/orders', async (req, res) => { await axios.post(process.env.ORDER_WEBHOOK_URL, req.body, { timeout: 5000 }); res.end(); });",
                "const app = require('express')();\napp.post('/orders', async (req, res) => { for (const s of subs) { await fetch(s.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(3000) }); } res.end(); });",
            ],
        );
    }
}
