//! End-to-end check of the live floor in headless Chromium: a supervisor opens `/floor`, an
//! event source posts agent state events to `/api/v1/events`, and the agent's tile changes state
//! over the SSE stream without a reload; a late (older) event does not overwrite the newer state.
//! Screenshots go to `$CCOPS_SCREENSHOTS` or `target/screenshots/`. Skips with a note when
//! Chromium or chromedriver is missing, unless `CCOPS_REQUIRE_SERVICES=1`.

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn screenshot_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CCOPS_SCREENSHOTS") {
        return PathBuf::from(d);
    }
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(t).join("screenshots");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}

/// POST a JSON-lines body as an event source; returns the status.
async fn post_events(port: u16, token: &str, body: String) -> u16 {
    use http_body_util::Full;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let req = http::Request::post(format!("http://127.0.0.1:{port}/api/v1/events"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(bytes::Bytes::from(body)))
        .expect("request");
    client.request(req).await.expect("post events").status().as_u16()
}

fn event(id: &str, agent: &str, state: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    format!(r#"{{"event_id":"{id}","agent_id":"{agent}","state":"{state}","at":"{}"}}"#, at.to_rfc3339())
}

async fn tile_state(c: &Client, agent: &str, want: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(el) = c.find(Locator::Css(&format!("#agent-{agent}"))).await
            && el.attr("data-state").await.ok().flatten().as_deref() == Some(want)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            let err = c.execute("return document.body.dataset.floorError || ''", vec![]).await.ok();
            let html = c.source().await.unwrap_or_default();
            let tail = &html[html.len().saturating_sub(3000)..];
            return Err(format!("tile of {agent} never showed `{want}`; script error: {err:?}; page end: {tail}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_floor_updates_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(std::env::var("CCOPS_REQUIRE_SERVICES").as_deref() != Ok("1"), "CCOPS_REQUIRE_SERVICES=1 but Chromium is missing");
        eprintln!("note: skipping live-floor browser test, {CHROMIUM} or {CHROMEDRIVER} not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let url = format!("sqlite://{}?mode=rwc", data.join("ccops.db").display());
    // Accounts through the store (the server is not running yet): a supervisor and a token.
    let token = {
        let store = ccops_store::Store::open(&url).await.expect("open store");
        store
            .create_user(&ccops_store::NewUser {
                username: "sup".into(),
                display_name: "Supervisor".into(),
                password: "floor-e2e-password".into(),
                role: "supervisor".into(),
                tenant_id: None,
                agent_id: None,
                locale: "en".into(),
            })
            .await
            .expect("user");
        let (_, secret) = store.create_api_token("acd", "events", None).await.expect("token");
        store.close().await;
        secret
    };
    let port = free_port();
    let _server = Guard(
        Command::new(env!("CARGO_BIN_EXE_ccops"))
            .args(["serve", "--data-dir"])
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn ccops serve"),
    );
    let now = chrono::Utc::now();
    // Wait for the server, and give the agent a first state so it has a tile.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(post_events(port, &token, event("e1", "E2E01", "ready", now - chrono::Duration::minutes(5))).await, 200);

    let dport = free_port();
    let _driver = Guard(Command::new(CHROMEDRIVER).arg(format!("--port={dport}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver"));
    let profile = tmp.path().join("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,900",
            "--lang=en-US", format!("--user-data-dir={}", profile.display())] }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let c = loop {
        match ClientBuilder::new(connector.clone()).capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{dport}")).await {
            Ok(c) => break c,
            Err(e) => {
                assert!(Instant::now() < deadline, "chromedriver: {e}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    let result = async {
        let base = format!("http://127.0.0.1:{port}");
        c.goto(&format!("{base}/login")).await.map_err(|e| e.to_string())?;
        c.find(Locator::Css("#username")).await.map_err(|e| e.to_string())?.send_keys("sup").await.map_err(|e| e.to_string())?;
        c.find(Locator::Css("#password")).await.map_err(|e| e.to_string())?.send_keys("floor-e2e-password").await.map_err(|e| e.to_string())?;
        c.find(Locator::Css("#login-submit")).await.map_err(|e| e.to_string())?.click().await.map_err(|e| e.to_string())?;
        c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("header form[action='/logout']")).await.map_err(|e| e.to_string())?;
        c.goto(&format!("{base}/floor")).await.map_err(|e| e.to_string())?;
        tile_state(&c, "E2E01", "ready").await?;
        // The stream is open before we post, so the update must arrive live.
        let deadline = Instant::now() + Duration::from_secs(15);
        while c.execute("return document.body.dataset.stream || ''", vec![]).await.map_err(|e| e.to_string())? != "open" {
            if Instant::now() > deadline {
                return Err("SSE stream never opened".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let status = post_events(port, &token, event("e2", "E2E01", "talking", chrono::Utc::now())).await;
        if status != 200 {
            return Err(format!("post returned {status}"));
        }
        tile_state(&c, "E2E01", "talking").await?;
        // A new agent appears, and a late older event does not overwrite the newer state.
        let later = chrono::Utc::now();
        let body = [event("e3", "E2E02", "break", later), event("e4", "E2E01", "ready", now - chrono::Duration::minutes(1))].join("\n");
        post_events(port, &token, body).await;
        tile_state(&c, "E2E02", "break").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        tile_state(&c, "E2E01", "talking").await?;
        // The header counts the agent that appeared after the page loaded (both logged in).
        let mut counts = String::new();
        for _ in 0..40 {
            counts = c
                .execute("return document.querySelector('[data-sum=logged_in]').textContent + '/' + document.querySelector('[data-sum=agents]').textContent", vec![])
                .await
                .map_err(|e| e.to_string())?
                .as_str()
                .unwrap_or_default()
                .to_string();
            if counts == "2/2" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if counts != "2/2" {
            return Err(format!("header shows logged in {counts}, want 2/2"));
        }
        let shots = screenshot_dir();
        let _ = std::fs::create_dir_all(&shots);
        if let Ok(png) = c.screenshot().await {
            let _ = std::fs::write(shots.join("floor-live.png"), png);
        }
        Ok::<(), String>(())
    }
    .await;
    let _ = c.close().await;
    result.expect("live floor flow");
}
