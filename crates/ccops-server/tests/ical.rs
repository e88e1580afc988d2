//! The iCalendar feed, checked without the crate that wrote it: a hand RFC 5545 structure check
//! (CRLF, folding at 75 octets, required properties), and — when a Python with the `icalendar`
//! package is available (`$CCOPS_TEST_PYTHON`, else `python3`) — a parse by that library.

mod common;

use axum::http::{Method, StatusCode};
use ccops_store::{Actor, Backend, NewRoster, Segment};
use chrono::{DurationRound, Utc};
use common::*;

/// Unfolds RFC 5545 content lines after checking the raw form.
fn content_lines(raw: &str) -> Vec<String> {
    assert!(raw.ends_with("\r\n"), "content ends with CRLF");
    for l in raw.split("\r\n") {
        assert!(l.len() <= 75, "line longer than 75 octets: {l:?}");
        assert!(!l.contains('\n') && !l.contains('\r'), "bare LF/CR in {l:?}");
    }
    let mut out: Vec<String> = Vec::new();
    for l in raw.trim_end_matches("\r\n").split("\r\n") {
        if let Some(rest) = l.strip_prefix(' ').or_else(|| l.strip_prefix('\t')) {
            out.last_mut().expect("continuation without a line").push_str(rest);
        } else {
            out.push(l.to_string());
        }
    }
    out
}

#[tokio::test]
async fn agent_feed_is_valid_icalendar() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let s = &ctx.state.store;
    let a = &ctx.fx.a.agent;
    let day = Utc::now().duration_trunc(chrono::Duration::days(1)).unwrap() + chrono::Duration::days(1);
    let h = chrono::Duration::hours;
    let segs = vec![
        Segment { agent_id: a.id, start_at: day + h(1), end_at: day + h(4), activity: "work".into(), queue_id: None },
        Segment { agent_id: a.id, start_at: day + h(4), end_at: day + h(5), activity: "lunch".into(), queue_id: None },
        Segment { agent_id: a.id, start_at: day + h(5), end_at: day + h(9), activity: "work".into(), queue_id: None },
        // Another agent's shift must not appear.
        Segment { agent_id: ctx.fx.b.agent.id, start_at: day + h(1), end_at: day + h(9), activity: "work".into(), queue_id: None },
    ];
    let r = s.create_roster(&NewRoster { name: "now".into(), tenant_id: None, period_start: day, period_end: day + chrono::Duration::days(1),
        based_on: None, segments: segs }, &Actor::system()).await.unwrap();
    // A draft is invisible to agents; publish it.
    s.publish_roster(r.id, &Actor::system()).await.unwrap();

    let agent = login(&ctx.app, "agent").await;
    let url = get(&ctx.app, "/api/v1/me/ical", &agent).await.json()["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://ccops.test/ical/") && url.ends_with(".ics"), "{url}");
    let path = url.trim_start_matches("http://ccops.test");
    let resp = call(&ctx.app, Method::GET, path, None, Body_::None).await;
    assert_eq!(resp.status, StatusCode::OK);
    let raw = resp.text();
    let lines = content_lines(&raw);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.iter().any(|l| l == "VERSION:2.0"));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    let events: Vec<&[String]> = {
        let mut v = Vec::new();
        let mut start = None;
        for (i, l) in lines.iter().enumerate() {
            if l == "BEGIN:VEVENT" {
                start = Some(i);
            } else if l == "END:VEVENT" {
                v.push(&lines[start.take().expect("END without BEGIN")..=i]);
            }
        }
        v
    };
    assert_eq!(events.len(), 3, "three segments of this agent:\n{raw}");
    let mut uids = std::collections::HashSet::new();
    for ev in &events {
        for prop in ["UID:", "DTSTAMP:", "DTSTART:", "DTEND:", "SUMMARY:"] {
            assert_eq!(ev.iter().filter(|l| l.starts_with(prop)).count(), 1, "{prop} once in {ev:?}");
        }
        let uid = ev.iter().find(|l| l.starts_with("UID:")).unwrap();
        assert!(uids.insert(uid.clone()), "UIDs unique");
        let start = ev.iter().find(|l| l.starts_with("DTSTART:")).unwrap();
        assert!(start.ends_with('Z') && start.len() == "DTSTART:".len() + 16, "UTC date-time form: {start}");
    }
    let first_start = format!("DTSTART:{}", (day + h(1)).format("%Y%m%dT%H%M%SZ"));
    assert!(lines.contains(&first_start), "{first_start} in feed");

    // The rotated URL replaces the old one.
    let new = ctx.app.clone();
    let rotated = post(&new, "/api/v1/me/ical/rotate", &agent, serde_json::json!({})).await.json()["url"].as_str().unwrap().to_string();
    assert_ne!(rotated, url);
    assert_eq!(call(&ctx.app, Method::GET, path, None, Body_::None).await.status, StatusCode::NOT_FOUND);

    python_parse(&raw, 3);
    ctx.ts.cleanup().await;
}

/// Parses with Python's `icalendar` (an independent implementation) when available.
fn python_parse(raw: &str, expected_events: usize) {
    let py = std::env::var("CCOPS_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import sys, icalendar\ncal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())\n\
                  ev = [c for c in cal.walk('VEVENT')]\nassert all(e.decoded('dtend') > e.decoded('dtstart') for e in ev)\nprint(len(ev))\n";
    let child = std::process::Command::new(&py)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("note: {py} not found; iCalendar checked by the RFC 5545 structure check only");
        return;
    };
    use std::io::Write;
    child.stdin.take().unwrap().write_all(raw.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("No module named 'icalendar'") {
        eprintln!("note: Python package `icalendar` missing for {py}; set CCOPS_TEST_PYTHON to a Python that has it");
        return;
    }
    assert!(out.status.success(), "python icalendar rejected the feed: {err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected_events.to_string());
}
