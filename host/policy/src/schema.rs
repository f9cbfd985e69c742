//! The policy schema: validation of a merged policy table into the rules the
//! judge applies. Every error names the key path and is located in the file
//! that wrote it.

use std::collections::{BTreeMap, BTreeSet};

use toml::{Table, Value};

use crate::classify::{ClassRule, EndpointPattern, glob_match};
use crate::error::PolicyError;
use crate::i18n::{Lang, T, Text};
use crate::source::{Locator, render_key};
use crate::status::Status;
use crate::units::{self, Dimension};

/// Sections whose rows judge metrics against bands.
const BAND_SECTIONS: [&str; 4] = ["latency", "throughput", "database", "tracking"];
/// Sections with a fixed meaning besides policy entries.
const RESERVED: [&str; 8] = [
    "policy",
    "judging",
    "scoring",
    "endpoint_classes",
    "escalations",
    "checklist",
    "tools",
    "regression",
];
const ENTRY_KEYS: [&str; 4] = ["status", "area", "title", "seed"];

/// A validated policy.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) unknown_ref: Status,
    pub(crate) scoring: Scoring,
    pub(crate) classes: Vec<ClassRule>,
    pub(crate) default_class: String,
    /// Policy refs findings are judged by, keyed by dotted path.
    pub(crate) entries: BTreeMap<String, Entry>,
    /// Metric rows, sorted by id.
    pub(crate) rules: Vec<MetricRule>,
    pub(crate) escalations: Vec<EscalationRule>,
    pub(crate) checklist: Vec<(String, Vec<ChecklistRule>)>,
    pub(crate) regression: Regression,
}

/// How much worse a metric may get between two runs before `perfwarden
/// compare` calls it a regression, as a ratio of the old value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Regression {
    pub(crate) default_tolerance: f64,
    /// Per metric name.
    pub(crate) tolerances: BTreeMap<String, f64>,
}

/// A policy entry a rule's `policy_ref` names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) title: Text,
    pub(crate) area: String,
    pub(crate) status: Status,
}

/// Score parameters (see the crate docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scoring {
    /// Penalty points of one finding, indexed by `Status::rank`.
    pub(crate) finding_penalty: [f64; 4],
    pub(crate) repeat_decay: f64,
    /// Penalty multiplier for high, medium, low confidence.
    pub(crate) confidence: [f64; 3],
    /// Score of a metric judged by status only, indexed by `Status::rank`.
    pub(crate) status_score: [f64; 4],
    pub(crate) area_weights: BTreeMap<String, f64>,
}

impl Default for Scoring {
    fn default() -> Self {
        Self {
            finding_penalty: [0.0, 2.0, 8.0, 20.0],
            repeat_decay: 0.5,
            confidence: [1.0, 0.75, 0.5],
            status_score: [1.0, 0.75, 0.5, 0.0],
            area_weights: BTreeMap::new(),
        }
    }
}

/// Which way a band runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Latency, error rate, usage: smaller values are better.
    Lower,
    /// Throughput, hit ratio: larger values are better.
    Higher,
}

/// How a metric row turns a value into a status. Thresholds are in the
/// base unit of the row's dimension.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Judge {
    Bands {
        direction: Direction,
        target: f64,
        acceptable: Option<f64>,
        alert: Option<f64>,
    },
    Range {
        min: Option<f64>,
        max: Option<f64>,
        below: Status,
        above: Status,
        /// Status of exactly 0 (e.g. "no TTL", "no timeout").
        zero: Option<Status>,
    },
    /// A rate limit: `limit` requests per `window` (ms).
    RateWindow { limit: f64, window: f64 },
}

/// A metric row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricRule {
    pub(crate) id: String,
    pub(crate) title: Text,
    pub(crate) area: String,
    pub(crate) metrics: Vec<String>,
    /// Label filters; the key `class` matches the endpoint class.
    pub(crate) filters: BTreeMap<String, String>,
    /// Unit of bare numbers and of thresholds shown for no-data entries.
    pub(crate) unit: String,
    pub(crate) dimension: Dimension,
    pub(crate) judge: Judge,
    /// Metric-name prefix whose presence makes this row expected.
    pub(crate) expect: Option<String>,
    /// Set on rows that restate another row: they judge nothing.
    pub(crate) judged_by: Option<String>,
}

/// An escalation point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EscalationRule {
    pub(crate) id: String,
    pub(crate) situation: Text,
    pub(crate) action: Text,
    pub(crate) owner: Text,
    pub(crate) metric: String,
    pub(crate) filters: BTreeMap<String, String>,
    pub(crate) unit: String,
    pub(crate) above: Option<f64>,
    pub(crate) below: Option<f64>,
}

/// A checklist item and the evidence that settles it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChecklistRule {
    pub(crate) text: Text,
    pub(crate) refs: Vec<String>,
    pub(crate) metrics: Vec<String>,
}

/// Validate a merged policy table.
pub(crate) fn compile(table: &Table, locator: &Locator) -> Result<Compiled, Vec<PolicyError>> {
    let mut cx = Cx {
        locator,
        errors: Vec::new(),
        declared_entries: BTreeSet::new(),
        declared_rows: BTreeSet::new(),
    };
    let compiled = cx.compile(table);
    if cx.errors.is_empty() {
        Ok(compiled)
    } else {
        // In file order, as `policy check` prints them.
        let mut errors = cx.errors;
        errors.sort_by(|a, b| a.location().cmp(&b.location()));
        Err(errors)
    }
}

struct Cx<'a> {
    locator: &'a Locator,
    errors: Vec<PolicyError>,
    /// Entries and metric rows the policy declares, valid or not, so a
    /// broken entry is reported once rather than again by every reference.
    declared_entries: BTreeSet<String>,
    declared_rows: BTreeSet<String>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        render_key(key)
    } else {
        format!("{path}.{}", render_key(key))
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl Cx<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(self.locator.error(path, message));
    }

    fn check_keys(&mut self, table: &Table, path: &str, allowed: &[&str]) {
        for key in table.keys() {
            if !allowed.contains(&key.as_str()) {
                let message = format!("unknown key (expected one of: {})", allowed.join(", "));
                self.error(&join(path, key), message);
            }
        }
    }

    fn table<'t>(&mut self, parent: &'t Table, path: &str, key: &str) -> Option<&'t Table> {
        match parent.get(key)? {
            Value::Table(table) => Some(table),
            other => {
                let message = format!("expected a table, found {}", type_name(other));
                self.error(&join(path, key), message);
                None
            }
        }
    }

    /// The sub-tables of a section, in key order; other values are errors.
    fn children<'t>(&mut self, section: &'t Table, path: &str) -> Vec<(String, &'t Table)> {
        let mut out = Vec::new();
        for (key, value) in section {
            match value {
                Value::Table(table) => out.push((join(path, key), table)),
                other => {
                    let message = format!("expected a table, found {}", type_name(other));
                    self.error(&join(path, key), message);
                }
            }
        }
        out
    }

    /// `enabled = false` switches a metric row or an escalation off.
    fn enabled(&mut self, table: &Table, path: &str) -> bool {
        match table.get("enabled") {
            None | Some(Value::Boolean(true)) => true,
            Some(Value::Boolean(false)) => false,
            Some(other) => {
                let message = format!("expected a boolean, found {}", type_name(other));
                self.error(&join(path, "enabled"), message);
                true
            }
        }
    }

    fn string(&mut self, table: &Table, path: &str, key: &str) -> Option<String> {
        match table.get(key)? {
            Value::String(text) => Some(text.clone()),
            other => {
                let message = format!("expected a string, found {}", type_name(other));
                self.error(&join(path, key), message);
                None
            }
        }
    }

    /// A text people read: a string, or a table of strings by language
    /// (`{ en = "...", fr = "..." }`).
    fn text(&mut self, table: &Table, path: &str, key: &str) -> Option<Text> {
        match table.get(key)? {
            Value::String(text) => Some(Text::plain(text.clone())),
            Value::Table(by_lang) if !by_lang.is_empty() => {
                let mut texts = Vec::new();
                for (code, value) in by_lang {
                    let key_path = join(&join(path, key), code);
                    match (code.parse::<Lang>(), value) {
                        (Ok(lang), Value::String(text)) => texts.push((lang, text.clone())),
                        (Err(err), _) => self.error(&key_path, err),
                        (_, other) => {
                            let message = format!("expected a string, found {}", type_name(other));
                            self.error(&key_path, message);
                        }
                    }
                }
                (!texts.is_empty()).then(|| Text::localized(texts))
            }
            other => {
                let message = format!(
                    "expected a string or a table of strings by language (en, fr), found {}",
                    type_name(other)
                );
                self.error(&join(path, key), message);
                None
            }
        }
    }

    fn required_text(&mut self, table: &Table, path: &str, key: &str) -> Option<Text> {
        if !table.contains_key(key) {
            self.error(&join(path, key), "missing key");
            return None;
        }
        self.text(table, path, key)
    }

    fn required_string(&mut self, table: &Table, path: &str, key: &str) -> Option<String> {
        if !table.contains_key(key) {
            self.error(&join(path, key), "missing key");
            return None;
        }
        self.string(table, path, key)
    }

    fn strings(&mut self, table: &Table, path: &str, key: &str) -> Vec<String> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let items = match value {
            Value::Array(items) => items,
            other => {
                let message = format!("expected an array of strings, found {}", type_name(other));
                self.error(&join(path, key), message);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item {
                Value::String(text) => out.push(text.clone()),
                other => {
                    let message = format!("expected a string, found {}", type_name(other));
                    self.error(&format!("{}[{index}]", join(path, key)), message);
                }
            }
        }
        out
    }

    fn number(&mut self, table: &Table, path: &str, key: &str) -> Option<f64> {
        match table.get(key)? {
            Value::Integer(n) => Some(*n as f64),
            Value::Float(n) if n.is_finite() => Some(*n),
            other => {
                let message = format!("expected a number, found {}", type_name(other));
                self.error(&join(path, key), message);
                None
            }
        }
    }

    fn status(&mut self, table: &Table, path: &str, key: &str) -> Option<Status> {
        let text = self.string(table, path, key)?;
        match text.parse::<Status>() {
            Ok(Status::NoData) | Err(_) => {
                let message =
                    format!("unknown status `{text}` (expected met, acceptable, at-risk or alert)");
                self.error(&join(path, key), message);
                None
            }
            Ok(status) => Some(status),
        }
    }

    fn quantity(&mut self, table: &Table, path: &str, key: &str, unit: &str) -> Option<f64> {
        let value = table.get(key)?;
        match units::parse_quantity(value, unit) {
            Ok(quantity) => Some(quantity),
            Err(message) => {
                self.error(&join(path, key), message);
                None
            }
        }
    }

    fn filters(&mut self, table: &Table, path: &str) -> BTreeMap<String, String> {
        let Some(filters) = self.table(table, path, "where") else {
            return BTreeMap::new();
        };
        let where_path = join(path, "where");
        let mut out = BTreeMap::new();
        for key in filters.keys() {
            if let Some(text) = self.string(filters, &where_path, key) {
                out.insert(key.clone(), text);
            }
        }
        out
    }

    fn compile(&mut self, root: &Table) -> Compiled {
        let identity = self.table(root, "", "policy").cloned().unwrap_or_default();
        self.check_keys(
            &identity,
            "policy",
            &["name", "version", "description", "seed", "extends"],
        );
        let name = self
            .string(&identity, "policy", "name")
            .unwrap_or_else(|| "unnamed".to_owned());
        let version = self
            .string(&identity, "policy", "version")
            .unwrap_or_else(|| "0".to_owned());
        self.string(&identity, "policy", "description");
        self.string(&identity, "policy", "seed");

        let judging = self.table(root, "", "judging").cloned().unwrap_or_default();
        self.check_keys(&judging, "judging", &["unknown_ref"]);
        let unknown_ref = self
            .status(&judging, "judging", "unknown_ref")
            .unwrap_or(Status::AtRisk);

        let scoring = self.scoring(root);
        let (classes, default_class) = self.classes(root);

        let mut entries = BTreeMap::new();
        let mut rules = Vec::new();
        for (section, value) in root {
            if RESERVED.contains(&section.as_str()) {
                continue;
            }
            let Value::Table(table) = value else {
                let message = format!("expected a table, found {}", type_name(value));
                self.error(&render_key(section), message);
                continue;
            };
            if BAND_SECTIONS.contains(&section.as_str()) {
                for (path, row) in self.children(table, &render_key(section)) {
                    self.declared_rows.insert(path.clone());
                    if row.contains_key("status") {
                        self.declared_entries.insert(path.clone());
                    }
                    if let Some(rule) = self.band_row(section, &path, row) {
                        if row.contains_key("status")
                            && let Some(entry) = self.entry(&path, row, &rule.area)
                        {
                            entries.insert(path.clone(), entry);
                        }
                        rules.push(rule);
                    }
                }
            } else {
                self.entry_section(section, table, &mut entries, &mut rules);
            }
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.cross_check_rules(&rules, &classes, &default_class);

        self.tools(root);
        let regression = self.regression(root);
        let escalations = self.escalations(root);
        let checklist = self.checklist(root);
        Compiled {
            name,
            version,
            unknown_ref,
            scoring,
            classes,
            default_class,
            entries,
            rules,
            escalations,
            checklist,
            regression,
        }
    }

    /// `[regression]`: `default_tolerance` and per-metric `[regression.metrics]`.
    fn regression(&mut self, root: &Table) -> Regression {
        const DEFAULT_TOLERANCE: f64 = 0.1;
        let mut regression = Regression {
            default_tolerance: DEFAULT_TOLERANCE,
            tolerances: BTreeMap::new(),
        };
        let Some(table) = self.table(root, "", "regression") else {
            return regression;
        };
        self.check_keys(
            table,
            "regression",
            &["default_tolerance", "metrics", "seed"],
        );
        self.string(table, "regression", "seed");
        if let Some(tolerance) = self.quantity(table, "regression", "default_tolerance", "ratio") {
            if tolerance < 0.0 {
                self.error("regression.default_tolerance", "must not be negative");
            }
            regression.default_tolerance = tolerance;
        }
        if let Some(metrics) = self.table(table, "regression", "metrics") {
            for key in metrics.keys() {
                let path = join("regression.metrics", key);
                if let Some(tolerance) = self.quantity(metrics, "regression.metrics", key, "ratio")
                {
                    if tolerance < 0.0 {
                        self.error(&path, "must not be negative");
                    }
                    regression.tolerances.insert(key.clone(), tolerance);
                }
            }
        }
        regression
    }

    fn scoring(&mut self, root: &Table) -> Scoring {
        let mut scoring = Scoring::default();
        let Some(table) = self.table(root, "", "scoring") else {
            return scoring;
        };
        self.check_keys(
            table,
            "scoring",
            &[
                "finding_penalty",
                "repeat_decay",
                "confidence",
                "status_score",
                "area_weights",
            ],
        );
        let judged = ["met", "acceptable", "at-risk", "alert"];
        self.weights(
            table,
            "finding_penalty",
            &judged,
            &mut scoring.finding_penalty,
            None,
        );
        self.weights(
            table,
            "status_score",
            &judged,
            &mut scoring.status_score,
            Some(1.0),
        );
        let levels = ["high", "medium", "low"];
        self.weights(
            table,
            "confidence",
            &levels,
            &mut scoring.confidence,
            Some(1.0),
        );
        if let Some(decay) = self.number(table, "scoring", "repeat_decay") {
            if (0.0..=1.0).contains(&decay) {
                scoring.repeat_decay = decay;
            } else {
                self.error("scoring.repeat_decay", "must be between 0 and 1");
            }
        }
        if let Some(weights) = self.table(table, "scoring", "area_weights") {
            for area in weights.keys() {
                let path = "scoring.area_weights";
                if let Some(weight) = self.number(weights, path, area) {
                    if weight >= 0.0 {
                        scoring.area_weights.insert(area.clone(), weight);
                    } else {
                        self.error(&join(path, area), "must not be negative");
                    }
                }
            }
        }
        scoring
    }

    fn weights<const N: usize>(
        &mut self,
        scoring: &Table,
        key: &str,
        names: &[&str; N],
        out: &mut [f64; N],
        max: Option<f64>,
    ) {
        let path = join("scoring", key);
        let Some(table) = self.table(scoring, "scoring", key) else {
            return;
        };
        self.check_keys(table, &path, names);
        for (slot, name) in out.iter_mut().zip(names) {
            let Some(value) = self.number(table, &path, name) else {
                continue;
            };
            if value < 0.0 || max.is_some_and(|max| value > max) {
                let range = max.map_or("must not be negative".to_owned(), |max| {
                    format!("must be between 0 and {max}")
                });
                self.error(&join(&path, name), range);
            } else {
                *slot = value;
            }
        }
    }

    fn classes(&mut self, root: &Table) -> (Vec<ClassRule>, String) {
        let mut classes = Vec::new();
        let Some(table) = self.table(root, "", "endpoint_classes") else {
            return (classes, "standard".to_owned());
        };
        let default = self
            .string(table, "endpoint_classes", "default")
            .unwrap_or_else(|| "standard".to_owned());
        for (name, value) in table {
            if name == "default" {
                continue;
            }
            let path = join("endpoint_classes", name);
            let Value::Table(class) = value else {
                let message = format!("expected a table, found {}", type_name(value));
                self.error(&path, message);
                continue;
            };
            self.check_keys(class, &path, &["priority", "match"]);
            let priority = match class.get("priority") {
                Some(Value::Integer(n)) => *n,
                Some(other) => {
                    let message = format!("expected an integer, found {}", type_name(other));
                    self.error(&join(&path, "priority"), message);
                    0
                }
                None => 0,
            };
            let mut patterns = Vec::new();
            for (index, text) in self.strings(class, &path, "match").iter().enumerate() {
                match EndpointPattern::parse(text) {
                    Ok(pattern) => patterns.push(pattern),
                    Err(message) => self.error(&format!("{path}.match[{index}]"), message),
                }
            }
            classes.push(ClassRule {
                name: name.clone(),
                priority,
                patterns,
            });
        }
        classes.sort_by(|a, b| {
            a.priority
                .cmp(&b.priority)
                .then_with(|| a.name.cmp(&b.name))
        });
        (classes, default)
    }

    fn entry(&mut self, path: &str, table: &Table, default_area: &str) -> Option<Entry> {
        let status = if table.contains_key("status") {
            self.status(table, path, "status")
        } else {
            self.error(&join(path, "status"), "missing key");
            None
        };
        let title = self.required_text(table, path, "title");
        let area = self
            .string(table, path, "area")
            .unwrap_or_else(|| default_area.to_owned());
        self.string(table, path, "seed");
        Some(Entry {
            title: title?,
            area,
            status: status?,
        })
    }

    fn band_row(&mut self, section: &str, path: &str, row: &Table) -> Option<MetricRule> {
        self.check_keys(
            row,
            path,
            &[
                "title",
                "area",
                "metric",
                "where",
                "direction",
                "target",
                "acceptable",
                "alert",
                "unit",
                "expect",
                "judged_by",
                "action",
                "seed",
                "status",
                "enabled",
            ],
        );
        if !self.enabled(row, path) {
            return None;
        }
        let metric = self.required_string(row, path, "metric");
        let title = self.required_text(row, path, "title");
        let area = self
            .string(row, path, "area")
            .unwrap_or_else(|| section.to_owned());
        let filters = self.filters(row, path);
        self.text(row, path, "action");
        self.string(row, path, "seed");
        let judged_by = self.string(row, path, "judged_by");
        let expect = match row.get("expect") {
            None | Some(Value::Boolean(false)) => None,
            Some(Value::String(prefix)) => Some(prefix.clone()),
            Some(other) => {
                let message = format!(
                    "expected a metric-name prefix such as \"http.\" or false, found {}",
                    type_name(other)
                );
                self.error(&join(path, "expect"), message);
                None
            }
        };
        let direction = match self.string(row, path, "direction").as_deref() {
            None | Some("lower") => Direction::Lower,
            Some("higher") => Direction::Higher,
            Some(other) => {
                let message = format!("unknown direction `{other}` (expected lower or higher)");
                self.error(&join(path, "direction"), message);
                Direction::Lower
            }
        };
        let metric = metric?;
        let unit = self.metric_unit(row, path, &metric)?;
        let dimension = units::unit(&unit).map(|(dimension, _)| dimension)?;
        if !row.contains_key("target") {
            self.error(&join(path, "target"), "missing key");
        }
        let target = self.quantity(row, path, "target", &unit);
        let acceptable = self.quantity(row, path, "acceptable", &unit);
        let alert = self.quantity(row, path, "alert", &unit);
        let target = target?;
        let worse = |a: f64, b: f64| match direction {
            Direction::Lower => a > b,
            Direction::Higher => a < b,
        };
        let edges: Vec<(&str, f64)> = [
            ("target", Some(target)),
            ("acceptable", acceptable),
            ("alert", alert),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key, value)))
        .collect();
        if edges.windows(2).any(|pair| worse(pair[0].1, pair[1].1)) {
            // Blame the edge the most recent file wrote: that is the change
            // that broke the order.
            let keys: Vec<String> = edges.iter().map(|(key, _)| join(path, key)).collect();
            let blamed = self.locator.latest(&keys).unwrap_or(&keys[0]).clone();
            let order = match direction {
                Direction::Lower => "target <= acceptable <= alert (lower is better)",
                Direction::Higher => "target >= acceptable >= alert (higher is better)",
            };
            self.error(&blamed, format!("bands out of order: need {order}"));
        }
        Some(MetricRule {
            id: path.to_owned(),
            title: title?,
            area,
            metrics: vec![metric],
            filters,
            unit,
            dimension,
            judge: Judge::Bands {
                direction,
                target,
                acceptable,
                alert,
            },
            expect,
            judged_by,
        })
    }

    /// The row's `unit`, else the metric's vocabulary unit.
    fn metric_unit(&mut self, row: &Table, path: &str, metric: &str) -> Option<String> {
        match self.string(row, path, "unit") {
            Some(unit) if units::unit(&unit).is_some() => Some(unit),
            Some(unit) => {
                self.error(&join(path, "unit"), format!("unknown unit `{unit}`"));
                None
            }
            None => match units::vocabulary_unit(metric) {
                Some(unit) => Some(unit.to_owned()),
                None => {
                    let message =
                        format!("`{metric}` is not in the metric vocabulary: add `unit = \"...\"`");
                    self.error(&join(path, "unit"), message);
                    None
                }
            },
        }
    }

    fn entry_section(
        &mut self,
        section: &str,
        table: &Table,
        entries: &mut BTreeMap<String, Entry>,
        rules: &mut Vec<MetricRule>,
    ) {
        let section_path = render_key(section);
        for (path, row) in self.children(table, &section_path) {
            let key = path
                .strip_prefix(&format!("{section_path}."))
                .unwrap_or(&path)
                .to_owned();
            if section == "cache" && key == "data_classes" {
                self.data_classes(&path, row, rules);
                continue;
            }
            let extras: &[&str] = match section {
                "queries" if key == "timeout" => &["max", "max_page_items", "threshold"],
                "queries" => &["max_page_items", "threshold"],
                "cache" if key == "invalidation" => &["strategies"],
                "pooling" => &["resource", "min", "max", "idle_timeout"],
                "async" => &["strategy", "min_items"],
                "rate_limit" => &["route_class", "limit", "window", "on_exceed"],
                "timeouts" => &["max"],
                "anti_patterns" => &["problem", "solution"],
                _ => &[],
            };
            self.declared_entries.insert(path.clone());
            for suffix in ["", ".min", ".max", ".idle_timeout"] {
                self.declared_rows.insert(format!("{path}{suffix}"));
            }
            let allowed: Vec<&str> = ENTRY_KEYS.iter().chain(extras).copied().collect();
            self.check_keys(row, &path, &allowed);
            let Some(entry) = self.entry(&path, row, section) else {
                continue;
            };
            let metric_rule = match (section, key.as_str()) {
                ("queries", "timeout") => {
                    self.timeout_rule(&path, row, &entry, "db.statement_timeout")
                }
                ("timeouts", "http_client") => {
                    self.timeout_rule(&path, row, &entry, "http.client_timeout")
                }
                ("rate_limit", _) => self.rate_limit_rule(&path, row, &entry),
                ("pooling", _) => {
                    rules.extend(self.pooling_rules(&path, row, &entry));
                    None
                }
                _ => {
                    self.check_extras(&path, row);
                    self.quantity(row, &path, "max", "s");
                    None
                }
            };
            rules.extend(metric_rule);
            entries.insert(path, entry);
        }
    }

    /// Type-check the descriptive extras of entries that judge no metric.
    fn check_extras(&mut self, path: &str, row: &Table) {
        for key in ["problem", "solution", "strategy"] {
            self.string(row, path, key);
        }
        for key in ["max_page_items", "min_items"] {
            if let Some(n) = self.number(row, path, key)
                && n < 0.0
            {
                self.error(&join(path, key), "must not be negative");
            }
        }
        self.quantity(row, path, "threshold", "ms");
        if let Some(strategies) = self.table(row, path, "strategies") {
            let strategies_path = join(path, "strategies");
            for key in strategies.keys() {
                self.string(strategies, &strategies_path, key);
            }
        }
    }

    fn timeout_rule(
        &mut self,
        path: &str,
        row: &Table,
        entry: &Entry,
        metric: &str,
    ) -> Option<MetricRule> {
        self.check_extras(path, row);
        let max = self.quantity(row, path, "max", "s");
        Some(MetricRule {
            id: path.to_owned(),
            title: entry.title.clone(),
            area: entry.area.clone(),
            metrics: vec![metric.to_owned()],
            filters: BTreeMap::new(),
            unit: "s".to_owned(),
            dimension: Dimension::Duration,
            judge: Judge::Range {
                min: None,
                max,
                below: Status::Met,
                above: Status::AtRisk,
                zero: Some(Status::AtRisk),
            },
            expect: None,
            judged_by: None,
        })
    }

    fn rate_limit_rule(&mut self, path: &str, row: &Table, entry: &Entry) -> Option<MetricRule> {
        self.string(row, path, "on_exceed");
        let route_class = self.required_string(row, path, "route_class");
        let limit = self.quantity(row, path, "limit", "count");
        let window = self.quantity(row, path, "window", "s");
        if limit.is_some() && window.is_none() {
            self.error(
                &join(path, "window"),
                "missing key (a limit needs its window)",
            );
        }
        if window == Some(0.0) {
            self.error(&join(path, "window"), "must be longer than 0");
        }
        let (limit, window) = (limit?, window?);
        Some(MetricRule {
            id: path.to_owned(),
            title: entry.title.clone(),
            area: entry.area.clone(),
            metrics: vec![
                "rate_limit.limit".to_owned(),
                "rate_limit.window".to_owned(),
            ],
            filters: BTreeMap::from([("route_class".to_owned(), route_class?)]),
            unit: "count".to_owned(),
            dimension: Dimension::Count,
            judge: Judge::RateWindow { limit, window },
            expect: None,
            judged_by: None,
        })
    }

    fn pooling_rules(&mut self, path: &str, row: &Table, entry: &Entry) -> Vec<MetricRule> {
        let resource = self.required_string(row, path, "resource");
        let min = self.quantity(row, path, "min", "connections");
        let max = self.quantity(row, path, "max", "connections");
        let idle = self.quantity(row, path, "idle_timeout", "s");
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.error(&join(path, "max"), "must not be below min");
        }
        let Some(resource) = resource else {
            return Vec::new();
        };
        let rule = |suffix: &str, metric: &str, unit: &str, dimension, judge| MetricRule {
            id: format!("{path}.{suffix}"),
            title: entry.title.map(|_, title| format!("{title} ({suffix})")),
            area: entry.area.clone(),
            metrics: vec![metric.to_owned()],
            filters: BTreeMap::from([("resource".to_owned(), resource.clone())]),
            unit: unit.to_owned(),
            dimension,
            judge,
            expect: None,
            judged_by: None,
        };
        let mut out = Vec::new();
        if min.is_some() || max.is_some() {
            out.push(rule(
                "max",
                "pool.max",
                "connections",
                Dimension::Count,
                Judge::Range {
                    min,
                    max,
                    below: Status::AtRisk,
                    above: Status::AtRisk,
                    zero: None,
                },
            ));
            out.push(rule(
                "min",
                "pool.min",
                "connections",
                Dimension::Count,
                Judge::Range {
                    min,
                    max,
                    below: Status::Acceptable,
                    above: Status::AtRisk,
                    zero: None,
                },
            ));
        }
        if let Some(idle) = idle {
            out.push(rule(
                "idle_timeout",
                "pool.idle_timeout",
                "s",
                Dimension::Duration,
                Judge::Range {
                    min: None,
                    max: Some(idle),
                    below: Status::Met,
                    above: Status::Acceptable,
                    zero: None,
                },
            ));
        }
        out
    }

    fn data_classes(&mut self, path: &str, table: &Table, rules: &mut Vec<MetricRule>) {
        for (class_path, class) in self.children(table, path) {
            self.declared_rows.insert(format!("{class_path}.ttl"));
            self.check_keys(class, &class_path, &["label", "strategy", "ttl", "seed"]);
            let label = self.required_string(class, &class_path, "label");
            self.string(class, &class_path, "strategy");
            self.string(class, &class_path, "seed");
            let ttl = self.quantity(class, &class_path, "ttl", "s");
            if let (Some(label), Some(ttl)) = (label, ttl) {
                rules.push(MetricRule {
                    id: format!("{class_path}.ttl"),
                    title: Text::from_fn(|lang| T::CacheTtlTitle.with(lang, &[("label", &label)])),
                    area: "cache".to_owned(),
                    metrics: vec!["cache.ttl".to_owned()],
                    filters: BTreeMap::from([("data_class".to_owned(), label)]),
                    unit: "s".to_owned(),
                    dimension: Dimension::Duration,
                    judge: Judge::Range {
                        min: None,
                        max: Some(ttl),
                        below: Status::Met,
                        above: Status::Acceptable,
                        zero: Some(Status::AtRisk),
                    },
                    expect: None,
                    judged_by: None,
                });
            }
        }
    }

    fn cross_check_rules(&mut self, rules: &[MetricRule], classes: &[ClassRule], default: &str) {
        let restating: BTreeSet<&str> = rules
            .iter()
            .filter(|rule| rule.judged_by.is_some())
            .map(|rule| rule.id.as_str())
            .collect();
        for rule in rules {
            if let Some(target) = &rule.judged_by {
                let judging =
                    self.declared_rows.contains(target) && !restating.contains(target.as_str());
                if !judging {
                    let message = format!("`{target}` is not a metric row of this policy");
                    self.error(&join(&rule.id, "judged_by"), message);
                }
            }
            if let Some(class) = rule.filters.get("class") {
                let known = class == default || classes.iter().any(|c| &c.name == class);
                if !known {
                    let message = format!("unknown endpoint class `{class}`");
                    self.error(&join(&join(&rule.id, "where"), "class"), message);
                }
            }
        }
    }

    /// `[tools.<type>]`: the seed's recommended diagnostic tools. Judges
    /// nothing; validated so a typo is still caught.
    fn tools(&mut self, root: &Table) {
        let Some(table) = self.table(root, "", "tools") else {
            return;
        };
        for (path, row) in self.children(table, "tools") {
            self.check_keys(row, &path, &["tools", "usage", "seed"]);
            self.strings(row, &path, "tools");
            self.string(row, &path, "usage");
            self.string(row, &path, "seed");
        }
    }

    fn escalations(&mut self, root: &Table) -> Vec<EscalationRule> {
        let Some(table) = self.table(root, "", "escalations") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (path, row) in self.children(table, "escalations") {
            self.check_keys(
                row,
                &path,
                &[
                    "situation",
                    "action",
                    "owner",
                    "metric",
                    "where",
                    "above",
                    "below",
                    "unit",
                    "enabled",
                ],
            );
            if !self.enabled(row, &path) {
                continue;
            }
            let situation = self.required_text(row, &path, "situation");
            let action = self.required_text(row, &path, "action");
            let owner = self.required_text(row, &path, "owner");
            let metric = self.required_string(row, &path, "metric");
            let filters = self.filters(row, &path);
            let Some(metric) = metric else { continue };
            let Some(unit) = self.metric_unit(row, &path, &metric) else {
                continue;
            };
            let above = self.quantity(row, &path, "above", &unit);
            let below = self.quantity(row, &path, "below", &unit);
            if !row.contains_key("above") && !row.contains_key("below") {
                self.error(&join(&path, "above"), "missing key (`above` or `below`)");
            }
            let id = path
                .strip_prefix("escalations.")
                .unwrap_or(&path)
                .to_owned();
            if let (Some(situation), Some(action), Some(owner)) = (situation, action, owner) {
                out.push(EscalationRule {
                    id,
                    situation,
                    action,
                    owner,
                    metric,
                    filters,
                    unit,
                    above,
                    below,
                });
            }
        }
        out
    }

    fn checklist(&mut self, root: &Table) -> Vec<(String, Vec<ChecklistRule>)> {
        let Some(table) = self.table(root, "", "checklist") else {
            return Vec::new();
        };
        let phases = self.strings(table, "checklist", "phases");
        for key in table.keys() {
            if key != "phases" && !phases.contains(key) {
                self.error(
                    &join("checklist", key),
                    "phase not listed in checklist.phases",
                );
            }
        }
        let mut out = Vec::new();
        for (index, phase) in phases.iter().enumerate() {
            let phase_path = join("checklist", phase);
            let items = match table.get(phase) {
                Some(Value::Array(items)) => items,
                Some(other) => {
                    let message =
                        format!("expected an array of tables, found {}", type_name(other));
                    self.error(&phase_path, message);
                    continue;
                }
                None => {
                    let message = format!("phase `{phase}` has no [[checklist.{phase}]] items");
                    self.error(&format!("checklist.phases[{index}]"), message);
                    continue;
                }
            };
            let mut rules_out = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{phase_path}[{index}]");
                let Value::Table(item) = item else {
                    self.error(&item_path, "expected a table");
                    continue;
                };
                self.check_keys(item, &item_path, &["text", "refs", "metrics"]);
                let text = self.required_text(item, &item_path, "text");
                let refs = self.strings(item, &item_path, "refs");
                let metrics = self.strings(item, &item_path, "metrics");
                for (i, pattern) in refs.iter().enumerate() {
                    if !self
                        .declared_entries
                        .iter()
                        .any(|key| glob_match(pattern, key))
                    {
                        let message = format!("`{pattern}` matches no policy entry");
                        self.error(&format!("{item_path}.refs[{i}]"), message);
                    }
                }
                for (i, pattern) in metrics.iter().enumerate() {
                    if !self.declared_rows.iter().any(|id| glob_match(pattern, id)) {
                        let message = format!("`{pattern}` matches no metric row");
                        self.error(&format!("{item_path}.metrics[{i}]"), message);
                    }
                }
                if let Some(text) = text {
                    rules_out.push(ChecklistRule {
                        text,
                        refs,
                        metrics,
                    });
                }
            }
            out.push((phase.clone(), rules_out));
        }
        out
    }
}
