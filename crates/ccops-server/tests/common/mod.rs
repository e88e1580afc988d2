//! Shared fixtures for the server's integration tests: a store on SQLite or PostgreSQL, two
//! tenants with a queue, an agent, a forecast, a staffing plan, a published roster and a
//! pending request each, and one user per role.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use axum::Router;
use ccops_server::{app, AppState, Config};
use ccops_store::testing::{self, TestStore};
use ccops_store::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

pub struct Side {
    pub tenant: Tenant,
    pub queue: Queue,
    pub agent: Agent,
    pub forecast: Forecast,
    pub plan: StaffingPlan,
    pub roster: Roster,
    pub request: Request,
}

pub struct Fixtures {
    pub a: Side,
    pub b: Side,
    pub job: Job,
    pub token: ApiToken,
    pub dummy_user: User,
}

pub struct Ctx {
    pub ts: TestStore,
    pub state: AppState,
    pub app: Router,
    pub fx: Fixtures,
}

pub fn t0() -> DateTime<Utc> {
    // Monday 2026-03-02 00:00 in Shanghai.
    Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
}

async fn side(s: &Store, code: &str, planner: &Actor) -> Side {
    let tenant = s.create_tenant(code, &format!("Tenant {code}")).await.unwrap();
    let skill = s.create_skill(&format!("sk_{code}"), "voice").await.unwrap();
    let mut nq = NewQueue::new(&format!("q_{code}"), "Voice", "voice");
    nq.tenant_id = Some(tenant.id);
    nq.skill_id = Some(skill.id);
    let queue = s.create_queue(&nq).await.unwrap();
    let agent = s
        .create_agent(&NewAgent { code: format!("ag_{code}"), name: format!("Agent {code}"), tenant_id: Some(tenant.id), site_id: None,
            team_id: None, contract_minutes_per_week: 2400, skills: vec![(skill.code.clone(), 3)] })
        .await
        .unwrap();
    let intervals: Vec<ForecastInterval> = (0..96)
        .map(|i| ForecastInterval { interval_start: t0() + Duration::minutes(15 * i), volume: 2.0, aht_seconds: 180.0,
            volume_lower: None, volume_upper: None, adjusted_volume: None, adjusted_aht: None, holiday: None })
        .collect();
    let forecast = s
        .create_forecast(&NewForecast { queue_id: queue.id, model: "fixture".into(), interval_minutes: 15, params: serde_json::json!({}),
            accuracy: None, intervals }, planner)
        .await
        .unwrap();
    let rows: Vec<StaffingInterval> = (0..96)
        .map(|i| StaffingInterval { interval_start: t0() + Duration::minutes(15 * i), volume: 2.0, aht_seconds: 180.0, agents: 1,
            required: 1.0, service_level: None, asa_seconds: None, occupancy: None })
        .collect();
    let plan = s.create_staffing_plan(forecast.id, queue.id, &serde_json::json!({}), &rows, planner).await.unwrap();
    let roster = s
        .create_roster(&NewRoster { name: format!("roster {code}"), tenant_id: Some(tenant.id), period_start: t0(), period_end: t0() + Duration::days(7),
            based_on: None, segments: vec![Segment { agent_id: agent.id, start_at: t0() + Duration::hours(9), end_at: t0() + Duration::hours(17),
                activity: "work".into(), queue_id: Some(queue.id) }] }, planner)
        .await
        .unwrap();
    let roster = s.publish_roster(roster.id, planner).await.unwrap();
    let request = s
        .create_request(&NewRequest { kind: "leave".into(), agent_id: agent.id, counterpart_agent_id: None,
            start_at: t0() + Duration::hours(10), end_at: t0() + Duration::hours(12), reason: "fixture".into() }, planner)
        .await
        .unwrap();
    Side { tenant, queue, agent, forecast, plan, roster, request }
}

pub fn new_user(name: &str, role: &str, tenant_id: Option<i64>, agent_id: Option<i64>) -> NewUser {
    NewUser { username: name.into(), display_name: String::new(), password: PASSWORD.into(), role: role.into(), tenant_id, agent_id, locale: "en".into() }
}

/// A fresh context, or None when the backend is unavailable (Postgres absent).
pub async fn setup(backend: Backend) -> Option<Ctx> {
    let ts = testing::open(backend).await?;
    let s = ts.store.clone();
    let planner = s.create_user(&new_user("planner", "planner", None, None)).await.unwrap();
    let actor = Actor::user(planner.id, "planner");
    let a = side(&s, "A", &actor).await;
    let b = side(&s, "B", &actor).await;
    s.create_user(&new_user("admin", "admin", None, None)).await.unwrap();
    s.create_user(&new_user("supervisor", "supervisor", None, None)).await.unwrap();
    s.create_user(&new_user("qa", "qa", None, None)).await.unwrap();
    s.create_user(&new_user("agent", "agent", None, Some(a.agent.id))).await.unwrap();
    s.create_user(&new_user("client_viewer", "client_viewer", Some(a.tenant.id), None)).await.unwrap();
    let dummy_user = s.create_user(&new_user("dummy", "planner", None, None)).await.unwrap();
    let job = s.create_job("forecast", &serde_json::json!({}), None, Some(planner.id)).await.unwrap();
    let (token, _) = s.create_api_token("acd", "events", None).await.unwrap();
    let state = AppState::new(s, Config::default());
    let app = app(state.clone());
    Some(Ctx { ts, state, app, fx: Fixtures { a, b, job, token, dummy_user } })
}

/// A logged-in client: the session cookie and the CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub enum Body_ {
    None,
    Json(serde_json::Value),
    Csv(String),
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or(serde_json::Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

pub async fn call(app: &Router, method: Method, uri: &str, session: Option<&Session>, body: Body_) -> Resp {
    let mut b = axum::http::Request::builder().method(method).uri(uri).header(header::HOST, "ccops.test");
    if let Some(s) = session {
        b = b.header(header::COOKIE, &s.cookie).header("x-csrf-token", &s.csrf);
    }
    let req: axum::http::Request<Body> = match body {
        Body_::None => b.body(Body::empty()).unwrap(),
        Body_::Json(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
        Body_::Csv(t) => b.header(header::CONTENT_TYPE, "text/csv").body(Body::from(t)).unwrap(),
    };
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, headers, bytes }
}

pub async fn get(app: &Router, uri: &str, s: &Session) -> Resp {
    call(app, Method::GET, uri, Some(s), Body_::None).await
}

pub async fn post(app: &Router, uri: &str, s: &Session, v: serde_json::Value) -> Resp {
    call(app, Method::POST, uri, Some(s), Body_::Json(v)).await
}

pub async fn try_login(app: &Router, user: &str, password: &str) -> Resp {
    call(app, Method::POST, "/api/v1/login", None, Body_::Json(serde_json::json!({"username": user, "password": password}))).await
}

pub async fn login(app: &Router, user: &str) -> Session {
    let r = try_login(app, user, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "login {user}: {}", r.text());
    let set = r.headers.get(header::SET_COOKIE).expect("set-cookie").to_str().unwrap().to_string();
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = r.json()["user"]["csrf_token"].as_str().unwrap().to_string();
    Session { cookie, csrf }
}

/// Polls a job until it leaves queued/running (at most `secs`).
pub async fn wait_job(app: &Router, s: &Session, id: i64, secs: u64) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let j = get(app, &format!("/api/v1/jobs/{id}"), s).await.json();
        let st = j["status"].as_str().unwrap_or("").to_string();
        if st != "queued" && st != "running" {
            return j;
        }
        assert!(std::time::Instant::now() < deadline, "job {id} still {st} after {secs} s: {j}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
