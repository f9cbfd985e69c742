//! Units of configuration values: nginx/Redis durations, Redis memory
//! sizes, nginx request rates, Spring, Caffeine and app-config durations.

/// An nginx time value (`30`, `500ms`, `10s`, `5m`, `1h30m`, `2d`) in
/// seconds. A bare number means seconds, as in nginx.
pub fn nginx_duration_s(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Some(secs as f64);
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "" | "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            "w" => 604_800.0,
            "M" => 2_592_000.0,
            "y" => 31_536_000.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// A Redis memory value (`100mb`, `1gb`, `512k`, `1073741824`) in bytes:
/// `k`/`m`/`g` are powers of 1000, `kb`/`mb`/`gb` powers of 1024, case
/// insensitive, as redis.conf documents.
pub fn redis_memory_bytes(text: &str) -> Option<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number: u64 = lower[..digits].parse().ok()?;
    let factor: u64 = match &lower[digits..] {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// An nginx `rate=` value: `10r/s` or `30r/m`, as (requests, window in s).
pub fn nginx_rate(text: &str) -> Option<(f64, f64)> {
    let (number, per) = text.trim().split_once("r/")?;
    let requests: f64 = number.parse().ok()?;
    let window = match per {
        "s" => 1.0,
        "m" => 60.0,
        _ => return None,
    };
    (requests > 0.0).then_some((requests, window))
}

/// A Spring Boot `Duration` property: a bare number in the property's
/// default unit (`default_unit_s` seconds per unit) or a suffixed value
/// (`30s`, `500ms`, `10m`, `1h`, `1d`), or ISO-8601 (`PT30S`).
pub fn spring_duration_s(text: &str, default_unit_s: f64) -> Option<f64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        return Some(number * default_unit_s);
    }
    if let Some(iso) = text.strip_prefix("PT").or_else(|| text.strip_prefix("pt")) {
        let upper = iso.to_ascii_uppercase();
        let mut total = 0.0;
        let mut number = String::new();
        for c in upper.chars() {
            match c {
                '0'..='9' | '.' => number.push(c),
                'H' | 'M' | 'S' => {
                    let value: f64 = number.parse().ok()?;
                    number.clear();
                    total += value
                        * match c {
                            'H' => 3600.0,
                            'M' => 60.0,
                            _ => 1.0,
                        };
                }
                _ => return None,
            }
        }
        return number.is_empty().then_some(total);
    }
    let digits = text
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number: f64 = text.get(..digits)?.parse().ok()?;
    let factor = match &text[digits..] {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    Some(number * factor)
}

/// A duration in an application config: a bare number in the key's unit
/// (`default_unit_s` seconds), ISO-8601 (`PT5M`), or a number with a unit
/// (`300ms`, `5m`, `5 min`, `1 hour`, `2 days`).
pub fn app_duration_s(text: &str, default_unit_s: f64) -> Option<f64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        return number.is_finite().then_some(number * default_unit_s);
    }
    if text.len() > 2 && text[..2].eq_ignore_ascii_case("pt") {
        return spring_duration_s(text, 1.0);
    }
    let digits = text
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number: f64 = text.get(..digits)?.parse().ok()?;
    let factor = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "ms" | "millis" | "milliseconds" => 1e-3,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        _ => return None,
    };
    Some(number * factor)
}

/// A Caffeine spec duration (`expireAfterWrite=10m`): a whole number with
/// `d`, `h`, `m` or `s`, or ISO-8601 (`PT10M`), in seconds.
pub fn caffeine_duration_s(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Some(iso) = text.strip_prefix(['P', 'p']) {
        // `P1D`, `P1DT12H`, `PT10M`: days before the `T`, the rest as Spring reads it.
        let (days, time) = iso.split_once(['T', 't']).unwrap_or((iso, ""));
        let days = match days {
            "" => 0.0,
            d => d.strip_suffix(['D', 'd'])?.parse::<f64>().ok()? * 86_400.0,
        };
        let time = match time {
            "" => 0.0,
            t => spring_duration_s(&format!("PT{t}"), 1.0)?,
        };
        return Some(days + time);
    }
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let number: u64 = number.parse().ok()?;
    let factor = match unit {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        _ => return None,
    };
    Some((number * factor) as f64)
}

/// A PostgreSQL time setting (`statement_timeout`): a bare number is
/// milliseconds; units `us`, `ms`, `s`, `min`, `h`, `d`. Returns seconds.
pub fn postgres_duration_s(text: &str) -> Option<f64> {
    let text = text.trim().trim_matches(['\'', '"']);
    let digits = text
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number: f64 = text.get(..digits)?.parse().ok()?;
    let factor = match text[digits..].trim() {
        "" | "ms" => 1e-3,
        "us" => 1e-6,
        "s" => 1.0,
        "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return None,
    };
    Some(number * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_durations() {
        assert_eq!(nginx_duration_s("30"), Some(30.0));
        assert_eq!(nginx_duration_s("10m"), Some(600.0));
        assert_eq!(nginx_duration_s("1h30m"), Some(5400.0));
        assert_eq!(nginx_duration_s("500ms"), Some(0.5));
        assert_eq!(nginx_duration_s("1d"), Some(86_400.0));
        assert_eq!(nginx_duration_s("ten"), None);
        assert_eq!(nginx_duration_s("5x"), None);
    }

    #[test]
    fn redis_memory_units_follow_redis_conf() {
        assert_eq!(redis_memory_bytes("100mb"), Some(104_857_600));
        assert_eq!(redis_memory_bytes("1GB"), Some(1_073_741_824));
        assert_eq!(redis_memory_bytes("1g"), Some(1_000_000_000));
        assert_eq!(redis_memory_bytes("512k"), Some(512_000));
        assert_eq!(redis_memory_bytes("2048"), Some(2048));
        assert_eq!(redis_memory_bytes("lots"), None);
        assert_eq!(redis_memory_bytes("1tb"), None);
    }

    #[test]
    fn nginx_rates() {
        assert_eq!(nginx_rate("10r/s"), Some((10.0, 1.0)));
        assert_eq!(nginx_rate("5r/m"), Some((5.0, 60.0)));
        assert_eq!(nginx_rate("5r/h"), None);
        assert_eq!(nginx_rate("0r/s"), None);
    }

    #[test]
    fn spring_and_postgres_durations() {
        assert_eq!(spring_duration_s("30000", 0.001), Some(30.0));
        assert_eq!(spring_duration_s("10m", 0.001), Some(600.0));
        assert_eq!(spring_duration_s("PT1H30M", 1.0), Some(5400.0));
        assert_eq!(spring_duration_s("soon", 1.0), None);
        assert_eq!(postgres_duration_s("5000"), Some(5.0));
        assert_eq!(postgres_duration_s("'5s'"), Some(5.0));
        assert_eq!(postgres_duration_s("1min"), Some(60.0));
        assert_eq!(postgres_duration_s("fast"), None);
    }

    #[test]
    fn app_and_caffeine_durations() {
        assert_eq!(app_duration_s("300", 1.0), Some(300.0));
        assert_eq!(app_duration_s("30000", 0.001), Some(30.0));
        assert_eq!(app_duration_s("5m", 1.0), Some(300.0));
        assert_eq!(app_duration_s("5 minutes", 1.0), Some(300.0));
        assert_eq!(app_duration_s("1 hour", 1.0), Some(3600.0));
        assert_eq!(app_duration_s("PT1M", 1.0), Some(60.0));
        assert_eq!(app_duration_s("soon", 1.0), None);
        assert_eq!(caffeine_duration_s("10m"), Some(600.0));
        assert_eq!(caffeine_duration_s("2d"), Some(172_800.0));
        assert_eq!(caffeine_duration_s("PT30S"), Some(30.0));
        assert_eq!(caffeine_duration_s("P1DT1H"), Some(90_000.0));
        assert_eq!(caffeine_duration_s("10M"), None);
        assert_eq!(caffeine_duration_s("10"), None);
    }
}
