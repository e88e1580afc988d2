//! `staffing` exchange format: the input and output of `ccops staff`.
//!
//! Input (CSV, header required, column order free):
//! `queue,interval_start,interval_minutes,volume,aht_seconds` and optional per-row overrides
//! `sl_target,sl_seconds,patience_seconds,max_occupancy,concurrency,shrinkage`, plus `model`
//! (`erlang-c`, `erlang-a`, `erlang-x`, `deferred`), `seats`, `asa_target_seconds`,
//! `max_abandon_rate`, `lines`, `redial_probability`. An empty optional field means "use the
//! default". Any other column is kept and echoed.
//!
//! Output: every input column, then `agents,agents_fractional,service_level,asa_seconds,
//! occupancy,abandon_rate,scheduled_agents,binding,seat_shortfall,seat_service_level`
//! (input columns with an output column's name are replaced, so an output file can be re-run).
//!
//! Built for streams of millions of rows: [`StaffingHeader`] reads the header once, then
//! [`StaffingHeader::parse_row`] turns a record — a `csv::ByteRecord`, or for lines without
//! quotes a [`SplitLine`] — into numbers without allocating, and the writers append to a caller's
//! buffer. Rows can therefore be parsed and written on several threads.

use crate::FormatError;
use csv::ByteRecord;
use std::io::Write;

/// Queueing model named in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffingModel {
    ErlangC,
    ErlangA,
    ErlangX,
    Deferred,
}

impl StaffingModel {
    /// `erlang-c`, `erlang-a`, `erlang-x`, `deferred` (also with `_`, any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "erlang-c" | "c" => Some(StaffingModel::ErlangC),
            "erlang-a" | "a" => Some(StaffingModel::ErlangA),
            "erlang-x" | "x" => Some(StaffingModel::ErlangX),
            "deferred" => Some(StaffingModel::Deferred),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            StaffingModel::ErlangC => "erlang-c",
            StaffingModel::ErlangA => "erlang-a",
            StaffingModel::ErlangX => "erlang-x",
            StaffingModel::Deferred => "deferred",
        }
    }
}

/// One parsed input row; `None` = not given, use the default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StaffingRow {
    pub interval_minutes: f64,
    pub volume: f64,
    pub aht_seconds: f64,
    pub sl_target: Option<f64>,
    pub sl_seconds: Option<f64>,
    pub patience_seconds: Option<f64>,
    pub max_occupancy: Option<f64>,
    pub concurrency: Option<u32>,
    pub shrinkage: Option<f64>,
    pub model: Option<StaffingModel>,
    pub seats: Option<u32>,
    pub asa_target_seconds: Option<f64>,
    pub max_abandon_rate: Option<f64>,
    pub lines: Option<u32>,
    pub redial_probability: Option<f64>,
}

/// Computed columns for one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaffingResult {
    pub agents: u32,
    pub agents_fractional: f64,
    pub service_level: f64,
    pub asa_seconds: f64,
    pub occupancy: f64,
    pub abandon_rate: f64,
    pub scheduled_agents: f64,
    /// Which target decided the count (`service_level`, `asa`, `abandonment`, `occupancy`, …).
    pub binding: &'static str,
    /// `None` when no seat limit was given.
    pub seat_shortfall: Option<u32>,
    /// Service level with every seat staffed; `None` when no seat limit was given.
    pub seat_service_level: Option<f64>,
}

/// Read access to the fields of one record.
pub trait RecordFields {
    fn field_count(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];
}

impl RecordFields for ByteRecord {
    fn field_count(&self) -> usize {
        self.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        &self[i]
    }
}

/// A CSV line that contains no quote character, split at its commas. Such a line needs no CSV
/// parser, and it can be echoed to the output as it is.
#[derive(Debug, Clone, Copy)]
pub struct SplitLine<'a> {
    line: &'a [u8],
    commas: &'a [u32],
}

impl<'a> SplitLine<'a> {
    /// Split `line` (no `"`, no line terminator), reusing `commas` as scratch space.
    pub fn new(line: &'a [u8], commas: &'a mut Vec<u32>) -> Self {
        commas.clear();
        commas.extend(
            line.iter()
                .enumerate()
                .filter(|(_, b)| **b == b',')
                .map(|(i, _)| i as u32),
        );
        SplitLine { line, commas }
    }

    /// Every non-blank line of a block without quotes, split at its commas in the same pass over
    /// the bytes. `f` gets the 0-based physical line index within the block; the first `Err` stops.
    pub fn for_each<E>(
        block: &[u8],
        commas: &mut Vec<u32>,
        mut f: impl FnMut(u64, &SplitLine) -> Result<(), E>,
    ) -> Result<(), E> {
        let (mut start, mut index) = (0, 0u64);
        commas.clear();
        for (i, &b) in block.iter().enumerate() {
            if b == b',' {
                commas.push((i - start) as u32);
            } else if b == b'\n' {
                let line = &block[start..i];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if !line.is_empty() {
                    f(index, &SplitLine { line, commas })?;
                }
                index += 1;
                start = i + 1;
                commas.clear();
            }
        }
        let line = &block[start..];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            f(index, &SplitLine { line, commas })?;
        }
        Ok(())
    }

    /// The whole line.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }
}

impl RecordFields for SplitLine<'_> {
    fn field_count(&self) -> usize {
        self.commas.len() + 1
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.commas[i - 1] as usize + 1 };
        let end = self.commas.get(i).map_or(self.line.len(), |&c| c as usize);
        &self.line[start..end]
    }
}

const REQUIRED: [&str; 5] = ["queue", "interval_start", "interval_minutes", "volume", "aht_seconds"];

/// Output columns appended after the input columns.
pub const OUTPUT_COLUMNS: [&str; 10] = [
    "agents",
    "agents_fractional",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_rate",
    "scheduled_agents",
    "binding",
    "seat_shortfall",
    "seat_service_level",
];

/// Column positions of one input file.
#[derive(Debug, Clone)]
pub struct StaffingHeader {
    file: String,
    names: Vec<String>,
    /// Input columns echoed to the output (all but those an output column replaces).
    echoed: Vec<usize>,
    interval_start: usize,
    interval_minutes: usize,
    volume: usize,
    aht_seconds: usize,
    sl_target: Option<usize>,
    sl_seconds: Option<usize>,
    patience_seconds: Option<usize>,
    max_occupancy: Option<usize>,
    concurrency: Option<usize>,
    shrinkage: Option<usize>,
    model: Option<usize>,
    seats: Option<usize>,
    asa_target_seconds: Option<usize>,
    max_abandon_rate: Option<usize>,
    lines: Option<usize>,
    redial_probability: Option<usize>,
    /// Known numeric input columns (written as JSON numbers).
    numeric: Vec<bool>,
}

fn err(file: &str, line: u64, column: Option<&str>, reason: impl Into<String>) -> FormatError {
    FormatError::new(file, line, column, reason)
}

impl StaffingHeader {
    /// Read the header record; `file` names the input in every later error.
    pub fn from_record(file: &str, header: &ByteRecord) -> Result<Self, FormatError> {
        let mut names = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let name = std::str::from_utf8(raw)
                .map_err(|_| err(file, 1, None, format!("header field {} is not UTF-8", i + 1)))?
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string();
            if names.contains(&name) {
                return Err(err(file, 1, Some(&name), "column appears twice in the header"));
            }
            names.push(name);
        }
        let find = |n: &str| names.iter().position(|c| c == n);
        for r in REQUIRED {
            if find(r).is_none() {
                return Err(err(
                    file,
                    1,
                    Some(r),
                    format!("missing required column `{r}` (need {})", REQUIRED.join(",")),
                ));
            }
        }
        let need = |n: &str| find(n).expect("checked above");
        let numeric_names = [
            "interval_minutes",
            "volume",
            "aht_seconds",
            "sl_target",
            "sl_seconds",
            "patience_seconds",
            "max_occupancy",
            "concurrency",
            "shrinkage",
            "seats",
            "asa_target_seconds",
            "max_abandon_rate",
            "lines",
            "redial_probability",
        ];
        let numeric = names.iter().map(|n| numeric_names.contains(&n.as_str())).collect();
        let echoed = (0..names.len())
            .filter(|&i| !OUTPUT_COLUMNS.contains(&names[i].as_str()))
            .collect();
        Ok(StaffingHeader {
            file: file.to_string(),
            echoed,
            interval_start: need("interval_start"),
            interval_minutes: need("interval_minutes"),
            volume: need("volume"),
            aht_seconds: need("aht_seconds"),
            sl_target: find("sl_target"),
            sl_seconds: find("sl_seconds"),
            patience_seconds: find("patience_seconds"),
            max_occupancy: find("max_occupancy"),
            concurrency: find("concurrency"),
            shrinkage: find("shrinkage"),
            model: find("model"),
            seats: find("seats"),
            asa_target_seconds: find("asa_target_seconds"),
            max_abandon_rate: find("max_abandon_rate"),
            lines: find("lines"),
            redial_probability: find("redial_probability"),
            numeric,
            names,
        })
    }

    /// The file name errors refer to.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// A located error for `line`, e.g. when the caller's defaults make a row unusable.
    pub fn error(&self, line: u64, column: Option<&str>, reason: impl Into<String>) -> FormatError {
        err(&self.file, line, column, reason)
    }

    /// Parse and check one data row (`line` = its 1-based line in the file).
    pub fn parse_row<F: RecordFields>(&self, line: u64, rec: &F) -> Result<StaffingRow, FormatError> {
        if rec.field_count() != self.names.len() {
            return Err(err(
                &self.file,
                line,
                None,
                format!("{} fields, the header has {}", rec.field_count(), self.names.len()),
            ));
        }
        let f = Fields { h: self, rec, line };
        f.check_time(self.interval_start)?;
        let interval_minutes = f.required(self.interval_minutes, Range::Positive)?;
        let volume = f.required(self.volume, Range::NonNegative)?;
        let aht_seconds = f.required(self.aht_seconds, Range::Positive)?;
        let model = match self.model.map(|i| f.text(i)).transpose()? {
            Some(s) if !s.trim().is_empty() => Some(StaffingModel::parse(s).ok_or_else(|| {
                err(
                    &self.file,
                    line,
                    Some("model"),
                    format!("unknown model `{s}` (use erlang-c, erlang-a, erlang-x or deferred)"),
                )
            })?),
            _ => None,
        };
        Ok(StaffingRow {
            interval_minutes,
            volume,
            aht_seconds,
            sl_target: f.optional_fraction(self.sl_target)?,
            sl_seconds: f.optional(self.sl_seconds, Range::NonNegative)?,
            patience_seconds: f.optional(self.patience_seconds, Range::Positive)?,
            max_occupancy: f.optional(self.max_occupancy, Range::OpenClosedUnit)?,
            concurrency: f.optional_count(self.concurrency, 1)?,
            shrinkage: f.optional(self.shrinkage, Range::ClosedOpenUnit)?,
            model,
            seats: f.optional_count(self.seats, 0)?,
            asa_target_seconds: f.optional(self.asa_target_seconds, Range::Positive)?,
            max_abandon_rate: f.optional(self.max_abandon_rate, Range::OpenUnit)?,
            lines: f.optional_count(self.lines, 1)?,
            redial_probability: f.optional(self.redial_probability, Range::ClosedOpenUnit)?,
        })
    }

    /// CSV header line of the output.
    pub fn write_csv_header(&self, out: &mut Vec<u8>) {
        let mut first = true;
        for &i in &self.echoed {
            if !first {
                out.push(b',');
            }
            first = false;
            write_csv_field(out, self.names[i].as_bytes());
        }
        for c in OUTPUT_COLUMNS {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(c.as_bytes());
        }
        out.push(b'\n');
    }

    /// One CSV output line: the input fields as read, then the results.
    pub fn write_csv_row<F: RecordFields>(&self, out: &mut Vec<u8>, rec: &F, r: &StaffingResult) {
        for &i in &self.echoed {
            write_csv_field(out, rec.field(i));
            out.push(b',');
        }
        write_csv_results(out, r);
    }

    /// As [`Self::write_csv_row`] for a line without quotes, copied as one block when every input
    /// column is echoed (the common case, and the fast one).
    pub fn write_csv_line(&self, out: &mut Vec<u8>, rec: &SplitLine, r: &StaffingResult) {
        if self.echoed.len() == self.names.len() {
            out.extend_from_slice(rec.line());
            out.push(b',');
            write_csv_results(out, r);
        } else {
            self.write_csv_row(out, rec, r);
        }
    }

    /// One JSON object (no separator): known numeric input columns and results as numbers,
    /// everything else as strings; non-finite numbers (ASA of an unstable queue) as `null`.
    pub fn write_json_row<F: RecordFields>(&self, out: &mut Vec<u8>, rec: &F, r: &StaffingResult) {
        let null = |out: &mut Vec<u8>| out.extend_from_slice(b"null");
        out.push(b'{');
        for &i in &self.echoed {
            write_json_string(out, self.names[i].as_bytes());
            out.push(b':');
            let raw = rec.field(i);
            let parsed = std::str::from_utf8(raw).ok().and_then(|s| s.trim().parse::<f64>().ok());
            match parsed {
                Some(v) if self.numeric[i] && v.is_finite() => {
                    let _ = write!(out, "{v}");
                }
                _ if self.numeric[i] && raw.iter().all(u8::is_ascii_whitespace) => null(out),
                _ => write_json_string(out, raw),
            }
            out.push(b',');
        }
        let key = |out: &mut Vec<u8>, k: &str| {
            out.push(b'"');
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"\":");
        };
        key(out, "agents");
        write_u64(out, r.agents as u64);
        for (k, v, six_decimals) in [
            ("agents_fractional", r.agents_fractional, false),
            ("service_level", r.service_level, true),
            ("asa_seconds", r.asa_seconds, false),
            ("occupancy", r.occupancy, true),
            ("abandon_rate", r.abandon_rate, true),
            ("scheduled_agents", r.scheduled_agents, false),
        ] {
            out.push(b',');
            key(out, k);
            // Same precision as the CSV: rates 6 decimals, agents 4, seconds 3.
            match (six_decimals, k) {
                (true, _) => write_fixed::<6>(out, v, null),
                (false, "asa_seconds") => write_fixed::<3>(out, v, null),
                _ => write_fixed::<4>(out, v, null),
            }
        }
        out.push(b',');
        key(out, "binding");
        write_json_string(out, r.binding.as_bytes());
        out.push(b',');
        key(out, "seat_shortfall");
        match r.seat_shortfall {
            Some(s) => write_u64(out, s as u64),
            None => null(out),
        }
        out.push(b',');
        key(out, "seat_service_level");
        match r.seat_service_level {
            Some(s) => write_fixed::<6>(out, s, null),
            None => null(out),
        }
        out.push(b'}');
    }
}

/// The computed columns of one CSV line, and the line end.
fn write_csv_results(out: &mut Vec<u8>, r: &StaffingResult) {
    // Empty field for a non-finite value (ASA of an unstable queue).
    let na = |_: &mut Vec<u8>| {};
    write_u64(out, r.agents as u64);
    out.push(b',');
    write_fixed::<4>(out, r.agents_fractional, na);
    out.push(b',');
    write_fixed::<6>(out, r.service_level, na);
    out.push(b',');
    write_fixed::<3>(out, r.asa_seconds, na);
    out.push(b',');
    write_fixed::<6>(out, r.occupancy, na);
    out.push(b',');
    write_fixed::<6>(out, r.abandon_rate, na);
    out.push(b',');
    write_fixed::<4>(out, r.scheduled_agents, na);
    out.push(b',');
    out.extend_from_slice(r.binding.as_bytes());
    out.push(b',');
    if let Some(s) = r.seat_shortfall {
        write_u64(out, s as u64);
    }
    out.push(b',');
    if let Some(s) = r.seat_service_level {
        write_fixed::<6>(out, s, na);
    }
    out.push(b'\n');
}

#[derive(Clone, Copy)]
enum Range {
    Positive,
    NonNegative,
    /// (0, 1]
    OpenClosedUnit,
    /// [0, 1)
    ClosedOpenUnit,
    /// (0, 1)
    OpenUnit,
}

impl Range {
    fn accepts(self, v: f64) -> bool {
        match self {
            Range::Positive => v > 0.0,
            Range::NonNegative => v >= 0.0,
            Range::OpenClosedUnit => v > 0.0 && v <= 1.0,
            Range::ClosedOpenUnit => (0.0..1.0).contains(&v),
            Range::OpenUnit => v > 0.0 && v < 1.0,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Range::Positive => "must be greater than 0",
            Range::NonNegative => "must not be negative",
            Range::OpenClosedUnit => "must be in (0, 1]",
            Range::ClosedOpenUnit => "must be in [0, 1)",
            Range::OpenUnit => "must be in (0, 1)",
        }
    }
}

/// Field access for one record with located errors.
struct Fields<'a, F: RecordFields> {
    h: &'a StaffingHeader,
    rec: &'a F,
    line: u64,
}

impl<F: RecordFields> Fields<'_, F> {
    fn fail(&self, i: usize, reason: String) -> FormatError {
        err(&self.h.file, self.line, Some(&self.h.names[i]), reason)
    }

    fn text(&self, i: usize) -> Result<&str, FormatError> {
        std::str::from_utf8(self.rec.field(i)).map_err(|_| self.fail(i, "not valid UTF-8".into()))
    }

    fn number(&self, i: usize) -> Result<Option<f64>, FormatError> {
        let raw = self.rec.field(i).trim_ascii();
        if raw.is_empty() {
            return Ok(None);
        }
        if let Some(v) = parse_plain_decimal(raw) {
            return Ok(Some(v));
        }
        let s = self.text(i)?.trim();
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.fail(i, format!("`{s}` is not a number"))),
        }
    }

    fn checked(&self, i: usize, v: f64, range: Range) -> Result<f64, FormatError> {
        if range.accepts(v) {
            return Ok(v);
        }
        let what = match (self.h.names[i].as_str(), range) {
            ("volume", _) => format!("negative volume {v}"),
            ("aht_seconds", _) if v == 0.0 => "AHT of zero (handle time must be greater than 0)".to_string(),
            (_, r) => format!("{v} {}", r.describe()),
        };
        Err(self.fail(i, what))
    }

    fn required(&self, i: usize, range: Range) -> Result<f64, FormatError> {
        match self.number(i)? {
            Some(v) => self.checked(i, v, range),
            None => Err(self.fail(i, "empty; a number is required".into())),
        }
    }

    fn optional(&self, i: Option<usize>, range: Range) -> Result<Option<f64>, FormatError> {
        let Some(i) = i else { return Ok(None) };
        self.number(i)?.map(|v| self.checked(i, v, range)).transpose()
    }

    /// A service-level target: a fraction in (0, 1), or a percentage like `80%`.
    fn optional_fraction(&self, i: Option<usize>) -> Result<Option<f64>, FormatError> {
        let Some(i) = i else { return Ok(None) };
        let s = self.text(i)?.trim();
        if let Some(p) = s.strip_suffix('%') {
            return match p.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => self.checked(i, v / 100.0, Range::OpenUnit).map(Some),
                _ => Err(self.fail(i, format!("`{s}` is not a percentage"))),
            };
        }
        self.optional(Some(i), Range::OpenUnit)
    }

    fn optional_count(&self, i: Option<usize>, min: u32) -> Result<Option<u32>, FormatError> {
        let Some(i) = i else { return Ok(None) };
        let s = self.text(i)?.trim();
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<u32>() {
            Ok(v) if v >= min => Ok(Some(v)),
            Ok(v) => Err(self.fail(i, format!("{v} is below the minimum {min}"))),
            Err(_) => Err(self.fail(i, format!("`{s}` is not a whole number ≥ {min}"))),
        }
    }

    /// `interval_start`: `YYYY-MM-DD[T ]HH:MM…` with plausible ranges (cheap shape check; the
    /// value is echoed, not interpreted).
    fn check_time(&self, i: usize) -> Result<(), FormatError> {
        let s = self.text(i)?.trim();
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0, |n, d| n * 10 + (d - b'0') as u32))
        };
        let ok = b.len() >= 16
            && b[4] == b'-'
            && b[7] == b'-'
            && (b[10] == b'T' || b[10] == b' ')
            && b[13] == b':'
            && digits(0..4).is_some()
            && digits(5..7).is_some_and(|m| (1..=12).contains(&m))
            && digits(8..10).is_some_and(|d| (1..=31).contains(&d))
            && digits(11..13).is_some_and(|h| h <= 23)
            && digits(14..16).is_some_and(|m| m <= 59);
        if ok {
            Ok(())
        } else {
            Err(self.fail(
                i,
                format!("`{s}` is not an ISO 8601 time like 2026-02-16T09:00:00+08:00"),
            ))
        }
    }
}

/// Exact fast path for the common `123`, `-4.56` (Clinger): at most 15 significant digits and 22
/// decimals, so mantissa and power of ten are exact doubles and one correctly rounded division
/// gives the same double as `str::parse`. Anything else returns `None` (use `str::parse`).
fn parse_plain_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let (negative, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut mantissa, mut significant, mut decimals, mut seen_dot, mut seen_digit) =
        (0u64, 0u32, 0usize, false, false);
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + (c - b'0') as u64;
                seen_digit = true;
                significant += (mantissa != 0) as u32;
                decimals += seen_dot as usize;
                if significant > 15 || decimals > 22 {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    let v = mantissa as f64 / POW10[decimals];
    Some(if negative { -v } else { v })
}

fn write_csv_field(out: &mut Vec<u8>, field: &[u8]) {
    if field.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for &c in field {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

fn write_json_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in String::from_utf8_lossy(s).as_bytes() {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                let _ = write!(out, "\\u{c:04x}");
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn write_u64(out: &mut Vec<u8>, v: u64) {
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// `v` with `decimals` digits after the point, trailing zeros kept off (`0.5`, `14`, `0.888350`
/// → `0.88835`). Much faster than `format!("{:.6}")`, which matters at millions of rows.
/// Non-finite values are written by `missing`.
fn write_fixed<const DECIMALS: u32>(out: &mut Vec<u8>, v: f64, missing: impl Fn(&mut Vec<u8>)) {
    if !v.is_finite() {
        missing(out);
        return;
    }
    // A compile-time scale turns every division below into a multiplication.
    let scale = 10u64.pow(DECIMALS);
    // Round half away from zero; `as` truncates.
    let x = v.abs() * scale as f64 + 0.5;
    if x >= 1e18 {
        let _ = write!(out, "{v}");
        return;
    }
    let scaled = x as u64;
    if v < 0.0 && scaled != 0 {
        out.push(b'-');
    }
    write_u64(out, scaled / scale);
    let mut frac = scaled % scale;
    if frac == 0 {
        return;
    }
    let mut digits = DECIMALS as usize;
    while frac.is_multiple_of(10) {
        frac /= 10;
        digits -= 1;
    }
    out.push(b'.');
    let mut buf = [b'0'; 20];
    let mut i = digits;
    while frac > 0 {
        i -= 1;
        buf[i] = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    out.extend_from_slice(&buf[..digits]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &str) -> Result<StaffingHeader, FormatError> {
        StaffingHeader::from_record("in.csv", &ByteRecord::from(cols.split(',').collect::<Vec<_>>()))
    }

    fn rec(s: &str) -> ByteRecord {
        ByteRecord::from(s.split(',').collect::<Vec<_>>())
    }

    const BASE: &str = "queue,interval_start,interval_minutes,volume,aht_seconds";

    #[test]
    fn parses_required_and_optional_columns() {
        let h = header(&format!("{BASE},sl_target,model,concurrency,note")).unwrap();
        let r = h
            .parse_row(2, &rec("sales,2026-02-16T09:00:00+08:00,15,120,180,80%,Erlang_A,2,hi"))
            .unwrap();
        assert_eq!((r.interval_minutes, r.volume, r.aht_seconds), (15.0, 120.0, 180.0));
        assert_eq!(r.sl_target, Some(0.8));
        assert_eq!(r.model, Some(StaffingModel::ErlangA));
        assert_eq!(r.concurrency, Some(2));
        let r = h.parse_row(3, &rec("sales,2026-02-16 09:15,15,0,180,,,,")).unwrap();
        assert_eq!((r.sl_target, r.model, r.concurrency), (None, None, None));
    }

    #[test]
    fn errors_name_line_column_and_reason() {
        let h = header(&format!("{BASE},model")).unwrap();
        let cases = [
            (
                "q,2026-02-16T09:00,15,abc,180,",
                "in.csv:7: column `volume`: `abc` is not a number",
            ),
            (
                "q,2026-02-16T09:00,15,-3,180,",
                "in.csv:7: column `volume`: negative volume -3",
            ),
            (
                "q,2026-02-16T09:00,15,10,0,",
                "in.csv:7: column `aht_seconds`: AHT of zero (handle time must be greater than 0)",
            ),
            (
                "q,2026-02-16T09:00,15,10,180,erlang-z",
                "in.csv:7: column `model`: unknown model `erlang-z` (use erlang-c, erlang-a, erlang-x or deferred)",
            ),
            (
                "q,yesterday,15,10,180,",
                "in.csv:7: column `interval_start`: `yesterday` is not an ISO 8601 time like 2026-02-16T09:00:00+08:00",
            ),
            ("q,2026-02-16T09:00,15,10", "in.csv:7: 4 fields, the header has 6"),
            (
                "q,2026-02-16T09:00,,10,180,",
                "in.csv:7: column `interval_minutes`: empty; a number is required",
            ),
        ];
        for (row, want) in cases {
            assert_eq!(h.parse_row(7, &rec(row)).unwrap_err().to_string(), want);
        }
        let e = header("queue,interval_start,volume,aht_seconds").unwrap_err();
        assert_eq!(e.line, 1);
        assert_eq!(e.column.as_deref(), Some("interval_minutes"));
        let h = header(&format!("{BASE},sl_target,shrinkage")).unwrap();
        assert!(h.parse_row(2, &rec("q,2026-02-16T09:00,15,1,1,1.5,")).is_err());
        assert!(h.parse_row(2, &rec("q,2026-02-16T09:00,15,1,1,,1")).is_err());
    }

    fn result() -> StaffingResult {
        StaffingResult {
            agents: 14,
            agents_fractional: 13.04749,
            service_level: 0.88835,
            asa_seconds: f64::INFINITY,
            occupancy: 0.714286,
            abandon_rate: 0.0,
            scheduled_agents: 20.0,
            binding: "service_level",
            seat_shortfall: None,
            seat_service_level: None,
        }
    }

    #[test]
    fn writes_csv_with_input_columns_kept() {
        let h = header(&format!("{BASE},note,agents")).unwrap();
        let mut out = Vec::new();
        h.write_csv_header(&mut out);
        h.write_csv_row(
            &mut out,
            &ByteRecord::from(vec!["q", "2026-02-16T09:00", "15", "100", "180", "a,b", "99"]),
            &result(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "queue,interval_start,interval_minutes,volume,aht_seconds,note,agents,agents_fractional,service_level,\
             asa_seconds,occupancy,abandon_rate,scheduled_agents,binding,seat_shortfall,seat_service_level\n\
             q,2026-02-16T09:00,15,100,180,\"a,b\",14,13.0475,0.88835,,0.714286,0,20,service_level,,\n"
        );
    }

    #[test]
    fn split_lines_parse_and_echo_like_records() {
        let h = header(&format!("{BASE},note")).unwrap();
        let text = b"q,2026-02-16T09:00,15,100,180,";
        let mut commas = Vec::new();
        let line = SplitLine::new(text, &mut commas);
        assert_eq!(line.field_count(), 6);
        assert_eq!(
            (line.field(0), line.field(4), line.field(5)),
            (&b"q"[..], &b"180"[..], &b""[..])
        );
        let as_record = rec("q,2026-02-16T09:00,15,100,180,");
        assert_eq!(h.parse_row(2, &line).unwrap(), h.parse_row(2, &as_record).unwrap());
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        h.write_csv_line(&mut fast, &line, &result());
        h.write_csv_row(&mut slow, &as_record, &result());
        assert_eq!(fast, slow);
        // With a replaced input column the line cannot be copied whole.
        let h = header(&format!("{BASE},agents")).unwrap();
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        h.write_csv_line(&mut fast, &SplitLine::new(b"q,t,15,1,1,99", &mut commas), &result());
        h.write_csv_row(&mut slow, &rec("q,t,15,1,1,99"), &result());
        assert_eq!(fast, slow);
        assert!(String::from_utf8(fast).unwrap().starts_with("q,t,15,1,1,14,"));
    }

    #[test]
    fn block_lines_split_in_one_pass() {
        let block = b"a,b\r\n\nc,,d\ne";
        let mut seen = Vec::new();
        let mut commas = Vec::new();
        SplitLine::for_each(block, &mut commas, |i, l| {
            let fields: Vec<&[u8]> = (0..l.field_count()).map(|f| l.field(f)).collect();
            seen.push((i, fields.concat(), l.field_count()));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![(0, b"ab".to_vec(), 2), (2, b"cd".to_vec(), 3), (3, b"e".to_vec(), 1)]
        );
        assert_eq!(
            SplitLine::for_each(block, &mut commas, |i, _| if i == 2 { Err(i) } else { Ok(()) }),
            Err(2)
        );
    }

    #[test]
    fn writes_json() {
        let h = header(&format!("{BASE},note")).unwrap();
        let mut out = Vec::new();
        h.write_json_row(&mut out, &rec("q,2026-02-16T09:00,15,100,180,x\"y"), &result());
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with(r#"{"queue":"q","interval_start":"2026-02-16T09:00","interval_minutes":15,"volume":100,"aht_seconds":180,"note":"x\"y","agents":14,"agents_fractional":13.0475"#), "{s}");
        assert!(
            s.contains(r#""asa_seconds":null"#) && s.ends_with(r#""seat_shortfall":null,"seat_service_level":null}"#),
            "{s}"
        );
    }

    #[test]
    fn plain_decimals_parse_exactly_like_std() {
        for s in [
            "0",
            "15",
            "0.80",
            "236.87",
            "-3",
            "59.2175",
            "1570.17",
            "0.000001",
            "123456789012345",
            "7.",
            ".5",
        ] {
            assert_eq!(parse_plain_decimal(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
        for s in ["1e5", "1234567890123456", "abc", "-", ".", "1.2.3", "+1", "inf"] {
            assert_eq!(parse_plain_decimal(s.as_bytes()), None, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_decimal_parse_matches_std(int in 0u64..10_000_000, frac in 0u64..100_000_000, neg: bool) {
            let s = format!("{}{int}.{frac:08}", if neg { "-" } else { "" });
            proptest::prop_assert_eq!(parse_plain_decimal(s.as_bytes()), s.parse::<f64>().ok());
        }
    }

    #[test]
    fn fixed_formatting() {
        let f = |v: f64, d: u32| {
            let mut o = Vec::new();
            let na = |o: &mut Vec<u8>| o.extend_from_slice(b"NA");
            match d {
                3 => write_fixed::<3>(&mut o, v, na),
                4 => write_fixed::<4>(&mut o, v, na),
                _ => write_fixed::<6>(&mut o, v, na),
            }
            String::from_utf8(o).unwrap()
        };
        assert_eq!(f(0.888350, 6), "0.88835");
        assert_eq!(f(14.0, 4), "14");
        assert_eq!(f(0.0000004, 6), "0");
        assert_eq!(f(0.0000006, 6), "0.000001");
        assert_eq!(f(-2.5, 3), "-2.5");
        assert_eq!(f(123.4567, 3), "123.457");
        assert_eq!(f(f64::INFINITY, 3), "NA");
        assert_eq!(f(1e25, 3), "10000000000000000000000000");
        assert_eq!(f(0.05, 6), "0.05");
    }
}
