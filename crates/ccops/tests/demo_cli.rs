//! `ccops demo` end to end: a small center is set up in a temporary directory and served on a
//! free port; the test checks `/healthz`, stops the server, then reads the database back.

use chrono::{TimeZone, Utc};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn ccops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ccops"))
}

/// Kills the server even when an assertion fails.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect to the demo server");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("send request");
    let mut out = String::new();
    s.read_to_string(&mut out).ok();
    out
}

/// The small demo, fixed date, short horizons: quick in a debug build.
fn demo_args(dir: &Path) -> Vec<String> {
    [
        "demo",
        "--small",
        "--today",
        "2026-11-22",
        "--forecast-weeks",
        "2",
        "--roster-weeks",
        "2",
        "--roster-seconds",
        "3",
        "--seed",
        "7",
        "--data-dir",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([dir.display().to_string()])
    .collect()
}

#[test]
fn demo_sets_up_a_center_serves_it_and_stores_every_stage() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("demo");
    let mut child = ccops()
        .args(demo_args(&dir))
        .args(["--port", "0", "--no-floor"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start ccops demo");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);

    // Wait for the URL line (setup runs first), collecting the logins printed before it.
    let mut printed = String::new();
    let mut addr = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("read stdout");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split("running at http://").nth(1) {
            addr = rest.split('/').next().map(str::to_string);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "demo did not start in time:\n{printed}"
        );
    }
    let addr = addr.unwrap_or_else(|| panic!("no URL printed:\n{printed}"));
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    for role in [
        "admin",
        "planner",
        "supervisor",
        "agent",
        "qa",
        "client_viewer",
    ] {
        assert!(
            printed.contains(role),
            "no login printed for {role}:\n{printed}"
        );
    }
    let health = http_get(&addr, "/healthz");
    assert!(
        health.starts_with("HTTP/1.") && health.contains(" 200 "),
        "healthz: {health}"
    );
    drop(server);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let url = format!("sqlite://{}?mode=rw", dir.join("ccops.db").display());
        let store = ccops_store::Store::open(&url)
            .await
            .expect("open the demo database");
        assert_eq!(store.list_agents(None).await.unwrap().len(), 30);
        assert_eq!(store.list_tenants().await.unwrap().len(), 2);
        let users = store.list_users(None).await.unwrap();
        assert!(
            store
                .authenticate("planner", "ccops-planner")
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(users.len(), 6);

        // History: a year up to yesterday, Spring Festival 2026 included and visibly quiet.
        let queues = store.list_queues(None).await.unwrap();
        assert_eq!(queues.len(), 6);
        let voice = queues
            .iter()
            .find(|q| q.code == "cn_voice")
            .expect("cn_voice queue");
        let day =
            |m, d| Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).unwrap() - chrono::TimeDelta::hours(8);
        let offered =
            |rows: Vec<ccops_store::HistoryRow>| rows.iter().map(|r| r.offered).sum::<f64>();
        let festival = offered(
            store
                .history(voice.id, Some(day(2, 16)), Some(day(2, 18)))
                .await
                .unwrap(),
        );
        let before = offered(
            store
                .history(voice.id, Some(day(2, 9)), Some(day(2, 11)))
                .await
                .unwrap(),
        );
        assert!(
            festival > 0.0 && festival < 0.5 * before,
            "festival {festival} vs before {before}"
        );
        let summary = store.history_summary().await.unwrap();
        let last = summary.iter().filter_map(|s| s.last).max().unwrap();
        assert_eq!(
            last.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
                .date_naive()
                .to_string(),
            "2026-11-21"
        );

        // Forecast and staffing for every queue.
        for q in &queues {
            let f = store.list_forecasts(Some(q.id)).await.unwrap();
            assert_eq!(f.len(), 1, "forecast for {}", q.code);
            assert!(!store.forecast_intervals(f[0].id).await.unwrap().is_empty());
            let plans = store.list_staffing_plans(Some(q.id)).await.unwrap();
            assert_eq!(plans.len(), 1, "staffing plan for {}", q.code);
            let intervals = store.staffing_intervals(plans[0].id).await.unwrap();
            assert!(
                intervals.iter().any(|i| i.agents > 0),
                "{} needs nobody",
                q.code
            );
        }

        // Week 1 published with shifts today, week 2 a draft.
        let rosters = store.list_rosters(None).await.unwrap();
        assert_eq!(rosters.len(), 2);
        assert_eq!(
            rosters.iter().filter(|r| r.status == "published").count(),
            1
        );
        let segs = store
            .published_segments(None, day(11, 22), day(11, 23))
            .await
            .unwrap();
        assert!(
            segs.iter().filter(|s| s.activity == "work").count() >= 10,
            "{} segments today",
            segs.len()
        );
        // The `agent` login shows someone who works today.
        let agent = store
            .user_by_name("agent")
            .await
            .unwrap()
            .expect("agent user");
        assert!(agent.agent_id.is_some());
        let mine = store
            .published_segments(agent.agent_id, day(11, 22), day(11, 23))
            .await
            .unwrap();
        assert!(
            mine.iter().any(|s| s.activity == "work"),
            "agent user has no shift today"
        );
    });
    assert!(dir.join("rules.toml").exists());
}

#[test]
fn demo_refuses_a_directory_it_did_not_create() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let keep = tmp.path().join("keep.txt");
    std::fs::write(&keep, "mine").unwrap();
    for force in [false, true] {
        let mut cmd = ccops();
        cmd.args(demo_args(tmp.path())).arg("--no-serve");
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().expect("run ccops demo");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&tmp.path().display().to_string()), "{err}");
        assert_eq!(std::fs::read_to_string(&keep).unwrap(), "mine");
    }
}
