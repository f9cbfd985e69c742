use oxc_ast::ast::{CallExpression, Expression};
use perfwarden_sdk::{Confidence, Finding, declare_rule};

use crate::consts::arg;
use crate::model::{Binding, Kind, Lib, unwrap};
use crate::walk::Walker;

declare_rule! {
    /// ## What it does
    /// Flags push, SMS and chat notifications sent inline in a request
    /// handler instead of through a queue: Twilio `client.messages.create`,
    /// Firebase Cloud Messaging `messaging().send*`, `webpush.sendNotification`,
    /// SNS `send(new PublishCommand(..))` / `sns.publish(..)`, Slack
    /// `chat.postMessage`, APNs / node-pushnotifications `provider.send`, Expo
    /// `sendPushNotificationsAsync`. Calls in job processors are not inline.
    ///
    /// ## Why is this bad?
    /// Each send is an HTTPS round trip to the provider: 100 ms to several
    /// seconds per call, one per recipient or batch, added to the response
    /// time. A provider outage or rate limit (Twilio 429, FCM quota) turns into
    /// failed requests, the client's retry may notify twice, and nothing
    /// retries the notification itself.
    ///
    /// ## Example
    /// ```js
    /// app.post('/orders', async (req, res) => {
    ///   const order = await createOrder(req.body);
    ///   await twilio.messages.create({ to: req.body.phone, from: SENDER, body: `Order ${order.id} confirmed` });
    ///   res.status(201).json(order);
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// await smsQueue.add('order-sms', { orderId: order.id, to: req.body.phone }); // a BullMQ worker sends it, with retries
    /// ```
    pub static RULE = {
        id: "NODE014",
        name: "notification-sent-in-request-handler",
        summary: "Push / SMS / chat notification sent inline in a request handler instead of a queue",
        policy: "async.notifications",
    }
}

/// Firebase Cloud Messaging send methods.
const FCM_SENDS: [&str; 9] = [
    "send",
    "sendEach",
    "sendEachForMulticast",
    "sendAll",
    "sendMulticast",
    "sendToDevice",
    "sendToDeviceGroup",
    "sendToTopic",
    "sendToCondition",
];

/// Methods distinctive enough to flag on a receiver of unknown kind.
fn distinctive(method: &str) -> Option<Lib> {
    match method {
        "sendPushNotificationsAsync" => Some(Lib::Expo),
        "sendEachForMulticast" | "sendMulticast" | "sendToDevice" => Some(Lib::FirebaseAdmin),
        _ => None,
    }
}

/// What a provider delivers, for the message.
fn what(lib: Lib) -> &'static str {
    match lib {
        Lib::Twilio => "SMS",
        Lib::Sns => "SNS notification",
        Lib::Slack => "Slack message",
        Lib::WebPush => "web push notification",
        _ => "push notification",
    }
}

/// `new PublishCommand({ .. })` of the AWS SDK v3 SNS client; other commands
/// manage topics and subscriptions.
fn is_publish_command(w: &Walker<'_>, command: &Expression<'_>) -> bool {
    let Expression::NewExpression(new) = unwrap(command) else {
        return false;
    };
    match w.binding_of(&new.callee) {
        Some(Binding::Pkg { module, path }) => {
            module == "@aws-sdk/client-sns"
                && path
                    .last()
                    .is_some_and(|c| c == "PublishCommand" || c == "PublishBatchCommand")
        }
        _ => false,
    }
}

/// Whether `method` on a `lib` notification client sends a notification.
fn sends(
    w: &Walker<'_>,
    lib: Lib,
    receiver: &Expression<'_>,
    method: &str,
    call: &CallExpression<'_>,
) -> bool {
    match lib {
        // `client.messages.create(..)`, `client.notifications.create(..)` (Twilio Notify).
        Lib::Twilio => {
            method == "create"
                && receiver
                    .as_member_expression()
                    .and_then(|m| m.static_property_name())
                    .is_some_and(|p| p == "messages" || p == "notifications")
        }
        Lib::FirebaseAdmin => FCM_SENDS.contains(&method),
        Lib::WebPush => method == "sendNotification",
        Lib::Sns => match method {
            "publish" | "publishBatch" => true,
            "send" => arg(&call.arguments, 0).is_some_and(|c| is_publish_command(w, c)),
            _ => false,
        },
        // `slack.chat.postMessage(..)`, `new IncomingWebhook(url).send(..)`.
        Lib::Slack => matches!(method, "postMessage" | "postEphemeral" | "send"),
        Lib::Apn | Lib::PushNotifications => method == "send",
        Lib::Expo => method == "sendPushNotificationsAsync",
        _ => false,
    }
}

pub fn check(w: &Walker<'_>, call: &CallExpression<'_>) -> Option<Finding> {
    if !w.in_handler() {
        return None;
    }
    let callee = unwrap(&call.callee);
    let (lib, known) = match callee.as_member_expression() {
        Some(member) => {
            let method = member.static_property_name()?;
            let receiver = unwrap(member.object());
            match w.kind_of(receiver) {
                Some(Kind::Notifier(lib)) if sends(w, lib, receiver, method, call) => (lib, true),
                Some(_) => return None,
                None => (distinctive(method)?, false),
            }
        }
        // `import { sendNotification } from 'web-push'`.
        None => match w.binding_of(callee)? {
            Binding::Pkg { module, path }
                if module == "web-push"
                    && path.last().map(String::as_str) == Some("sendNotification") =>
            {
                (Lib::WebPush, true)
            }
            _ => return None,
        },
    };
    let (via, confidence) = if known {
        (lib.name(), Confidence::High)
    } else {
        ("a notification API", Confidence::Medium)
    };
    Some(
        Finding::new(
            &RULE,
            format!(
                "{} sent inline through {via}: the response waits for the provider and nothing retries it",
                what(lib)
            ),
        )
        .span(w.span(call.span))
        .evidence(w.snippet(call.span))
        .fix("Enqueue the notification (BullMQ `queue.add`) and send it from a worker with retries")
        .confidence(confidence),
    )
}

#[cfg(test)]
mod tests {
    use perfwarden_sdk::testing::Tester;

    use super::RULE;
    use crate::Plugin;

    const EXPRESS: &str = "const app = require('express')();\n";

    fn snippet(body: &str) -> String {
        format!("{EXPRESS}{body}")
    }

    #[test]
    fn rule() {
        let pass = [
            // Sent from a BullMQ worker.
            snippet(
                "const { Queue, Worker } = require('bullmq');\nconst twilio = require('twilio')(process.env.SID, process.env.TOKEN);\nnew Worker('sms', async (job) => { await twilio.messages.create(job.data); });",
            ),
            // Only registered as a job processor (Bull), even with handler-like parameters.
            snippet(
                "const Queue = require('bull');\nconst q = new Queue('sms');\nconst twilio = require('twilio')(process.env.SID, process.env.TOKEN);\nasync function deliver(req, res) { await twilio.messages.create(req.data); }\nq.process(deliver);",
            ),
            // A processor registered inside the handler runs in the worker.
            snippet(
                "const Queue = require('bull');\nconst q = new Queue('sms');\nconst admin = require('firebase-admin');\napp.post('/subscribe', (req, res) => { q.process('push', 2, async (job) => admin.messaging().send(job.data)); res.end(); });",
            ),
            // Module top level (start-up announcement).
            snippet(
                "const { WebClient } = require('@slack/web-api');\nconst slack = new WebClient(process.env.SLACK_TOKEN);\nslack.chat.postMessage({ channel: '#ops', text: 'api started' });\napp.listen(3000);",
            ),
            // The handler only enqueues.
            snippet(
                "const { Queue } = require('bullmq');\nconst smsQueue = new Queue('sms');\napp.post('/orders', async (req, res) => { await smsQueue.add('order-sms', { to: req.body.phone }); res.status(201).end(); });",
            ),
            // Other SNS commands and other `messages.create` APIs (an LLM client) are not notifications.
            snippet(
                "const { SNSClient, SubscribeCommand } = require('@aws-sdk/client-sns');\nconst sns = new SNSClient({});\napp.post('/topics', async (req, res) => { await sns.send(new SubscribeCommand({ TopicArn: req.body.arn, Protocol: 'email' })); res.end(); });",
            ),
            snippet(
                "const Anthropic = require('@anthropic-ai/sdk');\nconst ai = new Anthropic();\napp.post('/chat', async (req, res) => res.json(await ai.messages.create({ model: 'm', max_tokens: 64, messages: req.body.messages })));",
            ),
        ];
        let fail = [
            // Twilio SMS.
            snippet(
                "const twilio = require('twilio');\nconst client = twilio(process.env.SID, process.env.TOKEN);\napp.post('/orders', async (req, res) => { await client.messages.create({ to: req.body.phone, from: '+15550100', body: 'ok' }); res.status(201).end(); });",
            ),
            "import { Twilio } from 'twilio';\nimport { Router } from 'express';\nconst sms = new Twilio(process.env.SID, process.env.TOKEN);\nconst router = Router();\nrouter.post('/otp', async (req, res) => { await sms.messages.create({ to: req.body.phone, from: 'X', body: 'code' }); res.end(); });\nexport default router;".to_owned(),
            // Firebase Cloud Messaging, namespaced and modular.
            snippet(
                "const admin = require('firebase-admin');\nadmin.initializeApp();\napp.post('/like', async (req, res) => { await admin.messaging().send({ token: req.body.token, notification: { title: 'Liked' } }); res.end(); });",
            ),
            "import express from 'express';\nimport { getMessaging } from 'firebase-admin/messaging';\nconst api = express();\napi.post('/broadcast', async (req, res) => { await getMessaging().sendEachForMulticast({ tokens: req.body.tokens, data: {} }); res.end(); });".to_owned(),
            // web-push.
            snippet(
                "const webpush = require('web-push');\napp.post('/notify', async (req, res) => { await webpush.sendNotification(req.body.subscription, 'hi'); res.end(); });",
            ),
            // SNS, v3 and v2.
            snippet(
                "const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');\nconst sns = new SNSClient({ region: 'eu-west-1' });\napp.post('/alerts', async (req, res) => { await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC, Message: 'x' })); res.end(); });",
            ),
            snippet(
                "const AWS = require('aws-sdk');\nconst sns = new AWS.SNS();\napp.post('/alerts', async (req, res) => { await sns.publish({ PhoneNumber: req.body.phone, Message: 'x' }).promise(); res.end(); });",
            ),
            // Slack, APNs, node-pushnotifications, Expo.
            snippet(
                "const { WebClient } = require('@slack/web-api');\nconst slack = new WebClient(process.env.SLACK_TOKEN);\napp.post('/signup', async (req, res) => { await slack.chat.postMessage({ channel: '#sales', text: req.body.email }); res.end(); });",
            ),
            snippet(
                "const apn = require('@parse/node-apn');\nconst provider = new apn.Provider({ production: true });\napp.post('/ping', async (req, res) => { await provider.send(new apn.Notification({ alert: 'hi' }), req.body.token); res.end(); });",
            ),
            snippet(
                "const PushNotifications = require('node-pushnotifications');\nconst push = new PushNotifications({});\napp.post('/ping', async (req, res) => { await push.send([req.body.token], { title: 'hi' }); res.end(); });",
            ),
            snippet(
                "const { Expo } = require('expo-server-sdk');\nconst expo = new Expo();\napp.post('/ping', async (req, res) => { await expo.sendPushNotificationsAsync([{ to: req.body.token, body: 'hi' }]); res.end(); });",
            ),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        Tester::new(Plugin).test_rule(&RULE, "src/app.js", &pass, &fail);
    }

    #[test]
    fn injected_and_imported_clients() {
        Tester::new(Plugin).test_rule(
            &RULE,
            "src/orders.controller.ts",
            &[
                "import { Controller, Post, Body } from '@nestjs/common';\nimport { Queue } from 'bullmq';\n@Controller('orders')\nexport class OrdersController {\n  constructor(private readonly sms: Queue) {}\n  @Post()\n  async create(@Body() dto: { phone: string }) { await this.sms.add('order-sms', dto); }\n}",
            ],
            &[
                "import { Controller, Post, Body } from '@nestjs/common';\nimport { Twilio } from 'twilio';\n@Controller('orders')\nexport class OrdersController {\n  constructor(private readonly twilio: Twilio) {}\n  @Post()\n  async create(@Body() dto: { phone: string }) { await this.twilio.messages.create({ to: dto.phone, body: 'ok' }); }\n}",
                "import { sendNotification } from 'web-push';\nexport default async function handler(req, res) { await sendNotification(req.body.subscription, 'hi'); res.end(); }",
                "import SNS from 'aws-sdk/clients/sns';\nconst sns = new SNS();\nexport async function handler(req, res) { await sns.publish({ TopicArn: 'arn', Message: 'x' }).promise(); res.end(); }",
            ],
        );
    }

    #[test]
    fn clients_and_processors_are_followed_across_files() {
        let out = Tester::new(Plugin).run(&[
            (
                "src/sms.js",
                "const twilio = require('twilio');\nmodule.exports = twilio(process.env.SID, process.env.TOKEN);",
            ),
            (
                "src/jobs.js",
                "const sms = require('./sms');\nexports.sendSms = async function (req, res) { await sms.messages.create(req.data); };",
            ),
            (
                "src/worker.js",
                "const { Worker } = require('bullmq');\nconst { sendSms } = require('./jobs');\nnew Worker('sms', sendSms);",
            ),
            (
                "src/routes.js",
                "const sms = require('./sms');\nconst router = require('express').Router();\nrouter.post('/orders', async (req, res) => {\n  await sms.messages.create({ to: req.body.phone, body: 'ok' });\n  res.end();\n});\nmodule.exports = router;",
            ),
        ]);
        let found: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.rule == RULE.id)
            .map(|f| f.span.as_ref().map(|s| (s.path.as_str(), s.line)))
            .collect();
        assert_eq!(found, [Some(("src/routes.js", 4))]);
    }
}
