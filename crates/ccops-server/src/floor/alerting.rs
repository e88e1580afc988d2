//! Alert evaluation (every few seconds in each server; the unique alert key in the database makes
//! sure each alert is raised, and its webhook sent, once) and webhook delivery.

use super::{db, view};
use crate::AppState;
use ccops_floor::{Alert, IntervalFacts};
use chrono::Utc;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(10);

pub async fn alert_loop(state: AppState) {
    loop {
        tokio::time::sleep(EVERY).await;
        if let Err(e) = evaluate_now(&state).await {
            tracing::warn!(error = %e, "alert evaluation failed");
        }
    }
}

/// Evaluate the enabled rules now; returns the alerts this call newly raised (webhooks sent).
pub async fn evaluate_now(state: &AppState) -> ccops_store::Result<Vec<db::AlertRow>> {
    let now = Utc::now();
    let tz = crate::ui::center_tz(state, None).await;
    let (from, until) = view::day_bounds(tz, now.with_timezone(&tz).date_naive());
    let rules = db::list_rules(&state.store).await?;
    let enabled: Vec<_> = rules.iter().filter(|r| r.enabled).filter_map(|r| r.rule().map(|x| (x, r.webhook_url.clone()))).collect();
    if enabled.is_empty() {
        return Ok(vec![]);
    }
    // Only completed intervals count: a half-reported interval would look like a collapse.
    let facts: Vec<IntervalFacts> = view::intraday(state, from, until, now)
        .await?
        .into_iter()
        .flat_map(|q| q.rows.into_iter().map(|r| r.facts))
        .filter(|f| f.offered.is_some() && f.start + chrono::Duration::minutes(i64::from(f.interval_minutes)) <= now)
        .collect();
    let agents = view::live_agents(state, from, until, now).await?;
    let mut raised = Vec::new();
    for (rule, webhook) in enabled {
        let alerts: Vec<Alert> = ccops_floor::evaluate(std::slice::from_ref(&rule), &facts, &agents, now);
        for a in alerts {
            if let Some(row) = db::raise_alert(&state.store, &a).await? {
                metrics::counter!("ccops_floor_alerts_total").increment(1);
                if let Some(url) = webhook.as_deref().filter(|u| !u.trim().is_empty()) {
                    let status = post_webhook(url, &row).await;
                    db::set_webhook_status(&state.store, row.id, &status).await?;
                }
                raised.push(row);
            }
        }
    }
    Ok(raised)
}

/// POST the alert as JSON to `url` (http only); returns a short status for the alert row.
pub async fn post_webhook(url: &str, alert: &db::AlertRow) -> String {
    use http_body_util::Full;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let body = serde_json::json!({ "type": "ccops.alert", "alert": alert }).to_string();
    let req = match axum::http::Request::post(url)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(axum::body::Bytes::from(body)))
    {
        Ok(r) => r,
        Err(e) => return format!("bad url: {e}"),
    };
    let client = Client::builder(TokioExecutor::new()).build_http();
    match tokio::time::timeout(Duration::from_secs(5), client.request(req)).await {
        Ok(Ok(resp)) => format!("{}", resp.status().as_u16()),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "timeout".into(),
    }
}
