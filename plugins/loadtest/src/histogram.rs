//! Streaming latency percentiles with a bounded, stated error.
//!
//! Samples are recorded in microseconds into log-linear buckets (HDR style):
//! values below 256 µs get one bucket each (exact), and every power of two
//! above is split into 128 linear sub-buckets. A bucket `[lo, lo + w)` has
//! `w <= lo / 128`, and a percentile is reported as the bucket's midpoint, so
//! the relative error is at most `1 / 256` (0.39 %), within the 1 % the
//! policy tolerates. Memory is at most 7,424 counters per histogram, whatever
//! the number of samples.
//!
//! Small sample sets are also kept exactly (up to [`EXACT_LIMIT`]) so that
//! the percentiles of a short run match the tool's own interpolation to the
//! digit; past that, the histogram answers.

/// Samples kept verbatim before only the histogram answers.
pub const EXACT_LIMIT: usize = 1024;

/// Linear sub-buckets per power of two (7 bits).
const SUB_BUCKETS: u64 = 128;

/// Relative error bound of a histogram percentile (half a sub-bucket).
pub const RELATIVE_ERROR: f64 = 1.0 / (2.0 * SUB_BUCKETS as f64);

/// How a percentile is interpolated between sorted exact samples; each tool
/// has its own, and matching it keeps our numbers equal to the tool's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// Hyndman–Fan type 6, `p * (n + 1)`: Apache Commons Math, used by
    /// JMeter's dashboard.
    Weibull,
    /// Hyndman–Fan type 7, `p * (n - 1)`: k6, numpy's default.
    Linear,
}

/// Latency recorder: exact samples while few, log-linear buckets always.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    exact: Vec<f64>,
    total: u64,
    sum_ms: f64,
    min_ms: f64,
    max_ms: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: Vec::new(),
            exact: Vec::new(),
            total: 0,
            sum_ms: 0.0,
            min_ms: f64::INFINITY,
            max_ms: f64::NEG_INFINITY,
        }
    }
}

fn bucket_of(micros: u64) -> usize {
    if micros < 2 * SUB_BUCKETS {
        return micros as usize;
    }
    let high_bit = 63 - u64::from(micros.leading_zeros());
    let shift = high_bit - 7;
    let mantissa = micros >> shift;
    (2 * SUB_BUCKETS + (shift - 1) * SUB_BUCKETS + (mantissa - SUB_BUCKETS)) as usize
}

/// Midpoint of a bucket, in microseconds.
fn bucket_value(index: usize) -> f64 {
    let index = index as u64;
    if index < 2 * SUB_BUCKETS {
        return index as f64;
    }
    let rest = index - 2 * SUB_BUCKETS;
    let shift = rest / SUB_BUCKETS + 1;
    let mantissa = rest % SUB_BUCKETS + SUB_BUCKETS;
    let low = (mantissa << shift) as f64;
    let width = (1u64 << shift) as f64;
    low + (width - 1.0) / 2.0
}

impl Histogram {
    /// Record one latency in milliseconds; negative or non-finite values
    /// (a clock glitch in the tool) are ignored.
    pub fn record(&mut self, ms: f64) {
        self.record_n(ms, 1);
    }

    /// Record `n` requests of the same latency (a JMeter row in
    /// statistical mode stands for `SampleCount` requests).
    pub fn record_n(&mut self, ms: f64, n: u64) {
        if !ms.is_finite() || ms < 0.0 || n == 0 {
            return;
        }
        // Non-negative, so adding a half and truncating rounds to nearest
        // without wasm's libm call for `round`.
        let micros = (ms * 1000.0 + 0.5) as u64;
        let index = bucket_of(micros);
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        self.counts[index] += n;
        let fits = (self.exact.len() as u64).saturating_add(n) <= EXACT_LIMIT as u64;
        if fits && self.total == self.exact.len() as u64 {
            self.exact.extend(std::iter::repeat_n(ms, n as usize));
        } else if !self.exact.is_empty() {
            // Past the limit the exact copy is useless: free it.
            self.exact = Vec::new();
        }
        self.total += n;
        self.sum_ms += ms * n as f64;
        // Plain comparisons: `ms` is finite, and `f64::min`/`max` are libm
        // calls in wasm.
        if ms < self.min_ms {
            self.min_ms = ms;
        }
        if ms > self.max_ms {
            self.max_ms = ms;
        }
    }

    /// Number of recorded samples.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Arithmetic mean, ms.
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum_ms / self.total as f64)
    }

    /// Smallest sample, ms.
    pub fn min(&self) -> Option<f64> {
        (self.total > 0).then_some(self.min_ms)
    }

    /// Largest sample, ms.
    pub fn max(&self) -> Option<f64> {
        (self.total > 0).then_some(self.max_ms)
    }

    /// Whether percentiles come from the exact samples (no bucket error).
    pub fn is_exact(&self) -> bool {
        self.total > 0 && self.exact.len() as u64 == self.total
    }

    /// The `rank` percentile (0..=100), ms.
    pub fn percentile(&self, rank: f64, interpolation: Interpolation) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        if self.is_exact() {
            let mut sorted = self.exact.clone();
            sorted.sort_by(f64::total_cmp);
            return Some(interpolate(&sorted, rank / 100.0, interpolation));
        }
        // Nearest rank over the buckets; clamped to the true extremes so a
        // bucket midpoint never reports more than the real maximum.
        let target = ((rank / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= target {
                let ms = bucket_value(index) / 1000.0;
                return Some(ms.clamp(self.min_ms, self.max_ms));
            }
        }
        Some(self.max_ms)
    }
}

fn interpolate(sorted: &[f64], p: f64, interpolation: Interpolation) -> f64 {
    let n = sorted.len();
    let last = sorted[n - 1];
    match interpolation {
        Interpolation::Linear => {
            let pos = p * (n - 1) as f64;
            let low = pos.floor() as usize;
            let high = (low + 1).min(n - 1);
            sorted[low] + (pos - low as f64) * (sorted[high] - sorted[low])
        }
        Interpolation::Weibull => {
            let pos = p * (n + 1) as f64;
            if pos < 1.0 {
                sorted[0]
            } else if pos >= n as f64 {
                last
            } else {
                let low = pos.floor() as usize;
                sorted[low - 1] + (pos - low as f64) * (sorted[low] - sorted[low - 1])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_monotonic() {
        let mut previous = 0;
        for micros in 0..200_000u64 {
            let index = bucket_of(micros);
            assert!(
                index == previous || index == previous + 1,
                "gap at {micros}"
            );
            previous = index;
        }
        assert!(bucket_of(u64::MAX) < 7424);
    }

    #[test]
    fn bucket_midpoint_is_within_the_stated_error() {
        for micros in [1u64, 255, 256, 300, 1_000, 12_345, 999_999, 123_456_789] {
            let value = bucket_value(bucket_of(micros));
            let error = (value - micros as f64).abs() / micros as f64;
            assert!(error <= RELATIVE_ERROR, "{micros} -> {value} ({error})");
        }
    }

    #[test]
    fn large_sets_use_buckets_within_one_percent() {
        let mut histogram = Histogram::default();
        // 1..=100_000 µs uniformly: p95 is 95 ms, p99.9 is 99.9 ms.
        for micros in 1..=100_000u64 {
            histogram.record(micros as f64 / 1000.0);
        }
        assert!(!histogram.is_exact());
        for (rank, expected) in [(50.0, 50.0), (95.0, 95.0), (99.9, 99.9)] {
            let got = histogram
                .percentile(rank, Interpolation::Linear)
                .expect("samples were recorded");
            assert!((got - expected).abs() / expected <= 0.01, "p{rank}: {got}");
        }
        assert_eq!(histogram.max(), Some(100.0));
        assert_eq!(histogram.len(), 100_000);
    }

    #[test]
    fn small_sets_interpolate_like_the_tool() {
        let mut histogram = Histogram::default();
        for ms in [10.0, 20.0, 30.0, 40.0] {
            histogram.record(ms);
        }
        assert_eq!(
            histogram.percentile(50.0, Interpolation::Linear),
            Some(25.0)
        );
        // Type 6: position 0.9 * 5 = 4.5 is past the last sample.
        assert_eq!(
            histogram.percentile(90.0, Interpolation::Weibull),
            Some(40.0)
        );
        assert_eq!(
            histogram.percentile(50.0, Interpolation::Weibull),
            Some(25.0)
        );
        assert_eq!(histogram.mean(), Some(25.0));
    }

    #[test]
    fn weighted_samples_count_each_request() {
        let mut histogram = Histogram::default();
        histogram.record_n(10.0, 3);
        histogram.record(40.0);
        assert_eq!(histogram.len(), 4);
        assert_eq!(histogram.mean(), Some(17.5));
        assert_eq!(
            histogram.percentile(50.0, Interpolation::Linear),
            Some(10.0)
        );
        histogram.record_n(20.0, 5_000);
        assert!(!histogram.is_exact());
        let p50 = histogram.percentile(50.0, Interpolation::Linear);
        assert!(p50.is_some_and(|v| (v - 20.0).abs() <= 20.0 * RELATIVE_ERROR));
    }

    #[test]
    fn empty_and_invalid_samples_report_nothing() {
        let mut histogram = Histogram::default();
        histogram.record(f64::NAN);
        histogram.record(-1.0);
        assert!(histogram.is_empty());
        assert_eq!(histogram.percentile(95.0, Interpolation::Linear), None);
        assert_eq!(histogram.mean(), None);
    }
}
