//! Judging: statuses for metrics and findings, no-data entries for what the
//! policy expects but nobody reported, escalations, the checklist, scores.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::classify::{classify, glob_match};
use crate::i18n::{self, Lang, T};
use crate::model::{Confidence, RawFinding, RawMetric, RawNote, Span};
use crate::schema::{Compiled, Direction, EscalationRule, Judge, MetricRule};
use crate::score;
use crate::status::Status;
use crate::units::{self, Dimension};

/// What the host hands the policy after running the plugins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JudgeInput {
    /// Findings of every plugin that ran.
    pub findings: Vec<RawFinding>,
    /// Metrics of every plugin that ran.
    pub metrics: Vec<RawMetric>,
    /// Plugin notes (parse errors and the like), kept in the judgement.
    pub notes: Vec<RawNote>,
    /// Number of plugins that failed (trap, timeout, ...): their rules did
    /// not run.
    pub plugin_errors: usize,
    /// `(rule id, policy ref)` of every rule of the plugins that ran: a
    /// checklist item is verified when its rules ran and found nothing.
    pub rules_run: Vec<(String, String)>,
    /// Language of the notes, evidence and policy texts in the judgement.
    pub lang: Lang,
}

/// The policy's verdict on one analysis. Every list is sorted, so equal
/// inputs serialize to equal bytes whatever order they arrived in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// The language of every text the judgement and its renderings write
    /// (plugins' messages excepted).
    pub lang: Lang,
    /// The policy that judged.
    pub policy: PolicyIdentity,
    /// Overall and per-area scores, 0-100.
    pub score: Score,
    /// Every finding with its status.
    pub findings: Vec<JudgedFinding>,
    /// Every metric with its status, plus `no-data` entries for expected
    /// metrics nobody reported.
    pub metrics: Vec<JudgedMetric>,
    /// Escalation points that fired.
    pub escalations: Vec<Escalation>,
    /// The per-phase checklist.
    pub checklist: Vec<ChecklistPhase>,
    /// The plugins' notes.
    pub notes: Vec<RawNote>,
    /// The policy's own remarks: unknown policy refs, unit mismatches,
    /// failed plugins.
    pub judgement_notes: Vec<String>,
    /// Counts.
    pub summary: Summary,
}

/// Name, version and digest of the effective policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyIdentity {
    /// `[policy] name`.
    pub name: String,
    /// `[policy] version`.
    pub version: String,
    /// SHA-256 of the effective policy as `Policy::to_toml` prints it.
    pub sha256: String,
}

/// Scores, 0-100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Weighted mean of the area scores (100 when nothing was judged).
    pub overall: u8,
    /// Per area with at least one scored metric or one finding.
    pub areas: BTreeMap<String, AreaScore>,
}

/// One area's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaScore {
    /// 0-100.
    pub score: u8,
    /// Metrics that scored (no-data excluded).
    pub metrics: usize,
    /// Findings in the area.
    pub findings: usize,
    /// Finding penalty points after diminishing returns.
    pub penalty: f64,
}

/// A finding and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgedFinding {
    /// The finding as reported.
    #[serde(flatten)]
    pub finding: RawFinding,
    /// From the policy entry its `policy_ref` names.
    pub status: Status,
    /// The entry's area (`unknown` for an unknown ref).
    pub area: String,
    /// The entry's title, when the ref is known.
    pub title: Option<String>,
}

/// A metric and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgedMetric {
    /// Vocabulary name.
    pub name: String,
    /// Value as reported; none for a `no-data` entry.
    pub value: Option<f64>,
    /// Unit of `value` and of `thresholds`.
    pub unit: String,
    /// Samples behind the value.
    pub samples: Option<u64>,
    /// Labels as reported (for a `no-data` entry: the row's filters).
    pub labels: BTreeMap<String, String>,
    /// Where it was measured.
    pub span: Option<Span>,
    /// Plugin that reported it.
    pub plugin: Option<String>,
    /// The verdict.
    pub status: Status,
    /// Area of the policy row that judged it.
    pub area: Option<String>,
    /// The policy row that judged it, e.g. `latency.p95`.
    pub policy_ref: Option<String>,
    /// The row's title.
    pub title: Option<String>,
    /// Endpoint class (HTTP metrics).
    pub class: Option<String>,
    /// The thresholds applied, in `unit`.
    pub thresholds: Option<Thresholds>,
    /// Curve or status score in 0..=1 (none for `no-data`).
    pub score: Option<f64>,
    /// Why it is `no-data`, or how it was judged when that needs saying.
    pub note: Option<String>,
}

/// Thresholds of a policy row, converted to the metric's unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Lower or higher is better (bands).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Met at or better than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Acceptable at or better than this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptable: Option<f64>,
    /// Alert beyond this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<f64>,
    /// Lower bound of a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound of a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Requests allowed per `window_s` (rate limits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Rate-limit window, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_s: Option<f64>,
}

/// An escalation point that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Escalation {
    /// Policy key, e.g. `p95_war_room`.
    pub id: String,
    /// The seed's situation, e.g. `p95 > 1s`.
    pub situation: String,
    /// What to do.
    pub action: String,
    /// Who does it.
    pub owner: String,
    /// The metrics that triggered it, one line each.
    pub evidence: Vec<String>,
}

/// One phase of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistPhase {
    /// `design`, `development`, `review`, `production`.
    pub phase: String,
    /// Its items, in policy order.
    pub items: Vec<ChecklistItem>,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistItem {
    /// The item as the policy words it.
    pub text: String,
    /// What the evidence says.
    pub status: ItemStatus,
    /// Why.
    pub evidence: Vec<String>,
}

/// A checklist item's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// Evidence says it holds.
    Verified,
    /// Evidence says it does not.
    Violated,
    /// Nothing perfwarden saw settles it.
    Unknown,
}

/// Counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Findings and metrics per status, keyed `met` .. `no-data`.
    pub statuses: BTreeMap<String, usize>,
    /// Findings.
    pub findings: usize,
    /// Metric entries (no-data included).
    pub metrics: usize,
    /// Escalations fired.
    pub escalations: usize,
    /// Plugins that failed.
    pub plugin_errors: usize,
    /// Checklist items per state.
    pub checklist: BTreeMap<String, usize>,
    /// The worst judged status, if anything was judged.
    pub worst: Option<Status>,
}

impl Judgement {
    /// Whether any finding or metric is at or above `fail_on`.
    pub fn violates(&self, fail_on: Status) -> bool {
        self.findings.iter().any(|f| f.status.violates(fail_on))
            || self.metrics.iter().any(|m| m.status.violates(fail_on))
    }
}

/// A metric with the values judging needs.
struct Prepared<'a> {
    metric: &'a RawMetric,
    class: Option<String>,
}

pub(crate) fn judge(compiled: &Compiled, identity: PolicyIdentity, input: JudgeInput) -> Judgement {
    let lang = input.lang;
    let mut notes = BTreeSet::new();
    let mut raw_metrics = input.metrics;
    raw_metrics.sort_by(compare_raw_metrics);
    let prepared: Vec<Prepared<'_>> = raw_metrics
        .iter()
        .map(|metric| Prepared {
            class: metric_class(compiled, metric),
            metric,
        })
        .collect();

    let mut metrics: Vec<JudgedMetric> = prepared
        .iter()
        .map(|p| judge_metric(compiled, p, &prepared, &mut notes, lang))
        .collect();
    metrics.extend(expected_but_missing(compiled, &prepared, &metrics, lang));
    metrics.sort_by(compare_judged_metrics);

    let mut findings: Vec<JudgedFinding> = input
        .findings
        .into_iter()
        .map(|finding| judge_finding(compiled, finding, &mut notes, lang))
        .collect();
    findings.sort_by(compare_findings);

    let escalations = compiled
        .escalations
        .iter()
        .filter_map(|rule| escalate(rule, &prepared, lang))
        .collect::<Vec<_>>();

    if input.plugin_errors > 0 {
        notes.insert(T::NotePluginsFailed.with(lang, &[("n", &input.plugin_errors)]));
    }
    let checklist = checklist(compiled, &findings, &metrics, &input.rules_run, lang);
    let score = scores(compiled, &findings, &metrics);
    let mut plugin_notes = input.notes;
    plugin_notes.sort();
    let summary = summarize(
        &findings,
        &metrics,
        &escalations,
        &checklist,
        input.plugin_errors,
    );
    Judgement {
        lang,
        policy: identity,
        score,
        findings,
        metrics,
        escalations,
        checklist,
        notes: plugin_notes,
        judgement_notes: notes.into_iter().collect(),
        summary,
    }
}

/// The endpoint class of an HTTP metric, or of any metric naming an endpoint.
fn metric_class(compiled: &Compiled, metric: &RawMetric) -> Option<String> {
    let endpoint = metric.labels.get("endpoint").map(String::as_str);
    let method = metric.labels.get("method").map(String::as_str);
    (metric.name.starts_with("http.") || endpoint.is_some())
        .then(|| classify(&compiled.classes, &compiled.default_class, method, endpoint).to_owned())
}

fn filters_match(
    filters: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
    class: Option<&str>,
) -> bool {
    filters.iter().all(|(key, wanted)| match key.as_str() {
        "class" => class == Some(wanted.as_str()),
        _ => labels.get(key) == Some(wanted),
    })
}

/// The row judging a metric: among matching rows, the most specific (most
/// filters), then the first by id.
fn rule_for<'c>(compiled: &'c Compiled, p: &Prepared<'_>) -> Option<&'c MetricRule> {
    let mut best: Option<&MetricRule> = None;
    for rule in &compiled.rules {
        let applies = rule.judged_by.is_none()
            && rule.metrics.contains(&p.metric.name)
            && filters_match(&rule.filters, &p.metric.labels, p.class.as_deref());
        if applies && best.is_none_or(|b| rule.filters.len() > b.filters.len()) {
            best = Some(rule);
        }
    }
    best
}

fn judge_metric(
    compiled: &Compiled,
    p: &Prepared<'_>,
    all: &[Prepared<'_>],
    notes: &mut BTreeSet<String>,
    lang: Lang,
) -> JudgedMetric {
    let metric = p.metric;
    let mut judged = JudgedMetric {
        name: metric.name.clone(),
        value: Some(metric.value),
        unit: metric.unit.clone(),
        samples: metric.samples,
        labels: metric.labels.clone(),
        span: metric.span.clone(),
        plugin: Some(metric.plugin.clone()),
        status: Status::NoData,
        area: None,
        policy_ref: None,
        title: None,
        class: p.class.clone(),
        thresholds: None,
        score: None,
        note: None,
    };
    let Some(rule) = rule_for(compiled, p) else {
        judged.note = Some(T::NoteNoRow.get(lang).to_owned());
        return judged;
    };
    judged.area = Some(rule.area.clone());
    judged.policy_ref = Some(rule.id.clone());
    judged.title = Some(rule.title.get(lang).to_owned());
    let shown_unit = match units::unit(&metric.unit) {
        Some((dimension, _)) if dimension == rule.dimension => metric.unit.clone(),
        _ => rule.unit.clone(),
    };
    judged.thresholds = Some(thresholds(&rule.judge, &shown_unit));
    let value = match rule.judge {
        // Rate limits judge a count and a duration together.
        Judge::RateWindow { .. } => rate_value(metric),
        _ => base_value(metric, rule),
    };
    if !metric.value.is_finite() {
        judged.note = Some(T::NoteNotFinite.get(lang).to_owned());
        return judged;
    }
    let Some(value) = value else {
        let note = T::NoteUnitMismatch.with(
            lang,
            &[
                ("unit", &metric.unit),
                ("metric", &metric.name),
                ("policy_unit", &rule.unit),
            ],
        );
        notes.insert(format!("{} ({}): {note}", rule.id, metric.plugin));
        judged.note = Some(note);
        return judged;
    };
    let (status, curve) = match &rule.judge {
        Judge::Bands {
            direction,
            target,
            acceptable,
            alert,
        } => {
            let status = band_status(*direction, *target, *acceptable, *alert, value);
            let curve =
                alert.and_then(|alert| score::log_normal(*direction, *target, alert, value));
            (status, curve)
        }
        Judge::Range {
            min,
            max,
            below,
            above,
            zero,
        } => (range_status(*min, *max, *below, *above, *zero, value), None),
        Judge::RateWindow { limit, window } => {
            match rate_status(metric, value, *limit, *window, all, lang) {
                Ok((status, note)) => {
                    judged.note = note;
                    (status, None)
                }
                Err(note) => {
                    judged.note = Some(note);
                    return judged;
                }
            }
        }
    };
    judged.status = status;
    let score = curve.unwrap_or_else(|| {
        status
            .rank()
            .map_or(0.0, |rank| compiled.scoring.status_score[usize::from(rank)])
    });
    // Four decimals are plenty and keep reports readable.
    judged.score = Some((score * 10_000.0).round() / 10_000.0);
    judged
}

/// The metric's value in the base unit of the row's dimension.
fn base_value(metric: &RawMetric, rule: &MetricRule) -> Option<f64> {
    let (dimension, size) = units::unit(&metric.unit)?;
    (dimension == rule.dimension && metric.value.is_finite()).then_some(metric.value * size)
}

/// A rate-limit metric's value in base units: a limit is a count, a window
/// a duration.
fn rate_value(metric: &RawMetric) -> Option<f64> {
    let (dimension, size) = units::unit(&metric.unit)?;
    let expected = if metric.name == "rate_limit.window" {
        Dimension::Duration
    } else {
        Dimension::Count
    };
    (dimension == expected && metric.value.is_finite()).then_some(metric.value * size)
}

/// Lower is better: at or under target met, at or under acceptable
/// acceptable, strictly over alert alert, otherwise at-risk. Mirrored for
/// higher is better.
pub(crate) fn band_status(
    direction: Direction,
    target: f64,
    acceptable: Option<f64>,
    alert: Option<f64>,
    value: f64,
) -> Status {
    let at_least_as_good = |edge: f64| match direction {
        Direction::Lower => at_most(value, edge),
        Direction::Higher => at_most(edge, value),
    };
    if at_least_as_good(target) {
        Status::Met
    } else if acceptable.is_some_and(at_least_as_good) {
        Status::Acceptable
    } else if alert.is_some_and(|alert| !at_least_as_good(alert)) {
        Status::Alert
    } else {
        Status::AtRisk
    }
}

fn range_status(
    min: Option<f64>,
    max: Option<f64>,
    below: Status,
    above: Status,
    zero: Option<Status>,
    value: f64,
) -> Status {
    match zero {
        Some(status) if value == 0.0 => status,
        _ if min.is_some_and(|min| !at_most(min, value)) => below,
        _ if max.is_some_and(|max| !at_most(value, max)) => above,
        _ => Status::Met,
    }
}

/// `a <= b`, forgiving the rounding of unit conversions ("70%" is
/// 0.7000000000000001 once multiplied out), so a value exactly at an edge
/// is judged as at the edge.
fn at_most(a: f64, b: f64) -> bool {
    a <= b + b.abs() * 1e-9
}

/// A rate limit and its window come as two metrics with the same labels:
/// the configured limit, rescaled to the policy's window, must not exceed
/// the policy's limit.
fn rate_status(
    metric: &RawMetric,
    value: f64,
    policy_limit: f64,
    policy_window: f64,
    all: &[Prepared<'_>],
    lang: Lang,
) -> Result<(Status, Option<String>), String> {
    let partner_name = if metric.name == "rate_limit.limit" {
        "rate_limit.window"
    } else {
        "rate_limit.limit"
    };
    let partner = all
        .iter()
        .map(|p| p.metric)
        .find(|m| m.name == partner_name && m.labels == metric.labels && m.plugin == metric.plugin)
        .and_then(rate_value);
    let (limit, window, note) = match (metric.name.as_str(), partner) {
        ("rate_limit.limit", Some(window)) => (value, window, None),
        ("rate_limit.limit", None) => (
            value,
            policy_window,
            Some(T::NoteWindowAssumed.get(lang).to_owned()),
        ),
        (_, Some(limit)) => (limit, value, None),
        (_, None) => {
            return Err(T::NoteWindowWithoutLimit.get(lang).to_owned());
        }
    };
    if window <= 0.0 {
        return Err(T::NoteWindowZero.get(lang).to_owned());
    }
    let per_policy_window = limit * policy_window / window;
    let status = if at_most(per_policy_window, policy_limit) {
        Status::Met
    } else {
        Status::AtRisk
    };
    let detail = T::NoteRateWindow.with(
        lang,
        &[
            ("limit", &units::display_in(limit, "count")),
            ("window", &units::display_in(window, "s")),
            ("scaled", &units::display_in(per_policy_window, "count")),
            ("policy_window", &units::display_in(policy_window, "s")),
            ("policy_limit", &units::display_in(policy_limit, "count")),
        ],
    );
    Ok((
        status,
        Some(note.map_or(detail.clone(), |note| format!("{note}; {detail}"))),
    ))
}

fn thresholds(judge: &Judge, unit: &str) -> Thresholds {
    let show = |value: f64| units::display_in(value, unit);
    let mut out = Thresholds {
        direction: None,
        target: None,
        acceptable: None,
        alert: None,
        min: None,
        max: None,
        limit: None,
        window_s: None,
    };
    match judge {
        Judge::Bands {
            direction,
            target,
            acceptable,
            alert,
        } => {
            out.direction = Some(*direction);
            out.target = Some(show(*target));
            out.acceptable = acceptable.map(show);
            out.alert = alert.map(show);
        }
        Judge::Range { min, max, .. } => {
            out.min = min.map(show);
            out.max = max.map(show);
        }
        Judge::RateWindow { limit, window } => {
            out.limit = Some(*limit);
            out.window_s = Some(units::display_in(*window, "s"));
        }
    }
    out
}

/// `no-data` entries for rows whose `expect` prefix was reported (for the
/// row's endpoint class, if it has one) while the row judged nothing.
fn expected_but_missing(
    compiled: &Compiled,
    prepared: &[Prepared<'_>],
    judged: &[JudgedMetric],
    lang: Lang,
) -> Vec<JudgedMetric> {
    let mut out = Vec::new();
    for rule in &compiled.rules {
        let Some(prefix) = &rule.expect else { continue };
        if rule.judged_by.is_some() {
            continue;
        }
        let class = rule.filters.get("class");
        let triggered = prepared.iter().any(|p| {
            p.metric.name.starts_with(prefix.as_str())
                && class.is_none_or(|class| p.class.as_ref() == Some(class))
        });
        let satisfied = judged
            .iter()
            .any(|m| m.policy_ref.as_deref() == Some(rule.id.as_str()));
        if !triggered || satisfied {
            continue;
        }
        let scope = class.map_or_else(String::new, |class| {
            T::NoteExpectedScope.with(lang, &[("class", class)])
        });
        let mut labels = rule.filters.clone();
        labels.remove("class");
        out.push(JudgedMetric {
            name: rule.metrics.first().cloned().unwrap_or_default(),
            value: None,
            unit: rule.unit.clone(),
            samples: None,
            labels,
            span: None,
            plugin: None,
            status: Status::NoData,
            area: Some(rule.area.clone()),
            policy_ref: Some(rule.id.clone()),
            title: Some(rule.title.get(lang).to_owned()),
            class: class.cloned(),
            thresholds: Some(thresholds(&rule.judge, &rule.unit)),
            score: None,
            note: Some(T::NoteExpected.with(
                lang,
                &[("prefix", prefix), ("scope", &scope), ("row", &rule.id)],
            )),
        });
    }
    out
}

fn judge_finding(
    compiled: &Compiled,
    finding: RawFinding,
    notes: &mut BTreeSet<String>,
    lang: Lang,
) -> JudgedFinding {
    match compiled.entries.get(&finding.policy_ref) {
        Some(entry) => JudgedFinding {
            status: entry.status,
            area: entry.area.clone(),
            title: Some(entry.title.get(lang).to_owned()),
            finding,
        },
        None => {
            let named = if finding.policy_ref.is_empty() {
                T::NoteNoPolicyEntry.get(lang).to_owned()
            } else {
                T::NoteUndefinedEntry.with(lang, &[("entry", &finding.policy_ref)])
            };
            notes.insert(T::NoteUnknownRef.with(
                lang,
                &[
                    ("rule", &finding.rule),
                    ("plugin", &finding.plugin),
                    ("named", &named),
                    ("status", &i18n::status(compiled.unknown_ref, lang)),
                ],
            ));
            JudgedFinding {
                status: compiled.unknown_ref,
                area: "unknown".to_owned(),
                title: None,
                finding,
            }
        }
    }
}

fn escalate(rule: &EscalationRule, prepared: &[Prepared<'_>], lang: Lang) -> Option<Escalation> {
    let (dimension, _) = units::unit(&rule.unit)?;
    let mut evidence = Vec::new();
    for p in prepared {
        let metric = p.metric;
        if metric.name != rule.metric
            || !filters_match(&rule.filters, &metric.labels, p.class.as_deref())
        {
            continue;
        }
        let Some((metric_dimension, size)) = units::unit(&metric.unit) else {
            continue;
        };
        if metric_dimension != dimension || !metric.value.is_finite() {
            continue;
        }
        let value = metric.value * size;
        let fired = match (rule.above, rule.below) {
            (Some(above), _) if value > above => Some(('>', above)),
            (_, Some(below)) if value < below => Some(('<', below)),
            _ => None,
        };
        if let Some((sign, edge)) = fired {
            let labels = metric
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            evidence.push(format!(
                "{}{{{labels}}} = {} {} {sign} {} {} ({})",
                metric.name,
                metric.value,
                metric.unit,
                units::display_in(edge, &metric.unit),
                metric.unit,
                metric.plugin
            ));
        }
    }
    (!evidence.is_empty()).then(|| Escalation {
        id: rule.id.clone(),
        situation: rule.situation.get(lang).to_owned(),
        action: rule.action.get(lang).to_owned(),
        owner: rule.owner.get(lang).to_owned(),
        evidence,
    })
}

fn checklist(
    compiled: &Compiled,
    findings: &[JudgedFinding],
    metrics: &[JudgedMetric],
    rules_run: &[(String, String)],
    lang: Lang,
) -> Vec<ChecklistPhase> {
    compiled
        .checklist
        .iter()
        .map(|(phase, items)| ChecklistPhase {
            phase: phase.clone(),
            items: items
                .iter()
                .map(|item| {
                    let matches_ref =
                        |policy_ref: &str| item.refs.iter().any(|p| glob_match(p, policy_ref));
                    let matches_row = |id: &str| item.metrics.iter().any(|p| glob_match(p, id));
                    let mut violated = Vec::new();
                    let mut verified = Vec::new();

                    let hits: Vec<&JudgedFinding> = findings
                        .iter()
                        .filter(|f| matches_ref(&f.finding.policy_ref))
                        .collect();
                    if let Some(first) = hits.first() {
                        let at = first.finding.span.as_ref().map_or_else(String::new, |s| {
                            T::EvidenceAt.with(lang, &[("path", &s.path), ("line", &s.line)])
                        });
                        violated.push(T::EvidenceFindings.with(
                            lang,
                            &[
                                ("n", &hits.len()),
                                ("entry", &first.finding.policy_ref),
                                ("rule", &first.finding.rule),
                                ("name", &first.finding.rule_name),
                                ("at", &at),
                            ],
                        ));
                    } else {
                        let ran: BTreeSet<&str> = rules_run
                            .iter()
                            .filter(|(_, policy_ref)| matches_ref(policy_ref))
                            .map(|(rule, _)| rule.as_str())
                            .collect();
                        if !ran.is_empty() {
                            let list = ran.into_iter().collect::<Vec<_>>().join(", ");
                            verified.push(T::EvidenceRulesClean.with(lang, &[("rules", &list)]));
                        }
                    }

                    let judged: Vec<&JudgedMetric> = metrics
                        .iter()
                        .filter(|m| m.policy_ref.as_deref().is_some_and(matches_row))
                        .filter(|m| m.status != Status::NoData)
                        .collect();
                    let bad: Vec<&&JudgedMetric> = judged
                        .iter()
                        .filter(|m| m.status.violates(Status::AtRisk))
                        .collect();
                    if let Some(first) = bad.first() {
                        violated.push(T::EvidenceBadMetrics.with(
                            lang,
                            &[
                                ("n", &bad.len()),
                                ("row", &first.policy_ref.as_deref().unwrap_or(&first.name)),
                                (
                                    "value",
                                    &first.value.map_or_else(String::new, |v| v.to_string()),
                                ),
                                ("unit", &first.unit),
                                ("status", &i18n::status(first.status, lang)),
                            ],
                        ));
                    } else if !judged.is_empty() {
                        verified.push(T::EvidenceGoodMetrics.with(lang, &[("n", &judged.len())]));
                    }

                    let (status, evidence) = if !violated.is_empty() {
                        (ItemStatus::Violated, violated)
                    } else if !verified.is_empty() {
                        (ItemStatus::Verified, verified)
                    } else if item.refs.is_empty() && item.metrics.is_empty() {
                        (
                            ItemStatus::Unknown,
                            vec![T::EvidenceNotObservable.get(lang).to_owned()],
                        )
                    } else {
                        (
                            ItemStatus::Unknown,
                            vec![T::EvidenceNothingRan.get(lang).to_owned()],
                        )
                    };
                    ChecklistItem {
                        text: item.text.get(lang).to_owned(),
                        status,
                        evidence,
                    }
                })
                .collect(),
        })
        .collect()
}

fn confidence_index(confidence: Confidence) -> usize {
    match confidence {
        Confidence::High => 0,
        Confidence::Medium => 1,
        Confidence::Low => 2,
    }
}

fn scores(compiled: &Compiled, findings: &[JudgedFinding], metrics: &[JudgedMetric]) -> Score {
    let scoring = &compiled.scoring;
    let mut metric_scores: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for metric in metrics {
        if let (Some(area), Some(score)) = (&metric.area, metric.score) {
            metric_scores.entry(area).or_default().push(score);
        }
    }
    // Penalties grouped per area, then per policy entry.
    let mut penalties: BTreeMap<&str, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    for finding in findings {
        let Some(rank) = finding.status.rank() else {
            continue;
        };
        let penalty = scoring.finding_penalty[usize::from(rank)]
            * scoring.confidence[confidence_index(finding.finding.confidence)];
        penalties
            .entry(finding.area.as_str())
            .or_default()
            .entry(finding.finding.policy_ref.as_str())
            .or_default()
            .push(penalty);
    }
    let areas: BTreeSet<&str> = metric_scores
        .keys()
        .chain(penalties.keys())
        .copied()
        .collect();
    let mut out = BTreeMap::new();
    let (mut weighted, mut weights) = (0.0, 0.0);
    for area in areas {
        let scores = metric_scores.get(area).map_or(&[][..], Vec::as_slice);
        let mean = if scores.is_empty() {
            1.0
        } else {
            scores.iter().sum::<f64>() / scores.len() as f64
        };
        let entries = penalties.get(area);
        let points: f64 = entries.map_or(0.0, |entries| {
            entries
                .values()
                .map(|p| score::entry_penalty(p.clone(), scoring.repeat_decay))
                .sum()
        });
        let value = 100.0 * mean * score::finding_factor(points);
        let weight = scoring.area_weights.get(area).copied().unwrap_or(1.0);
        weighted += value * weight;
        weights += weight;
        out.insert(
            area.to_owned(),
            AreaScore {
                score: to_score(value),
                metrics: scores.len(),
                findings: entries.map_or(0, |e| e.values().map(Vec::len).sum()),
                penalty: (points * 100.0).round() / 100.0,
            },
        );
    }
    let overall = if weights > 0.0 {
        weighted / weights
    } else {
        100.0
    };
    Score {
        overall: to_score(overall),
        areas: out,
    }
}

fn to_score(value: f64) -> u8 {
    // Clamped to 0..=100 first, so the cast cannot truncate.
    value.round().clamp(0.0, 100.0) as u8
}

fn summarize(
    findings: &[JudgedFinding],
    metrics: &[JudgedMetric],
    escalations: &[Escalation],
    checklist: &[ChecklistPhase],
    plugin_errors: usize,
) -> Summary {
    let mut statuses: BTreeMap<String, usize> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let all = findings
        .iter()
        .map(|f| f.status)
        .chain(metrics.iter().map(|m| m.status));
    let mut worst: Option<Status> = None;
    for status in all {
        *statuses.entry(status.as_str().to_owned()).or_default() += 1;
        if status.rank().is_some() && worst.is_none_or(|w| status > w) {
            worst = Some(status);
        }
    }
    let mut states: BTreeMap<String, usize> = ["verified", "violated", "unknown"]
        .iter()
        .map(|s| ((*s).to_owned(), 0))
        .collect();
    for item in checklist.iter().flat_map(|phase| &phase.items) {
        let key = match item.status {
            ItemStatus::Verified => "verified",
            ItemStatus::Violated => "violated",
            ItemStatus::Unknown => "unknown",
        };
        *states.entry(key.to_owned()).or_default() += 1;
    }
    Summary {
        statuses,
        findings: findings.len(),
        metrics: metrics.len(),
        escalations: escalations.len(),
        plugin_errors,
        checklist: states,
        worst,
    }
}

fn compare_raw_metrics(a: &RawMetric, b: &RawMetric) -> std::cmp::Ordering {
    (&a.name, &a.labels, &a.plugin, &a.unit, &a.span)
        .cmp(&(&b.name, &b.labels, &b.plugin, &b.unit, &b.span))
        .then_with(|| a.value.total_cmp(&b.value))
        .then_with(|| a.samples.cmp(&b.samples))
}

fn compare_judged_metrics(a: &JudgedMetric, b: &JudgedMetric) -> std::cmp::Ordering {
    // Judged metrics by area first; those no row judges last.
    let row = |m: &JudgedMetric| (m.area.is_none(), m.area.clone(), m.policy_ref.clone());
    let what = |m: &JudgedMetric| {
        (
            m.name.clone(),
            m.labels.clone(),
            m.plugin.clone(),
            m.unit.clone(),
            m.span.clone(),
        )
    };
    row(a)
        .cmp(&row(b))
        .then_with(|| what(a).cmp(&what(b)))
        .then_with(|| match (a.value, b.value) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        })
}

fn compare_findings(a: &JudgedFinding, b: &JudgedFinding) -> std::cmp::Ordering {
    let key = |f: &JudgedFinding| {
        (
            f.area.clone(),
            f.finding.span.clone(),
            f.finding.rule.clone(),
            f.finding.plugin.clone(),
            f.finding.message.clone(),
        )
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| f_status(a).cmp(&f_status(b)))
        .then_with(|| a.finding.evidence.cmp(&b.finding.evidence))
        .then_with(|| a.finding.fix.cmp(&b.finding.fix))
        .then_with(|| a.finding.confidence.cmp(&b.finding.confidence))
}

fn f_status(f: &JudgedFinding) -> u8 {
    f.status.sort_key()
}
