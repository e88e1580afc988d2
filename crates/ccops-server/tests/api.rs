//! API integration tests on SQLite and PostgreSQL: the planner's pipeline (import → forecast job
//! → adjustment → staffing → schedule job → publish → export), the agent's side (schedule, iCal
//! feed, leave with impact and approval), CSRF, login rate limiting, ops endpoints.

mod common;

use axum::http::{header, Method, StatusCode};
use ccops_store::Backend;
use common::*;
use serde_json::json;

/// 28 days of 15-minute history for one queue, local Shanghai times with offset.
fn history_csv(queue: &str) -> String {
    let mut s = String::from("interval_start,queue,offered,handled,abandoned,aht_seconds\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 2, 2).unwrap().and_hms_opt(0, 0, 0).unwrap();
    for i in 0..28 * 96 {
        let t = start + chrono::Duration::minutes(15 * i);
        let h = (i % 96) as f64 / 4.0;
        let base = if (8.0..20.0).contains(&h) { 12.0 + 6.0 * ((h - 8.0) / 12.0 * std::f64::consts::PI).sin() } else { 1.0 };
        let v = (base + (i % 7) as f64 * 0.3).round();
        s.push_str(&format!("{}+08:00,{queue},{v},{v},0,{}\n", t.format("%Y-%m-%dT%H:%M:%S"), 170 + i % 20));
    }
    s
}

async fn pipeline(backend: Backend) {
    let Some(ctx) = setup(backend).await else { return };
    let app = &ctx.app;
    let fx = &ctx.fx;
    let planner = login(app, "planner").await;
    let q = &fx.a.queue;

    // A bad file: errors with line numbers, and nothing stored.
    let bad = format!("interval_start,queue,offered\n2026-02-02T00:00:00+08:00,{},3\n2026-02-02T00:15:00+08:00,{},-1\n", q.code, q.code);
    let r = call(app, Method::POST, "/api/v1/history/import?file=bad.csv", Some(&planner), Body_::Csv(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = &r.json()["errors"][0];
    assert_eq!((e["line"].as_u64(), e["column"].as_str(), e["file"].as_str()), (Some(3), Some("offered"), Some("bad.csv")), "{e}");
    let unknown = "interval_start,queue,offered\n2026-02-02T00:00:00+08:00,nope,3\n";
    let r = call(app, Method::POST, "/api/v1/history/import", Some(&planner), Body_::Csv(unknown.into())).await;
    assert_eq!(r.json()["errors"][0]["line"], 2);
    assert!(get(app, &format!("/api/v1/history?queue_id={}", q.id), &planner).await.json().as_array().unwrap().is_empty());

    let r = call(app, Method::POST, "/api/v1/history/import?file=h.csv", Some(&planner), Body_::Csv(history_csv(&q.code))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["rows"], 28 * 96);

    // Forecast job → version 2 (the fixture is version 1) for 7 days.
    let r = post(app, "/api/v1/forecasts/run", &planner, json!({"queue_ids": [q.id], "days": 7})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = wait_job(app, &planner, r.json()["id"].as_i64().unwrap(), 120).await;
    assert_eq!(job["status"], "done", "{job}");
    let fid = serde_json::from_str::<serde_json::Value>(job["result"].as_str().unwrap()).unwrap()["forecasts"][0]["forecast_id"].as_i64().unwrap();
    let detail = get(app, &format!("/api/v1/forecasts/{fid}"), &planner).await.json();
    assert_eq!(detail["forecast"]["version"], 2);
    assert_eq!(detail["intervals"].as_array().unwrap().len(), 7 * 96);
    let first = detail["intervals"][0]["interval_start"].as_str().unwrap().to_string();
    assert_eq!(first, "2026-03-01T16:00:00Z", "forecast starts the day after history, local midnight");

    let adj = post(app, &format!("/api/v1/forecasts/{fid}/adjustments"), &planner,
        json!({"from_ts": "2026-03-02T01:00:00Z", "to_ts": "2026-03-02T03:00:00Z", "volume_factor": 1.2, "reason": "promo"})).await;
    assert_eq!(adj.status, StatusCode::CREATED, "{}", adj.text());
    let audit = get(app, &format!("/api/v1/audit?entity=forecast&entity_id={fid}"), &planner).await.json();
    assert_eq!(audit[0]["action"], "adjust");
    assert_eq!(audit[0]["username"], "planner");

    let plan = post(app, "/api/v1/staffing/plans", &planner, json!({"forecast_id": fid})).await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.text());
    let pid = plan.json()["id"].as_i64().unwrap();
    let pd = get(app, &format!("/api/v1/staffing/plans/{pid}"), &planner).await.json();
    let peak = pd["intervals"].as_array().unwrap().iter().map(|i| i["agents"].as_i64().unwrap()).max().unwrap();
    assert!(peak >= 2, "daytime needs agents: {peak}");

    // Schedule job → draft roster → publish.
    let r = post(app, "/api/v1/schedule/run", &planner, json!({"start": "2026-03-02", "days": 7, "tenant_id": fx.a.tenant.id, "max_moves": 2000})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = wait_job(app, &planner, r.json()["id"].as_i64().unwrap(), 120).await;
    assert_eq!(job["status"], "done", "{job}");
    let rid = serde_json::from_str::<serde_json::Value>(job["result"].as_str().unwrap()).unwrap()["roster_id"].as_i64().unwrap();
    let rd = get(app, &format!("/api/v1/rosters/{rid}"), &planner).await.json();
    assert_eq!(rd["roster"]["status"], "draft");
    let segs = rd["segments"].as_array().unwrap();
    assert!(segs.iter().any(|s| s["activity"] == "work" || s["activity"] == q.code.as_str()), "roster has work: {rd}");
    let p = post(app, &format!("/api/v1/rosters/{rid}/publish"), &planner, json!({})).await;
    assert_eq!(p.json()["status"], "published", "{}", p.text());
    let x = get(app, &format!("/api/v1/rosters/{rid}/export.xlsx"), &planner).await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(&x.bytes[..2], b"PK", "xlsx is a zip");

    // The agent: schedule, calendar feed, leave with impact, approval.
    let agent = login(app, "agent").await;
    let sched = get(app, "/api/v1/me/schedule?from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z", &agent).await.json();
    let sched = sched.as_array().unwrap().clone();
    assert!(!sched.is_empty());
    let url = get(app, "/api/v1/me/ical", &agent).await.json()["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches("http://ccops.test");
    let feed = call(app, Method::GET, path, None, Body_::None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(feed.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/calendar"));
    assert_eq!(call(app, Method::GET, "/ical/not-a-token.ics", None, Body_::None).await.status, StatusCode::NOT_FOUND);

    let work = sched.iter().find(|s| s["activity"] != "break" && s["activity"] != "lunch" && s["activity"] != "off").unwrap();
    let leave = json!({"kind": "leave", "agent_id": fx.a.agent.id, "start_at": work["start_at"], "end_at": work["end_at"], "reason": "dentist"});
    let req = post(app, "/api/v1/requests", &agent, leave).await;
    assert_eq!(req.status, StatusCode::CREATED, "{}", req.text());
    let req_id = req.json()["id"].as_i64().unwrap();
    let imp = get(app, &format!("/api/v1/requests/{req_id}/impact"), &planner).await.json();
    let ivs = imp["intervals"].as_array().unwrap();
    assert!(!ivs.is_empty(), "{imp}");
    assert!(ivs.iter().any(|i| i["after"].as_f64() < i["scheduled"].as_f64()), "the agent leaves coverage: {imp}");
    assert_eq!(post(app, &format!("/api/v1/requests/{req_id}/approve"), &agent, json!({})).await.status, StatusCode::FORBIDDEN);
    let ok = post(app, &format!("/api/v1/requests/{req_id}/approve"), &planner, json!({"note": "fine"})).await;
    assert_eq!(ok.json()["status"], "approved", "{}", ok.text());
    let after = get(app, "/api/v1/me/schedule?from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z", &agent).await.json();
    assert!(after.as_array().unwrap().iter().any(|s| s["activity"] == "leave" && s["start_at"] == work["start_at"]));
    let log = get(app, &format!("/api/v1/audit?entity=request&entity_id={req_id}"), &planner).await.json();
    assert_eq!(log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), vec!["approved", "create"]);

    ctx.ts.cleanup().await;
}

#[tokio::test]
async fn pipeline_sqlite() {
    pipeline(Backend::Sqlite).await;
}

#[tokio::test]
async fn pipeline_postgres() {
    pipeline(Backend::Postgres).await;
}

#[tokio::test]
async fn auto_approval_only_while_staffing_holds() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let app = &ctx.app;
    let planner = login(app, "planner").await;
    let settings = get(app, "/api/v1/settings/scheduling", &planner).await.json();
    let mut s = settings.clone();
    s["auto_approve"] = json!(true);
    assert_eq!(call(app, Method::PUT, "/api/v1/settings/scheduling", Some(&planner), Body_::Json(s)).await.status, StatusCode::OK);
    let agent = login(app, "agent").await;
    let t0 = t0();
    // Fixture: agent A works 09–17 and the plan requires 1 agent all day → leave would understaff.
    let busy = json!({"kind": "leave", "agent_id": ctx.fx.a.agent.id, "start_at": t0 + chrono::Duration::hours(13), "end_at": t0 + chrono::Duration::hours(14)});
    assert_eq!(post(app, "/api/v1/requests", &agent, busy).await.json()["status"], "pending");
    // 02–03 the agent is not working, so nothing changes, but the requirement (1) is already unmet: no auto-approval.
    let idle = json!({"kind": "leave", "agent_id": ctx.fx.a.agent.id, "start_at": t0 + chrono::Duration::hours(2), "end_at": t0 + chrono::Duration::hours(3)});
    assert_eq!(post(app, "/api/v1/requests", &agent, idle).await.json()["status"], "pending");
    // Lower the requirement to 0 with a new plan: now leave outside work is auto-approved.
    let fid = ctx.fx.a.forecast.id;
    let zero = json!({"from_ts": t0, "to_ts": t0 + chrono::Duration::days(1), "volume_set": 0.0});
    assert_eq!(post(app, &format!("/api/v1/forecasts/{fid}/adjustments"), &planner, zero).await.status, StatusCode::CREATED);
    assert_eq!(post(app, "/api/v1/staffing/plans", &planner, json!({"forecast_id": fid})).await.status, StatusCode::CREATED);
    let idle2 = json!({"kind": "leave", "agent_id": ctx.fx.a.agent.id, "start_at": t0 + chrono::Duration::hours(3), "end_at": t0 + chrono::Duration::hours(4)});
    let r = post(app, "/api/v1/requests", &agent, idle2).await.json();
    assert_eq!((r["status"].as_str(), r["auto_approved"].as_bool()), (Some("approved"), Some(true)), "{r}");
    ctx.ts.cleanup().await;
}

#[tokio::test]
async fn csrf_and_sessions() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let app = &ctx.app;
    let s = login(app, "admin").await;
    let body = || Body_::Json(json!({"code": "zz", "name": "Z"}));
    // Cookie without token and without Origin: refused.
    let bare = Session { cookie: s.cookie.clone(), csrf: "wrong".into() };
    assert_eq!(call(app, Method::POST, "/api/v1/skills", Some(&bare), body()).await.status, StatusCode::FORBIDDEN);
    // Right token: accepted.
    assert_eq!(call(app, Method::POST, "/api/v1/skills", Some(&s), body()).await.status, StatusCode::CREATED);
    // GET needs no token.
    assert_eq!(get(app, "/api/v1/skills", &bare).await.status, StatusCode::OK);
    // Login cookie flags.
    let r = try_login(app, "qa", PASSWORD).await;
    let c = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    // Logout ends the session server-side.
    assert_eq!(call(app, Method::POST, "/api/v1/logout", Some(&s), Body_::None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(get(app, "/api/v1/me", &s).await.status, StatusCode::UNAUTHORIZED);
    ctx.ts.cleanup().await;
}

#[tokio::test]
async fn login_rate_limit() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let app = &ctx.app;
    for _ in 0..5 {
        assert_eq!(try_login(app, "qa", "wrong password").await.status, StatusCode::UNAUTHORIZED);
    }
    // Locked now, even with the right password; other users are unaffected.
    assert_eq!(try_login(app, "qa", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(try_login(app, "admin", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(try_login(app, "nobody", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    ctx.ts.cleanup().await;
}

#[tokio::test]
async fn ops_endpoints_and_openapi() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let app = &ctx.app;
    assert_eq!(call(app, Method::GET, "/healthz", None, Body_::None).await.text(), "ok");
    assert_eq!(call(app, Method::GET, "/readyz", None, Body_::None).await.status, StatusCode::OK);
    let doc = call(app, Method::GET, "/api/openapi.json", None, Body_::None).await.json();
    assert!(doc["paths"]["/api/v1/forecasts/run"]["post"].is_object());
    let docs = call(app, Method::GET, "/api/docs/", None, Body_::None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text().contains("swagger"), "vendored swagger UI");
    let m = call(app, Method::GET, "/metrics", None, Body_::None).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.text().contains("ccops_http_requests_total"), "{}", m.text());
    ctx.ts.cleanup().await;
}
