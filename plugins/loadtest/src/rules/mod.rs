//! Rules over a parsed [`Report`]: each file is parsed once, then every
//! rule looks at the same report.

pub mod failed_threshold;
pub mod too_few_samples;

use perfwarden_sdk::{Output, Rule};

use crate::model::Report;

/// Every rule of the plugin, for `PluginInfo::rules`.
pub const ALL: [&Rule; 2] = [&too_few_samples::RULE, &failed_threshold::RULE];

/// Run every rule on one report.
pub fn check(report: &Report, path: &str, out: &mut Output) {
    too_few_samples::check(report, path, out);
    failed_threshold::check(report, path, out);
}
