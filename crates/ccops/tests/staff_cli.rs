//! `ccops staff` end to end: the binary on good and malformed staffing files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ccops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccops"))
        .args(args)
        .output()
        .expect("ccops runs")
}

/// `ccops staff --input IN [--output OUT] EXTRA…`
fn staff(input: &Path, output: Option<&Path>, extra: &[&str]) -> Output {
    let mut args = vec!["staff", "--input", input.to_str().expect("utf-8 path")];
    if let Some(o) = output {
        args.extend(["--output", o.to_str().expect("utf-8 path")]);
    }
    args.extend(extra);
    ccops(&args)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write test input");
    p
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parse a CSV output into (header, rows).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().expect("header").iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

const GOOD: &str = "\
queue,interval_start,interval_minutes,volume,aht_seconds,sl_target,sl_seconds,patience_seconds,concurrency,model,seats,shrinkage,note
voice,2026-02-16T09:00:00+08:00,30,100,180,,,,,,,,A = 10 Erlangs
voice,2026-02-16T09:30:00+08:00,30,300,240,,,120,,erlang-a,,,Erlang A table
chat,2026-02-16T09:00:00+08:00,30,120,540,0.8,60,,3,,,,\"chat, c = 3\"
voice,2026-02-16T10:00:00+08:00,30,100,180,,,,,,12,0.3,short of seats
email,2026-02-16T09:00:00+08:00,60,100,360,,,,,deferred,,,
voice,2026-02-16T10:30:00+08:00,30,0,180,,,,,,,,closed
";

#[test]
fn staffs_a_good_file_and_keeps_extra_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "in.csv", GOOD);
    let output = dir.path().join("out.csv");
    let o = staff(&input, Some(&output), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = table(&std::fs::read_to_string(&output).expect("output written"));
    assert_eq!(rows.len(), 6);
    let get = |r: usize, c: &str| rows[r][col(&h, c)].clone();
    // Input columns come first, unchanged (quoted field included).
    assert_eq!(
        &h[..13],
        GOOD.lines().next().unwrap().split(',').collect::<Vec<_>>().as_slice()
    );
    assert_eq!(get(2, "note"), "chat, c = 3");
    // ALGORITHMS.md §1: 80/20 on 10 Erlangs needs 14; SL(14) = 0.888350.
    assert_eq!(get(0, "agents"), "14");
    assert_eq!(get(0, "service_level"), "0.88835");
    assert_eq!(get(0, "binding"), "service_level");
    // §2: Erlang A needs 41 where Erlang C needs 46.
    assert_eq!(get(1, "agents"), "41");
    assert!(get(1, "abandon_rate").parse::<f64>().unwrap() > 0.05);
    // §4: 120 chats, concurrency 3, AHT 540 s, 80 % in 60 s → 41 slots → 14 agents.
    assert_eq!(get(2, "agents"), "14");
    // Seats: the need (14) is reported, with the shortfall and the SL 12 seats give.
    assert_eq!(get(3, "agents"), "14");
    assert_eq!(get(3, "seat_shortfall"), "2");
    assert_eq!(get(3, "seat_service_level"), "0.640158");
    assert_eq!(get(3, "scheduled_agents"), "20");
    // Deferred: 100 × 360 s in an hour = 10 agents of workload.
    assert_eq!(get(4, "agents"), "10");
    assert_eq!(get(5, "agents"), "0");
    assert_eq!(get(5, "binding"), "no_volume");
}

#[test]
fn global_flags_are_defaults_and_json_output_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "in.csv",
        "queue,interval_start,interval_minutes,volume,aht_seconds,sl_target\n\
         q,2026-02-16T09:00,30,100,180,\n\
         q,2026-02-16T09:30,30,100,180,0.8\n",
    );
    let o = staff(
        &input,
        None,
        &["--format", "json", "--sl-target", "0.9", "--sl-seconds", "15"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    // 90/15 needs 15; the row override 0.8 (still T = 15 s) needs fewer.
    assert_eq!(rows[0]["agents"], 15);
    assert_eq!(rows[0]["queue"], "q");
    assert_eq!(rows[0]["volume"], 100.0);
    assert!(rows[1]["agents"].as_u64().unwrap() < 15);
}

#[test]
fn malformed_inputs_fail_with_location_and_no_output() {
    let head = "queue,interval_start,interval_minutes,volume,aht_seconds,model\n";
    let ok = "q,2026-02-16T09:00,15,10,180,\n";
    let cases = [
        (
            format!("{head}{ok}q,2026-02-16T09:15,15,ten,180,\n"),
            "bad.csv:3: column `volume`: `ten` is not a number",
        ),
        (
            format!("{head}{ok}{ok}q,2026-02-16T09:30,15,-4,180,\n"),
            "bad.csv:4: column `volume`: negative volume -4",
        ),
        (
            format!("{head}q,2026-02-16T09:00,15,10,0,\n"),
            "bad.csv:2: column `aht_seconds`: AHT of zero",
        ),
        (
            format!("{head}q,2026-02-16T09:00,15,10,180,erlang-q\n"),
            "bad.csv:2: column `model`: unknown model `erlang-q`",
        ),
        (
            format!("{head}q,2026-02-16T09:00,15,10,180,erlang-a\n"),
            "bad.csv:2: column `patience_seconds`: model erlang-a needs a patience",
        ),
        (
            "queue,interval_start,volume,aht_seconds\nq,2026-02-16T09:00,10,180\n".to_string(),
            "bad.csv:1: column `interval_minutes`: missing required column",
        ),
        (
            format!("{head}q,2026-02-16T09:00,15,10\n"),
            "bad.csv:2: 4 fields, the header has 6",
        ),
        (String::new(), "bad.csv: file is empty"),
    ];
    for (text, want) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = write(dir.path(), "bad.csv", &text);
        let output = dir.path().join("out.csv");
        let o = staff(&input, Some(&output), &[]);
        assert!(!o.status.success(), "accepted: {text}");
        let err = stderr(&o);
        assert!(err.contains(want), "want `{want}` in: {err}");
        assert!(!output.exists(), "output written despite: {want}");
        // Nothing left behind either (the temporary file is removed).
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }
}

#[test]
fn bad_flags_and_missing_file_fail() {
    let o = ccops(&["staff", "--input", "/nonexistent/in.csv"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot open /nonexistent/in.csv"), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "in.csv",
        "queue,interval_start,interval_minutes,volume,aht_seconds\n",
    );
    let o = staff(&input, None, &["--sl-target", "1.5"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("sl_target must be in (0, 1)"), "{}", stderr(&o));
}

/// Many chunks through several threads: order kept, and an error deep in the file is located.
#[test]
fn long_files_stream_in_order_and_locate_late_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("queue,interval_start,interval_minutes,volume,aht_seconds,row\n");
    for i in 0..30_000u32 {
        text.push_str(&format!(
            "q{},2026-02-16T09:00,15,{},{},{i}\n",
            i % 7,
            1 + i % 500,
            120 + i % 600
        ));
    }
    let input = write(dir.path(), "long.csv", &text);
    let output = dir.path().join("out.csv");
    let o = staff(&input, Some(&output), &["--threads", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = table(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(rows.len(), 30_000);
    let r = col(&h, "row");
    assert!(
        rows.iter().enumerate().all(|(i, row)| row[r] == i.to_string()),
        "rows out of order"
    );

    text.push_str("q,2026-02-16T09:00,15,-1,180,30000\n");
    let input = write(dir.path(), "long_bad.csv", &text);
    let bad_out = dir.path().join("bad_out.csv");
    let o = staff(&input, Some(&bad_out), &[]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("long_bad.csv:30002: column `volume`: negative volume -1"),
        "{}",
        stderr(&o)
    );
    assert!(!bad_out.exists());
}

/// CRLF, blank lines, a quoted field spanning two lines and no final newline.
#[test]
fn awkward_but_valid_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "queue,interval_start,interval_minutes,volume,aht_seconds,note\r\n\
                q,2026-02-16T09:00,30,100,180,plain\r\n\
                \r\n\
                q,2026-02-16T09:30,30,100,180,\"two\nlines, and \"\"quotes\"\"\"\r\n\
                q,2026-02-16T10:00,30,100,180,last";
    let input = write(dir.path(), "in.csv", text);
    let o = staff(&input, None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = table(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][col(&h, "note")], "two\nlines, and \"quotes\"");
    assert!(rows.iter().all(|r| r[col(&h, "agents")] == "14"));
    // Line numbers count physical lines, including the blank one and the quoted newline.
    let bad = text.replace("10:00,30,100", "10:00,30,-1");
    let input = write(dir.path(), "bad.csv", &bad);
    let o = staff(&input, None, &[]);
    assert!(
        stderr(&o).contains("bad.csv:6: column `volume`: negative volume -1"),
        "{}",
        stderr(&o)
    );
}

/// `shared/data` beside the repository, `$CCOPS_SHARED/data`, or `/work/shared/data`.
fn shared_data() -> Option<PathBuf> {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        if dir.join("shared/data").is_dir() {
            return Some(dir.join("shared/data"));
        }
        if !dir.pop() {
            break;
        }
    }
    let env = std::env::var_os("CCOPS_SHARED").map(|s| PathBuf::from(s).join("data"));
    env.into_iter()
        .chain([PathBuf::from("/work/shared/data")])
        .find(|p| p.is_dir())
}

/// A whole year of real 6-minute arrivals (Anonymous Bank, 1999) staffed at 80/20.
#[test]
fn real_year_of_arrivals() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: shared/data not found");
        return;
    };
    let src = std::fs::read_to_string(data.join("anonymous_bank_1999_6min.csv")).expect("read data");
    let dir = tempfile::tempdir().expect("tempdir");
    // The file has arrivals only; 200 s is about the mean service time Brown et al. (2005)
    // report for this center.
    let mut text = String::from("queue,interval_start,interval_minutes,volume,aht_seconds\n");
    for line in src.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        text.push_str(&format!("{},{},6,{},200\n", f[1], f[0], f[2]));
    }
    let input = write(dir.path(), "bank.csv", &text);
    let o = staff(&input, None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = table(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(rows.len(), 87_600);
    let (v, a, f, sl) = (
        col(&h, "volume"),
        col(&h, "agents"),
        col(&h, "agents_fractional"),
        col(&h, "service_level"),
    );
    let mut by_volume: Vec<(f64, u32)> = Vec::new();
    for row in &rows {
        let volume: f64 = row[v].parse().unwrap();
        let agents: u32 = row[a].parse().unwrap();
        let frac: f64 = row[f].parse().unwrap();
        let load = volume * 200.0 / 360.0;
        if volume == 0.0 {
            assert_eq!(agents, 0);
        } else {
            assert!(
                agents as f64 > load && frac <= agents as f64 && frac > agents as f64 - 1.0,
                "{row:?}"
            );
            assert!(row[sl].parse::<f64>().unwrap() >= 0.8, "{row:?}");
        }
        by_volume.push((volume, agents));
    }
    // More calls never need fewer agents.
    by_volume.sort_by(|x, y| x.0.total_cmp(&y.0));
    assert!(by_volume.windows(2).all(|w| w[0].1 <= w[1].1));
    // The busiest slot agrees with the engine called directly.
    let &(volume, agents) = by_volume.last().unwrap();
    let cell = ccops_queueing::StaffingCell::voice(volume, 360.0, 200.0, ccops_queueing::Model::ErlangC);
    let direct = ccops_queueing::staff(&cell, &ccops_queueing::Targets::default()).unwrap();
    assert_eq!(agents, direct.agents, "peak of {volume} calls");
    assert!(volume > 50.0, "the year's busiest 6 minutes has {volume} calls");
}
