//! A progress bar on stderr for long runs; hidden when stderr is not a
//! terminal, under CI, or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Shown while plugins run.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Start a spinner for `plugins` plugins, if anybody can see it.
    pub fn start(quiet: bool, plugins: usize) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if !visible {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("running {plugins} analyzers"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    /// Remove the bar.
    pub fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
