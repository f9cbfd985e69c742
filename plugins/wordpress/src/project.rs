//! Facts that span files: which hooks are scheduled (cron, Action
//! Scheduler) and which callbacks are registered to which hooks. A plugin
//! registers a callback in one file and defines it in another, so findings
//! that depend on the calling context wait until every file is read.

use std::collections::{BTreeMap, BTreeSet};

use mago_syntax::ast::Expression;
use perfwarden_sdk::Finding;

use crate::eval;
use crate::model::{Model, Range, ScopeKind};
use crate::sql::{FileSql, SqlSite};

/// Hook registrations and schedules seen so far.
#[derive(Debug, Default)]
pub struct Project {
    /// Hooks run by WP-Cron or Action Scheduler.
    scheduled: BTreeSet<String>,
    /// Callback key -> hooks it is registered to (`rest:` for REST routes).
    registered: BTreeMap<String, Vec<String>>,
    /// Object-cache groups deleted or versioned somewhere in the project.
    invalidated: BTreeSet<String>,
    /// Some invalidation targets a group computed at run time
    /// (`clean_post_cache()`, `wp_cache_delete( $id, $taxonomy . '_x' )`).
    invalidates_dynamic_groups: bool,
    pending: Vec<Deferred>,
    sql: Vec<SqlSite>,
    ddl: Vec<String>,
}

/// A finding that holds only under a condition known after every file.
#[derive(Debug)]
pub struct Deferred {
    pub finding: Finding,
    pub condition: Condition,
}

#[derive(Debug)]
pub enum Condition {
    /// The code runs inside a web request.
    InRequest {
        /// Keys of the enclosing function (see [`callback_keys`]).
        callbacks: Vec<String>,
        /// Also require that the function is registered to some hook (a
        /// hook fired by a request); otherwise being outside cron is enough.
        needs_hook: bool,
    },
    /// No code of the project invalidates this object-cache group (`None`:
    /// a group computed at run time).
    NotInvalidated { group: Option<String> },
}

impl Project {
    /// Record the registrations and schedules of one file.
    pub fn learn(&mut self, model: &Model<'_>) {
        for call in &model.calls {
            if let Some(name) = call.function() {
                let group_at = match name {
                    "wp_cache_delete" | "wp_cache_delete_multiple" => Some(1),
                    "wp_cache_flush_group"
                    | "wp_cache_set_last_changed"
                    | "wp_cache_get_last_changed" => Some(0),
                    _ if name.starts_with("clean_") && name.ends_with("_cache") => None,
                    _ => Some(usize::MAX),
                };
                match group_at {
                    Some(usize::MAX) => {}
                    None => self.invalidates_dynamic_groups = true,
                    Some(at) => match call.arg(at, "group").map(eval::string) {
                        Some(Some(group)) => {
                            self.invalidated.insert(group.to_owned());
                        }
                        Some(None) => self.invalidates_dynamic_groups = true,
                        None => {
                            self.invalidated.insert(String::new());
                        }
                    },
                }
            }
            let Some(name) = call.function() else {
                if let crate::model::Callee::Static { class, name } = &call.callee
                    && class == "wp_cli"
                    && name == "add_command"
                    && let Some(callback) = call.arg(1, "callable")
                {
                    for key in callback_of(model, callback, call.scope, call.range.start) {
                        self.scheduled.insert("wp-cli".to_owned());
                        self.registered
                            .entry(key)
                            .or_default()
                            .push("wp-cli".to_owned());
                    }
                }
                continue;
            };
            let hook_at = match name {
                "wp_schedule_event"
                | "as_schedule_recurring_action"
                | "as_schedule_cron_action" => 2,
                "wp_schedule_single_event" | "as_schedule_single_action" => 1,
                "as_enqueue_async_action" => 0,
                "add_action" | "add_filter" => {
                    if let (Some(hook), Some(callback)) = (
                        call.arg(0, "hook_name").and_then(eval::string),
                        call.arg(1, "callback"),
                    ) {
                        for key in callback_of(model, callback, call.scope, call.range.start) {
                            self.registered
                                .entry(key)
                                .or_default()
                                .push(hook.to_owned());
                        }
                    }
                    continue;
                }
                "register_rest_route" => {
                    if let Some(args) = call.arg(2, "args") {
                        let args = model.resolve(args, call.scope, call.range.start);
                        let mut routes = vec![args];
                        if let Some(elements) = eval::array_elements(args) {
                            routes.extend(elements.into_iter().map(|(_, v)| v));
                        }
                        for route in routes {
                            if let Some(callback) = eval::array_get(route, "callback") {
                                for key in
                                    callback_of(model, callback, call.scope, call.range.start)
                                {
                                    self.registered
                                        .entry(key)
                                        .or_default()
                                        .push("rest:".to_owned());
                                }
                            }
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(hook) = call.arg(hook_at, "hook").and_then(eval::string) {
                self.scheduled.insert(hook.to_owned());
            }
        }
    }

    /// Keep the `$wpdb` SQL of a file for [`Project::resolve`].
    pub fn add_sql(&mut self, sql: FileSql) {
        self.sql.extend(sql.sites);
        self.ddl.extend(sql.ddl);
    }

    /// Keep a context-dependent finding for [`Project::resolve`].
    pub fn defer(&mut self, deferred: Deferred) {
        self.pending.push(deferred);
    }

    /// The deferred findings whose condition holds, and the SQL findings
    /// (checked once the project's `dbDelta()` tables are known).
    pub fn resolve(self) -> Vec<Finding> {
        let mut findings = crate::sql::check(&self.sql, &self.ddl);
        let hooks_of = |keys: &[String]| -> Vec<&String> {
            keys.iter()
                .filter_map(|k| self.registered.get(k))
                .flatten()
                .collect()
        };
        self.pending
            .iter()
            .filter(|d| match &d.condition {
                Condition::InRequest {
                    callbacks,
                    needs_hook,
                } => {
                    let hooks = hooks_of(callbacks);
                    let background = hooks.iter().any(|h| self.scheduled.contains(*h));
                    !background && (!needs_hook || !hooks.is_empty())
                }
                Condition::NotInvalidated { group } => {
                    !self.invalidates_dynamic_groups
                        && group.as_ref().is_none_or(|g| !self.invalidated.contains(g))
                }
            })
            .map(|d| d.finding.clone())
            .for_each(|f| findings.push(f));
        findings
    }
}

/// Keys under which a function-like scope can be registered as a callback.
pub fn callback_keys(model: &Model<'_>, scope: usize) -> Vec<String> {
    let Some(s) = model.scopes.get(scope) else {
        return Vec::new();
    };
    match s.kind {
        ScopeKind::File => Vec::new(),
        ScopeKind::Function => vec![format!("fn:{}", s.name)],
        ScopeKind::Method => vec![format!("m:{}", s.name)],
        ScopeKind::Closure => vec![closure_key(model, s.range)],
    }
}

fn closure_key(model: &Model<'_>, range: Range) -> String {
    format!("closure:{}:{}", model.path, range.start)
}

/// Keys of a callback argument: `'fn'`, `'Class::m'`, `[$this, 'm']`, a closure.
fn callback_of<'a>(
    model: &Model<'a>,
    callback: &'a Expression<'a>,
    scope: usize,
    at: u32,
) -> Vec<String> {
    let callback = model.resolve(callback, scope, at);
    if let Some(name) = eval::string(callback) {
        return vec![match name.rsplit_once("::") {
            Some((_, method)) => format!("m:{}", method.to_ascii_lowercase()),
            None => {
                let name = name.rsplit('\\').next().unwrap_or(name);
                format!("fn:{}", name.to_ascii_lowercase())
            }
        }];
    }
    if let Some(elements) = eval::array_elements(callback)
        && let [_, (_, method)] = elements.as_slice()
        && let Some(method) = eval::string(method)
    {
        return vec![format!("m:{}", method.to_ascii_lowercase())];
    }
    if matches!(
        callback,
        Expression::Closure(_) | Expression::ArrowFunction(_)
    ) {
        return vec![closure_key(model, Model::range(callback))];
    }
    Vec::new()
}
