//! `history` exchange format: `interval_start,queue,offered[,handled,abandoned,aht_seconds]`.
//!
//! * `interval_start` — ISO 8601 with an offset (`2026-02-16T09:00:00+08:00`), or a local time
//!   (`2026-02-16T09:00`, `2026-02-16 09:00:00`) read in the zone given by the caller (`--tz`).
//!   `timestamp` is accepted as another name for the column (the shared real data uses it).
//! * `offered`, `handled`, `abandoned` — contacts (may be fractional: imputed upstream);
//!   `aht_seconds` — average handle time of the handled contacts, seconds; empty = unknown.
//!
//! Forecasting happens in the center's local civil time, so each row keeps its local clock time
//! (`local`). [`read_history`] stops at the first malformed field (located error); [`validate`]
//! then reports what is wrong with well-formed data — duplicates, gaps, intervals off the grid,
//! daylight-saving anomalies, impossible values — per file and line, as errors or warnings.

use crate::FormatError;
use chrono::{DateTime, Duration, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Timelike};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

/// The zone local times are read in and forecasts are written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `+08:00`, `-05:30`, `UTC`, `Z`, or an IANA name (`Asia/Shanghai`).
    pub fn parse(s: &str) -> Result<Zone, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return Ok(Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset")));
        }
        if let Some(sign) = t.chars().next().filter(|c| *c == '+' || *c == '-') {
            let rest = &t[1..];
            let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
            let (Ok(h), Ok(m)) = (h.parse::<i32>(), m.parse::<i32>()) else {
                return Err(format!("`{s}` is not an offset like +08:00"));
            };
            let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
            return FixedOffset::east_opt(secs).map(Zone::Fixed).ok_or_else(|| format!("offset `{s}` out of range"));
        }
        t.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| format!("`{s}` is not a time zone (use +08:00, UTC or an IANA name like Asia/Shanghai)"))
    }

    /// The instant of a local time; `Err` for a local time skipped by a DST change. Ambiguous
    /// times (clocks going back) take the earlier instant.
    pub fn from_local(&self, local: NaiveDateTime) -> Result<DateTime<FixedOffset>, String> {
        match self {
            Zone::Fixed(o) => o.from_local_datetime(&local).single().ok_or_else(|| "offset out of range".into()),
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.fixed_offset()),
                LocalResult::None => Err(format!("local time {local} does not exist in {tz} (daylight-saving gap)")),
            },
        }
    }

    /// Whether a local time is skipped or repeated by a DST change in this zone.
    pub fn dst_anomaly(&self, local: NaiveDateTime) -> Option<&'static str> {
        match self {
            Zone::Fixed(_) => None,
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(_) => None,
                LocalResult::Ambiguous(..) => Some("repeated by a daylight-saving change (clocks go back)"),
                LocalResult::None => Some("skipped by a daylight-saving change (clocks go forward)"),
            },
        }
    }
}

/// A time as written in a file: with its offset, or a local clock time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timestamp {
    WithOffset(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

/// Parse ISO 8601 with or without offset (`T` or space separator, seconds optional).
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Timestamp::WithOffset(t));
    }
    for f in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%d %H:%M%:z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(Timestamp::WithOffset(t));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Timestamp::Local(t));
        }
    }
    None
}

/// Resolve a parsed time to local civil time: an offset time is shown in `zone` when given,
/// otherwise at its own offset; a local time needs a zone.
pub fn to_local(ts: Timestamp, zone: Option<&Zone>) -> Result<NaiveDateTime, String> {
    match (ts, zone) {
        (Timestamp::WithOffset(t), None) => Ok(t.naive_local()),
        (Timestamp::WithOffset(t), Some(Zone::Fixed(o))) => Ok(t.with_timezone(o).naive_local()),
        (Timestamp::WithOffset(t), Some(Zone::Named(tz))) => Ok(t.with_timezone(tz).naive_local()),
        (Timestamp::Local(l), Some(_)) => Ok(l),
        (Timestamp::Local(_), None) => Err("time has no UTC offset; add one (…+08:00) or give the zone with --tz".into()),
    }
}

/// One row of interval history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// 1-based line in the file.
    pub line: u64,
    pub queue: String,
    /// Interval start in the center's local civil time.
    pub local: NaiveDateTime,
    /// The UTC offset the file gave, if any (used to detect DST anomalies).
    pub offset: Option<FixedOffset>,
    pub offered: f64,
    pub handled: Option<f64>,
    pub abandoned: Option<f64>,
    pub aht_seconds: Option<f64>,
    /// Extra columns, in file order (kept, per the format contract).
    pub extra: Vec<String>,
}

/// A whole history file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryFile {
    pub file: String,
    pub rows: Vec<HistoryRow>,
    pub extra_columns: Vec<String>,
    /// Offset seen on the last row that had one (to write forecasts back when no `--tz` is given).
    pub last_offset: Option<FixedOffset>,
}

fn header_index(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Parse a number field: finite and ≥ 0; empty → `None` (when `optional`).
pub fn parse_count(file: &str, line: u64, col: &str, s: &str, optional: bool) -> Result<Option<f64>, FormatError> {
    let s = s.trim();
    if s.is_empty() {
        return if optional { Ok(None) } else { Err(FormatError::new(file, line, Some(col), "empty value")) };
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Ok(v) if v.is_finite() => Err(FormatError::new(file, line, Some(col), format!("negative value {s}"))),
        Ok(_) => Err(FormatError::new(file, line, Some(col), format!("`{s}` is not a finite number"))),
        Err(_) => Err(FormatError::new(file, line, Some(col), format!("`{s}` is not a number"))),
    }
}

/// Read interval history. `zone` interprets local times (and converts offset times to that
/// zone's civil time). Stops at the first malformed field.
pub fn read_history<R: Read>(input: R, file: &str, zone: Option<&Zone>) -> Result<HistoryFile, FormatError> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(input);
    let headers = rdr.headers().map_err(|e| FormatError::new(file, 1, None, format!("cannot read header: {e}")))?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(FormatError::new(file, 0, None, "file is empty (expected header interval_start,queue,offered[,handled,abandoned,aht_seconds])"));
    }
    let col = |names: &[&str]| header_index(&headers, names);
    let i_start = col(&["interval_start", "timestamp"]).ok_or_else(|| FormatError::new(file, 1, Some("interval_start"), "missing column"))?;
    let i_queue = col(&["queue"]).ok_or_else(|| FormatError::new(file, 1, Some("queue"), "missing column"))?;
    let i_off = col(&["offered"]).ok_or_else(|| FormatError::new(file, 1, Some("offered"), "missing column"))?;
    let i_h = col(&["handled"]);
    let i_a = col(&["abandoned"]);
    let i_aht = col(&["aht_seconds"]);
    let known = [Some(i_start), Some(i_queue), Some(i_off), i_h, i_a, i_aht];
    let extra_idx: Vec<usize> = (0..headers.len()).filter(|i| !known.contains(&Some(*i))).collect();
    let mut out = HistoryFile { file: file.to_string(), extra_columns: extra_idx.iter().map(|&i| headers[i].to_string()).collect(), ..Default::default() };
    let start_name = headers[i_start].to_string();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            FormatError::new(file, line, None, format!("malformed CSV: {e}"))
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("");
        let raw_t = get(i_start);
        let ts = parse_timestamp(raw_t).ok_or_else(|| FormatError::new(file, line, Some(&start_name), format!("`{raw_t}` is not an ISO 8601 time")))?;
        let local = to_local(ts, zone).map_err(|r| FormatError::new(file, line, Some(&start_name), r))?;
        let offset = match ts {
            Timestamp::WithOffset(t) => Some(*t.offset()),
            Timestamp::Local(_) => None,
        };
        if offset.is_some() {
            out.last_offset = offset;
        }
        let queue = get(i_queue).to_string();
        if queue.is_empty() {
            return Err(FormatError::new(file, line, Some("queue"), "empty queue name"));
        }
        let offered = parse_count(file, line, "offered", get(i_off), false)?.unwrap_or(0.0);
        let opt = |i: Option<usize>, name: &str| match i {
            Some(i) => parse_count(file, line, name, get(i), true),
            None => Ok(None),
        };
        let row = HistoryRow {
            line,
            queue,
            local,
            offset,
            offered,
            handled: opt(i_h, "handled")?,
            abandoned: opt(i_a, "abandoned")?,
            aht_seconds: opt(i_aht, "aht_seconds")?,
            extra: extra_idx.iter().map(|&i| get(i).to_string()).collect(),
        };
        out.rows.push(row);
    }
    if out.rows.is_empty() {
        return Err(FormatError::new(file, 0, None, "no data rows"));
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    Duplicate,
    Gap,
    OffGrid,
    Dst,
    Impossible,
}

/// One validation finding, located by file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: Severity,
    pub kind: IssueKind,
    pub error: FormatError,
}

/// The grid (interval length in minutes) of one queue: the most common step between consecutive
/// rows, when it divides a day.
pub fn detect_grid_minutes(times: &[NaiveDateTime]) -> Option<u32> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for w in times.windows(2) {
        let m = (w[1] - w[0]).num_minutes();
        if m > 0 && m <= 1440 {
            *counts.entry(m).or_default() += 1;
        }
    }
    let (&step, _) = counts.iter().max_by_key(|(m, c)| (**c, -**m))?;
    (1440 % step == 0).then_some(step as u32)
}

/// Check well-formed history: per queue, detect the grid and report duplicates (error), intervals
/// off the grid (error), gaps (warning: treated as missing), DST anomalies (warning), and
/// impossible values (handled + abandoned > offered by more than one contact, AHT of 0 with
/// handled contacts or above 4 h: warning). `zone` enables DST checks for local times.
pub fn validate(h: &HistoryFile, zone: Option<&Zone>) -> Vec<Issue> {
    let mut issues = Vec::new();
    let f = &h.file;
    let mut push = |sev, kind, line: u64, col: Option<&str>, reason: String| {
        issues.push(Issue { severity: sev, kind, error: FormatError::new(f, line, col, reason) });
    };
    let mut by_queue: BTreeMap<&str, Vec<&HistoryRow>> = BTreeMap::new();
    for r in &h.rows {
        by_queue.entry(r.queue.as_str()).or_default().push(r);
        if let (Some(hd), Some(ab)) = (r.handled, r.abandoned)
            && hd + ab > r.offered + 1.0
        {
            push(Severity::Warning, IssueKind::Impossible, r.line, Some("handled"), format!("handled {hd} + abandoned {ab} exceed offered {}", r.offered));
        }
        if let (Some(hd), Some(aht)) = (r.handled, r.aht_seconds) {
            if hd > 0.0 && aht == 0.0 {
                push(Severity::Warning, IssueKind::Impossible, r.line, Some("aht_seconds"), format!("AHT 0 with {hd} handled contacts"));
            } else if aht > 4.0 * 3600.0 {
                push(Severity::Warning, IssueKind::Impossible, r.line, Some("aht_seconds"), format!("AHT {aht} s is over 4 hours"));
            }
        }
        if r.offset.is_none()
            && let Some(z) = zone
            && let Some(why) = z.dst_anomaly(r.local)
        {
            push(Severity::Warning, IssueKind::Dst, r.line, Some("interval_start"), format!("local time {} is {why}", r.local));
        }
    }
    for (queue, mut rows) in by_queue {
        rows.sort_by_key(|r| (r.local, r.line));
        let times: Vec<NaiveDateTime> = rows.iter().map(|r| r.local).collect();
        let Some(grid) = detect_grid_minutes(&times) else {
            if rows.len() > 1 {
                push(Severity::Error, IssueKind::OffGrid, rows[0].line, Some("interval_start"), format!("queue `{queue}`: cannot find a regular interval length that divides the day"));
            }
            continue;
        };
        // Offsets on one local day must agree; a change means the file crossed a DST switch.
        let mut day_offset: HashMap<chrono::NaiveDate, (FixedOffset, u64)> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            let mins = r.local.hour() * 60 + r.local.minute();
            if mins % grid != 0 || r.local.second() != 0 {
                push(Severity::Error, IssueKind::OffGrid, r.line, Some("interval_start"), format!("queue `{queue}`: {} is not on the {grid}-minute grid", r.local));
            }
            if let Some(o) = r.offset {
                let e = day_offset.entry(r.local.date()).or_insert((o, r.line));
                if e.0 != o {
                    push(Severity::Warning, IssueKind::Dst, r.line, Some("interval_start"), format!("queue `{queue}`: UTC offset changes from {} (line {}) to {o} within {} (daylight saving)", e.0, e.1, r.local.date()));
                    e.0 = o;
                }
            }
            if i == 0 {
                continue;
            }
            let prev = rows[i - 1];
            let step = r.local - prev.local;
            if step == Duration::zero() {
                let sev = if r.offset.is_some() && prev.offset.is_some() && r.offset != prev.offset { Severity::Warning } else { Severity::Error };
                let kind = if sev == Severity::Warning { IssueKind::Dst } else { IssueKind::Duplicate };
                push(sev, kind, r.line, Some("interval_start"), format!("queue `{queue}`: interval {} also on line {}{}", r.local, prev.line, if sev == Severity::Warning { " (repeated local hour after a daylight-saving change; the two are added)" } else { "" }));
            } else if step > Duration::minutes(grid as i64) && step <= Duration::days(1) {
                // Longer holes (closed days, missing weeks) are reported once by their size too.
                push(Severity::Warning, IssueKind::Gap, r.line, Some("interval_start"), format!("queue `{queue}`: {} missing interval(s) between {} (line {}) and {}", step.num_minutes() / grid as i64 - 1, prev.local, prev.line, r.local));
            } else if step > Duration::days(1) {
                push(Severity::Warning, IssueKind::Gap, r.line, Some("interval_start"), format!("queue `{queue}`: no data for {} day(s) between {} (line {}) and {}", step.num_days(), prev.local, prev.line, r.local));
            }
        }
    }
    issues.sort_by_key(|i| (i.error.line, i.severity));
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, zone: Option<&str>) -> Result<HistoryFile, FormatError> {
        let z = zone.map(|z| Zone::parse(z).unwrap());
        read_history(text.as_bytes(), "h.csv", z.as_ref())
    }

    #[test]
    fn reads_offsets_local_times_and_extra_columns() {
        let h = read("interval_start,queue,offered,handled,abandoned,aht_seconds,site\n2026-02-16T09:00:00+08:00,sales,10,9,1,180,bj\n2026-02-16T09:15:00+08:00,sales,12,12,0,,bj\n", None).unwrap();
        assert_eq!(h.rows.len(), 2);
        assert_eq!(h.rows[0].local.to_string(), "2026-02-16 09:00:00");
        assert_eq!(h.rows[0].aht_seconds, Some(180.0));
        assert_eq!(h.rows[1].aht_seconds, None);
        assert_eq!(h.extra_columns, vec!["site"]);
        assert_eq!(h.rows[1].extra, vec!["bj"]);
        assert_eq!(h.last_offset, FixedOffset::east_opt(8 * 3600));
        // Offset times are shown in the requested zone.
        let h = read("interval_start,queue,offered\n2026-02-16T01:00:00Z,q,1\n", Some("Asia/Shanghai")).unwrap();
        assert_eq!(h.rows[0].local.to_string(), "2026-02-16 09:00:00");
        let h = read("timestamp,queue,offered\n1999-01-01T00:06:00,q,2.5\n", Some("+02:00")).unwrap();
        assert_eq!(h.rows[0].offered, 2.5);
    }

    #[test]
    fn malformed_input_is_located() {
        let cases = [
            ("interval_start,queue,offered\n2026-02-16T09:00:00,q,1\n", None, 2, "no UTC offset"),
            ("interval_start,queue,offered\n2026-02-16T09:00:00+08:00,q,-1\n", None, 2, "negative"),
            ("interval_start,queue,offered\n2026-02-16T09:00:00+08:00,q,abc\n", None, 2, "not a number"),
            ("interval_start,queue,offered\n2026-02-16T09:00:00+08:00,q,1\nyesterday,q,1\n", None, 3, "ISO 8601"),
            ("interval_start,queue\n", None, 1, "missing column"),
            ("interval_start,queue,offered,handled\n2026-02-16T09:00:00+08:00,q,1,NaN\n", None, 2, "finite"),
            ("interval_start,queue,offered\n", None, 0, "no data rows"),
            ("interval_start,queue,offered\n2026-02-16T09:00:00+08:00,q,1,7\n", None, 2, "malformed CSV"),
        ];
        for (text, zone, line, needle) in cases {
            let e = read(text, zone).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.reason.contains(needle), "{e} lacks {needle}");
        }
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(Zone::parse("+8").is_ok());
    }

    #[test]
    fn validation_reports_duplicates_gaps_offgrid_impossible() {
        let text = "interval_start,queue,offered,handled,abandoned,aht_seconds\n\
            2026-02-16T09:00:00+08:00,q,10,9,1,180\n\
            2026-02-16T09:15:00+08:00,q,10,9,1,180\n\
            2026-02-16T09:15:00+08:00,q,10,9,1,180\n\
            2026-02-16T09:30:00+08:00,q,10,20,1,180\n\
            2026-02-16T10:00:00+08:00,q,10,9,1,0\n\
            2026-02-16T10:07:00+08:00,q,10,9,1,180\n\
            2026-02-16T10:15:00+08:00,q,10,9,1,180\n\
            2026-02-16T10:30:00+08:00,q,10,9,1,180\n";
        let h = read(text, None).unwrap();
        let issues = validate(&h, None);
        let kinds: Vec<(u64, IssueKind, Severity)> = issues.iter().map(|i| (i.error.line, i.kind, i.severity)).collect();
        assert!(kinds.contains(&(4, IssueKind::Duplicate, Severity::Error)), "{kinds:?}");
        assert!(kinds.contains(&(5, IssueKind::Impossible, Severity::Warning)));
        assert!(kinds.contains(&(6, IssueKind::Gap, Severity::Warning)));
        assert!(kinds.contains(&(6, IssueKind::Impossible, Severity::Warning)));
        assert!(kinds.contains(&(7, IssueKind::OffGrid, Severity::Error)));
        assert_eq!(issues.len(), 5, "{issues:?}");
    }

    #[test]
    fn validation_reports_dst() {
        // Europe/Berlin 2026-03-29: 02:00–03:00 does not exist.
        let text = "interval_start,queue,offered\n2026-03-29T01:00,q,1\n2026-03-29T02:00,q,1\n2026-03-29T03:00,q,1\n";
        let z = Zone::parse("Europe/Berlin").unwrap();
        let h = read_history(text.as_bytes(), "h.csv", Some(&z)).unwrap();
        let issues = validate(&h, Some(&z));
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!((issues[0].kind, issues[0].error.line), (IssueKind::Dst, 3));
        // Offsets: the repeated hour on 2026-10-25 is a DST warning, not a duplicate.
        let text = "interval_start,queue,offered\n2026-10-25T02:00:00+02:00,q,1\n2026-10-25T02:00:00+01:00,q,1\n2026-10-25T03:00:00+01:00,q,1\n";
        let h = read(text, None).unwrap();
        let issues = validate(&h, None);
        assert!(issues.iter().all(|i| i.kind == IssueKind::Dst && i.severity == Severity::Warning), "{issues:?}");
        assert!(!issues.is_empty());
    }

    #[test]
    fn grid_detection() {
        let t0 = NaiveDateTime::parse_from_str("2026-01-01 00:00", "%Y-%m-%d %H:%M").unwrap();
        let times: Vec<_> = (0..10).map(|i| t0 + Duration::minutes(6 * i)).collect();
        assert_eq!(detect_grid_minutes(&times), Some(6));
        let times: Vec<_> = (0..10).map(|i| t0 + Duration::minutes(7 * i)).collect();
        assert_eq!(detect_grid_minutes(&times), None);
    }
}
