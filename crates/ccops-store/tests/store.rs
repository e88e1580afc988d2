//! The same store tests on SQLite and on PostgreSQL (`$CCOPS_TEST_POSTGRES`, a fresh schema per
//! run; skipped with a note when PostgreSQL is absent unless `CCOPS_REQUIRE_SERVICES=1`).

use ccops_store::testing::{self, TestStore};
use ccops_store::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, h, m, 0).unwrap()
}

async fn each_backend<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for b in [Backend::Sqlite, Backend::Postgres] {
        let Some(ts): Option<TestStore> = testing::open(b).await else { continue };
        f(ts.store.clone()).await;
        ts.cleanup().await;
    }
}

async fn org(s: &Store) -> (Tenant, Queue, Agent, Agent) {
    let tenant = s.create_tenant("acme", "ACME").await.unwrap();
    s.create_skill("voice_zh", "Voice ZH").await.unwrap();
    let mut nq = NewQueue::new("q1", "Queue 1", "voice");
    nq.tenant_id = Some(tenant.id);
    let q = s.create_queue(&nq).await.unwrap();
    let mk = |code: &str| NewAgent { code: code.into(), name: code.into(), tenant_id: Some(tenant.id), site_id: None, team_id: None,
        contract_minutes_per_week: 2400, skills: vec![("voice_zh".into(), 3)] };
    let a1 = s.create_agent(&mk("a1")).await.unwrap();
    let a2 = s.create_agent(&mk("a2")).await.unwrap();
    (tenant, q, a1, a2)
}

/// A real user to act as (created_by columns reference users).
async fn planner(s: &Store) -> Actor {
    let u = s.create_user(&NewUser { username: "planner".into(), display_name: String::new(), password: "long enough".into(),
        role: "planner".into(), tenant_id: None, agent_id: None, locale: "en".into() }).await.unwrap();
    Actor::user(u.id, &u.username)
}

#[tokio::test]
async fn organisation_and_conflicts() {
    each_backend(|s| async move {
        let (tenant, q, a1, _) = org(&s).await;
        assert_eq!(s.list_queues(Some(tenant.id)).await.unwrap(), vec![q.clone()]);
        assert!(s.list_queues(Some(tenant.id + 100)).await.unwrap().is_empty());
        assert!(matches!(s.create_tenant("acme", "dup").await, Err(StoreError::Conflict(_))));
        let skills = s.agent_skills(Some(a1.id)).await.unwrap();
        assert_eq!(skills.len(), 1);
        assert_eq!(skills[0].skill_code, "voice_zh");
        // Unknown skill: the agent insert is rolled back with it.
        let bad = NewAgent { code: "a9".into(), name: "x".into(), tenant_id: None, site_id: None, team_id: None,
            contract_minutes_per_week: 2400, skills: vec![("nope".into(), 1)] };
        assert!(matches!(s.create_agent(&bad).await, Err(StoreError::Invalid(_))));
        assert!(s.agent_by_code("a9").await.unwrap().is_none());
        assert!(s.agent_by_ical_token(&a1.ical_token).await.unwrap().is_some());
        let new = s.rotate_ical_token(a1.id).await.unwrap();
        assert!(s.agent_by_ical_token(&a1.ical_token).await.unwrap().is_none());
        assert_eq!(s.agent_by_ical_token(&new).await.unwrap().unwrap().id, a1.id);
        let mut nq = NewQueue::new("q2", "x", "voice");
        nq.interval_minutes = 7;
        assert!(matches!(s.create_queue(&nq).await, Err(StoreError::Invalid(_))));
    })
    .await;
}

#[tokio::test]
async fn history_import_is_all_or_nothing() {
    each_backend(|s| async move {
        let (_, q, _, _) = org(&s).await;
        let row = |m: i64, queue_id: i64| HistoryRow { queue_id, interval_start: t(2, 0, 0) + Duration::minutes(15 * m), interval_minutes: 15,
            offered: 10.0 + m as f64, handled: Some(9.0), abandoned: Some(1.0), aht_seconds: Some(200.0) };
        let good: Vec<HistoryRow> = (0..1200).map(|m| row(m, q.id)).collect();
        s.import_history("good.csv", &good, None).await.unwrap();
        assert_eq!(s.history(q.id, None, None).await.unwrap().len(), 1200);
        // A batch whose last row names a missing queue: nothing of it may land.
        let mut bad: Vec<HistoryRow> = (1200..1300).map(|m| row(m, q.id)).collect();
        bad.push(row(5000, q.id + 999));
        assert!(s.import_history("bad.csv", &bad, None).await.is_err());
        assert_eq!(s.history(q.id, None, None).await.unwrap().len(), 1200);
        // Re-import replaces values (upsert).
        let mut again = vec![row(0, q.id)];
        again[0].offered = 99.0;
        s.import_history("fix.csv", &again, None).await.unwrap();
        let h = s.history(q.id, Some(t(2, 0, 0)), Some(t(2, 0, 15))).await.unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].offered, 99.0);
        let sum = s.history_summary().await.unwrap();
        assert_eq!(sum[0].intervals, 1200);
        assert_eq!(sum[0].first, Some(t(2, 0, 0)));
    })
    .await;
}

#[tokio::test]
async fn forecasts_are_versioned_and_adjustments_audited() {
    each_backend(|s| async move {
        let (_, q, _, _) = org(&s).await;
        let actor = planner(&s).await;
        let intervals: Vec<ForecastInterval> = (0..96)
            .map(|i| ForecastInterval { interval_start: t(9, 0, 0) + Duration::minutes(15 * i), volume: 100.0, aht_seconds: 200.0,
                volume_lower: Some(80.0), volume_upper: Some(120.0), adjusted_volume: None, adjusted_aht: None, holiday: None })
            .collect();
        let nf = NewForecast { queue_id: q.id, model: "test".into(), interval_minutes: 15, params: serde_json::json!({}), accuracy: None, intervals };
        let f1 = s.create_forecast(&nf, &Actor::system()).await.unwrap();
        let f2 = s.create_forecast(&nf, &Actor::system()).await.unwrap();
        assert_eq!((f1.version, f2.version), (1, 2));
        assert_eq!(f2.horizon_end, t(10, 0, 0));
        let adj = NewAdjustment { from_ts: t(9, 2, 0), to_ts: t(9, 3, 0), volume_factor: Some(1.5), volume_set: None, aht_factor: None, reason: "campaign".into() };
        s.adjust_forecast(f2.id, &adj, &actor).await.unwrap();
        // A second factor composes with the first.
        s.adjust_forecast(f2.id, &NewAdjustment { volume_factor: Some(2.0), ..adj.clone() }, &actor).await.unwrap();
        let iv = s.forecast_intervals(f2.id).await.unwrap();
        let adjusted: Vec<f64> = iv.iter().filter(|i| i.adjusted_volume.is_some()).map(|i| i.effective_volume()).collect();
        assert_eq!(adjusted, vec![300.0; 4]);
        assert!(s.forecast_intervals(f1.id).await.unwrap().iter().all(|i| i.adjusted_volume.is_none()));
        let empty = NewAdjustment { from_ts: t(20, 0, 0), to_ts: t(20, 1, 0), ..adj.clone() };
        assert!(matches!(s.adjust_forecast(f2.id, &empty, &actor).await, Err(StoreError::Invalid(_))));
        let log = s.list_audit(Some("forecast"), Some(&f2.id.to_string()), 10).await.unwrap();
        assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["adjust", "adjust", "create"]);
        assert_eq!(log[0].username, "planner");
        let before: serde_json::Value = serde_json::from_str(log[0].before_json.as_deref().unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(log[0].after_json.as_deref().unwrap()).unwrap();
        assert_eq!(before["volume"], 600.0);
        assert_eq!(after["volume"], 1200.0);
        assert_eq!(s.list_adjustments(f2.id).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn roster_publish_and_leave_and_swap() {
    each_backend(|s| async move {
        let (tenant, _, a1, a2) = org(&s).await;
        let actor = planner(&s).await;
        let seg = |a: i64, h0: u32, h1: u32, act: &str| Segment { agent_id: a, start_at: t(2, h0, 0), end_at: t(2, h1, 0), activity: act.into(), queue_id: None };
        let nr = NewRoster { name: "w10".into(), tenant_id: Some(tenant.id), period_start: t(2, 0, 0), period_end: t(9, 0, 0), based_on: None,
            segments: vec![seg(a1.id, 1, 5, "work"), seg(a1.id, 5, 6, "lunch"), seg(a1.id, 6, 10, "work"), seg(a2.id, 12, 20, "work")] };
        let r1 = s.create_roster(&nr, &actor).await.unwrap();
        let r2 = s.create_roster(&nr, &actor).await.unwrap();
        assert_eq!((r1.version, r2.version, r1.status.as_str()), (1, 2, "draft"));
        assert!(s.published_segments(Some(a1.id), t(1, 0, 0), t(9, 0, 0)).await.unwrap().is_empty());
        s.publish_roster(r1.id, &actor).await.unwrap();
        let p2 = s.publish_roster(r2.id, &actor).await.unwrap();
        assert_eq!(p2.status, "published");
        assert_eq!(s.get_roster(r1.id).await.unwrap().status, "archived");
        assert_eq!(s.published_segments(Some(a1.id), t(1, 0, 0), t(9, 0, 0)).await.unwrap().len(), 3);
        assert_eq!(s.roster_segments(r2.id, None, Some(tenant.id + 1)).await.unwrap().len(), 0);

        // Leave 03:00–07:00: work 1–3 stays, 3–5 becomes leave, lunch 5–6 → leave, 6–7 leave, 7–10 work.
        let req = s.create_request(&NewRequest { kind: "leave".into(), agent_id: a1.id, counterpart_agent_id: None,
            start_at: t(2, 3, 0), end_at: t(2, 7, 0), reason: "doctor".into() }, &actor).await.unwrap();
        let done = s.decide_request(req.id, true, Some(&serde_json::json!({"x": 1})), Some("ok"), false, &actor).await.unwrap();
        assert_eq!(done.status, "approved");
        assert!(matches!(s.decide_request(req.id, false, None, None, false, &actor).await, Err(StoreError::Conflict(_))));
        let mine = s.published_segments(Some(a1.id), t(1, 0, 0), t(9, 0, 0)).await.unwrap();
        let got: Vec<(u32, u32, &str)> = mine.iter().map(|s| (s.start_at.format("%H").to_string().parse().unwrap(),
            s.end_at.format("%H").to_string().parse().unwrap(), s.activity.as_str())).collect();
        assert_eq!(got, vec![(1, 3, "work"), (3, 5, "leave"), (5, 6, "leave"), (6, 7, "leave"), (7, 10, "work")]);

        // Swap: a2's 12–20 shift goes to a1.
        let sw = s.create_request(&NewRequest { kind: "swap".into(), agent_id: a1.id, counterpart_agent_id: Some(a2.id),
            start_at: t(2, 11, 0), end_at: t(2, 21, 0), reason: String::new() }, &actor).await.unwrap();
        s.decide_request(sw.id, true, None, None, false, &actor).await.unwrap();
        assert!(s.published_segments(Some(a2.id), t(1, 0, 0), t(9, 0, 0)).await.unwrap().is_empty());
        assert_eq!(s.published_segments(Some(a1.id), t(2, 11, 0), t(2, 21, 0)).await.unwrap().len(), 1);

        let bad = NewRequest { kind: "swap".into(), agent_id: a1.id, counterpart_agent_id: None, start_at: t(3, 0, 0), end_at: t(3, 1, 0), reason: String::new() };
        assert!(matches!(s.create_request(&bad, &actor).await, Err(StoreError::Invalid(_))));
        let mine = s.list_requests(&RequestFilter { agent_id: Some(a2.id), ..Default::default() }).await.unwrap();
        assert_eq!(mine.len(), 1, "counterpart sees the swap");
        let other_tenant = s.list_requests(&RequestFilter { tenant_id: Some(tenant.id + 5), ..Default::default() }).await.unwrap();
        assert!(other_tenant.is_empty());

        let un = s.unpublish_roster(r2.id, &actor).await.unwrap();
        assert_eq!(un.status, "draft");
        assert!(s.published_segments(Some(a1.id), t(1, 0, 0), t(9, 0, 0)).await.unwrap().is_empty());
        let audit = s.list_audit(Some("roster"), Some(&r2.id.to_string()), 20).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"publish") && actions.contains(&"unpublish") && actions.contains(&"create"), "{actions:?}");
        assert_eq!(s.list_audit(Some("request"), Some(&req.id.to_string()), 20).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn accounts_sessions_rate_limit_tokens_jobs() {
    each_backend(|s| async move {
        let (tenant, _, a1, _) = org(&s).await;
        let nu = |name: &str, role: &str| NewUser { username: name.into(), display_name: String::new(), password: "correct horse".into(),
            role: role.into(), tenant_id: None, agent_id: None, locale: "zh".into() };
        let admin = s.create_user(&nu("root", "admin")).await.unwrap();
        assert!(admin.password_hash.starts_with("$argon2id$"));
        assert!(matches!(s.create_user(&nu("x", "wizard")).await, Err(StoreError::Invalid(_))));
        assert!(matches!(s.create_user(&nu("y", "agent")).await, Err(StoreError::Invalid(_))), "agent needs agent_id");
        assert!(matches!(s.create_user(&nu("z", "client_viewer")).await, Err(StoreError::Invalid(_))), "viewer needs tenant");
        s.create_user(&NewUser { agent_id: Some(a1.id), ..nu("ag", "agent") }).await.unwrap();
        s.create_user(&NewUser { tenant_id: Some(tenant.id), ..nu("cv", "client_viewer") }).await.unwrap();
        assert!(s.authenticate("root", "correct horse").await.unwrap().is_some());
        assert!(s.authenticate("root", "wrong").await.unwrap().is_none());
        assert!(s.authenticate("nobody", "correct horse").await.unwrap().is_none());

        let (secret, sess) = s.create_session(admin.id, 3600).await.unwrap();
        assert_ne!(sess.id, secret, "only the hash is stored");
        let (found, u) = s.session_user(&secret).await.unwrap().unwrap();
        assert_eq!((found.csrf_token.len(), u.id), (64, admin.id));
        assert!(s.session_user("forged").await.unwrap().is_none());
        let (expired, _) = s.create_session(admin.id, -1).await.unwrap();
        assert!(s.session_user(&expired).await.unwrap().is_none());
        // Disabling a user ends their sessions.
        s.update_user(admin.id, "admin", None, None, "en", true, None).await.unwrap();
        assert!(s.session_user(&secret).await.unwrap().is_none());
        assert!(s.authenticate("root", "correct horse").await.unwrap().is_none());

        let lim = RateLimit { max_failures: 3, window_secs: 60 };
        for _ in 0..2 {
            s.record_login_failure("user:root", lim).await.unwrap();
        }
        assert!(!s.login_blocked("user:root", lim).await.unwrap());
        s.record_login_failure("user:root", lim).await.unwrap();
        assert!(s.login_blocked("user:root", lim).await.unwrap());
        s.clear_login_failures("user:root").await.unwrap();
        assert!(!s.login_blocked("user:root", lim).await.unwrap());

        let (tok, secret) = s.create_api_token("acd-1", "events", None).await.unwrap();
        assert_eq!(s.lookup_api_token(&secret).await.unwrap().unwrap().id, tok.id);
        assert!(s.lookup_api_token("ccops_nope").await.unwrap().is_none());
        s.revoke_api_token(tok.id).await.unwrap();
        assert!(s.lookup_api_token(&secret).await.unwrap().is_none());

        let job = s.create_job("forecast", &serde_json::json!({"q": 1}), None, None).await.unwrap();
        assert_eq!(job.status, "queued");
        assert!(!s.job_progress(job.id, 0.5, "half").await.unwrap());
        assert!(s.request_job_cancel(job.id).await.unwrap());
        assert!(s.job_progress(job.id, 0.6, "more").await.unwrap(), "worker learns of the cancel");
        s.finish_job(job.id, "cancelled", None, None).await.unwrap();
        let j = s.get_job(job.id).await.unwrap();
        assert_eq!((j.status.as_str(), j.progress), ("cancelled", 0.6));
        assert!(!s.request_job_cancel(job.id).await.unwrap());
        assert!(matches!(s.request_job_cancel(9999).await, Err(StoreError::NotFound(_))));
        let live = s.create_job("schedule", &serde_json::json!({}), None, None).await.unwrap();
        assert_eq!(s.fail_stale_jobs(3600).await.unwrap(), 0, "a fresh job is not stale");
        assert_eq!(s.fail_stale_jobs(-1).await.unwrap(), 1);
        assert_eq!(s.get_job(live.id).await.unwrap().status, "failed");

        s.set_setting("auto_approve", "true").await.unwrap();
        s.set_setting("auto_approve", "false").await.unwrap();
        assert_eq!(s.get_setting("auto_approve").await.unwrap().as_deref(), Some("false"));
        s.ping().await.unwrap();
    })
    .await;
}
