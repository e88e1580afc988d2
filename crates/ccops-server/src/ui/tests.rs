//! Handler tests: the real application router on a SQLite store seeded with a tiny center
//! (two tenants, two queues, four agents, a forecast, a staffing plan and a draft roster for
//! today), driven in-process with `oneshot`.

use crate::{app, AppState, Config};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use ccops_store::testing::{self, TestStore};
use ccops_store::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

struct Center {
    _db: TestStore,
    state: AppState,
    roster_id: i64,
    agent_id: i64,
    planner: i64,
    agent_user: i64,
    viewer: i64,
    admin: i64,
    day0: DateTime<Utc>,
}

/// Local midnight today in Shanghai, as UTC.
fn today_start() -> DateTime<Utc> {
    let d = Utc::now().with_timezone(&TZ).date_naive();
    TZ.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")).single().expect("unique").with_timezone(&Utc)
}

async fn seed() -> Center {
    let db = testing::open(Backend::Sqlite).await.expect("sqlite store");
    let s = db.store.clone();
    let sys = Actor::system();
    let house = s.create_tenant("house", "本中心").await.expect("tenant");
    let bpo = s.create_tenant("acme", "华信保险").await.expect("tenant");
    let team = s.create_team("t1", "一组", None).await.expect("team");
    let zh = s.create_skill("zh", "中文").await.expect("skill");
    let q1 = s
        .create_queue(&NewQueue { tenant_id: Some(house.id), skill_id: Some(zh.id), ..NewQueue::new("zh_voice", "中文语音", "voice") })
        .await
        .expect("queue");
    let mut q2 = NewQueue::new("acme_chat", "ACME chat", "chat");
    q2.tenant_id = Some(bpo.id);
    s.create_queue(&q2).await.expect("queue");
    let mut agents = Vec::new();
    for (i, name) in ["王芳", "李娜", "Zhang Wei", "Chen Jie"].iter().enumerate() {
        let a = s
            .create_agent(&NewAgent {
                code: format!("A{i}"),
                name: (*name).into(),
                tenant_id: Some(house.id),
                site_id: None,
                team_id: Some(team.id),
                contract_minutes_per_week: 2400,
                skills: vec![("zh".into(), 3)],
            })
            .await
            .expect("agent");
        agents.push(a);
    }
    let user = |name: &str, role: &str, tenant: Option<i64>, agent: Option<i64>| NewUser {
        username: name.into(),
        display_name: name.into(),
        password: "correct horse".into(),
        role: role.into(),
        tenant_id: tenant,
        agent_id: agent,
        locale: "en".into(),
    };
    let planner = s.create_user(&user("plan", "planner", None, None)).await.expect("user").id;
    let agent_user = s.create_user(&user("wang", "agent", Some(house.id), Some(agents[0].id))).await.expect("user").id;
    let viewer = s.create_user(&user("acme", "client_viewer", Some(bpo.id), None)).await.expect("user").id;
    let admin = s.create_user(&user("root", "admin", None, None)).await.expect("user").id;

    let day0 = today_start();
    // History: yesterday, 08:00–20:00.
    let hist: Vec<HistoryRow> = (32..80)
        .map(|i| HistoryRow {
            queue_id: q1.id,
            interval_start: day0 - Duration::days(1) + Duration::minutes(15 * i),
            interval_minutes: 15,
            offered: 20.0 + (i % 7) as f64,
            handled: None,
            abandoned: None,
            aht_seconds: Some(180.0),
        })
        .collect();
    s.import_history("seed.csv", &hist, None).await.expect("history");
    // Forecast today and tomorrow with a band and a holiday name on tomorrow.
    let intervals: Vec<ForecastInterval> = (0..192)
        .map(|i| ForecastInterval {
            interval_start: day0 + Duration::minutes(15 * i),
            volume: 20.0,
            aht_seconds: 180.0,
            volume_lower: Some(15.0),
            volume_upper: Some(26.0),
            adjusted_volume: None,
            adjusted_aht: None,
            holiday: (i >= 96).then(|| "元旦".to_string()),
        })
        .collect();
    let f = s
        .create_forecast(
            &NewForecast { queue_id: q1.id, model: "mstl-ets".into(), interval_minutes: 15, params: serde_json::json!({}), accuracy: None, intervals },
            &sys,
        )
        .await
        .expect("forecast");
    // Requirement today: 3 agents 08:00–12:00, 2 agents 12:00–20:00; tomorrow 1 agent 08:00–16:00.
    let today = (32..80).map(|i| (i, if i < 48 { 3.0 } else { 2.0 }));
    let tomorrow = (96 + 32..96 + 64).map(|i| (i, 1.0));
    let staffing: Vec<StaffingInterval> = today
        .chain(tomorrow)
        .map(|(i, required)| StaffingInterval {
            interval_start: day0 + Duration::minutes(15 * i),
            volume: 20.0,
            aht_seconds: 180.0,
            agents: 2,
            required,
            service_level: Some(0.8),
            asa_seconds: Some(10.0),
            occupancy: Some(0.8),
        })
        .collect();
    s.create_staffing_plan(f.id, q1.id, &serde_json::json!({}), &staffing, &sys).await.expect("plan");
    // Roster: agents 0–2 work 08:00–16:00 with a 12:00 lunch; agent 3 works 12:00–20:00.
    let h = |x: i64| day0 + Duration::hours(x);
    let mut segments = Vec::new();
    for a in &agents[..3] {
        segments.push(Segment { agent_id: a.id, start_at: h(8), end_at: h(12), activity: "work".into(), queue_id: None });
        segments.push(Segment { agent_id: a.id, start_at: h(12), end_at: h(13), activity: "lunch".into(), queue_id: None });
        segments.push(Segment { agent_id: a.id, start_at: h(13), end_at: h(16), activity: "work".into(), queue_id: None });
    }
    segments.push(Segment { agent_id: agents[3].id, start_at: h(12), end_at: h(20), activity: "work".into(), queue_id: None });
    for a in &agents[..3] {
        segments.push(Segment { agent_id: a.id, start_at: h(24 + 8), end_at: h(24 + 16), activity: "work".into(), queue_id: None });
    }
    let r = s
        .create_roster(&NewRoster { name: "week".into(), tenant_id: None, period_start: day0, period_end: day0 + Duration::days(7), based_on: None, segments }, &sys)
        .await
        .expect("roster");
    let state = AppState::new(s, Config::default());
    Center { _db: db, state, roster_id: r.id, agent_id: agents[0].id, planner, agent_user, viewer, admin, day0 }
}

/// A logged-in browser: session cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn session(c: &Center, user_id: i64) -> Session {
    let (secret, s) = c.state.store.create_session(user_id, 3600).await.expect("session");
    Session { cookie: format!("ccops_session={secret}"), csrf: s.csrf_token }
}

fn router(c: &Center) -> Router {
    app(c.state.clone())
}

async fn send(c: &Center, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = router(c).oneshot(req).await.expect("response");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(c: &Center, s: Option<&Session>, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut b = Request::get(uri).header(header::HOST, "ccops.test");
    if let Some(s) = s {
        b = b.header(header::COOKIE, &s.cookie);
    }
    send(c, b.body(Body::empty()).expect("request")).await
}

/// A same-origin form post, as a browser sends it (Origin header + hidden csrf field).
async fn post_form(c: &Center, s: &Session, uri: &str, fields: &[(&str, &str)]) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut body: Vec<String> = vec![format!("csrf={}", s.csrf)];
    body.extend(fields.iter().map(|(k, v)| format!("{k}={}", super::render::urlencode(v))));
    let req = Request::post(uri)
        .header(header::HOST, "ccops.test")
        .header(header::ORIGIN, "http://ccops.test")
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .expect("request");
    send(c, req).await
}

fn location(h: &axum::http::HeaderMap) -> &str {
    h.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn login_form_uses_double_submit_csrf_and_reports_bad_passwords() {
    let c = seed().await;
    let (status, headers, html) = get(&c, None, "/login?next=/planner/roster").await;
    assert_eq!(status, StatusCode::OK);
    let set = headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find(|v| v.starts_with("ccops_login_csrf="));
    let token = set.and_then(|v| v.split(';').next()).and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_string()).expect("csrf cookie");
    assert!(html.contains(&format!(r#"name="csrf" value="{token}""#)));
    let post = |body: String, cookie: String| {
        Request::post("/login")
            .header(header::HOST, "ccops.test")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request")
    };
    // Missing cookie: refused even with the right password.
    let (status, _, _) = send(&c, post(format!("username=plan&password=correct+horse&csrf={token}"), String::new())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let cookie = format!("ccops_login_csrf={token}");
    let (status, _, html) = send(&c, post(format!("username=plan&password=wrong&csrf={token}"), cookie.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Wrong username or password"));
    let (status, headers, _) =
        send(&c, post(format!("username=plan&password=correct+horse&csrf={token}&next=/planner/roster"), cookie.clone())).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/planner/roster");
    assert!(headers.get_all(header::SET_COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| v.starts_with("ccops_session=") && v.contains("HttpOnly"))));
    // `next` cannot send the user to another site.
    let (_, headers, _) = send(&c, post(format!("username=plan&password=correct+horse&csrf={token}&next=//evil.example/"), cookie)).await;
    assert_eq!(location(&headers), "/planner");
}

#[tokio::test]
async fn pages_need_a_session_and_the_right_role() {
    let c = seed().await;
    let (status, headers, _) = get(&c, None, "/planner/forecast").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with("/login?next="));
    let agent = session(&c, c.agent_user).await;
    for uri in ["/planner/forecast", "/planner/roster", "/planner/requests", "/admin/users", "/planner/history"] {
        let (status, _, html) = get(&c, Some(&agent), uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert!(html.contains("do not have access"), "{uri}: {html}");
    }
    let planner = session(&c, c.planner).await;
    let (status, _, _) = get(&c, Some(&planner), "/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = get(&c, Some(&planner), "/agent").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a planner has no agent schedule");
}

#[tokio::test]
async fn planner_pages_render_charts() {
    let c = seed().await;
    let s = session(&c, c.planner).await;
    let (status, _, html) = get(&c, Some(&s), "/planner").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("中文语音") && html.contains("ACME chat"), "center staff see every tenant's queues");
    let (status, _, html) = get(&c, Some(&s), "/planner/forecast").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for needle in [r#"class="history""#, r#"class="forecast""#, r#"class="band""#, r#"class="holiday""#, "元旦", "mstl-ets", r#"id="adjust-form""#] {
        assert!(html.contains(needle), "forecast page lacks {needle}");
    }
    let (status, _, html) = get(&c, Some(&s), "/planner/staffing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"id="staffing-all""#) && html.contains(r#"class="required""#));
    // Short: 12:00–13:00 (lunch: 1 of 2) and 16:00–20:00 (1 of 2) → 4 + 16 intervals.
    assert!(html.contains(r#"<b class="bad">20</b>"#), "short intervals counted");
    let (status, _, html) = get(&c, Some(&s), "/planner/roster").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches(r#"class="seg work""#).count(), 7, "6 + 1 work bars in the Gantt");
    assert!(html.contains("王芳") && html.contains("一组") && html.contains(r#"id="publish-roster""#));
    let (status, headers, body) = get(&c, Some(&s), &format!("/planner/roster/{}/export.xlsx", c.roster_id)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().is_ok_and(|t| t.contains("spreadsheetml")));
    assert!(body.starts_with("PK"), "xlsx is a zip");
}

#[tokio::test]
async fn publish_adjust_and_requests_round_trip() {
    let c = seed().await;
    let planner = session(&c, c.planner).await;
    let (status, headers, _) = post_form(&c, &planner, &format!("/planner/roster/{}/publish", c.roster_id), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", location(&headers));
    assert_eq!(c.state.store.get_roster(c.roster_id).await.expect("roster").status, "published");
    // A wrong hidden token is refused even from the same origin.
    let bad = Session { cookie: planner.cookie.clone(), csrf: "nope".into() };
    let (status, _, _) = post_form(&c, &bad, &format!("/planner/roster/{}/unpublish", c.roster_id), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Manual adjustment +50 % on 09:00–10:00 today.
    let f = c.state.store.list_forecasts(None).await.expect("forecasts").remove(0);
    let d = c.day0.with_timezone(&TZ).date_naive();
    let (status, _, body) = post_form(
        &c,
        &planner,
        "/planner/forecast/adjust",
        &[("queue", &f.queue_id.to_string()), ("forecast", &f.id.to_string()), ("start", &format!("{d}T09:00")), ("end", &format!("{d}T10:00")), ("percent", "50"), ("reason", "campaign")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let adjusted: Vec<f64> = c.state.store.forecast_intervals(f.id).await.expect("intervals").iter().filter_map(|i| i.adjusted_volume).collect();
    assert_eq!(adjusted, vec![30.0; 4]);

    // The agent asks for today off; the planner sees the impact and approves.
    let agent = session(&c, c.agent_user).await;
    let (status, _, html) = get(&c, Some(&agent), "/agent").await;
    assert_eq!(status, StatusCode::OK);
    let html = html.replace("&#x2f;", "/");
    assert!(html.contains("08:00–16:00"), "agent sees the published shift");
    assert!(html.contains("/ical/") && html.contains(".ics"), "{}", &html[html.find("id=\"ical\"").unwrap_or(0)..]);
    let (status, headers, _) = post_form(&c, &agent, "/agent/requests", &[("kind", "leave"), ("start", &d.to_string()), ("end", &d.to_string()), ("note", "家里有事")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).starts_with("/agent"));
    let (_, _, html) = get(&c, Some(&planner), "/planner/requests").await;
    assert!(html.contains("家里有事"));
    // Already short at lunch and 16:00–20:00 (20 intervals); her leave adds 08:00–12:00 (16).
    assert!(html.contains("20 → 36</b> / 48"), "impact shown: {}", &html[html.find("pending-requests").unwrap_or(0)..].chars().take(1500).collect::<String>());
    let req = c.state.store.list_requests(&RequestFilter::default()).await.expect("requests").remove(0);
    let (status, _, _) = post_form(&c, &planner, &format!("/planner/requests/{}/approve", req.id), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = c.state.store.get_request(req.id).await.expect("request");
    assert_eq!(after.status, "approved");
    assert!(after.impact.as_deref().is_some_and(|i| i.contains("stays_above")), "impact stored with the decision");
    let (_, _, html) = get(&c, Some(&agent), "/agent").await;
    assert!(html.contains("Approved"));
    let _ = c.agent_id;
}

#[tokio::test]
async fn auto_approval_only_when_requirement_holds() {
    let c = seed().await;
    let planner = session(&c, c.planner).await;
    post_form(&c, &planner, &format!("/planner/roster/{}/publish", c.roster_id), &[]).await;
    let (status, _, _) = post_form(&c, &planner, "/planner/requests/auto", &[("enabled", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let agent = session(&c, c.agent_user).await;
    let d = c.day0.with_timezone(&TZ).date_naive();
    // Today she is needed: stays pending.
    post_form(&c, &agent, "/agent/requests", &[("kind", "leave"), ("start", &d.to_string())]).await;
    // Tomorrow three are scheduled against a requirement of one: approved at once.
    let later = (d + Duration::days(1)).to_string();
    post_form(&c, &agent, "/agent/requests", &[("kind", "leave"), ("start", &later)]).await;
    // In a week there is no requirement at all: nothing to judge by, so it waits for a person.
    let far = (d + Duration::days(8)).to_string();
    post_form(&c, &agent, "/agent/requests", &[("kind", "leave"), ("start", &far)]).await;
    let reqs = c.state.store.list_requests(&RequestFilter::default()).await.expect("requests");
    let status_of = |day: &str| reqs.iter().find(|r| r.start_at.with_timezone(&TZ).date_naive().to_string() == day).map(|r| (r.status.clone(), r.auto_approved));
    assert_eq!(status_of(&d.to_string()), Some(("pending".into(), false)));
    assert_eq!(status_of(&later), Some(("approved".into(), true)));
    assert_eq!(status_of(&far), Some(("pending".into(), false)));
}

#[tokio::test]
async fn history_upload_lists_every_bad_line_and_imports_nothing() {
    let c = seed().await;
    let s = session(&c, c.planner).await;
    let upload = |csv: &'static str| {
        let boundary = "XBOUNDARYX";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"tz\"\r\n\r\nAsia/Shanghai\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"acd.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
            s.csrf
        );
        Request::post("/planner/history")
            .header(header::HOST, "ccops.test")
            .header(header::ORIGIN, "http://ccops.test")
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request")
    };
    let before = c.state.store.history_summary().await.expect("summary");
    let (status, _, html) = send(&c, upload("interval_start,queue,offered\n2026-03-02T09:00,zh_voice,10\n2026-03-02T09:15,nosuch,12\n2026-03-02T09:30,zh_voice,11\n2026-03-02T09:30,zh_voice,11\n")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(r#"id="upload-errors""#));
    assert!(html.contains("unknown queue `nosuch`"), "{html}");
    assert!(html.contains(r#"<td class="num">3</td>"#), "line 3 listed");
    assert!(html.contains(r#"<td class="num">5</td>"#), "duplicate on line 5 listed");
    assert_eq!(c.state.store.history_summary().await.expect("summary"), before, "nothing imported");
    let (status, _, html) = send(&c, upload("interval_start,queue,offered\n2026-03-02T09:00,zh_voice,10\n2026-03-02T09:15,zh_voice,12\n")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="upload-ok""#) && html.contains(": 2 ·"));
}

#[tokio::test]
async fn client_viewer_sees_only_their_tenant() {
    let c = seed().await;
    let s = session(&c, c.viewer).await;
    let (status, _, html) = get(&c, Some(&s), "/planner").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ACME chat") && !html.contains("中文语音"));
    let (_, _, html) = get(&c, Some(&s), "/planner/roster").await;
    assert!(!html.contains("王芳"), "another tenant's agents stay hidden");
    assert!(!html.contains(r#"id="publish-roster""#) && !html.contains(r#"id="generate-roster""#));
}

#[tokio::test]
async fn language_switch_persists_and_translates() {
    let c = seed().await;
    let s = session(&c, c.planner).await;
    let (status, headers, _) = get(&c, Some(&s), "/lang/zh?back=/planner/roster").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/planner/roster");
    assert!(headers[header::SET_COOKIE].to_str().is_ok_and(|v| v.starts_with("ccops_lang=zh")));
    // Saved on the user too: a new browser (no cookie) gets Chinese.
    let (_, _, html) = get(&c, Some(&s), "/planner/roster").await;
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains("生成班表"), "{}", &html[..300.min(html.len())]);
    let (_, _, html) = get(&c, None, "/login").await;
    assert!(html.contains("Sign in"), "anonymous pages follow the browser");
}

#[tokio::test]
async fn admin_creates_tenants_and_users() {
    let c = seed().await;
    let s = session(&c, c.admin).await;
    let (status, _, html) = get(&c, Some(&s), "/admin/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("plan") && html.contains("Client viewer"));
    let (status, _, _) = post_form(&c, &s, "/admin/tenants", &[("code", "newco"), ("name", "New Co")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(c.state.store.list_tenants().await.expect("tenants").iter().any(|t| t.code == "newco"));
    let (status, _, html) = post_form(&c, &s, "/admin/users", &[("username", "x"), ("display_name", "X"), ("password", "short"), ("role", "planner")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, _, _) = post_form(&c, &s, "/admin/rules", &[("rules", "[[not toml")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The current rules (the built-in default) round-trip through the form.
    let rules = crate::api::org::scheduling_settings(&c.state).await.expect("settings").rules_toml;
    let (status, _, html) = post_form(&c, &s, "/admin/rules", &[("rules", &rules)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert!(c.state.store.list_audit(Some("setting"), None, 10).await.expect("audit").iter().any(|a| a.entity_id == "schedule_rules"));
}

#[tokio::test]
async fn static_assets_are_served_from_the_binary() {
    let c = seed().await;
    let (status, headers, body) = get(&c, None, "/static/vendor/htmx-2.0.11.min.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CACHE_CONTROL].to_str().is_ok_and(|v| v.contains("immutable")));
    assert!(body.contains("htmx"));
    let (status, _, _) = get(&c, None, "/static/../Cargo.toml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
