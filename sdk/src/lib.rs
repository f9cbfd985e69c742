//! Write [perfwarden](https://github.com/perfwarden/perfwarden) analyzers.
//!
//! An analyzer is a WebAssembly component (target `wasm32-wasip2`) that the
//! `perfwarden` host loads in a sandbox. The host offers it the project files
//! that match its [`PluginInfo::patterns`]; the analyzer reads them through
//! [`Context`], and reports:
//!
//! - [`Finding`]s: facts at a location ("this query runs inside a loop"), each
//!   tied to a [`Rule`] declared with [`declare_rule!`];
//! - [`Metric`]s: measured or configured numbers ("GET /users p95 = 231 ms"),
//!   named from the shared [`vocabulary`] so the policy can judge them;
//! - [`Note`]s: anything else the user should know (a file that did not parse).
//!
//! Analyzers never judge: the host's policy decides whether a finding or a
//! metric is met, acceptable, at risk or an alert.
//!
//! # A complete analyzer
//!
//! ```
//! use perfwarden_sdk::{
//!     declare_rule, export_analyzer, Analyzer, Artifact, Config, Context, Finding,
//!     LineIndex, Output, PluginInfo, Result,
//! };
//!
//! declare_rule! {
//!     /// ## What it does
//!     /// Flags `SELECT *` in SQL files.
//!     ///
//!     /// ## Why is this bad?
//!     /// Every column is read and sent over the wire, indexes cannot cover the
//!     /// query, and a new column silently grows every response.
//!     ///
//!     /// ## Example
//!     /// ```sql
//!     /// SELECT * FROM users;
//!     /// ```
//!     ///
//!     /// ## Use instead
//!     /// ```sql
//!     /// SELECT id, email FROM users;
//!     /// ```
//!     pub static SELECT_STAR = {
//!         id: "DEMO001",
//!         name: "select-star",
//!         summary: "`SELECT *` reads every column",
//!         policy: "anti_patterns.select_star",
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Demo;
//!
//! impl Analyzer for Demo {
//!     fn info(&self) -> PluginInfo {
//!         PluginInfo::new("demo", env!("CARGO_PKG_VERSION"), "Flags SELECT * in SQL files")
//!             .patterns(["**/*.sql"])
//!             .rules([&SELECT_STAR])
//!     }
//!
//!     fn analyze(&self, cx: &Context, artifacts: &[Artifact], _config: &Config) -> Result<Output> {
//!         let mut out = Output::default();
//!         for artifact in artifacts {
//!             let text = cx.read_to_string(&artifact.path)?;
//!             let lines = LineIndex::new(&text);
//!             for (offset, _) in text.match_indices("SELECT *") {
//!                 let span = lines.span(&artifact.path, offset, offset + 8);
//!                 out.push(Finding::new(&SELECT_STAR, "`SELECT *` reads every column").span(span));
//!             }
//!         }
//!         Ok(out)
//!     }
//! }
//!
//! export_analyzer!(Demo);
//!
//! # #[cfg(feature = "testing")]
//! # fn main() {
//! // Native tests, no wasm needed (feature `testing`):
//! perfwarden_sdk::testing::Tester::new(Demo).test_rule(
//!     &SELECT_STAR,
//!     "q.sql",
//!     &["SELECT id FROM users;"],
//!     &["SELECT * FROM users;"],
//! );
//! # }
//! # #[cfg(not(feature = "testing"))]
//! # fn main() {}
//! ```
//!
//! Build it with `cargo build --release --target wasm32-wasip2` (crate type
//! `cdylib`) and load it with `perfwarden analyze --plugin demo.wasm`.
#![deny(missing_docs)]

// Generated bindings name the runtime by its public path, also inside this crate.
extern crate self as perfwarden_sdk;

mod context;
mod model;
mod rule;
mod text;
pub mod vocabulary;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(any(test, all(target_arch = "wasm32", feature = "allocator")))]
mod size_classes;

/// Analyzers allocate in bursts (a syntax tree per file, freed whole):
/// small blocks come from size-class free lists, the rest from Talc, which
/// serves them faster than the standard library's dlmalloc.
#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
#[global_allocator]
static ALLOCATOR: size_classes::SizeClasses<talc::wasm::WasmDynamicTalc> =
    size_classes::SizeClasses::new(talc::wasm::new_wasm_dynamic_allocator());

pub use context::{ArtifactReader, Config, Context, LogLevel};
pub use model::{Artifact, Confidence, Finding, Metric, Note, Output, PluginInfo, Span};
pub use rule::Rule;
pub use text::LineIndex;

/// Errors cross the WebAssembly boundary as text: the host shows them as
/// the plugin's error in the report.
pub type Error = String;

/// Result type of analyzer entry points.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Version of the WIT API this SDK implements (`perfwarden:analyzer@1.0.0`).
///
/// The host reads it from the component's `perfwarden:api-version` custom
/// section before instantiating, and refuses a different major version.
pub const API_VERSION: &str = "1.0.0";

/// An analyzer: describes itself and turns artifacts into an [`Output`].
///
/// Implement it on a `Default` type and export it with [`export_analyzer!`].
pub trait Analyzer {
    /// Static description: name, version, artifact patterns, rules.
    fn info(&self) -> PluginInfo;

    /// Analyze the offered artifacts. Problems with one artifact (a parse
    /// error) belong in [`Output::note`]; return `Err` only when nothing
    /// useful can be reported.
    fn analyze(&self, cx: &Context, artifacts: &[Artifact], config: &Config) -> Result<Output>;
}

/// Export an [`Analyzer`] as the component's `info` and `analyze` functions.
///
/// Call it once, at the root of a `cdylib` crate built for `wasm32-wasip2`.
/// On other targets it expands to nothing, so the same crate also builds as
/// an `rlib` for native tests.
#[macro_export]
macro_rules! export_analyzer {
    ($analyzer:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[used]
            #[unsafe(link_section = "perfwarden:api-version")]
            static API_VERSION: [u8; $crate::__private::API_VERSION_LEN] =
                $crate::__private::API_VERSION_BYTES;

            struct Component;

            impl $crate::__private::Guest for Component {
                fn info() -> $crate::__private::WitPluginInfo {
                    $crate::__private::info(&<$analyzer as ::core::default::Default>::default())
                }

                fn analyze(
                    artifacts: ::std::vec::Vec<$crate::__private::WitArtifact>,
                    config: ::std::string::String,
                ) -> ::core::result::Result<$crate::__private::WitOutput, ::std::string::String>
                {
                    $crate::__private::analyze(
                        &<$analyzer as ::core::default::Default>::default(),
                        artifacts,
                        &config,
                    )
                }
            }

    $crate::__private::wit::export_analyzer_component!(Component with_types_in $crate::__private::wit);
        };
    };
}

#[doc(hidden)]
pub mod __private {
    //! Plumbing for [`export_analyzer!`]; not a stable API.
    #![allow(missing_docs)]

    use crate::{Analyzer, Config, Context};

    #[allow(missing_docs, clippy::all)]
    pub mod wit {
        wit_bindgen::generate!({
            path: "wit/v1",
            world: "analyzer",
            pub_export_macro: true,
            export_macro_name: "export_analyzer_component",
            default_bindings_module: "perfwarden_sdk::__private::wit",
            runtime_path: "perfwarden_sdk::__private::wit_bindgen_rt",
        });
    }

    pub use wit::Guest;
    pub use wit::perfwarden::analyzer::types::{
        Artifact as WitArtifact, Output as WitOutput, PluginInfo as WitPluginInfo,
    };
    pub use wit_bindgen::rt as wit_bindgen_rt;

    pub const API_VERSION_LEN: usize = crate::API_VERSION.len();
    pub const API_VERSION_BYTES: [u8; API_VERSION_LEN] = {
        let src = crate::API_VERSION.as_bytes();
        let mut out = [0u8; API_VERSION_LEN];
        let mut i = 0;
        while i < API_VERSION_LEN {
            out[i] = src[i];
            i += 1;
        }
        out
    };

    pub fn info(analyzer: &impl Analyzer) -> WitPluginInfo {
        analyzer.info().into()
    }

    pub fn analyze(
        analyzer: &impl Analyzer,
        artifacts: Vec<WitArtifact>,
        config: &str,
    ) -> Result<WitOutput, String> {
        let config = Config::parse(config)?;
        let artifacts: Vec<crate::Artifact> = artifacts.into_iter().map(Into::into).collect();
        let cx = Context::host();
        analyzer.analyze(&cx, &artifacts, &config).map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_version_matches_wit_package() {
        let wit = include_str!("../wit/v1/analyzer.wit");
        let expected = format!("package perfwarden:analyzer@{};", crate::API_VERSION);
        assert!(
            wit.contains(&expected),
            "WIT package must declare {expected}"
        );
    }
}
