//! End-to-end test in a real browser: starts `ccops demo --small` (fresh data directory, free port),
//! drives headless Chromium through chromedriver, and saves screenshots.
//!
//! - planner flow: log in, open the forecast, generate a roster (background job), publish it;
//! - agent flow: log in, see the schedule (week and month), request leave;
//! - both languages are exercised (the agent switches to Chinese).
//!
//! Screenshots go to `$CCOPS_SCREENSHOTS` or `target/screenshots/`. Skips with a note when
//! `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, unless `CCOPS_REQUIRE_SERVICES=1`.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Kills the child process when the test ends, whatever happens.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn services_required() -> bool {
    std::env::var("CCOPS_REQUIRE_SERVICES").as_deref() == Ok("1")
}

fn screenshot_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CCOPS_SCREENSHOTS") {
        return PathBuf::from(d);
    }
    // crates/ccops → workspace root → target/screenshots (or $CARGO_TARGET_DIR/screenshots).
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("screenshots");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A demo login as printed by `ccops demo`.
#[derive(Debug, Clone)]
struct Login {
    user: String,
    password: String,
}

/// Starts `ccops demo` and waits until it prints its URL. Returns the URL, the demo's stdout
/// so far (logins), and the guard.
fn start_demo(data_dir: &Path) -> (String, String, Guard) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccops"))
        // A small center and a short roster search keep the test under a couple of minutes.
        .args(["demo", "--small", "--no-floor", "--port", "0", "--roster-seconds", "5", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn ccops demo");
    let stdout = child.stdout.take().expect("piped stdout");
    let guard = Guard(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            seen.push_str(&line);
            seen.push('\n');
            let _ = tx.send(seen.clone());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(s) = rx.recv_timeout(Duration::from_millis(200)) {
            seen = s;
        }
        let url = seen.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:") || w.starts_with("http://localhost:"));
        // The logins are printed before the URL line.
        if let Some(url) = url {
            return (url.trim_end_matches('/').to_string(), seen, guard);
        }
    }
    panic!("ccops demo did not print a URL within 240 s; output so far:\n{seen}");
}

/// Finds the login line `  <role> <user> <password> <display name>` in the demo's output.
fn login_for(output: &str, role: &str) -> Login {
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [r, user, password, ..] = words.as_slice() {
            if *r == role {
                return Login { user: user.to_string(), password: password.to_string() };
            }
        }
    }
    panic!("no login for role {role} in demo output:\n{output}");
}

async fn start_browser(port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1000", "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&url).await {
            Ok(c) => return c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("cannot start a chromedriver session: {e}"),
        }
    }
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// The text of the first element matching `css`, waiting up to 20 s for it. A page that is
/// replaced between finding the element and reading it (a form post reloading the page) detaches
/// the node; then it is looked up again on the new page.
/// The text of `css` once `done` holds, read again every 200 ms for up to 10 s; the last text
/// read when it never does. After a click that submits a form, the element is still the old
/// page's until the redirect replaces it: reading it once raced the redirect now and then.
async fn text_until(c: &Client, css: &str, done: impl Fn(&str) -> bool) -> Result<String, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = text_of(c, css).await;
        if done(&text) {
            return Ok(text);
        }
        if std::time::Instant::now() > deadline {
            return Err(text);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let el = c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        match el.text().await {
            Ok(t) => return t,
            Err(e) if std::time::Instant::now() < deadline => {
                eprintln!("{css}: {e}; looking it up again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("text of {css}: {e}"),
        }
    }
}

async fn login(c: &Client, base: &str, who: &Login) {
    c.goto(&format!("{base}/login")).await.expect("open login");
    c.find(Locator::Css("#username")).await.expect("username").send_keys(&who.user).await.expect("type");
    c.find(Locator::Css("#password")).await.expect("password").send_keys(&who.password).await.expect("type");
    c.find(Locator::Css("#login-submit")).await.expect("submit").click().await.expect("click");
    // Logged in when the sign-out button is there.
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("header form[action='/logout']")).await.expect("logged in");
}

async fn logout(c: &Client) {
    c.find(Locator::Css("header form[action='/logout'] button")).await.expect("logout").click().await.expect("click");
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#login-form")).await.expect("back at login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planner_and_agent_flows_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(!services_required(), "CCOPS_REQUIRE_SERVICES=1 but {CHROMIUM} or {CHROMEDRIVER} is missing");
        eprintln!("note: skipping browser test, {CHROMIUM} or {CHROMEDRIVER} not installed");
        return;
    }
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (base, output, _server) = start_demo(&tmp.path().join("data"));
    let port = free_port();
    let _driver = Guard(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn chromedriver"),
    );
    let c = start_browser(port, &tmp.path().join("profile")).await;
    let result = flows(&c, &base, &output, &shots, &tmp.path().join("data")).await;
    if result.is_err() {
        // What the browser showed when it went wrong.
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(shots.join("99-failure.png"), png);
        }
    }
    let _ = c.close().await;
    result.expect("browser flows");
    eprintln!("screenshots in {}", shots.display());
}

async fn flows(c: &Client, base: &str, output: &str, shots: &Path, data_dir: &Path) -> Result<(), String> {
    // --- admin: load the demo's scheduling rules (written next to its database) ---------------
    c.goto(&format!("{base}/login")).await.map_err(|e| e.to_string())?;
    shot(c, shots, "01-login").await;
    let admin = login_for(output, "admin");
    login(c, base, &admin).await;
    if let Ok(rules) = std::fs::read_to_string(data_dir.join("rules.toml")) {
        c.goto(&format!("{base}/admin/rules")).await.map_err(|e| e.to_string())?;
        c.execute("document.querySelector('#admin-form textarea').value = arguments[0];", vec![serde_json::json!(rules)])
            .await
            .map_err(|e| e.to_string())?;
        c.find(Locator::Css("#admin-form button[type=submit]")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
        c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#flash-ok")).await.map_err(|e| format!("rules not saved: {e}"))?;
    }
    c.goto(&format!("{base}/admin/users")).await.map_err(|e| e.to_string())?;
    shot(c, shots, "12-admin-users").await;
    logout(c).await;

    // --- planner -------------------------------------------------------------------------------
    let planner = login_for(output, "planner");
    login(c, base, &planner).await;
    shot(c, shots, "02-planner-home").await;

    c.goto(&format!("{base}/planner/forecast")).await.map_err(|e| e.to_string())?;
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#forecast-chart svg")).await.map_err(|e| e.to_string())?;
    let chart = c.find(Locator::Css("#forecast-chart svg")).await.map_err(|e| e.to_string())?.html(false).await.map_err(|e| e.to_string())?;
    if !chart.contains(r#"class="forecast""#) || !chart.contains(r#"class="history""#) {
        return Err(format!("forecast chart lacks history or forecast line: {}", &chart[..chart.len().min(400)]));
    }
    // Manual adjustment: +20 % on the default window, with a reason; the chart then shows it.
    c.find(Locator::Css("#adjust-form input[name=percent]")).await.map_err(|e| e.to_string())?.clear().await.map_err(|e| e.to_string())?;
    c.find(Locator::Css("#adjust-form input[name=percent]")).await.map_err(|e| e.to_string())?.send_keys("20").await.map_err(|e| e.to_string())?;
    c.find(Locator::Css("#adjust-form input[name=reason]")).await.map_err(|e| e.to_string())?.send_keys("e2e: campaign").await.map_err(|e| e.to_string())?;
    c.find(Locator::Css("#adjust-form button[type=submit]")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#forecast-chart svg path.adjusted"))
        .await
        .map_err(|e| format!("adjusted line not drawn after the adjustment: {e}"))?;
    shot(c, shots, "03-forecast").await;

    c.goto(&format!("{base}/planner/staffing")).await.map_err(|e| e.to_string())?;
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(".queue-curve svg")).await.map_err(|e| e.to_string())?;
    shot(c, shots, "04-staffing").await;

    c.goto(&format!("{base}/planner/roster")).await.map_err(|e| e.to_string())?;
    // A quick search: a debug build explores far fewer moves per second than a release one.
    c.execute("document.querySelector('#roster-effort').value = '20000';", vec![]).await.map_err(|e| e.to_string())?;
    c.find(Locator::Css("#generate-roster")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    // The job runs in the background; the progress fragment polls until it is done (with a
    // link to the result) or failed (with the reason).
    let end = c
        .wait()
        .at_most(Duration::from_secs(300))
        .every(Duration::from_millis(500))
        .for_element(Locator::Css("#job-result, .job.failed, .job.cancelled, #ui-error"))
        .await
        .map_err(|e| format!("roster job did not finish: {e}"))?;
    shot(c, shots, "05-roster-job-done").await;
    if end.attr("id").await.map_err(|e| e.to_string())?.as_deref() != Some("job-result") {
        let why = text_of(c, "#job").await;
        return Err(format!("roster job did not succeed: {why}"));
    }
    end.click().await.map_err(|e| e.to_string())?;
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#publish-roster")).await.map_err(|e| e.to_string())?;
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(".gantt-box svg")).await.map_err(|e| e.to_string())?;
    shot(c, shots, "06-roster-draft").await;
    c.find(Locator::Css("#publish-roster")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    let status = text_of(c, "#roster-status-value").await;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#unpublish-roster")).await.map_err(|e| format!("not published (status {status}): {e}"))?;
    shot(c, shots, "07-roster-published").await;

    c.goto(&format!("{base}/planner/requests")).await.map_err(|e| e.to_string())?;
    shot(c, shots, "08-requests").await;
    logout(c).await;

    // --- agent ---------------------------------------------------------------------------------
    let agent = login_for(output, "agent");
    login(c, base, &agent).await;
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("#my-schedule")).await.map_err(|e| e.to_string())?;
    let week = text_of(c, "#my-schedule").await;
    if !week.contains(':') {
        return Err(format!("agent's week shows no shift times: {week}"));
    }
    shot(c, shots, "09-agent-week").await;
    let day = c
        .execute("const s = document.querySelector('#my-schedule tr[data-date] .shift'); return s ? s.closest('tr').dataset.date : null;", vec![])
        .await
        .map_err(|e| e.to_string())?
        .as_str()
        .map(str::to_string);
    // Switch to Chinese and the month view.
    c.goto(&format!("{base}/lang/zh?back=/agent%3Fview%3Dmonth")).await.map_err(|e| e.to_string())?;
    let heading = text_of(c, "main h1").await;
    if heading != "我的班表" {
        return Err(format!("language switch did not apply: heading {heading:?}"));
    }
    shot(c, shots, "10-agent-month-zh").await;

    // Request leave on the first day of the week that has a shift (read from the week view).
    let day = day.ok_or("the agent's week shows no working day")?;
    for (id, v) in [("#leave-start", &day), ("#leave-end", &day)] {
        // Date inputs take keyboard input in the locale's order; set the value directly.
        c.execute(&format!("document.querySelector('{id}').value = arguments[0];"), vec![serde_json::json!(v)]).await.map_err(|e| e.to_string())?;
    }
    c.find(Locator::Css("#leave-note")).await.map_err(|e| e.to_string())?.send_keys("e2e: family").await.map_err(|e| e.to_string())?;
    c.find(Locator::Css("#leave-submit")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    // The list is on the page before the click too (see [`text_until`]).
    text_until(c, "#my-requests", |t| t.contains(&day)).await.map_err(|mine| format!("leave request for {day} not listed: {mine}"))?;
    shot(c, shots, "11-agent-leave-requested").await;
    logout(c).await;

    // --- planner decides, seeing the staffing impact --------------------------------------------
    login(c, base, &planner).await;
    c.goto(&format!("{base}/planner/requests")).await.map_err(|e| e.to_string())?;
    let pending = text_of(c, "#pending-requests").await;
    if !pending.contains("e2e: family") {
        return Err(format!("the agent's request is not waiting for the planner: {pending}"));
    }
    shot(c, shots, "13-requests-impact").await;
    c.find(Locator::Css("#pending-requests form[action$='/approve'] button")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
    // The list is on the page before the click too (see [`text_until`]).
    text_until(c, "#pending-requests", |t| !t.contains("e2e: family")).await.map_err(|_| "request still pending after approval".to_string())?;
    shot(c, shots, "14-request-approved").await;
    Ok(())
}
