//! User-defined events (campaigns, billing days, outages) with effect windows.

use crate::CalendarError;
use chrono::NaiveDate;

/// An event active from `start - before_days` to `end + after_days`. Models learn one factor per
/// event name and relative day from history; `factor` is the planner's prior multiplier on volume,
/// used for days the history has never seen (e.g. the first run of a campaign).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub before_days: u32,
    pub after_days: u32,
    pub factor: Option<f64>,
}

impl Event {
    /// Day relative to `start` (negative before it) when `date` is in the effect window.
    pub fn relative_day(&self, date: NaiveDate) -> Option<i32> {
        let rel = (date - self.start).num_days();
        let last = (self.end - self.start).num_days() + self.after_days as i64;
        (rel >= -(self.before_days as i64) && rel <= last).then_some(rel as i32)
    }
}

/// Parse an events file: CSV header `name,start,end[,before_days,after_days,factor]`, dates
/// `YYYY-MM-DD` (inclusive), `#` comments; no quoting.
pub fn parse_events(text: &str, file: &str) -> Result<Vec<Event>, CalendarError> {
    let err = |line: usize, reason: String| CalendarError::Parse { file: file.to_string(), line: line as u64, reason };
    let mut out = Vec::new();
    let mut header_seen = false;
    for (n, f) in crate::data_lines(text) {
        if !header_seen {
            if f.len() < 3 || f[..3] != ["name", "start", "end"] {
                return Err(err(n, format!("expected header `name,start,end[,before_days,after_days,factor]`, found `{}`", f.join(","))));
            }
            header_seen = true;
            continue;
        }
        if f.len() < 3 {
            return Err(err(n, format!("expected at least 3 fields, found {}", f.len())));
        }
        let date = |col: &str, s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| err(n, format!("column `{col}`: `{s}` is not YYYY-MM-DD")))
        };
        let days = |col: &str, idx: usize| -> Result<u32, CalendarError> {
            match f.get(idx).filter(|s| !s.is_empty()) {
                None => Ok(0),
                Some(s) => s.parse::<u32>().ok().filter(|v| *v <= 366).ok_or_else(|| err(n, format!("column `{col}`: `{s}` is not a whole number of days 0..=366"))),
            }
        };
        if f[0].is_empty() {
            return Err(err(n, "column `name`: empty".into()));
        }
        let start = date("start", f[1])?;
        let end = date("end", f[2])?;
        if end < start {
            return Err(err(n, format!("column `end`: {end} is before start {start}")));
        }
        let factor = match f.get(5).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| err(n, format!("column `factor`: `{s}` is not a non-negative number")))?),
        };
        out.push(Event { name: f[0].to_string(), start, end, before_days: days("before_days", 3)?, after_days: days("after_days", 4)?, factor });
    }
    if !header_seen {
        return Err(err(0, "file is empty (expected header `name,start,end[,before_days,after_days,factor]`)".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_parse() {
        let ev = parse_events("# campaigns\nname,start,end,before_days,after_days,factor\nbilling,2026-03-05,2026-03-05,1,2,1.4\npromo,2026-04-01,2026-04-03\n", "e.csv").unwrap();
        assert_eq!(ev.len(), 2);
        let d = |m, dd| NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        assert_eq!(ev[0].relative_day(d(3, 4)), Some(-1));
        assert_eq!(ev[0].relative_day(d(3, 7)), Some(2));
        assert_eq!(ev[0].relative_day(d(3, 8)), None);
        assert_eq!(ev[0].relative_day(d(3, 3)), None);
        assert_eq!(ev[0].factor, Some(1.4));
        assert_eq!(ev[1].relative_day(d(4, 3)), Some(2));
        assert_eq!(ev[1].factor, None);
    }

    #[test]
    fn errors_are_located() {
        for (text, line, needle) in [
            ("name,start\n", 1, "header"),
            ("name,start,end\nx,2026-01-02,2026-01-01\n", 2, "before start"),
            ("name,start,end\nx,2026-01-02,2026-01-03,-1\n", 2, "before_days"),
            ("name,start,end\nx,2026-01-02,2026-01-03,0,0,abc\n", 2, "factor"),
            ("name,start,end\n\nx,2026/01/02,2026-01-03\n", 3, "start"),
        ] {
            let Err(CalendarError::Parse { line: l, reason, .. }) = parse_events(text, "e.csv") else { panic!("{text}") };
            assert_eq!(l, line);
            assert!(reason.contains(needle), "{reason}");
        }
    }
}
