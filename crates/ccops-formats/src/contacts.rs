//! `contacts` exchange format: `contact_id,queue,channel,arrived_at,answered_at,ended_at,abandoned[,agent_id]`.
//!
//! One row per contact. `answered_at` and `ended_at` are empty for abandoned contacts;
//! `abandoned` is `true|false|1|0|yes|no`. [`aggregate`] turns contacts into interval history
//! (`offered` by arrival interval, `handled`, `abandoned`, `aht_seconds` = mean of
//! `ended_at − answered_at` — talk + hold + after-call work — over the contacts handled).

use crate::FormatError;
use crate::history::{HistoryFile, HistoryRow, Timestamp, Zone, parse_timestamp, to_local};
use chrono::{Duration, NaiveDateTime, Timelike};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;

/// One contact, times in local civil time.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub line: u64,
    pub contact_id: String,
    pub queue: String,
    pub channel: String,
    pub arrived_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub abandoned: bool,
    pub agent_id: Option<String>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "f" => Some(false),
        _ => None,
    }
}

/// Read contact records; stops at the first malformed or impossible row (answer before arrival,
/// end before answer, a handled contact without times, a repeated `contact_id`).
pub fn read_contacts<R: Read>(input: R, file: &str, zone: Option<&Zone>) -> Result<Vec<Contact>, FormatError> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr.headers().map_err(|e| FormatError::new(file, 1, None, format!("cannot read header: {e}")))?.clone();
    let idx = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let need = |name: &str| idx(name).ok_or_else(|| FormatError::new(file, 1, Some(name), "missing column"));
    let (i_id, i_q, i_ch, i_arr, i_ans, i_end, i_ab) =
        (need("contact_id")?, need("queue")?, need("channel")?, need("arrived_at")?, need("answered_at")?, need("ended_at")?, need("abandoned")?);
    let i_agent = idx("agent_id");
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| FormatError::new(file, e.position().map(|p| p.line()).unwrap_or(0), None, format!("malformed CSV: {e}")))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("");
        let time = |i: usize, name: &str, optional: bool| -> Result<Option<NaiveDateTime>, FormatError> {
            let s = get(i);
            if s.is_empty() {
                return if optional { Ok(None) } else { Err(FormatError::new(file, line, Some(name), "empty value")) };
            }
            let ts: Timestamp = parse_timestamp(s).ok_or_else(|| FormatError::new(file, line, Some(name), format!("`{s}` is not an ISO 8601 time")))?;
            to_local(ts, zone).map(Some).map_err(|r| FormatError::new(file, line, Some(name), r))
        };
        let id = get(i_id).to_string();
        if id.is_empty() {
            return Err(FormatError::new(file, line, Some("contact_id"), "empty contact_id"));
        }
        if let Some(prev) = seen.insert(id.clone(), line) {
            return Err(FormatError::new(file, line, Some("contact_id"), format!("contact `{id}` already on line {prev}")));
        }
        let queue = get(i_q).to_string();
        if queue.is_empty() {
            return Err(FormatError::new(file, line, Some("queue"), "empty queue name"));
        }
        let arrived_at = time(i_arr, "arrived_at", false)?.unwrap_or_default();
        let answered_at = time(i_ans, "answered_at", true)?;
        let ended_at = time(i_end, "ended_at", true)?;
        let abandoned = parse_bool(get(i_ab)).ok_or_else(|| FormatError::new(file, line, Some("abandoned"), format!("`{}` is not true/false", get(i_ab))))?;
        if let Some(a) = answered_at
            && a < arrived_at
        {
            return Err(FormatError::new(file, line, Some("answered_at"), format!("answered {a} before arrival {arrived_at}")));
        }
        if let (Some(a), Some(e)) = (answered_at, ended_at)
            && e < a
        {
            return Err(FormatError::new(file, line, Some("ended_at"), format!("ended {e} before answer {a}")));
        }
        if !abandoned && (answered_at.is_none() || ended_at.is_none()) {
            return Err(FormatError::new(file, line, Some(if answered_at.is_none() { "answered_at" } else { "ended_at" }), "a contact that was not abandoned needs answered_at and ended_at"));
        }
        out.push(Contact {
            line,
            contact_id: id,
            queue,
            channel: get(i_ch).to_string(),
            arrived_at,
            answered_at,
            ended_at,
            abandoned,
            agent_id: i_agent.map(|i| get(i).to_string()).filter(|s| !s.is_empty()),
        });
    }
    if out.is_empty() {
        return Err(FormatError::new(file, 0, None, "no data rows"));
    }
    Ok(out)
}

/// Aggregate contacts to `interval_minutes` intervals (must divide a day) per queue, from the
/// first to the last interval with an arrival, writing zero rows for empty intervals so the
/// series has no gaps. Rows are ordered by queue then time; `line` is the first contact's line.
pub fn aggregate(contacts: &[Contact], interval_minutes: u32, file: &str) -> Result<HistoryFile, FormatError> {
    if interval_minutes == 0 || 1440 % interval_minutes != 0 {
        return Err(FormatError::new(file, 0, None, format!("interval length {interval_minutes} min does not divide a day")));
    }
    let floor = |t: NaiveDateTime| {
        let m = (t.hour() * 60 + t.minute()) / interval_minutes * interval_minutes;
        t.date().and_hms_opt(m / 60, m % 60, 0).unwrap_or(t)
    };
    #[derive(Default)]
    struct Acc {
        line: u64,
        offered: f64,
        handled: f64,
        abandoned: f64,
        handle_secs: f64,
    }
    let mut acc: BTreeMap<(String, NaiveDateTime), Acc> = BTreeMap::new();
    for c in contacts {
        let a = acc.entry((c.queue.clone(), floor(c.arrived_at))).or_default();
        if a.line == 0 {
            a.line = c.line;
        }
        a.offered += 1.0;
        if c.abandoned {
            a.abandoned += 1.0;
        } else if let (Some(s), Some(e)) = (c.answered_at, c.ended_at) {
            a.handled += 1.0;
            a.handle_secs += (e - s).num_milliseconds() as f64 / 1000.0;
        }
    }
    let mut rows = Vec::new();
    let step = Duration::minutes(interval_minutes as i64);
    let mut queues: Vec<String> = acc.keys().map(|(q, _)| q.clone()).collect();
    queues.dedup();
    for q in queues {
        let range: Vec<_> = acc.range((q.clone(), NaiveDateTime::MIN)..=(q.clone(), NaiveDateTime::MAX)).collect();
        let (Some(first), Some(last)) = (range.first().map(|(k, _)| k.1), range.last().map(|(k, _)| k.1)) else { continue };
        let mut t = first;
        while t <= last {
            let row = match acc.get(&(q.clone(), t)) {
                Some(a) => HistoryRow {
                    line: a.line,
                    queue: q.clone(),
                    local: t,
                    offset: None,
                    offered: a.offered,
                    handled: Some(a.handled),
                    abandoned: Some(a.abandoned),
                    aht_seconds: (a.handled > 0.0).then(|| a.handle_secs / a.handled),
                    extra: vec![],
                },
                None => HistoryRow { line: 0, queue: q.clone(), local: t, offset: None, offered: 0.0, handled: Some(0.0), abandoned: Some(0.0), aht_seconds: None, extra: vec![] },
            };
            rows.push(row);
            t += step;
        }
    }
    Ok(HistoryFile { file: file.to_string(), rows, extra_columns: vec![], last_offset: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "contact_id,queue,channel,arrived_at,answered_at,ended_at,abandoned,agent_id\n\
        c1,sales,voice,2026-02-16T09:01:00+08:00,2026-02-16T09:01:30+08:00,2026-02-16T09:04:30+08:00,false,a1\n\
        c2,sales,voice,2026-02-16T09:10:00+08:00,2026-02-16T09:11:00+08:00,2026-02-16T09:16:00+08:00,0,a2\n\
        c3,sales,voice,2026-02-16T09:14:59+08:00,,,true,\n\
        c4,sales,voice,2026-02-16T09:50:00+08:00,2026-02-16T09:50:00+08:00,2026-02-16T09:52:00+08:00,no,a1\n";

    #[test]
    fn aggregates_to_intervals_with_aht() {
        let c = read_contacts(TEXT.as_bytes(), "c.csv", None).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[2].agent_id, None);
        let h = aggregate(&c, 15, "c.csv").unwrap();
        assert_eq!(h.rows.len(), 4); // 09:00, 09:15 (empty), 09:30 (empty), 09:45
        let r = &h.rows[0];
        assert_eq!((r.offered, r.handled, r.abandoned), (3.0, Some(2.0), Some(1.0)));
        assert_eq!(r.aht_seconds, Some((180.0 + 300.0) / 2.0));
        assert_eq!((h.rows[1].offered, h.rows[1].aht_seconds), (0.0, None));
        assert_eq!(h.rows[3].aht_seconds, Some(120.0));
        assert!(aggregate(&c, 7, "c.csv").is_err());
    }

    #[test]
    fn impossible_contacts_are_located() {
        let head = "contact_id,queue,channel,arrived_at,answered_at,ended_at,abandoned\n";
        for (row, col, needle) in [
            ("c1,q,voice,2026-02-16T09:01:00+08:00,2026-02-16T09:00:00+08:00,2026-02-16T09:04:30+08:00,false", "answered_at", "before arrival"),
            ("c1,q,voice,2026-02-16T09:01:00+08:00,2026-02-16T09:02:00+08:00,2026-02-16T09:01:30+08:00,false", "ended_at", "before answer"),
            ("c1,q,voice,2026-02-16T09:01:00+08:00,,,maybe", "abandoned", "true/false"),
            ("c1,q,voice,2026-02-16T09:01:00+08:00,,,false", "answered_at", "needs"),
            ("c1,q,voice,2026-02-16T09:01:00,,,true", "arrived_at", "offset"),
        ] {
            let e = read_contacts(format!("{head}{row}\n").as_bytes(), "c.csv", None).unwrap_err();
            assert_eq!((e.line, e.column.as_deref()), (2, Some(col)), "{e}");
            assert!(e.reason.contains(needle), "{e}");
        }
        let dup = format!("{head}c1,q,v,2026-02-16T09:01:00+08:00,,,true\nc1,q,v,2026-02-16T09:02:00+08:00,,,true\n");
        let e = read_contacts(dup.as_bytes(), "c.csv", None).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("already on line 2"));
    }
}
