//! What the commands show while they work, and their long reports.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner saying `message`, ticking on its own.
pub fn spinner(message: impl Into<std::borrow::Cow<'static, str>>) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.enable_steady_tick(Duration::from_millis(200));
    spinner
}

/// A bar of `len` steps drawn with `template` (indicatif's syntax), ticking on its own.
pub fn bar(len: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The first `max` lines of a report, then how many more there are.
pub fn print_capped(kind: &str, lines: &[impl std::fmt::Display], max: usize) {
    for line in lines.iter().take(max) {
        println!("  {kind}, {line}");
    }
    if lines.len() > max {
        println!(
            "  … et {} autre(s) ({kind}, {} en tout).",
            lines.len() - max,
            lines.len()
        );
    }
}
