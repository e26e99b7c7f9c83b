//! What an import tells: counts, and the lines refused or imported with a warning.

use std::fmt;

/// A problem on one line of the file, numbered from 1 like an editor does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ligne {} : {}", self.line, self.message)
    }
}

/// What an import did. Every non-blank line read (`lines`) ends up inserted, updated,
/// unchanged, or in `errors`; `warnings` concern lines that were imported all the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub lines: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<LineError>,
    pub warnings: Vec<LineError>,
}
