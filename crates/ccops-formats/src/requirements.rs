//! `requirements` exchange format: `interval_start,queue,required` — agents needed on a queue in
//! the planning interval starting at `interval_start` (e.g. the output of `ccops staff`).
//! An optional `weight` column scales the cost of being short in that row (default 1).
//! Extra columns are allowed and kept in [`RequirementRow::extra`].

use crate::FormatError;
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use std::io::{Read, Write};

/// One requirement row.
#[derive(Debug, Clone, PartialEq)]
pub struct RequirementRow {
    pub interval_start: DateTime<FixedOffset>,
    pub queue: String,
    /// Agents required (may be fractional, never negative).
    pub required: f64,
    /// Under-staffing weight of this row (column `weight`, default 1).
    pub weight: f64,
    /// 1-based line in the source file (0 when built in memory).
    pub line: u64,
    /// Extra columns, in file order, kept for round trips.
    pub extra: Vec<(String, String)>,
}

/// Parse an ISO 8601 time: with an offset (`2026-02-16T09:00:00+08:00`, `Z`, seconds optional,
/// `T` or space), or without one when `tz` gives the offset to assume.
pub fn parse_time(s: &str, tz: Option<FixedOffset>) -> Result<DateTime<FixedOffset>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    for f in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z", "%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return match tz {
                Some(z) => z
                    .from_local_datetime(&n)
                    .single()
                    .ok_or_else(|| format!("`{s}` is not a valid local time")),
                None => Err(format!("time `{s}` has no UTC offset; add one (e.g. +08:00) or pass --tz")),
            };
        }
    }
    Err(format!("`{s}` is not an ISO 8601 time (expected e.g. 2026-02-16T09:00:00+08:00)"))
}

/// Column index by header name.
pub(crate) fn col(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.trim() == name)
}

/// Open a CSV reader and check the required columns; returns the reader and the header record.
pub(crate) fn open<R: Read>(
    input: R,
    file: &str,
    required: &[&str],
) -> Result<(csv::Reader<R>, csv::StringRecord), FormatError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| FormatError::new(file, 1, None, format!("cannot read header: {e}")))?
        .clone();
    if headers.is_empty() || headers.iter().all(str::is_empty) {
        return Err(FormatError::new(file, 0, None, "file is empty (no header line)"));
    }
    for r in required {
        if col(&headers, r).is_none() {
            return Err(FormatError::new(file, 1, Some(r), format!("missing required column `{r}`")));
        }
    }
    Ok((rdr, headers))
}

/// Line number of a record (1-based, header is line 1).
pub(crate) fn line_of(rec: &csv::StringRecord) -> u64 {
    rec.position().map(|p| p.line()).unwrap_or(0)
}

/// Wrap a csv error with its location.
pub(crate) fn csv_err(file: &str, e: csv::Error) -> FormatError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    FormatError::new(file, line, None, format!("malformed CSV: {e}"))
}

/// Extra (non-contract) columns of a record.
pub(crate) fn extras(headers: &csv::StringRecord, rec: &csv::StringRecord, known: &[&str]) -> Vec<(String, String)> {
    headers
        .iter()
        .zip(rec.iter())
        .filter(|(h, _)| !known.contains(h))
        .map(|(h, v)| (h.to_string(), v.to_string()))
        .collect()
}

const KNOWN: [&str; 4] = ["interval_start", "queue", "required", "weight"];

/// Read requirement rows. Times without an offset use `tz` (error when `tz` is `None`).
pub fn read_requirements<R: Read>(input: R, file: &str, tz: Option<FixedOffset>) -> Result<Vec<RequirementRow>, FormatError> {
    let (mut rdr, headers) = open(input, file, &KNOWN[..3])?;
    let (ci, cq, cr) = (col(&headers, "interval_start"), col(&headers, "queue"), col(&headers, "required"));
    let (Some(ci), Some(cq), Some(cr)) = (ci, cq, cr) else {
        return Err(FormatError::new(file, 1, None, "missing required columns"));
    };
    let cw = col(&headers, "weight");
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(file, e))?;
        let line = line_of(&rec);
        let get = |i: usize| rec.get(i).unwrap_or("");
        let interval_start =
            parse_time(get(ci), tz).map_err(|r| FormatError::new(file, line, Some("interval_start"), r))?;
        let queue = get(cq).to_string();
        if queue.is_empty() {
            return Err(FormatError::new(file, line, Some("queue"), "empty queue name"));
        }
        let required: f64 = get(cr)
            .parse()
            .map_err(|_| FormatError::new(file, line, Some("required"), format!("`{}` is not a number", get(cr))))?;
        if !required.is_finite() || required < 0.0 {
            return Err(FormatError::new(file, line, Some("required"), format!("required must be ≥ 0, got {required}")));
        }
        let weight = match cw.map(get).filter(|s| !s.is_empty()) {
            None => 1.0,
            Some(w) => match w.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => return Err(FormatError::new(file, line, Some("weight"), format!("`{w}` is not a weight ≥ 0"))),
            },
        };
        out.push(RequirementRow { interval_start, queue, required, weight, line, extra: extras(&headers, &rec, &KNOWN) });
    }
    Ok(out)
}

/// Write requirement rows (contract columns, `weight` only when some row differs from 1).
pub fn write_requirements<W: Write>(out: W, rows: &[RequirementRow]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let with_weight = rows.iter().any(|r| r.weight != 1.0);
    let mut head = vec!["interval_start", "queue", "required"];
    if with_weight {
        head.push("weight");
    }
    w.write_record(&head)?;
    for r in rows {
        let mut rec = vec![r.interval_start.to_rfc3339(), r.queue.clone(), format_num(r.required)];
        if with_weight {
            rec.push(format_num(r.weight));
        }
        w.write_record(&rec)?;
    }
    w.flush()
}

fn format_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_keeps_extras() {
        let s = "interval_start,queue,required,note\n2026-02-16T09:00:00+08:00,sales,3.5,x\n2026-02-16T09:15:00+08:00,sales,4,\n";
        let rows = read_requirements(s.as_bytes(), "r.csv", None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].required, 3.5);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].extra, vec![("note".to_string(), "x".to_string())]);
        let mut buf = Vec::new();
        write_requirements(&mut buf, &rows).unwrap();
        let back = read_requirements(buf.as_slice(), "w.csv", None).unwrap();
        assert_eq!(back[1].interval_start, rows[1].interval_start);
    }

    #[test]
    fn located_errors() {
        let e = read_requirements("interval_start,queue,required\n2026-02-16T09:00:00+08:00,s,-1\n".as_bytes(), "r.csv", None)
            .unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("required")));
        let e = read_requirements("interval_start,queue\n".as_bytes(), "r.csv", None).unwrap_err();
        assert_eq!(e.column.as_deref(), Some("required"));
        let e = read_requirements("interval_start,queue,required\n2026-02-16 09:00,s,1\n".as_bytes(), "r.csv", None)
            .unwrap_err();
        assert!(e.reason.contains("--tz"), "{e}");
        let tz = FixedOffset::east_opt(8 * 3600);
        let ok = read_requirements("interval_start,queue,required\n2026-02-16 09:00,s,1\n".as_bytes(), "r.csv", tz).unwrap();
        assert_eq!(ok[0].interval_start.to_rfc3339(), "2026-02-16T09:00:00+08:00");
        let e = read_requirements("interval_start,queue,required\n2026-02-16T09:00:00+08:00,s,1,9\n".as_bytes(), "r.csv", None)
            .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }
}
