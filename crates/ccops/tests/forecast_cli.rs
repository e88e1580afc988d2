//! `ccops forecast` and `ccops forecast backtest` end to end: output usable as staffing input,
//! located errors, nothing written on failure.

use std::io::Write;
use std::path::Path;
use std::process::Command;

fn ccops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccops"))
}

/// Six weeks of hourly history for two queues, with AHT, at +08:00.
fn write_history(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "interval_start,queue,offered,handled,abandoned,aht_seconds").unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    for d in 0..42 {
        let day = start + chrono::Duration::days(d);
        let weekend = d % 7 >= 5;
        for h in 0..24 {
            for (q, scale) in [("sales", 1.0), ("service", 2.0)] {
                let v = if (8..20).contains(&h) { (if weekend { 4.0 } else { 10.0 }) * scale + ((d * 7 + h) % 3) as f64 } else { 0.0 };
                writeln!(f, "{day}T{h:02}:00:00+08:00,{q},{v},{v},0,{}", if v > 0.0 { "240" } else { "" }).unwrap();
            }
        }
    }
}

#[test]
fn forecast_writes_staffing_input_and_backtest_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("h.csv");
    write_history(&hist);
    let out = dir.path().join("f.csv");
    let st = ccops().args(["forecast", "--history"]).arg(&hist).args(["--start", "2026-02-16", "--days", "2", "--holidays", "cn", "--output"]).arg(&out).output().unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("queue,interval_start,interval_minutes,volume,aht_seconds,volume_p10,volume_p90"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2 * 24);
    assert_eq!(rows[0][1], "2026-02-16T00:00:00+08:00");
    assert_eq!(rows[0][2], "60");
    // 2026-02-16 is 除夕 (a statutory day off): far below a normal Monday's ~120 sales contacts.
    let sales_day: f64 = rows.iter().filter(|r| r[0] == "sales" && r[1].starts_with("2026-02-16")).map(|r| r[3].parse::<f64>().unwrap()).sum();
    assert!(sales_day > 0.0 && sales_day < 100.0, "{sales_day}");
    let aht: f64 = rows[12][4].parse().unwrap();
    assert!((aht - 240.0).abs() < 1.0, "{aht}");

    let st = ccops().args(["forecast", "backtest", "--history"]).arg(&hist).args(["--horizon-days", "1", "--origins", "5", "--json"]).output().unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(v["queues"].as_array().unwrap().len(), 2);
    assert_eq!(v["overall"]["models"].as_array().unwrap().len(), 3);
    assert!(v["overall"]["chosen"]["wape"].as_f64().unwrap() < 0.2);
}

#[test]
fn errors_are_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    let run = |hist_text: &str, extra: &[&str]| {
        let hist = dir.path().join("bad.csv");
        std::fs::write(&hist, hist_text).unwrap();
        let o = ccops().args(["forecast", "--history"]).arg(&hist).args(["--start", "2026-02-16", "--output"]).arg(&out).args(extra).output().unwrap();
        assert!(!o.status.success());
        assert!(!out.exists());
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00+08:00,q,-4\n", &[]);
    assert!(e.contains("bad.csv:2: column `offered`: negative value -4"), "{e}");
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00,q,4\n", &[]);
    assert!(e.contains("bad.csv:2") && e.contains("--tz"), "{e}");
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00+08:00,q,4\n2026-01-05T09:00:00+08:00,q,4\n2026-01-05T10:00:00+08:00,q,4\n", &[]);
    assert!(e.contains("bad.csv:3") && e.contains("also on line 2"), "{e}");
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00+08:00,q,4\n2026-01-05T10:00:00+08:00,q,4\n", &[]);
    assert!(e.contains("not enough history") || e.contains("--default-aht"), "{e}");
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00+08:00,q,4\n", &["--holidays", "us"]);
    assert!(e.contains("--holidays"), "{e}");
    let e = run("interval_start,queue,offered\n2026-01-05T09:00:00+08:00,q,4\n", &["--models", "prophet"]);
    assert!(e.contains("unknown model `prophet`"), "{e}");
}
