//! Authorization matrix: every API operation in the OpenAPI document × every role × the tenant of
//! the resource (A = the client viewer's and the agent's tenant, B = another tenant). The
//! expectation table below must name every operation: a new endpoint without an entry fails.
//! Allowed = any status except 401/403/404; denied = 403 or 404 (404 where existence of another
//! tenant's resource must not be confirmed).

mod common;

use axum::http::{Method, StatusCode};
use ccops_store::Backend;
use common::*;
use serde_json::json;

const ROLES: [&str; 6] = ["admin", "planner", "supervisor", "qa", "agent", "client_viewer"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Target {
    A,
    B,
}

/// Expected outcome; None = the operation is missing from this table.
fn allowed(method: &str, path: &str, role: &str, target: Target) -> Option<bool> {
    let any = |rs: &[&str]| rs.contains(&role);
    let readers = ["admin", "planner", "supervisor", "qa", "client_viewer"];
    // Tenant-bound reads: a client viewer only for their own tenant (A).
    let scoped_read = any(&readers) && (role != "client_viewer" || target == Target::A);
    let planning = any(&["admin", "planner"]);
    let approvers = any(&["admin", "planner", "supervisor"]);
    Some(match (method, path) {
        ("get", "/api/v1/me") => true,
        ("get", "/api/v1/tenants" | "/api/v1/sites" | "/api/v1/skills" | "/api/v1/queues" | "/api/v1/teams" | "/api/v1/agents") => any(&readers),
        ("post", "/api/v1/tenants" | "/api/v1/sites" | "/api/v1/skills" | "/api/v1/queues" | "/api/v1/teams") => role == "admin",
        ("put", "/api/v1/queues/{id}") => role == "admin",
        ("get" | "post", "/api/v1/users") | ("put", "/api/v1/users/{id}") => role == "admin",
        ("get" | "post", "/api/v1/api-tokens") | ("delete", "/api/v1/api-tokens/{id}") => role == "admin",
        ("post", "/api/v1/agents") => planning,
        ("get" | "put", "/api/v1/settings/scheduling") => planning,
        ("post", "/api/v1/history/import") => planning,
        ("get", "/api/v1/history" | "/api/v1/forecasts/{id}" | "/api/v1/staffing/plans/{id}" | "/api/v1/rosters/{id}" | "/api/v1/rosters/{id}/export.xlsx") => scoped_read,
        ("get", "/api/v1/history/summary" | "/api/v1/forecasts" | "/api/v1/staffing/plans" | "/api/v1/rosters") => any(&readers),
        ("post", "/api/v1/forecasts/run" | "/api/v1/staffing/plans" | "/api/v1/schedule/run" | "/api/v1/rosters") => planning,
        ("post", "/api/v1/forecasts/{id}/adjustments" | "/api/v1/rosters/{id}/publish" | "/api/v1/rosters/{id}/unpublish") => planning,
        ("get", "/api/v1/me/schedule" | "/api/v1/me/ical") | ("post", "/api/v1/me/ical/rotate") => role == "agent",
        ("get", "/api/v1/requests") => approvers || role == "agent",
        // The agent is agent A: own requests only.
        ("post", "/api/v1/requests") | ("get", "/api/v1/requests/{id}/impact") | ("post", "/api/v1/requests/{id}/cancel") => {
            approvers || (role == "agent" && target == Target::A)
        }
        ("post", "/api/v1/requests/{id}/approve" | "/api/v1/requests/{id}/reject") => approvers,
        ("get", "/api/v1/jobs" | "/api/v1/jobs/{id}") => approvers,
        ("post", "/api/v1/jobs/{id}/cancel") => planning,
        ("get", "/api/v1/audit") => planning,
        _ => return None,
    })
}

/// Operations exercised elsewhere (they change the caller's own session).
const SESSION_OPS: [(&str, &str); 2] = [("post", "/api/v1/login"), ("post", "/api/v1/logout")];

fn side(fx: &Fixtures, t: Target) -> &Side {
    match t {
        Target::A => &fx.a,
        Target::B => &fx.b,
    }
}

/// The concrete URI and body for an operation against a target.
fn request_for(fx: &Fixtures, method: &str, path: &str, t: Target, n: usize) -> (String, Body_) {
    let s = side(fx, t);
    let id = match path {
        p if p.starts_with("/api/v1/queues/") => s.queue.id,
        p if p.starts_with("/api/v1/users/") => fx.dummy_user.id,
        p if p.starts_with("/api/v1/api-tokens/") => fx.token.id,
        p if p.starts_with("/api/v1/forecasts/") => s.forecast.id,
        p if p.starts_with("/api/v1/staffing/plans/") => s.plan.id,
        p if p.starts_with("/api/v1/rosters/") => s.roster.id,
        p if p.starts_with("/api/v1/requests/") => s.request.id,
        p if p.starts_with("/api/v1/jobs/") => fx.job.id,
        _ => 0,
    };
    let mut uri = path.replace("{id}", &id.to_string());
    if path == "/api/v1/history" {
        uri = format!("{uri}?queue_id={}", s.queue.id);
    }
    let t0 = t0();
    let body = match (method, path) {
        ("post", "/api/v1/tenants" | "/api/v1/skills" | "/api/v1/teams") => Body_::Json(json!({"code": format!("c{n}"), "name": "x"})),
        ("post", "/api/v1/sites") => Body_::Json(json!({"code": format!("c{n}"), "name": "x", "timezone": "Asia/Shanghai"})),
        ("post", "/api/v1/queues") => Body_::Json(json!({"code": format!("c{n}"), "name": "x", "channel": "voice"})),
        ("put", "/api/v1/queues/{id}") => Body_::Json(serde_json::to_value(ccops_store::NewQueue {
            tenant_id: s.queue.tenant_id, skill_id: s.queue.skill_id, ..ccops_store::NewQueue::new(&s.queue.code, &s.queue.name, "voice") }).unwrap()),
        ("post", "/api/v1/users") => Body_::Json(json!({"username": format!("u{n}"), "password": PASSWORD, "role": "qa"})),
        ("put", "/api/v1/users/{id}") => Body_::Json(json!({"role": "planner"})),
        ("post", "/api/v1/api-tokens") => Body_::Json(json!({"name": format!("tok{n}")})),
        ("post", "/api/v1/agents") => Body_::Json(json!({"code": format!("c{n}"), "name": "x", "contract_minutes_per_week": 2400, "tenant_id": s.tenant.id})),
        ("put", "/api/v1/settings/scheduling") => Body_::Json(json!({"rules_toml": ccops_schedule::generate::BENCH_RULES, "auto_approve": false, "timezone": "Asia/Shanghai"})),
        ("post", "/api/v1/history/import") => Body_::Csv(format!("interval_start,queue,offered\n2026-02-01T09:00:00+08:00,{},5\n", s.queue.code)),
        ("post", "/api/v1/forecasts/run") => Body_::Json(json!({"queue_ids": [s.queue.id], "days": 1})),
        ("post", "/api/v1/forecasts/{id}/adjustments") => Body_::Json(json!({"from_ts": t0, "to_ts": t0 + chrono::Duration::hours(1), "volume_factor": 1.1})),
        ("post", "/api/v1/staffing/plans") => Body_::Json(json!({"forecast_id": s.forecast.id})),
        ("post", "/api/v1/schedule/run") => Body_::Json(json!({"start": "2026-05-04", "days": 1, "tenant_id": s.tenant.id})),
        ("post", "/api/v1/rosters") => Body_::Json(json!({"name": "imported", "tenant_id": s.tenant.id, "period_start": t0, "period_end": t0 + chrono::Duration::days(1),
            "segments": [{"agent_id": s.agent.id, "start_at": t0, "end_at": t0 + chrono::Duration::hours(8), "activity": "work", "queue_id": null}]})),
        ("post", "/api/v1/requests") => Body_::Json(json!({"kind": "leave", "agent_id": s.agent.id, "start_at": t0 + chrono::Duration::days(3),
            "end_at": t0 + chrono::Duration::days(3) + chrono::Duration::hours(2)})),
        ("post", "/api/v1/requests/{id}/approve" | "/api/v1/requests/{id}/reject") => Body_::Json(json!({"note": "matrix"})),
        ("post" | "put" | "delete", _) => Body_::None,
        _ => Body_::None,
    };
    (uri, body)
}

fn operations() -> Vec<(String, String)> {
    let (_, doc) = ccops_server::api::router().split_for_parts();
    let v = serde_json::to_value(&doc).unwrap();
    let mut ops = Vec::new();
    for (path, item) in v["paths"].as_object().unwrap() {
        for (m, _) in item.as_object().unwrap() {
            if ["get", "post", "put", "delete", "patch"].contains(&m.as_str()) {
                ops.push((m.clone(), path.clone()));
            }
        }
    }
    ops.sort();
    ops
}

#[test]
fn every_operation_is_in_the_matrix() {
    let ops = operations();
    assert!(ops.len() >= 40, "only {} operations found", ops.len());
    let missing: Vec<_> = ops
        .iter()
        .filter(|(m, p)| !SESSION_OPS.contains(&(m.as_str(), p.as_str())) && allowed(m, p, "admin", Target::A).is_none())
        .collect();
    assert!(missing.is_empty(), "operations without an authorization rule: {missing:?}");
}

async fn matrix(backend: Backend) {
    let Some(ctx) = setup(backend).await else { return };
    let app = &ctx.app;
    let mut sessions = Vec::new();
    for r in ROLES {
        sessions.push((r, login(app, r).await));
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut n = 0;
    for (m, p) in operations() {
        if SESSION_OPS.contains(&(m.as_str(), p.as_str())) {
            continue;
        }
        let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
        for target in [Target::A, Target::B] {
            // Anonymous: always 401.
            let (uri, body) = request_for(&ctx.fx, &m, &p, target, n);
            let r = call(app, method.clone(), &uri, None, body).await;
            if r.status != StatusCode::UNAUTHORIZED {
                failures.push(format!("anonymous {m} {uri}: {}", r.status));
            }
            for (role, s) in &sessions {
                n += 1;
                let (uri, body) = request_for(&ctx.fx, &m, &p, target, n);
                let r = call(app, method.clone(), &uri, Some(s), body).await;
                let expect = allowed(&m, &p, role, target).unwrap();
                let denied = matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED);
                if expect == denied {
                    failures.push(format!("{role} {m} {uri} ({target:?}): expected {}, got {} {}", if expect { "allow" } else { "deny" },
                        r.status, r.text().chars().take(120).collect::<String>()));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    eprintln!("authz matrix ({backend:?}): {checked} role × endpoint × tenant checks passed");
    ctx.ts.cleanup().await;
}

#[tokio::test]
async fn authz_matrix_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn authz_matrix_postgres() {
    matrix(Backend::Postgres).await;
}

/// Lists never leak another tenant's rows to a client viewer.
#[tokio::test]
async fn client_viewer_lists_are_tenant_scoped() {
    let Some(ctx) = setup(Backend::Sqlite).await else { return };
    let app = &ctx.app;
    let cv = login(app, "client_viewer").await;
    let (a, b) = (&ctx.fx.a, &ctx.fx.b);
    let ids = |v: serde_json::Value, key: &str| -> Vec<i64> { v.as_array().unwrap().iter().map(|x| x[key].as_i64().unwrap()).collect() };
    assert_eq!(ids(get(app, "/api/v1/queues", &cv).await.json(), "id"), vec![a.queue.id]);
    assert_eq!(ids(get(app, "/api/v1/tenants", &cv).await.json(), "id"), vec![a.tenant.id]);
    assert_eq!(ids(get(app, "/api/v1/agents", &cv).await.json(), "id"), vec![a.agent.id]);
    assert_eq!(ids(get(app, "/api/v1/forecasts", &cv).await.json(), "id"), vec![a.forecast.id]);
    assert_eq!(ids(get(app, "/api/v1/staffing/plans", &cv).await.json(), "id"), vec![a.plan.id]);
    assert_eq!(ids(get(app, "/api/v1/rosters", &cv).await.json(), "id"), vec![a.roster.id]);
    let detail = get(app, &format!("/api/v1/rosters/{}", a.roster.id), &cv).await.json();
    assert!(detail["segments"].as_array().unwrap().iter().all(|s| s["agent_id"] == a.agent.id));
    let _ = b;
    let agent = login(app, "agent").await;
    let mine = get(app, "/api/v1/requests", &agent).await.json();
    assert!(mine.as_array().unwrap().iter().all(|r| r["agent_id"] == a.agent.id));
    assert_eq!(mine.as_array().unwrap().len(), 1);
    ctx.ts.cleanup().await;
}
