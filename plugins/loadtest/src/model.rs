//! What every format parses into, and how it becomes vocabulary metrics.
//!
//! Summary formats fill a [`Report`] with the numbers the tool printed; raw
//! sample formats feed an [`Aggregator`], which computes the same numbers
//! from a streaming [`Histogram`] per endpoint.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use perfwarden_sdk::vocabulary::{self, label, unit};
use perfwarden_sdk::{Metric, Output, Span};

use crate::endpoints::EndpointNames;
use crate::histogram::{Histogram, Interpolation};

/// One latency statistic (`p95`, `mean`, `max`...), in ms.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    /// Vocabulary percentile label: `p95`, `p99.9`, `mean`, `min`, `max`.
    pub label: String,
    /// Value in ms.
    pub value: f64,
    /// How the rank was inferred when the tool does not name it.
    pub derivation: Option<String>,
}

impl Stat {
    pub fn new(label: impl Into<String>, value: f64) -> Self {
        Self {
            label: label.into(),
            value,
            derivation: None,
        }
    }

    pub fn derived(mut self, derivation: impl Into<String>) -> Self {
        self.derivation = Some(derivation.into());
        self
    }

    /// The percentile rank of a `pNN` label; `None` for mean/min/max.
    pub fn rank(label: &str) -> Option<f64> {
        label.strip_prefix('p')?.parse().ok()
    }
}

/// Numbers for one endpoint, or for the whole run (`endpoint == None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointReport {
    pub endpoint: Option<String>,
    pub method: Option<String>,
    pub latency: Vec<Stat>,
    pub requests: Option<u64>,
    pub throughput: Option<f64>,
    /// Failed / total by the tool's own definition (assertions, checks...).
    pub error_rate_tool: Option<f64>,
    /// Failed / total counting transport errors and HTTP status >= 400.
    pub error_rate_status: Option<f64>,
    /// Percentiles not reported because the run had too few samples.
    pub withheld: Vec<String>,
    /// Line of the file where this endpoint first appears.
    pub line: Option<u32>,
    /// Most concurrent users during the run (Locust's `User Count`),
    /// reported with the throughput it produced.
    pub peak_users: Option<u64>,
    /// How the endpoint name was derived from the tool's raw labels, when it
    /// was (see [`crate::endpoints`]).
    pub naming: Option<&'static str>,
}

/// A threshold the tool itself evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub metric: String,
    pub expression: String,
    pub failed: bool,
    pub line: Option<u32>,
}

/// Items processed per minute by a batch job, as the tool counted them.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub job: String,
    pub per_minute: f64,
    pub items: Option<u64>,
    pub line: Option<u32>,
}

/// A parsed result file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Tool name, reported as the `source` label.
    pub source: &'static str,
    pub endpoints: Vec<EndpointReport>,
    pub overall: Option<EndpointReport>,
    pub thresholds: Vec<Threshold>,
    /// Problems in single records that did not stop the parse.
    pub skipped: Vec<(u32, String)>,
    /// What a reader of the numbers must know about the file as a whole
    /// (e.g. columns that were not used, and why).
    pub notes: Vec<(u32, String)>,
    pub batches: Vec<Batch>,
    /// Metrics outside the HTTP model (cache, pool, queue, custom), ready
    /// to report as they are.
    pub extra: Vec<Metric>,
}

/// Label saying how the `endpoint` label was derived from the tool's raw
/// label (`config`, `ids-collapsed`; see [`crate::endpoints`]).
pub const NAMING: &str = "naming";
/// Label of a throughput: the most concurrent users that produced it.
pub const PEAK_USERS: &str = "peak_users";

/// Percentiles computed from raw samples.
const RANKS: [f64; 6] = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9];

/// Samples needed before a percentile means anything: the rank must fall
/// between two real samples (p99 needs 100, p99.9 needs 1000).
pub fn samples_needed(rank: f64) -> u64 {
    if rank >= 100.0 {
        return 1;
    }
    (100.0 / (100.0 - rank) - 1e-9).ceil() as u64
}

/// One raw sample.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub endpoint: &'a str,
    pub method: Option<&'a str>,
    pub elapsed_ms: f64,
    /// Success by the tool's own verdict, when it has one.
    pub ok: Option<bool>,
    /// HTTP status; `Some(0)` for a transport error.
    pub status: Option<u16>,
    /// Start time, epoch ms.
    pub start_ms: Option<f64>,
    /// Requests the row stands for: JMeter's `SampleCount` (statistical
    /// mode aggregates several samples into one row), else 1.
    pub count: u64,
    /// Failed requests among them (JMeter's `ErrorCount`), when given.
    pub errors: Option<u64>,
    pub line: u32,
}

#[derive(Debug, Default)]
struct Accumulator {
    method: Option<String>,
    histogram: Histogram,
    requests: u64,
    tool_known: u64,
    tool_errors: u64,
    status_known: u64,
    status_errors: u64,
    first_start: f64,
    last_end: f64,
    line: u32,
    naming: Option<&'static str>,
}

impl Accumulator {
    fn new(method: Option<&str>, line: u32, naming: Option<&'static str>) -> Self {
        Self {
            method: method.map(str::to_owned),
            first_start: f64::INFINITY,
            last_end: f64::NEG_INFINITY,
            line,
            naming,
            ..Self::default()
        }
    }

    fn add(&mut self, sample: &Sample<'_>) {
        let n = sample.count.max(1);
        self.histogram.record_n(sample.elapsed_ms, n);
        self.requests += n;
        match (sample.errors, sample.ok) {
            (Some(errors), _) => {
                self.tool_known += n;
                self.tool_errors += errors.min(n);
            }
            (None, Some(ok)) => {
                self.tool_known += n;
                self.tool_errors += if ok { 0 } else { n };
            }
            (None, None) => {}
        }
        if let Some(status) = sample.status {
            self.status_known += n;
            self.status_errors += if status == 0 || status >= 400 { n } else { 0 };
        }
        // Comparisons, not `f64::min`/`max`: those are libm calls in wasm,
        // and a NaN start (never produced by the parsers) is simply skipped.
        if let Some(start) = sample.start_ms {
            if start < self.first_start {
                self.first_start = start;
            }
            let end = start
                + if sample.elapsed_ms > 0.0 {
                    sample.elapsed_ms
                } else {
                    0.0
                };
            if end > self.last_end {
                self.last_end = end;
            }
        }
    }

    fn report(&self, endpoint: Option<String>, interpolation: Interpolation) -> EndpointReport {
        let histogram = &self.histogram;
        let n = histogram.len();
        let mut latency = Vec::new();
        let mut withheld = Vec::new();
        let derivation = (!histogram.is_exact()).then_some("hdr-histogram-1pct");
        for rank in RANKS {
            let name = vocabulary::percentile_label(rank);
            if n < samples_needed(rank) {
                withheld.push(name);
                continue;
            }
            if let Some(value) = histogram.percentile(rank, interpolation) {
                let stat = Stat::new(name, value);
                latency.push(match derivation {
                    Some(d) => stat.derived(d),
                    None => stat,
                });
            }
        }
        for (name, value) in [
            ("mean", histogram.mean()),
            ("min", histogram.min()),
            ("max", histogram.max()),
        ] {
            if let Some(value) = value {
                latency.push(Stat::new(name, value));
            }
        }
        let seconds = (self.last_end - self.first_start) / 1000.0;
        let timed = seconds.is_finite() && seconds > 0.0;
        EndpointReport {
            endpoint,
            method: self.method.clone(),
            latency,
            requests: Some(self.requests),
            throughput: timed.then(|| self.requests as f64 / seconds),
            error_rate_tool: (self.tool_known > 0)
                .then(|| self.tool_errors as f64 / self.tool_known as f64),
            error_rate_status: (self.status_known > 0)
                .then(|| self.status_errors as f64 / self.status_known as f64),
            withheld,
            line: Some(self.line),
            peak_users: None,
            naming: self.naming,
        }
    }
}

/// Endpoints past this many are folded into the overall numbers only, so
/// a run that tags every URL with an id cannot exhaust memory.
pub const MAX_ENDPOINTS: usize = 2000;

/// Distinct raw labels remembered by [`Aggregator`].
const MAX_RAW_LABELS: usize = 4 * MAX_ENDPOINTS;

/// Builds a [`Report`] from raw samples, one pass, bounded memory.
#[derive(Debug)]
pub struct Aggregator<'a> {
    source: &'static str,
    interpolation: Interpolation,
    names: &'a EndpointNames,
    index: FxHashMap<String, usize>,
    /// Raw `method label` -> slot in `endpoints` (`None`: past
    /// `MAX_ENDPOINTS`). Runs repeat a few labels millions of times; this
    /// skips naming them again.
    raw_index: FxHashMap<String, Option<usize>>,
    endpoints: Vec<(String, Accumulator)>,
    overall: Accumulator,
    /// Transaction-controller parents: reported per endpoint but kept out of
    /// the overall numbers, which would otherwise count children twice.
    parents: Accumulator,
    key: String,
    dropped_endpoints: u64,
    pub skipped: Vec<(u32, String)>,
}

/// Skipped records listed per file; the rest are only counted.
const MAX_SKIPPED: usize = 20;

impl<'a> Aggregator<'a> {
    /// Samples are filed under the endpoint name `names` gives their label.
    pub fn new(
        source: &'static str,
        interpolation: Interpolation,
        names: &'a EndpointNames,
    ) -> Self {
        Self {
            source,
            interpolation,
            names,
            index: FxHashMap::default(),
            raw_index: FxHashMap::default(),
            endpoints: Vec::new(),
            overall: Accumulator::new(None, 1, None),
            parents: Accumulator::new(None, 1, None),
            key: String::new(),
            dropped_endpoints: 0,
            skipped: Vec::new(),
        }
    }

    /// Note a record that could not be read, and go on.
    pub fn skip(&mut self, line: u32, why: impl Into<String>) {
        if self.skipped.len() < MAX_SKIPPED {
            self.skipped.push((line, why.into()));
        }
    }

    pub fn add(&mut self, sample: &Sample<'_>) {
        self.add_to_endpoint(sample);
        self.overall.add(sample);
    }

    /// A transaction-controller parent row (see `Aggregator::parents`).
    pub fn add_parent(&mut self, sample: &Sample<'_>) {
        self.add_to_endpoint(sample);
        self.parents.add(sample);
    }

    fn add_to_endpoint(&mut self, sample: &Sample<'_>) {
        // One reusable key buffer: no allocation per sample for a known label.
        self.key.clear();
        if let Some(method) = sample.method {
            self.key.push_str(method);
            self.key.push(' ');
        }
        let method_len = self.key.len();
        self.key.push_str(sample.endpoint);
        let slot = match self.raw_index.get(self.key.as_str()) {
            Some(&slot) => slot,
            None => {
                let slot = self.slot_of_new_label(sample, method_len);
                // Ids in raw labels (`/users/123`) would grow this map
                // without bound; past the cap such labels are named each time.
                if self.raw_index.len() < MAX_RAW_LABELS {
                    self.raw_index.insert(self.key.clone(), slot);
                }
                slot
            }
        };
        match slot {
            Some(slot) => self.endpoints[slot].1.add(sample),
            None => self.dropped_endpoints += 1,
        }
    }

    /// The endpoint slot of a label not seen before (`self.key` holds the
    /// raw key), created when there is room.
    fn slot_of_new_label(&mut self, sample: &Sample<'_>, method_len: usize) -> Option<usize> {
        let mut named = String::with_capacity(self.key.len());
        named.push_str(&self.key[..method_len]);
        let naming = self.names.write_name(sample.endpoint, &mut named);
        if let Some(&slot) = self.index.get(named.as_str()) {
            return Some(slot);
        }
        if self.endpoints.len() >= MAX_ENDPOINTS {
            return None;
        }
        self.endpoints.push((
            named[method_len..].to_owned(),
            Accumulator::new(sample.method, sample.line, naming),
        ));
        self.index.insert(named, self.endpoints.len() - 1);
        Some(self.endpoints.len() - 1)
    }

    pub fn finish(self) -> Report {
        let overall = if self.overall.requests > 0 {
            &self.overall
        } else {
            &self.parents
        };
        let mut skipped = self.skipped;
        if self.dropped_endpoints > 0 {
            skipped.push((
                1,
                format!(
                    "more than {MAX_ENDPOINTS} distinct endpoints: {} samples counted in the overall numbers only",
                    self.dropped_endpoints
                ),
            ));
        }
        Report {
            source: self.source,
            endpoints: self
                .endpoints
                .iter()
                .map(|(name, acc)| acc.report(Some(name.clone()), self.interpolation))
                .collect(),
            overall: (overall.requests > 0).then(|| overall.report(None, self.interpolation)),
            thresholds: Vec::new(),
            skipped,
            notes: Vec::new(),
            batches: Vec::new(),
            extra: Vec::new(),
        }
    }
}

/// `derivation` of a percentile that is the highest of merged summaries.
pub const MAX_OF_MERGED: &str = "max-of-merged";

/// Fold the summary `part` into `into` (same endpoint name): counts, rates,
/// mean, min and max exactly; a percentile as the highest of the parts (an
/// upper bound of the merged one), dropped when a part lacks it.
fn merge_into(into: &mut EndpointReport, part: EndpointReport) {
    let (n1, n2) = (into.requests, part.requests);
    let weighted = |x: Option<f64>, y: Option<f64>| match (x, n1, y, n2) {
        (Some(x), Some(a), Some(y), Some(b)) if a + b > 0 => {
            Some((x * a as f64 + y * b as f64) / (a + b) as f64)
        }
        _ => None,
    };
    let stat = |report: &EndpointReport, label: &str| {
        report
            .latency
            .iter()
            .find(|s| s.label == label)
            .map(|s| s.value)
    };
    into.error_rate_tool = weighted(into.error_rate_tool, part.error_rate_tool);
    into.error_rate_status = weighted(into.error_rate_status, part.error_rate_status);
    let mean = weighted(stat(into, "mean"), stat(&part, "mean"));
    into.throughput = into.throughput.zip(part.throughput).map(|(a, b)| a + b);
    into.requests = n1.zip(n2).map(|(a, b)| a + b);
    into.latency = std::mem::take(&mut into.latency)
        .into_iter()
        .filter_map(|mut merged| {
            let other = stat(&part, &merged.label)?;
            match merged.label.as_str() {
                "mean" => merged.value = mean?,
                "min" => merged.value = merged.value.min(other),
                "max" => merged.value = merged.value.max(other),
                _ => {
                    merged.value = merged.value.max(other);
                    merged.derivation = Some(match merged.derivation.take() {
                        Some(d) if d.starts_with(MAX_OF_MERGED) => d,
                        Some(d) => format!("{MAX_OF_MERGED}+{d}"),
                        None => MAX_OF_MERGED.to_owned(),
                    });
                }
            }
            Some(merged)
        })
        .collect();
    for label in part.withheld {
        if !into.withheld.contains(&label) {
            into.withheld.push(label);
        }
    }
    into.line = into.line.min(part.line).or(into.line).or(part.line);
    into.peak_users = into.peak_users.max(part.peak_users);
}

impl Report {
    /// File summary endpoints under their [`EndpointNames`] name, merging
    /// the ones that share a name and method (see `merge_into`). Raw
    /// sample formats are named as they are aggregated instead.
    pub fn name_endpoints(&mut self, names: &EndpointNames) {
        let mut named: Vec<EndpointReport> = Vec::with_capacity(self.endpoints.len());
        let mut index: HashMap<(Option<String>, String), usize> = HashMap::new();
        for mut endpoint in std::mem::take(&mut self.endpoints) {
            let Some(raw) = endpoint.endpoint.take() else {
                named.push(endpoint);
                continue;
            };
            let (name, naming) = names.name(&raw);
            endpoint.endpoint = Some(name.clone());
            endpoint.naming = endpoint.naming.or(naming);
            match index.entry((endpoint.method.clone(), name)) {
                Entry::Occupied(slot) => merge_into(&mut named[*slot.get()], endpoint),
                Entry::Vacant(slot) => {
                    slot.insert(named.len());
                    named.push(endpoint);
                }
            }
        }
        self.endpoints = named;
    }

    /// Every endpoint report, overall last.
    pub fn all(&self) -> impl Iterator<Item = &EndpointReport> {
        self.endpoints.iter().chain(self.overall.as_ref())
    }

    /// Append the vocabulary metrics of this report.
    pub fn emit(&self, path: &str, out: &mut Output) {
        for endpoint in self.all() {
            let span = Span::line(path, endpoint.line.unwrap_or(1));
            let base = |name: &str, value: f64, unit: &str| {
                let mut metric = Metric::new(name, value, unit).span(span.clone());
                if let Some(name) = &endpoint.endpoint {
                    metric = metric.label(label::ENDPOINT, name.as_str());
                }
                if let Some(method) = &endpoint.method {
                    metric = metric.label(label::METHOD, method.as_str());
                }
                if let Some(naming) = endpoint.naming {
                    metric = metric.label(NAMING, naming);
                }
                metric = metric.label(label::SOURCE, self.source);
                match endpoint.requests {
                    Some(n) => metric.samples(n),
                    None => metric,
                }
            };
            for stat in &endpoint.latency {
                let mut metric = base(vocabulary::HTTP_LATENCY, stat.value, unit::MS)
                    .label(label::PERCENTILE, stat.label.as_str());
                if let Some(derivation) = &stat.derivation {
                    metric = metric.label(label::DERIVATION, derivation.as_str());
                }
                out.metric(metric);
            }
            if let Some(rps) = endpoint.throughput {
                let metric = base(vocabulary::HTTP_THROUGHPUT, rps, unit::REQ_PER_S);
                out.metric(match endpoint.peak_users {
                    Some(users) => metric.label(PEAK_USERS, users.to_string()),
                    None => metric,
                });
            }
            if let Some(n) = endpoint.requests {
                out.metric(base(vocabulary::HTTP_REQUESTS, n as f64, unit::COUNT));
            }
            for (definition, rate) in [
                ("tool", endpoint.error_rate_tool),
                ("status", endpoint.error_rate_status),
            ] {
                if let Some(rate) = rate {
                    out.metric(
                        base(vocabulary::HTTP_ERROR_RATE, rate, unit::RATIO)
                            .label(label::DEFINITION, definition),
                    );
                }
            }
        }
        for batch in &self.batches {
            let metric = Metric::new(
                vocabulary::BATCH_THROUGHPUT,
                batch.per_minute,
                unit::ITEMS_PER_MIN,
            )
            .label(label::JOB, batch.job.as_str())
            .label(label::SOURCE, self.source)
            .span(Span::line(path, batch.line.unwrap_or(1)));
            out.metric(match batch.items {
                Some(n) => metric.samples(n),
                None => metric,
            });
        }
        out.metrics.extend(self.extra.iter().cloned());
        for (line, why) in &self.skipped {
            out.note(
                format!("{}: skipped a record: {why}", self.source),
                Some(Span::line(path, *line)),
            );
        }
        for (line, what) in &self.notes {
            out.note(
                format!("{}: {what}", self.source),
                Some(Span::line(path, *line)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_needed_follow_the_rank() {
        assert_eq!(samples_needed(50.0), 2);
        assert_eq!(samples_needed(95.0), 20);
        assert_eq!(samples_needed(99.0), 100);
        assert_eq!(samples_needed(99.9), 1000);
        assert_eq!(samples_needed(100.0), 1);
    }

    fn sample(endpoint: &str, ms: f64, status: u16, start: f64) -> Sample<'_> {
        Sample {
            endpoint,
            method: Some("GET"),
            elapsed_ms: ms,
            ok: Some(status < 400),
            status: Some(status),
            start_ms: Some(start),
            count: 1,
            errors: None,
            line: 2,
        }
    }

    #[test]
    fn aggregator_computes_rates_and_withholds_undersampled_percentiles() {
        let names = EndpointNames::default();
        let mut agg = Aggregator::new("test", Interpolation::Linear, &names);
        for i in 0..40 {
            let status = if i % 10 == 0 { 500 } else { 200 };
            agg.add(&sample("/a", f64::from(i), status, f64::from(i) * 100.0));
        }
        let report = agg.finish();
        let overall = report.overall.expect("samples were added");
        assert_eq!(overall.requests, Some(40));
        assert_eq!(overall.error_rate_status, Some(0.1));
        assert_eq!(overall.error_rate_tool, Some(0.1));
        // 40 samples over 3.939 s (last start 3.9 s + 39 ms).
        let rps = overall.throughput.expect("timed samples");
        assert!((rps - 40.0 / 3.939).abs() < 1e-9);
        assert_eq!(overall.withheld, ["p99", "p99.9"]);
        let p95 = overall.latency.iter().find(|s| s.label == "p95");
        assert_eq!(p95.map(|s| s.value), Some(37.05));
        assert_eq!(report.endpoints[0].endpoint.as_deref(), Some("/a"));
    }
}
