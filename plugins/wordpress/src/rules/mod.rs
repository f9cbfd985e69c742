//! The rules, and what several of them share: query call sites with their
//! resolved arguments, what a loop iterates over, and which functions
//! cache.

use perfwarden_sdk::{Confidence, Finding, Metric, Rule};

use crate::eval;
use crate::model::{Args, CallSite, Callee, Loop, LoopKind, Model, ScopeKind};
use crate::project::{Condition, Deferred, callback_keys};

pub mod autoloaded_large_option;
pub mod bulk_loop_inline;
pub mod cache_key_from_request;
pub mod cache_without_expiry;
pub mod direct_query_without_cache;
pub mod found_rows_unused;
pub mod inline_mail;
pub mod low_cache_expiry;
pub mod meta_lookup_in_loop;
pub mod meta_value_comparison;
pub mod no_object_cache_dropin;
pub mod nopaging;
pub mod orderby_rand;
pub mod page_cache_disabled;
pub mod post_not_in;
pub mod posts_per_page_unbounded;
pub mod query_in_loop;
pub mod regexp_compare;
pub mod remote_fetch_without_http_api;
pub mod remote_request_timeout;
pub mod suppress_filters;
pub mod uncached_function;
pub mod wp_cron_on_request;

/// A rule with the phpcs sniffs (WordPress Coding Standards, VIP) whose
/// `phpcs:ignore` comments also silence it.
pub struct RuleDef {
    pub rule: &'static Rule,
    pub sniffs: &'static [&'static str],
    check: fn(&mut Cx<'_, '_>),
}

/// Every rule, in id order.
pub static ALL: &[RuleDef] = &[
    def(
        &posts_per_page_unbounded::RULE,
        posts_per_page_unbounded::SNIFFS,
        posts_per_page_unbounded::check,
    ),
    def(&nopaging::RULE, nopaging::SNIFFS, nopaging::check),
    def(
        &orderby_rand::RULE,
        orderby_rand::SNIFFS,
        orderby_rand::check,
    ),
    def(
        &meta_value_comparison::RULE,
        meta_value_comparison::SNIFFS,
        meta_value_comparison::check,
    ),
    def(&post_not_in::RULE, post_not_in::SNIFFS, post_not_in::check),
    def(
        &suppress_filters::RULE,
        suppress_filters::SNIFFS,
        suppress_filters::check,
    ),
    def(
        &regexp_compare::RULE,
        regexp_compare::SNIFFS,
        regexp_compare::check,
    ),
    def(
        &found_rows_unused::RULE,
        found_rows_unused::SNIFFS,
        found_rows_unused::check,
    ),
    def(
        &query_in_loop::RULE,
        query_in_loop::SNIFFS,
        query_in_loop::check,
    ),
    def(
        &meta_lookup_in_loop::RULE,
        meta_lookup_in_loop::SNIFFS,
        meta_lookup_in_loop::check,
    ),
    def(
        &direct_query_without_cache::RULE,
        direct_query_without_cache::SNIFFS,
        direct_query_without_cache::check,
    ),
    def(
        &cache_without_expiry::RULE,
        cache_without_expiry::SNIFFS,
        cache_without_expiry::check,
    ),
    def(
        &low_cache_expiry::RULE,
        low_cache_expiry::SNIFFS,
        low_cache_expiry::check,
    ),
    def(
        &cache_key_from_request::RULE,
        cache_key_from_request::SNIFFS,
        cache_key_from_request::check,
    ),
    def(
        &remote_request_timeout::RULE,
        remote_request_timeout::SNIFFS,
        remote_request_timeout::check,
    ),
    def(
        &remote_fetch_without_http_api::RULE,
        remote_fetch_without_http_api::SNIFFS,
        remote_fetch_without_http_api::check,
    ),
    def(
        &uncached_function::RULE,
        uncached_function::SNIFFS,
        uncached_function::check,
    ),
    def(&inline_mail::RULE, inline_mail::SNIFFS, inline_mail::check),
    def(
        &bulk_loop_inline::RULE,
        bulk_loop_inline::SNIFFS,
        bulk_loop_inline::check,
    ),
    def(
        &autoloaded_large_option::RULE,
        autoloaded_large_option::SNIFFS,
        autoloaded_large_option::check,
    ),
    def(
        &page_cache_disabled::RULE,
        page_cache_disabled::SNIFFS,
        page_cache_disabled::check,
    ),
    def(
        &wp_cron_on_request::RULE,
        wp_cron_on_request::SNIFFS,
        wp_cron_on_request::check,
    ),
    def(
        &no_object_cache_dropin::RULE,
        no_object_cache_dropin::SNIFFS,
        no_object_cache_dropin::check,
    ),
];

const fn def(
    rule: &'static Rule,
    sniffs: &'static [&'static str],
    check: fn(&mut Cx<'_, '_>),
) -> RuleDef {
    RuleDef {
        rule,
        sniffs,
        check,
    }
}

/// The sniffs equivalent to a rule id.
pub fn sniffs_of(rule_id: &str) -> &'static [&'static str] {
    ALL.iter()
        .find(|d| d.rule.id == rule_id)
        .map_or(&[], |d| d.sniffs)
}

/// Run every rule over one file.
pub fn run(cx: &mut Cx<'_, '_>) {
    for def in ALL {
        (def.check)(cx);
    }
}

/// What rules read (the model and shared derived tables) and write.
pub struct Cx<'m, 'a> {
    pub model: &'m Model<'a>,
    /// `WP_Query`, `get_posts`, `query_posts` and `->set()` on a query.
    pub queries: Vec<QuerySite<'m, 'a>>,
    /// Per scope: whether it reads or writes the object cache / transients.
    caching: Vec<bool>,
    /// Paths of every offered artifact (site-level rules).
    pub artifacts: &'m [String],
    pub findings: Vec<Finding>,
    pub deferred: Vec<Deferred>,
    pub metrics: Vec<Metric>,
}

/// A call taking `WP_Query` arguments.
pub struct QuerySite<'m, 'a> {
    pub call: &'m CallSite<'a>,
    pub args: Args<'a>,
    /// How the call is written, for messages: `new WP_Query()`, `get_posts()`.
    pub label: &'static str,
}

/// Calls that read or write the object cache or transients.
const CACHE_CALLS: &[&str] = &[
    "wp_cache_get",
    "wp_cache_get_multiple",
    "wp_cache_set",
    "wp_cache_add",
    "get_transient",
    "set_transient",
    "get_site_transient",
    "set_site_transient",
];

impl<'m, 'a> Cx<'m, 'a> {
    pub fn new(model: &'m Model<'a>, artifacts: &'m [String]) -> Self {
        let mut caching = vec![false; model.scopes.len()];
        for call in &model.calls {
            if call.function().is_some_and(|f| CACHE_CALLS.contains(&f))
                && let Some(slot) = caching.get_mut(call.scope)
            {
                *slot = true;
            }
        }
        let queries = model
            .calls
            .iter()
            .filter_map(|call| query_site(model, call))
            .collect();
        Self {
            model,
            queries,
            caching,
            artifacts,
            findings: Vec::new(),
            deferred: Vec::new(),
            metrics: Vec::new(),
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Whether the function around `scope` uses the object cache or
    /// transients (cache-aside around the expensive call).
    pub fn caches(&self, scope: usize) -> bool {
        self.caching.get(scope).copied().unwrap_or(false)
    }

    /// Whether `scope` is in a WP-CLI command class (not a web request).
    pub fn is_cli(&self, scope: usize) -> bool {
        self.model.scopes.get(scope).is_some_and(|s| s.cli)
    }

    /// Report `finding` only if the code at `scope` runs in a web request:
    /// not in a cron / Action Scheduler / WP-CLI callback; with `needs_hook`,
    /// only if the function is registered to a hook or REST route.
    pub fn report_in_request(&mut self, scope: usize, needs_hook: bool, finding: Finding) {
        if self.is_cli(scope) {
            return;
        }
        let callbacks = callback_keys(self.model, scope);
        let top_level = self
            .model
            .scopes
            .get(scope)
            .is_none_or(|s| s.kind == ScopeKind::File);
        if needs_hook && top_level {
            return;
        }
        self.deferred.push(Deferred {
            finding,
            condition: Condition::InRequest {
                callbacks,
                needs_hook,
            },
        });
    }

    /// The innermost loop of the same function around a call.
    pub fn loop_around(&self, call: &CallSite<'a>) -> Option<&'m Loop<'a>> {
        self.model.loops_around(call.range.start, call.scope).last()
    }

    /// What a loop iterates over, when it is a query result.
    pub fn loop_source(&self, l: &Loop<'a>) -> Option<Source> {
        let model = self.model;
        match &l.kind {
            LoopKind::Foreach { iterable, .. } => {
                let resolved = model.resolve(iterable, l.scope, l.range.start);
                if let Some(source) = self.source_of(resolved, l) {
                    return Some(source);
                }
                let name = eval::variable(iterable)?
                    .trim_start_matches('$')
                    .to_ascii_lowercase();
                name_source(&name)
            }
            LoopKind::While { condition } => {
                let call = model.call_at(condition)?;
                match &call.callee {
                    Callee::Function(f) if f == "have_posts" => {
                        Some(Source::posts(true, None, Confidence::High))
                    }
                    Callee::Method { name, object } if name == "have_posts" => {
                        let bound = object.and_then(|var| {
                            let site = self.queries.iter().find(|q| {
                                model.assigned_to(q.call) == Some(var) && q.call.scope == l.scope
                            })?;
                            limit_of(&site.args, site.label)
                        });
                        Some(Source::posts(true, bound, Confidence::High))
                    }
                    _ => None,
                }
            }
            LoopKind::For { .. } | LoopKind::DoWhile => None,
        }
    }

    fn source_of(
        &self,
        expr: &'a mago_syntax::ast::Expression<'a>,
        l: &Loop<'a>,
    ) -> Option<Source> {
        let model = self.model;
        // `$query->posts` of a `new WP_Query`.
        if let mago_syntax::ast::Expression::Access(mago_syntax::ast::Access::Property(access)) =
            expr
            && let (Some(var), mago_syntax::ast::ClassLikeMemberSelector::Identifier(prop)) =
                (eval::variable(access.object), &access.property)
            && prop.value == b"posts"
        {
            let site = self
                .queries
                .iter()
                .find(|q| model.assigned_to(q.call) == Some(var) && q.call.scope == l.scope)?;
            return Some(query_source(site));
        }
        let call = model.call_at(expr)?;
        if let Some(site) = self.queries.iter().find(|q| q.call.range == call.range) {
            return Some(query_source(site));
        }
        if let Some(method) = call.wpdb_method(&["get_results", "get_col"]) {
            let _ = method;
            return Some(Source {
                kind: SourceKind::Rows,
                primes_cache: false,
                bound: None,
                confidence: Confidence::High,
            });
        }
        let args = call
            .arg(0, "args")
            .map(|a| model.query_args(a, call.scope, call.range.start));
        let ids_only = args
            .as_ref()
            .and_then(|a| a.get("fields"))
            .and_then(|f| f.value.str())
            .is_some_and(|f| {
                matches!(
                    f.to_ascii_lowercase().as_str(),
                    "ids" | "id" | "id=>parent" | "tt_ids"
                )
            });
        let kind = match call.function()? {
            "get_users" => SourceKind::Users,
            "get_terms"
            | "get_categories"
            | "get_tags"
            | "get_the_terms"
            | "wp_get_post_terms"
            | "wp_get_object_terms" => SourceKind::Terms,
            "get_pages" | "get_children" => SourceKind::Posts,
            _ => return None,
        };
        let bound = args.as_ref().and_then(|a| {
            let number = a.get("number")?.value.int()?;
            Some(if number <= 0 { -1 } else { number })
        });
        // get_users and get_terms return everything unless `number` is set.
        let bound = match kind {
            SourceKind::Users | SourceKind::Terms if args.as_ref().is_none_or(|a| a.complete) => {
                Some(bound.unwrap_or(-1))
            }
            _ => bound,
        };
        Some(Source {
            kind,
            primes_cache: !ids_only,
            bound,
            confidence: Confidence::High,
        })
    }
}

/// What a loop iterates over.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub kind: SourceKind,
    /// The query primed the object cache for each item (WP_Query loads
    /// post meta and terms of its results in one query each), so per-item
    /// meta lookups hit memory.
    pub primes_cache: bool,
    /// Number of items when known (`-1`: unbounded).
    pub bound: Option<i64>,
    pub confidence: Confidence,
}

impl Source {
    fn posts(primes_cache: bool, bound: Option<i64>, confidence: Confidence) -> Self {
        Self {
            kind: SourceKind::Posts,
            primes_cache,
            bound,
            confidence,
        }
    }

    /// Unbounded or more than `n` items.
    pub fn exceeds(&self, n: i64) -> bool {
        self.bound.is_some_and(|b| b < 0 || b > n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Posts,
    Users,
    Terms,
    /// Raw `$wpdb` rows or a list of ids: nothing cached.
    Rows,
}

impl SourceKind {
    pub fn noun(self) -> &'static str {
        match self {
            SourceKind::Posts => "posts",
            SourceKind::Users => "users",
            SourceKind::Terms => "terms",
            SourceKind::Rows => "database rows",
        }
    }
}

/// A variable named like a list of posts, users or terms.
fn name_source(name: &str) -> Option<Source> {
    let ids = name.ends_with("ids");
    let kind = if name.contains("post") || name.contains("product") || name.contains("order") {
        SourceKind::Posts
    } else if name.contains("user") || name.contains("customer") || name.contains("author") {
        SourceKind::Users
    } else if name.contains("term") || name.contains("categor") || name.contains("tag") {
        SourceKind::Terms
    } else if ids {
        SourceKind::Rows
    } else {
        return None;
    };
    Some(Source {
        kind,
        primes_cache: !ids,
        bound: None,
        confidence: Confidence::Medium,
    })
}

fn query_source(site: &QuerySite<'_, '_>) -> Source {
    let fields_ids = site
        .args
        .get("fields")
        .and_then(|f| f.value.str())
        .is_some_and(|f| f.eq_ignore_ascii_case("ids") || f.eq_ignore_ascii_case("id=>parent"));
    let meta_off = site
        .args
        .get("update_post_meta_cache")
        .and_then(|v| v.value.truthy())
        == Some(false);
    Source::posts(
        !fields_ids && !meta_off,
        limit_of(&site.args, site.label),
        Confidence::High,
    )
}

/// Number of posts a query returns: `-1` for unbounded, `None` if unknown.
pub fn limit_of(args: &Args<'_>, label: &str) -> Option<i64> {
    if args.get("nopaging").and_then(|v| v.value.truthy()) == Some(true) {
        return Some(-1);
    }
    let limit = ["posts_per_page", "numberposts"]
        .iter()
        .find_map(|k| args.get(k))
        .and_then(|e| e.value.int());
    match limit {
        Some(n) if n < 0 => Some(-1),
        Some(n) => Some(n),
        // get_posts() defaults to 5; WP_Query to the site's posts_per_page.
        None if args.complete && label == "get_posts()" => Some(5),
        None => None,
    }
}

fn query_site<'m, 'a>(model: &'m Model<'a>, call: &'m CallSite<'a>) -> Option<QuerySite<'m, 'a>> {
    let (label, expr) = match &call.callee {
        Callee::New(class) if class == "wp_query" => ("new WP_Query()", call.arg(0, "query")),
        Callee::Function(f) if f == "get_posts" => ("get_posts()", call.arg(0, "args")),
        Callee::Function(f) if f == "query_posts" => ("query_posts()", call.arg(0, "query")),
        // `$q = new WP_Query(); $q->query( $args );`
        Callee::Method {
            object: Some(var),
            name,
        } if name == "query"
            && *var != "$wpdb"
            && model
                .last_assign(var, call.scope, call.range.start)
                .and_then(|a| model.call_at(a.rhs))
                .is_some_and(
                    |c| matches!(&c.callee, Callee::New(class) if class == "wp_query"),
                ) =>
        {
            ("WP_Query::query()", call.arg(0, "query"))
        }
        Callee::Method {
            object: Some(var),
            name,
        } if name == "set" && var.to_ascii_lowercase().contains("query") => {
            // `$query->set('posts_per_page', -1)` in `pre_get_posts`.
            let key = call.arg(0, "query_var").and_then(eval::string)?;
            let value = call.arg(1, "value")?;
            let args = Args {
                entries: vec![crate::model::Entry {
                    key,
                    value: eval::Val::Expr(value),
                    range: Model::range(value),
                }],
                complete: false,
            };
            return Some(QuerySite {
                call,
                args,
                label: "$query->set()",
            });
        }
        _ => return None,
    };
    let args = match expr {
        Some(expr) => model.query_args(expr, call.scope, call.range.start),
        None => Args {
            entries: Vec::new(),
            complete: true,
        },
    };
    Some(QuerySite { call, args, label })
}

/// For `wp-config.php`: the value of each `define( 'NAME', value )`.
pub fn wp_config_defines<'m, 'a>(
    model: &'m Model<'a>,
) -> Option<
    Vec<(
        &'a str,
        &'a mago_syntax::ast::Expression<'a>,
        &'m CallSite<'a>,
    )>,
> {
    let file = model.path.rsplit('/').next().unwrap_or(model.path);
    if file != "wp-config.php" {
        return None;
    }
    Some(
        model
            .calls
            .iter()
            .filter(|c| c.function() == Some("define"))
            .filter_map(|c| {
                Some((
                    c.arg(0, "constant_name").and_then(eval::string)?,
                    c.arg(1, "value")?,
                    c,
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
pub(crate) mod test {
    use perfwarden_sdk::{Output, testing::Tester};

    use crate::Plugin;

    pub fn tester() -> Tester<Plugin> {
        Tester::new(Plugin)
    }

    /// Run the analyzer on one PHP snippet.
    pub fn run(php: &str) -> Output {
        tester().run(&[("plugin.php", php)])
    }
}
