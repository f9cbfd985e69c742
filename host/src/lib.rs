//! perfwarden: gate backend performance in CI.
//!
//! `perfwarden analyze .` discovers a project's artifacts, hands each
//! sandboxed WebAssembly analyzer the artifacts it asked for, collects their
//! findings and metrics, judges both against a performance policy and
//! writes one report with a score and a CI exit code.
//!
//! The flow runs one way: [`config`] and [`discovery`] feed the plugin
//! [`registry`]; [`runtime`] runs each plugin in its own sandboxed store;
//! [`analyze`] collects the results; the policy (crate `perfwarden-policy`)
//! judges them; [`report`] renders the judged report.

pub mod analyze;
pub mod baseline;
pub mod cli;
pub mod compare;
pub mod config;
pub mod discovery;
pub mod isolate;
pub mod model;
pub mod registry;
pub mod report;
pub mod runtime;
pub mod suppress;
