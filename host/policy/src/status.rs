//! Statuses: how well a metric or finding meets the policy.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The verdict on one metric or finding.
///
/// Judged statuses are ordered `Met < Acceptable < AtRisk < Alert`.
/// `NoData` (expected but not reported, or nothing to judge it against) is
/// outside that order: it compares with nothing but itself, never violates
/// a threshold and never passes silently (it is counted apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Meets the target.
    Met,
    /// Misses the target but is within the acceptable band.
    Acceptable,
    /// Between the acceptable band and the alert threshold.
    AtRisk,
    /// Past the alert threshold.
    Alert,
    /// Nothing measured, or nothing to judge it against.
    NoData,
}

impl Status {
    /// All statuses, judged ones in order, then `NoData`.
    pub const ALL: [Status; 5] = [
        Status::Met,
        Status::Acceptable,
        Status::AtRisk,
        Status::Alert,
        Status::NoData,
    ];

    /// Severity rank of a judged status (`Met` = 0 .. `Alert` = 3).
    pub fn rank(self) -> Option<u8> {
        match self {
            Self::Met => Some(0),
            Self::Acceptable => Some(1),
            Self::AtRisk => Some(2),
            Self::Alert => Some(3),
            Self::NoData => None,
        }
    }

    /// Whether this status fails a `--fail-on` threshold: a judged status
    /// at or above it. `NoData` violates nothing, and nothing violates a
    /// `NoData` threshold.
    pub fn violates(self, fail_on: Status) -> bool {
        match (self.rank(), fail_on.rank()) {
            (Some(own), Some(threshold)) => own >= threshold,
            _ => false,
        }
    }

    /// The kebab-case name used in policies and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Acceptable => "acceptable",
            Self::AtRisk => "at-risk",
            Self::Alert => "alert",
            Self::NoData => "no-data",
        }
    }

    /// A total order for sorting reports: judged by severity, then `NoData`.
    pub(crate) fn sort_key(self) -> u8 {
        self.rank().unwrap_or(4)
    }
}

impl PartialOrd for Status {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self.rank(), other.rank()) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            (None, None) => Some(Ordering::Equal),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown status `{text}` (expected met, acceptable, at-risk, alert or no-data)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn judged_statuses_are_ordered_and_no_data_stands_apart() {
        assert!(Status::Met < Status::Acceptable);
        assert!(Status::Acceptable < Status::AtRisk);
        assert!(Status::AtRisk < Status::Alert);
        assert_eq!(Status::NoData.partial_cmp(&Status::Met), None);
        assert_eq!(Status::Alert.partial_cmp(&Status::NoData), None);
    }

    #[test]
    fn violates_at_or_above_the_threshold() {
        assert!(Status::Alert.violates(Status::Alert));
        assert!(Status::Alert.violates(Status::AtRisk));
        assert!(!Status::AtRisk.violates(Status::Alert));
        assert!(Status::Met.violates(Status::Met));
        assert!(!Status::NoData.violates(Status::Met));
        assert!(!Status::Alert.violates(Status::NoData));
    }

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
            assert_eq!(
                serde_json::to_string(&status).expect("serialize"),
                format!("\"{status}\"")
            );
        }
        assert!("bad".parse::<Status>().is_err());
    }
}
