use oxc_ast::ast::CallExpression;
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::model::{Kind, method_name};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags mail sent inline in a request handler (`transporter.sendMail`,
    /// Nest `MailerService.sendMail`) instead of through a queue.
    ///
    /// ## Why is this bad?
    /// An SMTP exchange takes 100 ms to several seconds; the response waits
    /// for it, a slow or failing mail server turns into slow or failed
    /// requests, and there is no retry.
    ///
    /// ## Example
    /// ```js
    /// app.post('/orders', async (req, res) => {
    ///   await transporter.sendMail({ to: user.email, subject: 'Order confirmed' });
    ///   res.status(201).end();
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// await emailQueue.add('order-confirmation', { orderId }); // BullMQ worker sends it
    /// ```
    pub static RULE = {
        id: "NODE009",
        name: "mail-sent-in-request-handler",
        summary: "Email sent inline in a request handler instead of a queue",
        policy: "async.emails",
    }
}

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>) -> Option<Finding> {
    if !w.in_handler() || method_name(&call.callee) != Some("sendMail") {
        return None;
    }
    let member = call.callee.as_member_expression()?;
    let known = w.kind_of(member.object()) == Some(Kind::Mailer);
    Some(
        Finding::new(
            &RULE,
            "email sent inline: the response waits for the SMTP exchange",
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix("Enqueue the email (BullMQ `queue.add`) and send it from a worker")
        .confidence(if known {
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
                "const nodemailer = require('nodemailer');\nconst t = nodemailer.createTransport({});\nasync function worker(job) { await t.sendMail(job.data); }",
            ],
            &[
                "const nodemailer = require('nodemailer');\nconst t = nodemailer.createTransport({});\nconst app = require('express')();\napp.post('/signup', async (req, res) => { await t.sendMail({ to: req.body.email }); res.end(); });",
            ],
        );
    }
}
