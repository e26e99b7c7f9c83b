//! The benchmarks that run the `bibliotheque` binary: finding it, and saying how busy the
//! machine was. Included with `#[path = "../shared/process.rs"] mod process;`.

use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};

/// The `bibliotheque` binary of the same build: `target/release/examples/NAME` →
/// `target/release/bibliotheque`.
pub fn binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("bibliotheque"))
        .context("dossier de l'exemple introuvable")?;
    ensure!(
        bin.is_file(),
        "{} introuvable : construisez-le (cargo build --release --bin bibliotheque)",
        bin.display()
    );
    Ok(bin)
}

/// The load averages, from `/proc/loadavg`.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "inconnue".into())
}
