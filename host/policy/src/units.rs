//! Quantities with units: policy values like `"200ms"`, `"0.1%"` or
//! `"10000 items/min"`, and metric units from the SDK vocabulary.
//!
//! Every quantity is held in its dimension's base unit: milliseconds for
//! durations, a fraction for ratios, events per second for rates, and plain
//! numbers for counts.

use toml::Value;

/// What a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Base unit: milliseconds.
    Duration,
    /// Base unit: a fraction (0.5 = 50 %).
    Ratio,
    /// Base unit: events per second.
    Rate,
    /// Base unit: one.
    Count,
}

/// The dimension of a unit and its size in the dimension's base unit.
pub fn unit(name: &str) -> Option<(Dimension, f64)> {
    use Dimension::{Count, Duration, Rate, Ratio};
    let unit = match name.trim().to_ascii_lowercase().as_str() {
        "us" | "µs" => (Duration, 0.001),
        "ms" => (Duration, 1.0),
        "s" | "sec" | "secs" | "second" | "seconds" => (Duration, 1_000.0),
        "min" | "mins" | "minute" | "minutes" => (Duration, 60_000.0),
        "h" | "hour" | "hours" => (Duration, 3_600_000.0),
        "d" | "day" | "days" => (Duration, 86_400_000.0),
        "ratio" => (Ratio, 1.0),
        "%" => (Ratio, 0.01),
        "req/s" | "rps" | "/s" | "per-s" | "items/s" => (Rate, 1.0),
        "req/min" | "rpm" | "/min" | "per-min" | "items/min" => (Rate, 1.0 / 60.0),
        "req/h" | "/h" | "per-h" | "items/h" => (Rate, 1.0 / 3_600.0),
        "" | "count" | "connections" | "items" | "jobs" => (Count, 1.0),
        _ => return None,
    };
    Some(unit)
}

/// What a policy value of `dimension` should look like, for error messages.
pub fn expectation(dimension: Dimension, default_unit: &str) -> String {
    match dimension {
        Dimension::Duration => format!("expected a duration or number of {default_unit}"),
        Dimension::Ratio => "expected a percentage (\"0.1%\") or a ratio".to_owned(),
        Dimension::Rate => {
            format!("expected a rate (\"1000rps\", \"5/min\") or number of {default_unit}")
        }
        Dimension::Count => "expected a number".to_owned(),
    }
}

/// A policy value (number, or string with a unit) in the base unit of
/// `default_unit`'s dimension; a bare number is in `default_unit`.
pub fn parse_quantity(value: &Value, default_unit: &str) -> Result<f64, String> {
    let (dimension, default_size) =
        unit(default_unit).ok_or_else(|| format!("unknown unit `{default_unit}`"))?;
    let wrong = || expectation(dimension, default_unit);
    let base = match value {
        Value::Integer(n) => *n as f64 * default_size,
        Value::Float(n) => *n * default_size,
        Value::String(text) => {
            let text = text.trim();
            let split = text
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | '_')))
                .unwrap_or(text.len());
            let (number, suffix) = text.split_at(split);
            let number: f64 = number.replace('_', "").parse().map_err(|_| wrong())?;
            let (unit_dimension, size) = unit(suffix).ok_or_else(wrong)?;
            if suffix.trim().is_empty() {
                number * default_size
            } else if unit_dimension == dimension {
                number * size
            } else {
                return Err(wrong());
            }
        }
        _ => return Err(wrong()),
    };
    if !base.is_finite() {
        return Err(wrong());
    }
    if base < 0.0 {
        return Err("must not be negative".to_owned());
    }
    Ok(base)
}

/// The unit a vocabulary metric is reported in (see
/// `perfwarden_sdk::vocabulary`); policy rows on other metrics name theirs.
pub fn vocabulary_unit(metric: &str) -> Option<&'static str> {
    let unit = match metric {
        "http.latency" | "db.query.latency" => "ms",
        "http.throughput" => "req/s",
        "http.error_rate" | "db.pool.usage" | "db.cpu" | "cache.hit_ratio" => "ratio",
        "http.requests"
        | "db.slow_queries"
        | "db.repeated_queries"
        | "queue.backlog"
        | "rate_limit.limit" => "count",
        "batch.throughput" => "items/min",
        "db.slow_query_rate" => "per-min",
        "pool.min" | "pool.max" => "connections",
        "pool.idle_timeout"
        | "cache.ttl"
        | "rate_limit.window"
        | "db.statement_timeout"
        | "http.client_timeout" => "s",
        _ => return None,
    };
    Some(unit)
}

/// A base-unit quantity shown in `unit` (rounded to 6 significant digits so
/// conversions such as 1000 ms -> 1 s print cleanly).
pub fn display_in(base: f64, unit_name: &str) -> f64 {
    let size = unit(unit_name).map_or(1.0, |(_, size)| size);
    round_significant(base / size)
}

fn round_significant(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(5 - magnitude);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str, default_unit: &str) -> Result<f64, String> {
        parse_quantity(&Value::String(text.to_owned()), default_unit)
    }

    #[test]
    fn durations_in_milliseconds() {
        assert_eq!(q("200ms", "ms"), Ok(200.0));
        assert_eq!(q("1s", "ms"), Ok(1_000.0));
        assert_eq!(q("1.5 s", "ms"), Ok(1_500.0));
        assert_eq!(q("15min", "s"), Ok(900_000.0));
        assert_eq!(q("24h", "s"), Ok(86_400_000.0));
        assert_eq!(q("250", "ms"), Ok(250.0));
        // A bare number is in the metric's unit: seconds for idle timeouts.
        assert_eq!(parse_quantity(&Value::Integer(30), "s"), Ok(30_000.0));
    }

    #[test]
    fn ratios_rates_and_counts() {
        assert_eq!(q("0.1%", "ratio"), Ok(0.001));
        assert_eq!(q("90%", "ratio"), Ok(0.9));
        assert_eq!(parse_quantity(&Value::Float(0.7), "ratio"), Ok(0.7));
        assert_eq!(q("1000rps", "req/s"), Ok(1_000.0));
        assert_eq!(q("5/min", "per-min"), Ok(5.0 / 60.0));
        let items = q("10000 items/min", "items/min").expect("rate");
        assert!((items - 10_000.0 / 60.0).abs() < 1e-9);
        assert_eq!(q("1_000", "count"), Ok(1_000.0));
    }

    #[test]
    fn wrong_dimension_or_text_is_refused() {
        assert_eq!(
            q("fast", "ms"),
            Err("expected a duration or number of ms".to_owned())
        );
        assert_eq!(
            q("5%", "ms"),
            Err("expected a duration or number of ms".to_owned())
        );
        assert!(q("1s", "ratio").is_err());
        assert!(parse_quantity(&Value::Boolean(true), "ms").is_err());
        assert_eq!(q("-1ms", "ms"), Err("must not be negative".to_owned()));
    }

    #[test]
    fn metric_units_and_display() {
        assert_eq!(unit("s"), Some((Dimension::Duration, 1_000.0)));
        assert_eq!(
            unit("req/min").map(|(d, _)| d),
            unit("req/s").map(|(d, _)| d)
        );
        assert_ne!(unit("s").map(|(d, _)| d), unit("ratio").map(|(d, _)| d));
        assert_eq!(unit("furlongs"), None);
        assert_eq!(display_in(1_200.0, "s"), 1.2);
        assert_eq!(display_in(1_000.0, "s"), 1.0);
        assert_eq!(display_in(10_000.0 / 60.0, "items/min"), 10_000.0);
    }
}
