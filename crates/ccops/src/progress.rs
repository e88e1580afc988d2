//! Progress bars shown only when stderr is a terminal, so scripts and CI logs stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar over `len` units of `unit` (0 = unknown length → spinner). Hidden when not a terminal.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let pb = if len == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(len) };
    if !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
        return pb;
    }
    let tmpl = if len == 0 {
        format!("{{spinner}} {{elapsed_precise}} {{pos}} {unit} {{msg}}")
    } else {
        format!("{{bar:40}} {{percent:>3}}% {{pos}}/{{len}} {unit} eta {{eta}} {{msg}}")
    };
    if let Ok(style) = ProgressStyle::with_template(&tmpl) {
        pb.set_style(style);
    }
    pb
}
