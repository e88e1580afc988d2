//! Ingest and workflow tests on SQLite and PostgreSQL (PostgreSQL skips with a note when absent,
//! fails under CCOPS_REQUIRE_SERVICES=1).

use super::{db, ingest_body};
use crate::{AppState, Config};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ccops_floor::{AgentState, AlertRule, ExceptionRequest, ExceptionStatus, Timeline};
use ccops_store::testing::{self, TestStore};
use ccops_store::{Actor, Backend};
use chrono::{Duration, TimeZone, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn line(id: &str, agent: &str, state: &str, minute: i64) -> String {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap() + Duration::minutes(minute);
    format!(r#"{{"event_id":"{id}","agent_id":"{agent}","state":"{state}","at":"{}"}}"#, at.to_rfc3339())
}

async fn post(app: &axum::Router, token: Option<&str>, body: String) -> (StatusCode, serde_json::Value) {
    let mut req = Request::post("/api/v1/events").header(header::CONTENT_TYPE, "application/x-ndjson");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let resp = app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

async fn ingest_idempotent_and_out_of_order(backend: Backend) {
    let Some(ts): Option<TestStore> = testing::open(backend).await else { return };
    let state = AppState::new(ts.store.clone(), Config::default());
    let app = crate::app(state.clone());
    let (_, secret) = ts.store.create_api_token("acd-1", "events", None).await.unwrap();

    // Out of order: the 09:10 talking event arrives after the 09:20 one.
    let first = [line("e1", "A1", "ready", 0), line("e3", "A1", "ready", 20)].join("\n");
    let (st, out) = post(&app, Some(&secret), first).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!((out["received"].as_u64(), out["stored"].as_u64()), (Some(2), Some(2)));
    let late = [line("e2", "A1", "talking", 10), line("e1", "A1", "ready", 0), String::new()].join("\n");
    let (_, out) = post(&app, Some(&secret), late.clone()).await;
    assert_eq!((out["stored"].as_u64(), out["duplicates"].as_u64()), (Some(1), Some(1)));
    // A retry of an acknowledged batch stores nothing twice.
    let (_, out) = post(&app, Some(&secret), late).await;
    assert_eq!(out["stored"].as_u64(), Some(0));
    assert_eq!(db::count_events(&ts.store).await.unwrap(), (3, 3));

    // The timeline from the store places the late event where it belongs.
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
    let evs = db::events_between(&ts.store, Some("A1"), t0 - Duration::hours(1), t0 + Duration::hours(1)).await.unwrap();
    let tl = Timeline::build(&evs, t0, t0 + Duration::minutes(30));
    assert_eq!(tl.state_at(t0 + Duration::minutes(15)), Some(AgentState::Talking));
    assert_eq!(tl.state_at(t0 + Duration::minutes(25)), Some(AgentState::Ready));

    // A malformed line rejects the whole batch, located, and stores nothing of it.
    let bad = [line("e9", "A2", "ready", 0), r#"{"event_id":"e10","agent_id":"A2","state":"napping","at":"2026-11-23T01:00:00Z"}"#.into()].join("\n");
    let (st, out) = post(&app, Some(&secret), bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!((out["line"].as_u64(), out["field"].as_str()), (Some(2), Some("state")));
    assert_eq!(db::count_events(&ts.store).await.unwrap().0, 3);

    // No token, wrong token, wrong scope.
    assert_eq!(post(&app, None, line("x", "A", "ready", 0)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&app, Some("nope"), line("x", "A", "ready", 0)).await.0, StatusCode::UNAUTHORIZED);
    let (_, other) = ts.store.create_api_token("reports", "reports", None).await.unwrap();
    assert_eq!(post(&app, Some(&other), line("x", "A", "ready", 0)).await.0, StatusCode::FORBIDDEN);

    // Queue statistics: a re-sent interval replaces the earlier numbers.
    let s = |offered: u32| format!(r#"{{"queue":"voice","interval_start":"2026-11-23T01:00:00Z","interval_minutes":15,"offered":{offered},"answered":{offered},"abandoned":0}}"#);
    let (_, out) = post(&app, Some(&secret), s(10)).await;
    assert_eq!(out["stats"].as_u64(), Some(1));
    ingest_body(&state, 0, "test", &s(12)).await.unwrap();
    let stats = db::stats_between(&ts.store, t0, t0 + Duration::hours(1)).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].offered, 12.0);

    // A client replaying from the start reads committed events in arrival order; more than the
    // limit means "reload".
    let (rows, cursor) = db::stream_since(&ts.store, 0, 100).await.unwrap().expect("within the limit");
    assert_eq!(rows.iter().map(|r| r.event_id.as_str()).collect::<Vec<_>>(), vec!["e1", "e3", "e2"]);
    assert!(db::stream_since(&ts.store, 0, 2).await.unwrap().is_none());
    // Replaying from the returned cursor brings what came after it (PostgreSQL may repeat events
    // of transactions at or above the cursor; SQLite repeats nothing).
    ingest_body(&state, 0, "test", &line("e4", "A1", "acw", 30)).await.unwrap();
    let (rows, _) = db::stream_since(&ts.store, cursor, 100).await.unwrap().unwrap();
    assert!(rows.iter().any(|r| r.event_id == "e4"));
    if backend == Backend::Sqlite {
        assert_eq!(rows.len(), 1);
    }
    ts.cleanup().await;
}

/// The poller's chain of reads returns every committed event exactly once, including an event
/// whose transaction took a lower `seq` but committed later (PostgreSQL) and around duplicates
/// that used up ids.
async fn stream_exactly_once(backend: Backend) {
    let Some(ts): Option<TestStore> = testing::open(backend).await else { return };
    let state = AppState::new(ts.store.clone(), Config::default());
    ingest_body(&state, 0, "test", &line("old", "A1", "ready", 0)).await.unwrap();
    let pos = db::stream_start(&ts.store).await.unwrap();
    let ids = |rows: &[db::StreamRow]| rows.iter().map(|r| r.event_id.clone()).collect::<Vec<_>>();

    // PostgreSQL: a slow transaction takes its seq first and commits last.
    let slow = match ts.store.pool_ref() {
        ccops_store::PoolRef::Postgres(p) => {
            let mut tx = p.begin().await.unwrap();
            sqlx::query("INSERT INTO floor_events (event_id, agent_code, state, at_ms, source, received_ms) VALUES ('slow', 'A2', 'ready', 0, 't', 0)")
                .execute(&mut *tx)
                .await
                .unwrap();
            Some(tx)
        }
        ccops_store::PoolRef::Sqlite(_) => None,
    };
    // Duplicates consume sequence numbers on PostgreSQL without ever appearing.
    ingest_body(&state, 0, "test", &[line("old", "A1", "ready", 0), line("f1", "A1", "talking", 1)].join("\n")).await.unwrap();
    ingest_body(&state, 0, "test", &[line("f1", "A1", "talking", 1), line("f2", "A1", "acw", 2)].join("\n")).await.unwrap();
    let (rows, pos) = db::stream_next(&ts.store, &pos, 100).await.unwrap();
    assert_eq!(ids(&rows), vec!["f1", "f2"]);
    let (rows, pos) = db::stream_next(&ts.store, &pos, 100).await.unwrap();
    assert!(rows.is_empty(), "nothing twice: {:?}", ids(&rows));
    let pos = if let Some(tx) = slow {
        tx.commit().await.unwrap();
        let (rows, pos) = db::stream_next(&ts.store, &pos, 100).await.unwrap();
        assert_eq!(ids(&rows), vec!["slow"], "the late commit is delivered, once");
        pos
    } else {
        pos
    };
    ingest_body(&state, 0, "test", &line("f3", "A1", "ready", 3)).await.unwrap();
    let (rows, pos) = db::stream_next(&ts.store, &pos, 100).await.unwrap();
    assert_eq!(ids(&rows), vec!["f3"]);
    assert!(db::stream_next(&ts.store, &pos, 100).await.unwrap().0.is_empty());
    // SQLite reads in chunks of `limit`.
    if backend == Backend::Sqlite {
        let start = db::StreamPos::Seq(0);
        let (rows, next) = db::stream_next(&ts.store, &start, 2).await.unwrap();
        assert_eq!(ids(&rows), vec!["old", "f1"]);
        assert_eq!(ids(&db::stream_next(&ts.store, &next, 2).await.unwrap().0), vec!["f2", "f3"]);
    }
    ts.cleanup().await;
}

#[tokio::test]
async fn stream_exactly_once_sqlite() {
    stream_exactly_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn stream_exactly_once_postgres() {
    stream_exactly_once(Backend::Postgres).await;
}

#[tokio::test]
async fn ingest_sqlite() {
    ingest_idempotent_and_out_of_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn ingest_postgres() {
    ingest_idempotent_and_out_of_order(Backend::Postgres).await;
}

async fn workflows(backend: Backend) {
    let Some(ts) = testing::open(backend).await else { return };
    let store = &ts.store;
    let sup = Actor { user_id: None, username: "sup".into() };
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap();
    // Exception: request → approve (audited) → cannot decide twice.
    let req = ExceptionRequest::new("A1", t0, t0 + Duration::minutes(10), "meeting ran late").unwrap();
    let row = db::create_exception(store, &req, &Actor { user_id: None, username: "a1".into() }).await.unwrap();
    let row = db::decide_exception(store, row.id, ExceptionStatus::Approved, &sup).await.unwrap();
    assert_eq!(row.status, "approved");
    assert!(db::decide_exception(store, row.id, ExceptionStatus::Rejected, &sup).await.is_err());
    let audit = store.list_audit(Some("adherence_exception"), Some(&row.id.to_string()), 10).await.unwrap();
    assert_eq!(audit.len(), 2, "request and approval are both in the audit log");
    let approved = db::list_exceptions(store, Some("A1"), Some("approved"), t0, t0 + Duration::hours(1)).await.unwrap();
    assert_eq!(approved.len(), 1);

    // Alerts are raised once per key (two servers evaluating the same rule notify once).
    let rules = db::list_rules(store).await.unwrap();
    assert_eq!(rules.len(), AlertRule::defaults().len());
    let alert = ccops_floor::Alert { key: "k1".into(), rule_id: "r".into(), subject: "voice".into(), since: t0, value: 1.0, message: "m".into() };
    assert!(db::raise_alert(store, &alert).await.unwrap().is_some());
    assert!(db::raise_alert(store, &alert).await.unwrap().is_none());

    // Playbook: launch from the alert, assign, tick once.
    let pbs = db::list_playbooks(store).await.unwrap();
    let run = ccops_floor::PlaybookRun::launch(&pbs[0], Some("k1"), "sup", t0).unwrap();
    let id = db::launch_run(store, &run, &sup).await.unwrap();
    db::update_step(store, id, 1, Some("lee"), false, None, &sup).await.unwrap();
    db::update_step(store, id, 1, None, true, Some("done"), &sup).await.unwrap();
    assert!(db::update_step(store, id, 1, None, true, None, &sup).await.is_err(), "ticked twice");
    let steps = db::run_steps(store, id).await.unwrap();
    assert_eq!((steps[1].assignee.as_deref(), steps[1].done_by.as_deref()), (Some("lee"), Some("sup")));
    assert!(steps[0].done_ms.is_none());
    ts.cleanup().await;
}

#[tokio::test]
async fn workflows_sqlite() {
    workflows(Backend::Sqlite).await;
}

#[tokio::test]
async fn workflows_postgres() {
    workflows(Backend::Postgres).await;
}

/// NATS JetStream: events published to the subject are stored once each (a redelivered or
/// duplicated message is a no-op), and malformed messages do not block the stream.
#[tokio::test]
async fn nats_consumer_stores_each_event_once() {
    let url = std::env::var("CCOPS_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = match async_nats::connect(&url).await {
        Ok(c) => c,
        Err(e) => {
            assert!(std::env::var("CCOPS_REQUIRE_SERVICES").as_deref() != Ok("1"), "NATS required but unavailable at {url}: {e}");
            eprintln!("note: skipping NATS test, no server at {url}: {e}");
            return;
        }
    };
    let Some(ts) = testing::open(Backend::Sqlite).await else { return };
    let state = AppState::new(ts.store.clone(), Config::default());
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (subject, stream, durable) = (format!("ccops.test.{tag}"), format!("CCOPS_TEST_{tag}"), format!("floor-{tag}"));
    let js = async_nats::jetstream::new(client.clone());
    js.get_or_create_stream(async_nats::jetstream::stream::Config { name: stream.clone(), subjects: vec![subject.clone()], ..Default::default() })
        .await
        .expect("create stream");
    for body in [line("n1", "A1", "ready", 0), line("n2", "A1", "talking", 5), "not json".to_string(), line("n1", "A1", "ready", 0)] {
        js.publish(subject.clone(), body.into()).await.expect("publish").await.expect("ack from JetStream");
    }
    let consumer = {
        let (state, url, subject, stream, durable) = (state.clone(), url.clone(), subject.clone(), stream.clone(), durable.clone());
        tokio::spawn(async move { super::ingest::nats_consume(&state, &url, &subject, &stream, &durable).await })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (n, distinct) = db::count_events(&ts.store).await.unwrap();
        if n >= 2 {
            assert_eq!((n, distinct), (2, 2));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "NATS events were not stored");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(db::count_events(&ts.store).await.unwrap(), (2, 2), "the duplicate message stored nothing");
    consumer.abort();
    let _ = js.delete_stream(&stream).await;
    ts.cleanup().await;
}
