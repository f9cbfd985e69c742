//! The performance policy: what perfwarden judges findings and metrics against.
//!
//! Plugins detect; the policy judges. A [`Policy`] is a TOML document
//! (`policies/default.toml` is embedded and encodes the backend performance
//! seed policy) that a user's policy or `perfwarden.toml` may extend and
//! override. [`Policy::judge`] turns the plugins' findings and metrics into
//! a [`Judgement`]: a [`Status`] for every metric and finding, `no-data`
//! entries for metrics the policy expects but nobody reported, escalations,
//! the per-phase checklist and scores.
//!
//! # Loading
//! - `extends = "default"` (top level or in `[policy]`) starts from the
//!   embedded default; `extends = "other.toml"` from a file, relative to
//!   the extending file. Tables merge key by key; any other value, arrays
//!   included, replaces the base's.
//! - Values take units: `"200ms"`, `"1s"`, `"15min"`, `"24h"`, `"0.1%"`,
//!   `"1000rps"`, `"5/min"`, `"10000 items/min"`; a bare number is in the
//!   metric's vocabulary unit.
//! - Errors name the file, line, column and key path that set the bad value:
//!   `policies/x.toml:12:1: latency.p95.alert: expected a duration or number of ms`.
//!
//! ```
//! use perfwarden_policy::model::RawMetric;
//! use perfwarden_policy::{JudgeInput, Policy, Status};
//!
//! // What a perfwarden.toml's `[policy.latency.p95]` section amounts to.
//! let policy = Policy::default_policy()
//!     .extend("[latency.p95]\nalert = \"800ms\"\n", "perfwarden.toml")?;
//! let p95 = RawMetric {
//!     name: "http.latency".into(),
//!     value: 0.9,
//!     unit: "s".into(),
//!     samples: Some(12_000),
//!     labels: [("percentile".to_owned(), "p95".to_owned())].into(),
//!     span: None,
//!     plugin: "loadtest".into(),
//! };
//! let judgement = policy.judge(JudgeInput { metrics: vec![p95], ..JudgeInput::default() });
//! let judged = judgement.metrics.iter().find(|m| m.value == Some(0.9)).expect("judged");
//! assert_eq!(judged.status, Status::Alert);
//! assert_eq!(judged.policy_ref.as_deref(), Some("latency.p95"));
//! assert!(judgement.violates(Status::Alert));
//! # Ok::<(), perfwarden_policy::PolicyError>(())
//! ```
//!
//! # Statuses
//! A band row (`target`, optional `acceptable`, optional `alert`) grades a
//! value, lower is better: at or under `target` is `met`, at or under
//! `acceptable` is `acceptable`, strictly over `alert` is `alert`, anything
//! else `at-risk` (mirrored for `direction = "higher"`). A finding takes the
//! status of the policy entry its rule's `policy_ref` names; an unknown ref
//! takes `[judging] unknown_ref` and adds a judgement note.
//!
//! # Scores
//! **Metric score** (0..1). For a band row with a positive target and alert,
//! the value is placed on a log-normal curve, as Lighthouse does, with the
//! target as the 0.9 control point and the alert threshold as the 0.5
//! (median) control point:
//!
//! ```text
//! σ = |ln(alert) − ln(target)| / Φ⁻¹(0.9)        (Φ⁻¹(0.9) ≈ 1.28155)
//! x = (ln(value) − ln(alert)) / σ
//! score = Φ(−x)   lower is better      score = Φ(x)   higher is better
//! ```
//!
//! where Φ is the standard normal CDF. So a value exactly at target scores
//! 0.9, at the alert threshold 0.5, and the score falls continuously and
//! monotonically as the value worsens (a lower-is-better value of 0 scores
//! 1). Rows the curve cannot describe (a control point of 0 such as
//! "N+1 = 0", no alert threshold, ranges, rate limits) score by status with
//! `[scoring] status_score` (default met 1, acceptable 0.75, at-risk 0.5,
//! alert 0). `no-data` entries do not score: they are listed and counted,
//! never averaged in as a pass or a fail.
//!
//! **Finding penalty.** Each finding costs `finding_penalty[status] ×
//! confidence[confidence]` points (defaults: met 0, acceptable 2, at-risk 8,
//! alert 20; high 1, medium 0.75, low 0.5). Within one policy entry, the
//! findings are taken most severe first and the n-th counts
//! `repeat_decay^(n−1)` (default 0.5), so repeating one problem costs at
//! most twice a single occurrence.
//!
//! **Area score** = `100 × mean(metric scores in the area, 1 if none) ×
//! exp(−penalty points / 100)`: every finding lowers it, each further one by
//! less, and it never goes below 0. **Overall** = the mean of the area
//! scores weighted by `[scoring] area_weights` (1 when unlisted); 100 when
//! nothing was judged (the summary then shows what is `no-data`).
//!
//! # Escalations and checklist
//! An escalation fires when a reported metric crosses its `above` / `below`
//! threshold, with each triggering metric as evidence. A checklist item is
//! `violated` when a finding exists under one of its refs or a metric of
//! one of its rows is at-risk or alert, `verified` when its rules ran and
//! found nothing or its metrics were met or acceptable, else `unknown`.

pub mod i18n;
pub mod model;

mod classify;
mod error;
mod judge;
mod schema;
mod score;
mod source;
mod status;
mod units;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};
use toml::{Table, Value};

pub use error::PolicyError;
pub use judge::{
    AreaScore, ChecklistItem, ChecklistPhase, Escalation, ItemStatus, JudgeInput, JudgedFinding,
    JudgedMetric, Judgement, PolicyIdentity, Score, Summary, Thresholds,
};
pub use schema::Direction;
pub use status::Status;

use schema::Compiled;
use source::Locator;

/// The embedded default policy.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../policies/default.toml");
const DEFAULT_ORIGIN: &str = "policies/default.toml";
/// How many `extends` hops a policy may chain (guards against cycles).
const MAX_EXTENDS_DEPTH: usize = 8;

/// A validated, effective policy (all `extends` resolved and merged).
#[derive(Debug, Clone)]
pub struct Policy {
    table: Table,
    locator: Locator,
    compiled: Arc<Compiled>,
    digest: String,
}

impl Policy {
    /// The embedded `policies/default.toml`.
    pub fn default_policy() -> Policy {
        static DEFAULT: OnceLock<Policy> = OnceLock::new();
        DEFAULT
            .get_or_init(
                || match Self::from_toml(DEFAULT_POLICY_TOML, DEFAULT_ORIGIN) {
                    Ok(policy) => policy,
                    // The embedded file is covered by tests; reaching this is a
                    // build defect, not bad input.
                    Err(err) => panic!("embedded default policy is invalid: {err}"),
                },
            )
            .clone()
    }

    /// Parse a policy; `origin` (a file name) locates errors and anchors a
    /// relative `extends`.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        build(text, origin, None, 0).map_err(first_error)
    }

    /// Read and parse a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            origin: origin.clone(),
            source,
        })?;
        Self::from_toml(&text, &origin)
    }

    /// This policy with `overrides_text` merged over it (e.g. the `[policy]`
    /// section of a `perfwarden.toml`). `extends = "default"` in the
    /// overrides means "the policy being extended"; `extends = "path"`
    /// replaces the base with that file.
    pub fn extend(&self, overrides_text: &str, origin: &str) -> Result<Policy, PolicyError> {
        build(overrides_text, origin, Some(self), 0).map_err(first_error)
    }

    /// `[policy] name`.
    pub fn name(&self) -> &str {
        &self.compiled.name
    }

    /// `[policy] version`.
    pub fn version(&self) -> &str {
        &self.compiled.version
    }

    /// SHA-256 (hex) of [`Policy::to_toml`]: the identity of the effective
    /// policy in reports, whatever comments or layout its files had.
    pub fn sha256(&self) -> String {
        self.digest.clone()
    }

    /// The effective policy as TOML (`perfwarden policy show`).
    pub fn to_toml(&self) -> String {
        render(&self.table)
    }

    /// Policy entries findings can refer to, e.g. `queries.n_plus_one`.
    pub fn policy_refs(&self) -> impl Iterator<Item = &str> {
        self.compiled.entries.keys().map(String::as_str)
    }

    /// The status a finding under `policy_ref` gets, if the entry exists.
    pub fn status_of(&self, policy_ref: &str) -> Option<Status> {
        self.compiled
            .entries
            .get(policy_ref)
            .map(|entry| entry.status)
    }

    /// The endpoint class of a method and `endpoint` label.
    pub fn endpoint_class(&self, method: Option<&str>, endpoint: Option<&str>) -> &str {
        classify::classify(
            &self.compiled.classes,
            &self.compiled.default_class,
            method,
            endpoint,
        )
    }

    /// How much worse (as a ratio of the old value) metric `name` may get
    /// between two runs before `perfwarden compare` calls it a regression:
    /// `[regression.metrics]`, else `[regression] default_tolerance`.
    pub fn regression_tolerance(&self, name: &str) -> f64 {
        let regression = &self.compiled.regression;
        regression
            .tolerances
            .get(name)
            .copied()
            .unwrap_or(regression.default_tolerance)
    }

    /// Judge the plugins' output.
    pub fn judge(&self, input: JudgeInput) -> Judgement {
        let identity = PolicyIdentity {
            name: self.name().to_owned(),
            version: self.version().to_owned(),
            sha256: self.sha256(),
        };
        judge::judge(&self.compiled, identity, input)
    }
}

/// Validate a policy and report every problem found (`perfwarden policy
/// check`), each with file, line, column and key.
pub fn check(text: &str, origin: &str) -> Result<(), Vec<PolicyError>> {
    build(text, origin, None, 0).map(|_| ())
}

fn first_error(mut errors: Vec<PolicyError>) -> PolicyError {
    // `build` never returns an empty error list.
    errors.swap_remove(0)
}

/// The policy as TOML, `[policy]` first (the rest in key order).
fn render(table: &Table) -> String {
    let mut rest = table.clone();
    let mut identity = Table::new();
    if let Some(policy) = rest.remove("policy") {
        identity.insert("policy".to_owned(), policy);
    }
    let pretty = |table: &Table| {
        toml::to_string_pretty(table)
            .unwrap_or_else(|err| format!("# cannot render the policy: {err}\n"))
    };
    format!("{}\n{}", pretty(&identity), pretty(&rest))
}

/// Parse `text`, resolve what it extends, merge, validate.
fn build(
    text: &str,
    origin: &str,
    base: Option<&Policy>,
    depth: usize,
) -> Result<Policy, Vec<PolicyError>> {
    let document = source::parse(text, origin).map_err(|err| vec![err])?;
    let own = Locator {
        layers: vec![Arc::clone(&document.spans)],
    };
    let extends_error = |message: String| {
        let (origin, line, column) = own.locate("policy.extends");
        vec![PolicyError::Extends {
            origin,
            line,
            column,
            message,
        }]
    };
    let identity = document.table.get("policy").and_then(Value::as_table);
    let extends = match identity.and_then(|policy| policy.get("extends")) {
        None => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => {
            return Err(own_error(
                &own,
                "expected \"default\" or a policy file path",
            ));
        }
    };
    let names_itself = identity.is_some_and(|policy| policy.contains_key("name"));
    // `extends = "default"` alone changes nothing: keep the base's identity.
    let overrides_something = document.table.iter().any(|(key, value)| {
        key != "policy"
            || value
                .as_table()
                .is_some_and(|p| p.keys().any(|k| k != "extends"))
    });

    let (mut table, mut locator) = match (extends.as_deref(), base) {
        (None | Some("default"), Some(base)) => (base.table.clone(), base.locator.clone()),
        (Some("default"), None) => {
            let default = Policy::default_policy();
            (default.table, default.locator)
        }
        (None, None) => (Table::new(), Locator::default()),
        (Some(path), _) => {
            if depth >= MAX_EXTENDS_DEPTH {
                return Err(extends_error(format!(
                    "more than {MAX_EXTENDS_DEPTH} nested `extends` (is there a cycle?)"
                )));
            }
            let file = resolve_relative(origin, path);
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|err| extends_error(format!("cannot read `{shown}`: {err}")))?;
            let parent = build(&text, &shown, None, depth + 1)?;
            (parent.table, parent.locator)
        }
    };
    let base_name = table
        .get("policy")
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let has_base = !table.is_empty();
    source::merge(&mut table, document.table);
    locator.layers.push(document.spans);

    let policy = table
        .entry("policy")
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(policy) = policy {
        policy.remove("extends");
        if !names_itself && (overrides_something || !has_base) {
            let own_name = file_stem(origin);
            let name = match (has_base, base_name) {
                (true, Some(base)) => format!("{base} + {own_name}"),
                _ => own_name,
            };
            policy.insert("name".to_owned(), Value::String(name));
        }
    }

    let compiled = schema::compile(&table, &locator)?;
    let digest = hex(&Sha256::digest(render(&table).as_bytes()));
    Ok(Policy {
        table,
        locator,
        compiled: Arc::new(compiled),
        digest,
    })
}

fn own_error(own: &Locator, message: &str) -> Vec<PolicyError> {
    vec![own.error("policy.extends", message)]
}

/// `path` relative to the directory of the file `origin`.
fn resolve_relative(origin: &str, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    Path::new(origin)
        .parent()
        .map_or_else(|| path.to_path_buf(), |dir| dir.join(path))
}

fn file_stem(origin: &str) -> String {
    Path::new(origin)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or(origin)
        .to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
