//! The seed policy's deliverables, read off the judgement: a query
//! optimisation plan and a cache strategy view. (The per-phase checklist,
//! the third deliverable, is already part of the judgement.)

use std::collections::BTreeSet;

use serde::Serialize;

use perfwarden_policy::model::Span;
use perfwarden_policy::{JudgedFinding, Judgement, Policy, Status};

/// Policy entries whose findings are N+1 queries.
const N_PLUS_ONE: &[&str] = &["queries.n_plus_one", "anti_patterns.n_plus_one"];
/// Policy entries whose findings are missing indexes.
const INDEXES: &[&str] = &["queries.index_required"];
/// Policy entries whose findings are pagination to convert to cursors.
const PAGINATION: &[&str] = &[
    "queries.cursor_pagination",
    "anti_patterns.offset_pagination",
];
/// Cache findings outside the `cache.` entries.
const CACHE_ANTI_PATTERNS: &[&str] = &["anti_patterns.cache_without_ttl"];

/// The deliverables section of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deliverables {
    pub query_plan: QueryPlan,
    pub cache_strategy: CacheStrategy,
}

/// What to change in the queries, grouped by kind of work.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryPlan {
    /// N+1 patterns to replace with eager loading or one batched query.
    pub n_plus_one: Vec<PlanItem>,
    /// Missing indexes.
    pub indexes: Vec<PlanItem>,
    /// The `CREATE INDEX` statements the index findings propose, each once,
    /// sorted: a migration to review and apply.
    pub create_index: Vec<String>,
    /// OFFSET or unbounded pagination to convert to cursors.
    pub pagination: Vec<PlanItem>,
}

/// One finding as a step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    pub rule: String,
    pub policy_ref: String,
    pub status: Status,
    pub message: String,
    pub span: Option<Span>,
    pub fix: Option<String>,
}

/// What is cached, for how long, against the policy's table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheStrategy {
    /// The policy's data classes: recommended strategy and TTL (empty
    /// until [`Deliverables::with_cache_policy`] is given the policy).
    pub policy: Vec<DataClassPolicy>,
    /// Every TTL measured, by data class.
    pub ttls: Vec<CacheTtl>,
    /// Findings about caching (strategy, TTL, invalidation).
    pub findings: Vec<PlanItem>,
}

/// One row of the policy's cache table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataClassPolicy {
    /// `data_class` label value, e.g. `api`.
    pub data_class: String,
    pub strategy: Option<String>,
    /// As the policy writes it, e.g. `5min`; none for "variable".
    pub ttl: Option<String>,
}

/// A measured TTL and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheTtl {
    /// `data_class` label, `unclassified` when the plugin gave none.
    pub data_class: String,
    /// `cache` label: which cache (a Redis key prefix, `transient`, ...).
    pub cache: Option<String>,
    pub value: Option<f64>,
    pub unit: String,
    /// The policy's recommended maximum, in `unit`.
    pub recommended_max: Option<f64>,
    pub status: Status,
    pub policy_ref: Option<String>,
    pub span: Option<Span>,
}

impl Deliverables {
    /// Read the deliverables off a judgement.
    pub fn from_judgement(judgement: &Judgement) -> Self {
        let pick = |refs: &[&str]| -> Vec<PlanItem> {
            judgement
                .findings
                .iter()
                .filter(|f| refs.contains(&f.finding.policy_ref.as_str()))
                .map(plan_item)
                .collect()
        };
        let indexes = pick(INDEXES);
        let create_index: BTreeSet<String> = indexes
            .iter()
            .filter_map(|item| item.fix.as_deref())
            .flat_map(create_index_statements)
            .collect();
        let ttls = judgement
            .metrics
            .iter()
            .filter(|m| m.name == "cache.ttl")
            .map(|m| CacheTtl {
                data_class: m
                    .labels
                    .get("data_class")
                    .cloned()
                    .unwrap_or_else(|| "unclassified".to_owned()),
                cache: m.labels.get("cache").cloned(),
                value: m.value,
                unit: m.unit.clone(),
                recommended_max: m.thresholds.as_ref().and_then(|t| t.max),
                status: m.status,
                policy_ref: m.policy_ref.clone(),
                span: m.span.clone(),
            })
            .collect();
        let cache_findings = judgement
            .findings
            .iter()
            .filter(|f| {
                let policy_ref = f.finding.policy_ref.as_str();
                policy_ref.starts_with("cache.") || CACHE_ANTI_PATTERNS.contains(&policy_ref)
            })
            .map(plan_item)
            .collect();
        Self {
            query_plan: QueryPlan {
                n_plus_one: pick(N_PLUS_ONE),
                indexes,
                create_index: create_index.into_iter().collect(),
                pagination: pick(PAGINATION),
            },
            cache_strategy: CacheStrategy {
                policy: Vec::new(),
                ttls,
                findings: cache_findings,
            },
        }
    }

    /// Add the policy's cache table (strategy and TTL per data class),
    /// which the judgement does not carry.
    pub fn with_cache_policy(mut self, policy: &Policy) -> Self {
        self.cache_strategy.policy = cache_table(&policy.to_toml());
        self
    }
}

fn plan_item(finding: &JudgedFinding) -> PlanItem {
    let raw = &finding.finding;
    PlanItem {
        rule: raw.rule.clone(),
        policy_ref: raw.policy_ref.clone(),
        status: finding.status,
        message: raw.message.clone(),
        span: raw.span.clone(),
        fix: raw.fix.clone(),
    }
}

/// The `CREATE [UNIQUE] INDEX ...;` statements of a fix, one per line,
/// whitespace normalised so equal statements deduplicate.
fn create_index_statements(fix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in fix.lines() {
        let line = line.trim();
        let upper = line.to_ascii_uppercase();
        if current.is_none()
            && (upper.starts_with("CREATE INDEX") || upper.starts_with("CREATE UNIQUE INDEX"))
        {
            current = Some(String::new());
        }
        if let Some(statement) = current.as_mut() {
            if !statement.is_empty() {
                statement.push(' ');
            }
            statement.push_str(&line.split_whitespace().collect::<Vec<_>>().join(" "));
            if line.ends_with(';') {
                out.extend(current.take());
            }
        }
    }
    // A statement without its semicolon still goes in, terminated.
    out.extend(current.map(|mut s| {
        s.push(';');
        s
    }));
    out
}

/// `[cache.data_classes.*]` of the effective policy.
fn cache_table(policy_toml: &str) -> Vec<DataClassPolicy> {
    let Ok(table) = policy_toml.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(classes) = table
        .get("cache")
        .and_then(|c| c.get("data_classes"))
        .and_then(toml::Value::as_table)
    else {
        return Vec::new();
    };
    let text = |row: &toml::Value, key: &str| -> Option<String> {
        row.get(key).map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let mut rows: Vec<DataClassPolicy> = classes
        .iter()
        .map(|(key, row)| DataClassPolicy {
            data_class: text(row, "label").unwrap_or_else(|| key.clone()),
            strategy: text(row, "strategy"),
            ttl: text(row, "ttl"),
        })
        .collect();
    rows.sort_by(|a, b| a.data_class.cmp(&b.data_class));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_index_statements_are_taken_whole_from_fixes() {
        let fix =
            "Add an index:\nCREATE INDEX idx_orders_user\n    ON orders (user_id);\nthen ANALYZE.";
        assert_eq!(
            create_index_statements(fix),
            ["CREATE INDEX idx_orders_user ON orders (user_id);"]
        );
        assert_eq!(
            create_index_statements("create unique index u on t(a)"),
            ["create unique index u on t(a);"]
        );
        assert!(create_index_statements("use eager loading").is_empty());
    }

    #[test]
    fn the_default_policy_cache_table_has_strategies_and_ttls() {
        let rows = cache_table(&Policy::default_policy().to_toml());
        let api = rows
            .iter()
            .find(|r| r.data_class == "api")
            .expect("api data class");
        assert_eq!(api.ttl.as_deref(), Some("5min"));
        assert!(
            api.strategy
                .as_deref()
                .is_some_and(|s| s.contains("cache-aside"))
        );
        let page = rows
            .iter()
            .find(|r| r.data_class == "page")
            .expect("page data class");
        assert_eq!(page.ttl, None);
    }
}
