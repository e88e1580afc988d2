//! `roster` exchange format: `agent_id,start,end,activity`, one row per segment. Activities:
//! `work`, `break`, `lunch`, `training`, `meeting`, `off`, `leave` (others are kept as given).
//! A shift is a run of touching non-`off`/`leave` segments of one agent.

use crate::FormatError;
use crate::requirements::{col, csv_err, extras, line_of, open, parse_time};
use chrono::{DateTime, FixedOffset};
use std::io::{Read, Write};

/// One roster segment.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub agent_id: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub activity: String,
    pub line: u64,
    pub extra: Vec<(String, String)>,
}

const KNOWN: [&str; 4] = ["agent_id", "start", "end", "activity"];

/// Read a roster. `end` must be after `start`; times without offset use `tz`.
pub fn read_roster<R: Read>(input: R, file: &str, tz: Option<FixedOffset>) -> Result<Vec<RosterRow>, FormatError> {
    let (mut rdr, headers) = open(input, file, &KNOWN)?;
    let idx: Vec<usize> = KNOWN.iter().filter_map(|k| col(&headers, k)).collect();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(file, e))?;
        let line = line_of(&rec);
        let get = |k: usize| rec.get(idx[k]).unwrap_or("");
        let agent_id = get(0).to_string();
        if agent_id.is_empty() {
            return Err(FormatError::new(file, line, Some("agent_id"), "empty agent_id"));
        }
        let start = parse_time(get(1), tz).map_err(|r| FormatError::new(file, line, Some("start"), r))?;
        let end = parse_time(get(2), tz).map_err(|r| FormatError::new(file, line, Some("end"), r))?;
        if end <= start {
            return Err(FormatError::new(file, line, Some("end"), format!("end {end} is not after start {start}")));
        }
        let activity = get(3).to_ascii_lowercase();
        if activity.is_empty() {
            return Err(FormatError::new(file, line, Some("activity"), "empty activity"));
        }
        out.push(RosterRow { agent_id, start, end, activity, line, extra: extras(&headers, &rec, &KNOWN) });
    }
    Ok(out)
}

/// Write a roster (contract columns only), times as RFC 3339 with their offset.
pub fn write_roster<W: Write>(out: W, rows: &[RosterRow]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(KNOWN)?;
    for r in rows {
        w.write_record([r.agent_id.as_str(), &r.start.to_rfc3339(), &r.end.to_rfc3339(), r.activity.as_str()])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_round_trips() {
        let s = "agent_id,start,end,activity\nA1,2026-02-16T09:00:00+08:00,2026-02-16T11:00:00+08:00,work\nA1,2026-02-16T11:00:00+08:00,2026-02-16T11:15:00+08:00,Break\n";
        let rows = read_roster(s.as_bytes(), "r.csv", None).unwrap();
        assert_eq!(rows[1].activity, "break");
        let mut buf = Vec::new();
        write_roster(&mut buf, &rows).unwrap();
        assert_eq!(read_roster(buf.as_slice(), "w.csv", None).unwrap(), rows.iter().map(|r| RosterRow { line: r.line, ..r.clone() }).collect::<Vec<_>>());
    }

    #[test]
    fn end_before_start_is_located() {
        let s = "agent_id,start,end,activity\nA1,2026-02-16T09:00:00+08:00,2026-02-16T08:00:00+08:00,work\n";
        let e = read_roster(s.as_bytes(), "r.csv", None).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("end")));
    }
}
