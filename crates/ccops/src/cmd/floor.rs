//! `ccops bench floor` — the live-floor ingest load generator.
//!
//! Starts `ccops serve` as a child process on a fresh database (a new SQLite file, or a
//! PostgreSQL URL whose floor tables are emptied first — use a scratch database), creates an
//! event-source API token and a supervisor, opens the live floor's SSE stream as that
//! supervisor, and posts agent state events for `--agents` agents at `--rate` events/s for
//! `--seconds` over `--connections` keep-alive connections. Reports the sustained acknowledged
//! rate, the HTTP acknowledgement latency, and the event-to-screen latency (event time →
//! delivered on the SSE stream) percentiles.
//!
//! `--crash`: SIGKILL the server halfway, restart it on the same database, keep going (batches
//! that were not acknowledged are retried, as an ACD connector would), then check that every
//! acknowledged event is stored exactly once.

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

type Http = Client<HttpConnector, Full<Bytes>>;

#[derive(Args)]
pub struct BenchFloorArgs {
    /// Simulated agents (agent ids B00000…).
    #[arg(long, default_value_t = 5000)]
    pub agents: u32,
    /// Target events per second (all connections together).
    #[arg(long, default_value_t = 20_000)]
    pub rate: u32,
    /// Length of the run in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Events per HTTP batch.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Concurrent keep-alive connections posting batches.
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    /// `sqlite` (a fresh file in a temp dir) or a `postgres://…` URL of a SCRATCH database
    /// (its floor tables are emptied first).
    #[arg(long, default_value = "sqlite")]
    pub db: String,
    /// Port for the server under test.
    #[arg(long, default_value_t = 18_431)]
    pub port: u16,
    /// Kill the server with SIGKILL halfway, restart it, and verify every acknowledged event is
    /// stored exactly once.
    #[arg(long)]
    pub crash: bool,
}

pub fn bench_floor(args: BenchFloorArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(run(args))
}

/// The server under test, as a child process (killed when dropped).
struct Server(Option<Child>);

impl Server {
    fn start(url: &str, port: u16) -> anyhow::Result<Server> {
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--database", url, "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn,sqlx=error")
            .env_remove("CCOPS_NATS_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting `ccops serve`")?;
        Ok(Server(Some(child)))
    }
    /// SIGKILL (Rust's `Child::kill` on Unix): no shutdown code runs in the server.
    fn kill(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn send(client: &Http, method: &str, port: u16, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> anyhow::Result<(u16, Vec<(String, String)>, Bytes)> {
    let mut b = http::Request::builder().method(method).uri(format!("http://127.0.0.1:{port}{path}"));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = client.request(b.body(Full::new(Bytes::from(body)))?).await?;
    let status = resp.status().as_u16();
    let hdrs = resp.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, hdrs, body))
}

async fn wait_ready(client: &Http, port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Ok((200, _, _))) = tokio::time::timeout(Duration::from_secs(2), send(client, "GET", port, "/readyz", &[], vec![])).await {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the server on port {port} did not become ready within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Log in as the bench supervisor; returns the `Cookie` header value.
async fn login(client: &Http, port: u16, user: &str, password: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({ "username": user, "password": password }).to_string().into_bytes();
    let (status, headers, text) = send(client, "POST", port, "/api/v1/login", &[("content-type", "application/json")], body).await?;
    if status != 200 {
        bail!("login failed ({status}): {}", String::from_utf8_lossy(&text));
    }
    headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.split(';').next().filter(|c| c.starts_with("ccops_session=")).map(str::to_string))
        .context("login set no session cookie")
}

const STATES: [&str; 6] = ["ready", "talking", "acw", "ready", "talking", "break"];

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Shared counters of one run.
#[derive(Default)]
struct Tally {
    acked: AtomicU64,
    failed_posts: AtomicU64,
    /// Event ids whose batch was acknowledged (crash check).
    acked_ids: Mutex<Vec<String>>,
    ack_ms: Mutex<Vec<f64>>,
    screen_ms: Mutex<Vec<f64>>,
}

/// Read the SSE stream until `stop`, recording event-to-screen latency of this run's events.
async fn watch(client: Http, port: u16, cookie: String, prefix: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let req = http::Request::builder()
            .uri(format!("http://127.0.0.1:{port}/api/v1/floor/stream"))
            .header("cookie", &cookie)
            .header("accept", "text/event-stream")
            .body(Full::new(Bytes::new()));
        let Ok(req) = req else { return };
        let Ok(Ok(resp)) = tokio::time::timeout(Duration::from_secs(5), client.request(req)).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let mut body = resp.into_body();
        let mut buf = String::new();
        while !stop.load(Ordering::Relaxed) {
            let frame = match tokio::time::timeout(Duration::from_millis(500), body.frame()).await {
                Ok(Some(Ok(f))) => f,
                Ok(_) => break, // stream ended (server killed): reconnect
                Err(_) => continue,
            };
            let Ok(data) = frame.into_data() else { continue };
            let arrived = now_ms();
            buf.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buf.find("\n\n") {
                let msg: String = buf.drain(..end + 2).collect();
                for line in msg.lines().filter_map(|l| l.strip_prefix("data:")) {
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(line.trim()) else { continue };
                    let mut lat = Vec::new();
                    for e in v["events"].as_array().into_iter().flatten() {
                        if e["e"].as_str().is_some_and(|id| id.starts_with(&prefix))
                            && let Some(t) = e["t"].as_i64()
                        {
                            lat.push((arrived - t) as f64);
                        }
                    }
                    tally.screen_ms.lock().await.extend(lat);
                }
            }
        }
    }
}

/// One connection: post a batch every `period`, retrying unacknowledged batches.
#[allow(clippy::too_many_arguments)]
async fn worker(client: Http, port: u16, token: String, w: usize, args: Arc<BenchFloorArgs>, prefix: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let per_conn = f64::from(args.rate) / args.connections.max(1) as f64;
    let period = Duration::from_secs_f64(args.batch as f64 / per_conn.max(1.0));
    let mut next = Instant::now();
    let mut n: u64 = 0;
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1);
    let auth = format!("Bearer {token}");
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep_until(next.into()).await;
        next += period;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut ids = Vec::with_capacity(args.batch);
        let mut body = String::with_capacity(args.batch * 110);
        for _ in 0..args.batch {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let agent = (rng % u64::from(args.agents.max(1))) as u32;
            let id = format!("{prefix}{w}-{n}");
            n += 1;
            body.push_str(&format!(
                r#"{{"event_id":"{id}","agent_id":"B{agent:05}","state":"{}","at":"{at}","queue":"voice"}}"#,
                STATES[(rng >> 32) as usize % STATES.len()]
            ));
            body.push('\n');
            ids.push(id);
        }
        // At-least-once: keep retrying this batch until it is acknowledged (or the run ends).
        loop {
            let t0 = Instant::now();
            let r = send(&client, "POST", port, "/api/v1/events", &[("authorization", &auth), ("content-type", "application/x-ndjson")], body.clone().into_bytes()).await;
            match r {
                Ok((200, _, _)) => {
                    tally.ack_ms.lock().await.push(t0.elapsed().as_secs_f64() * 1000.0);
                    tally.acked.fetch_add(ids.len() as u64, Ordering::Relaxed);
                    if args.crash {
                        tally.acked_ids.lock().await.extend(ids);
                    }
                    break;
                }
                other => {
                    tally.failed_posts.fetch_add(1, Ordering::Relaxed);
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok((s, _, b)) = other
                        && s != 503
                        && s < 500
                    {
                        eprintln!("bench: batch rejected ({s}): {}", String::from_utf8_lossy(&b));
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}

async fn run(args: BenchFloorArgs) -> anyhow::Result<()> {
    let args = Arc::new(args);
    let tmp = std::env::temp_dir().join(format!("ccops-bench-floor-{}", std::process::id()));
    let url = if args.db == "sqlite" {
        std::fs::create_dir_all(&tmp)?;
        format!("sqlite://{}?mode=rwc", tmp.join("floor.db").display())
    } else {
        args.db.clone()
    };
    // Set up through the store: migrate, empty the floor tables, a token and a supervisor.
    let store = ccops_store::Store::open(&url).await.map_err(|e| anyhow::anyhow!("cannot open {url}: {e}"))?;
    let token = ccops_server::floor::db::reset_for_bench(&store).await?;
    let password = ccops_store::random_token();
    let user = format!("bench{}", std::process::id());
    store
        .create_user(&ccops_store::NewUser {
            username: user.clone(),
            display_name: "bench".into(),
            password: password.clone(),
            role: "supervisor".into(),
            tenant_id: None,
            agent_id: None,
            locale: "en".into(),
        })
        .await?;

    let client: Http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(args.connections + 4).build_http();
    let mut server = Server::start(&url, args.port)?;
    wait_ready(&client, args.port).await?;
    let cookie = login(&client, args.port, &user, &password).await?;
    let prefix = format!("bf{}-", chrono::Utc::now().timestamp());
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch(client.clone(), args.port, cookie.clone(), prefix.clone(), Arc::clone(&tally), Arc::clone(&stop)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    eprintln!(
        "bench floor: {} agents, target {} events/s for {} s, batches of {}, {} connections, {}",
        args.agents, args.rate, args.seconds, args.batch, args.connections, if args.db == "sqlite" { "SQLite" } else { "PostgreSQL" }
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..args.connections)
        .map(|w| tokio::spawn(worker(client.clone(), args.port, token.clone(), w, Arc::clone(&args), prefix.clone(), Arc::clone(&tally), Arc::clone(&stop))))
        .collect();
    let pb = crate::progress::bar(args.seconds, "s");
    let mut killed_at = None;
    for s in 0..args.seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        pb.set_position(s + 1);
        pb.set_message(format!("{} acked", tally.acked.load(Ordering::Relaxed)));
        if args.crash && killed_at.is_none() && s + 1 >= args.seconds / 2 {
            server.kill();
            killed_at = Some(tally.acked.load(Ordering::Relaxed));
            eprintln!("bench floor: server killed with SIGKILL at {} s ({} events acknowledged so far); restarting", s + 1, killed_at.unwrap_or(0));
            server = Server::start(&url, args.port)?;
            wait_ready(&client, args.port).await?;
        }
    }
    pb.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let acked = tally.acked.load(Ordering::Relaxed);
    // Let the last batches finish and reach the screen.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let _ = watcher.await;

    let mut ack = std::mem::take(&mut *tally.ack_ms.lock().await);
    let mut screen = std::mem::take(&mut *tally.screen_ms.lock().await);
    ack.sort_by(f64::total_cmp);
    screen.sort_by(f64::total_cmp);
    let (stored, distinct) = ccops_server::floor::db::count_events(&store).await?;
    println!("live-floor ingest ({}):", if args.db == "sqlite" { "SQLite" } else { "PostgreSQL" });
    println!("  acknowledged events   {acked} in {elapsed:.1} s = {:.0} events/s (target {})", acked as f64 / elapsed, args.rate);
    println!("  stored events         {stored} ({distinct} distinct ids); failed/retried posts {}", tally.failed_posts.load(Ordering::Relaxed));
    println!("  ack latency (batch)   p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms", percentile(&ack, 0.5), percentile(&ack, 0.99), ack.last().copied().unwrap_or(f64::NAN));
    println!(
        "  event-to-screen (SSE) p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms over {} events",
        percentile(&screen, 0.5),
        percentile(&screen, 0.99),
        screen.last().copied().unwrap_or(f64::NAN),
        screen.len()
    );
    let mut ok = stored == distinct;
    if args.crash {
        let acked_ids = std::mem::take(&mut *tally.acked_ids.lock().await);
        let have: HashSet<String> = ccops_server::floor::db::event_ids_with_prefix(&store, &prefix).await?.into_iter().collect();
        let missing = acked_ids.iter().filter(|id| !have.contains(*id)).count();
        println!(
            "  crash test            SIGKILL after {} acked; {} acknowledged ids, {} missing, {} stored twice",
            killed_at.unwrap_or(0),
            acked_ids.len(),
            missing,
            stored - distinct
        );
        ok &= missing == 0;
    }
    server.kill();
    store.close().await;
    if args.db == "sqlite" {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if !ok {
        bail!("durability check failed");
    }
    Ok(())
}
