//! Exchange file formats (PRODUCT.md "Exchange formats"): streaming readers and writers with
//! errors that name file, line, column and reason. Each module owns one format.
//!
//! Extra columns are allowed and kept; times are ISO 8601 with an offset, or local times
//! interpreted in a caller-given zone.

pub mod agents;
pub mod contacts;
pub mod events;
pub mod history;
pub mod requirements;
pub mod roster;
pub mod staffing;

use std::fmt;

/// A problem in an input file, located precisely enough that the user can fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    /// File name as the user gave it (or "<stdin>", "<upload>").
    pub file: String,
    /// 1-based line number; 0 when the problem is not tied to a line (e.g. empty file).
    pub line: u64,
    /// Column name (header) when the problem is in one field.
    pub column: Option<String>,
    pub reason: String,
}

impl FormatError {
    pub fn new(file: &str, line: u64, column: Option<&str>, reason: impl Into<String>) -> Self {
        FormatError { file: file.to_string(), line, column: column.map(str::to_string), reason: reason.into() }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(c) = &self.column {
            write!(f, ": column `{c}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for FormatError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_file_line_column_reason() {
        let e = FormatError::new("in.csv", 7, Some("volume"), "negative volume -3");
        assert_eq!(e.to_string(), "in.csv:7: column `volume`: negative volume -3");
        let e = FormatError::new("in.csv", 0, None, "file is empty");
        assert_eq!(e.to_string(), "in.csv: file is empty");
    }
}
