//! `events` exchange format: JSON lines from the ACD/CTI, one object per line.
//!
//! * Agent state event: `{"event_id","agent_id","state","at"[,"queue","reason"]}` — `state` is one
//!   of `login, ready, talking, acw, break, lunch, training, meeting, logout` (common aliases such
//!   as `hold`, `wrap`, `not_ready` accepted); `at` is RFC 3339 with an offset
//!   (`2026-11-23T09:02:00+08:00`) or a `Z`. `event_id` is unique per source and makes ingest
//!   idempotent.
//! * Queue statistics: `{"queue","interval_start","interval_minutes","offered","answered","abandoned"
//!   [,"answered_within_sl","short_abandoned","aht_seconds"]}` — counts per interval; a later line
//!   for the same queue and interval replaces the earlier one.
//!
//! A line is an event when it has `event_id`, statistics when it has `interval_start`. Blank lines
//! and lines starting with `#` are skipped; extra fields are allowed and ignored. Errors name the
//! file, line, field and reason.

use crate::FormatError;
use ccops_floor::{AgentState, StateEvent};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// Per-interval queue statistics from the ACD.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueueStats {
    pub queue: String,
    pub interval_start: DateTime<Utc>,
    pub interval_minutes: u32,
    pub offered: f64,
    pub answered: f64,
    pub abandoned: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_within_sl: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_abandoned: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aht_seconds: Option<f64>,
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Event(StateEvent),
    Stats(QueueStats),
}

/// Parse one line (`line` is its 1-based number, for errors). `Ok(None)` for blank/comment lines.
pub fn parse_line(text: &str, file: &str, line: u64) -> Result<Option<Line>, FormatError> {
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(t)
        .map_err(|e| FormatError::new(file, line, None, format!("not valid JSON at column {}: {e}", e.column())))?;
    let Value::Object(obj) = v else {
        return Err(FormatError::new(file, line, None, "expected a JSON object"));
    };
    let f = Fields { obj: &obj, file, line };
    if obj.contains_key("event_id") {
        let state_s = f.string("state")?;
        let state: AgentState = state_s.parse().map_err(|e: ccops_floor::UnknownState| f.err("state", e.to_string()))?;
        Ok(Some(Line::Event(StateEvent {
            event_id: f.string("event_id")?,
            agent_id: f.string("agent_id")?,
            state,
            at: f.time("at")?,
            queue: f.opt_string("queue")?,
            reason: f.opt_string("reason")?,
        })))
    } else if obj.contains_key("interval_start") {
        let minutes = f.number("interval_minutes")?;
        if minutes.fract() != 0.0 || !(1.0..=1440.0).contains(&minutes) {
            return Err(f.err("interval_minutes", format!("{minutes} is not a whole number of minutes in 1..=1440")));
        }
        let stats = QueueStats {
            queue: f.string("queue")?,
            interval_start: f.time("interval_start")?,
            interval_minutes: minutes as u32,
            offered: f.count("offered")?,
            answered: f.count("answered")?,
            abandoned: f.count("abandoned")?,
            answered_within_sl: f.opt_count("answered_within_sl")?,
            short_abandoned: f.opt_count("short_abandoned")?,
            aht_seconds: f.opt_count("aht_seconds")?,
        };
        if stats.answered + stats.abandoned > stats.offered + 1e-9 {
            return Err(f.err("answered", format!("answered {} + abandoned {} exceed offered {}", stats.answered, stats.abandoned, stats.offered)));
        }
        if stats.answered_within_sl.is_some_and(|w| w > stats.answered + 1e-9) {
            return Err(f.err("answered_within_sl", "more than answered"));
        }
        Ok(Some(Line::Stats(stats)))
    } else {
        Err(FormatError::new(file, line, None, "neither an agent state event (no `event_id`) nor queue statistics (no `interval_start`)"))
    }
}

/// Read a whole JSON-lines stream; stops at the first malformed line.
pub fn read_lines<R: BufRead>(input: R, file: &str) -> Result<Vec<Line>, FormatError> {
    let mut out = Vec::new();
    for (i, text) in input.lines().enumerate() {
        let line = i as u64 + 1;
        let text = text.map_err(|e| FormatError::new(file, line, None, format!("cannot read: {e}")))?;
        if let Some(l) = parse_line(&text, file, line)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// Write one agent state event as a JSON line.
pub fn write_event<W: Write>(mut out: W, e: &StateEvent) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, e)?;
    out.write_all(b"\n")
}

/// Write one queue statistics line.
pub fn write_stats<W: Write>(mut out: W, s: &QueueStats) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, s)?;
    out.write_all(b"\n")
}

struct Fields<'a> {
    obj: &'a Map<String, Value>,
    file: &'a str,
    line: u64,
}

impl Fields<'_> {
    fn err(&self, field: &str, reason: impl Into<String>) -> FormatError {
        FormatError::new(self.file, self.line, Some(field), reason)
    }
    fn opt_string(&self, k: &str) -> Result<Option<String>, FormatError> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // ACDs often send numeric ids; keep them as text.
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.err(k, format!("expected a string, got {other}"))),
        }
    }
    fn string(&self, k: &str) -> Result<String, FormatError> {
        self.opt_string(k)?.ok_or_else(|| self.err(k, "missing or empty"))
    }
    fn time(&self, k: &str) -> Result<DateTime<Utc>, FormatError> {
        let s = self.string(k)?;
        DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| self.err(k, format!("`{s}` is not an RFC 3339 time with an offset (e.g. 2026-11-23T09:00:00+08:00): {e}")))
    }
    fn opt_number(&self, k: &str) -> Result<Option<f64>, FormatError> {
        match self.obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_f64().filter(|x| x.is_finite()).map(Some).ok_or_else(|| self.err(k, "not a finite number")),
            Some(other) => Err(self.err(k, format!("expected a number, got {other}"))),
        }
    }
    fn number(&self, k: &str) -> Result<f64, FormatError> {
        self.opt_number(k)?.ok_or_else(|| self.err(k, "missing"))
    }
    fn opt_count(&self, k: &str) -> Result<Option<f64>, FormatError> {
        match self.opt_number(k)? {
            Some(x) if x < 0.0 => Err(self.err(k, format!("negative value {x}"))),
            x => Ok(x),
        }
    }
    fn count(&self, k: &str) -> Result<f64, FormatError> {
        self.opt_count(k)?.ok_or_else(|| self.err(k, "missing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_and_stats_and_round_trips() {
        let s = r#"# from the ACD
{"event_id":"e1","agent_id":"A1","state":"ready","at":"2026-11-23T09:02:00+08:00","queue":"voice"}

{"event_id":"e2","agent_id":1007,"state":"Hold","at":"2026-11-23T01:05:00Z","extra":true}
{"queue":"voice","interval_start":"2026-11-23T09:00:00+08:00","interval_minutes":15,"offered":40,"answered":36,"abandoned":4,"answered_within_sl":30}
"#;
        let lines = read_lines(s.as_bytes(), "ev.jsonl").unwrap();
        assert_eq!(lines.len(), 3);
        let Line::Event(e) = &lines[1] else { panic!("event expected") };
        assert_eq!((e.agent_id.as_str(), e.state), ("1007", AgentState::Talking));
        let Line::Event(e0) = &lines[0] else { panic!("event expected") };
        assert_eq!(e0.at.to_rfc3339(), "2026-11-23T01:02:00+00:00");
        let mut buf = Vec::new();
        write_event(&mut buf, e0).unwrap();
        let Line::Stats(st) = &lines[2] else { panic!("stats expected") };
        write_stats(&mut buf, st).unwrap();
        let again = read_lines(buf.as_slice(), "w.jsonl").unwrap();
        assert_eq!(again, vec![lines[0].clone(), lines[2].clone()]);
    }

    #[test]
    fn errors_are_located() {
        let cases = [
            (r#"{"event_id":"e1","agent_id":"A1","state":"dancing","at":"2026-11-23T09:02:00Z"}"#, Some("state")),
            (r#"{"event_id":"e1","agent_id":"A1","state":"ready","at":"2026-11-23 09:02"}"#, Some("at")),
            (r#"{"event_id":"e1","state":"ready","at":"2026-11-23T09:02:00Z"}"#, Some("agent_id")),
            (r#"{"event_id":"","agent_id":"A1","state":"ready","at":"2026-11-23T09:02:00Z"}"#, Some("event_id")),
            (r#"{"queue":"q","interval_start":"2026-11-23T09:00:00Z","interval_minutes":15,"offered":1,"answered":3,"abandoned":0}"#, Some("answered")),
            (r#"{"queue":"q","interval_start":"2026-11-23T09:00:00Z","interval_minutes":7.5,"offered":1,"answered":0,"abandoned":0}"#, Some("interval_minutes")),
            (r#"{"queue":"q","interval_start":"2026-11-23T09:00:00Z","interval_minutes":15,"offered":-1,"answered":0,"abandoned":0}"#, Some("offered")),
            (r#"{"event_id":"e1""#, None),
            (r#"[1,2]"#, None),
            (r#"{"hello":1}"#, None),
        ];
        for (text, field) in cases {
            let input = format!("\n{text}\n");
            let e = read_lines(input.as_bytes(), "bad.jsonl").unwrap_err();
            assert_eq!((e.file.as_str(), e.line, e.column.as_deref()), ("bad.jsonl", 2, field), "{text}: {e}");
        }
    }
}
