//! iCalendar feed per agent at a secret URL: `GET /ical/{token}.ics` (no login: the token is
//! the credential, rotate it with `POST /api/v1/me/ical/rotate`). Published segments from 14
//! days back to 60 days ahead; each work/break/lunch/… segment is one VEVENT.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ccops_store::Segment;
use chrono::{Duration, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

pub fn router() -> Router<AppState> {
    Router::new().route("/ical/{token}", get(feed))
}

async fn feed(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    let token = token.trim_end_matches(".ics");
    let agent = match s.store.agent_by_ical_token(token).await {
        Ok(Some(a)) => a,
        Ok(None) => return (StatusCode::NOT_FOUND, "unknown calendar").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "ical lookup");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let now = Utc::now();
    let segs = match s.store.published_segments(Some(agent.id), now - Duration::days(14), now + Duration::days(60)).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "ical segments");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    let body = render_calendar(&agent.name, &agent.code, &segs);
    ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body).into_response()
}

/// RFC 5545 text for an agent's segments (times in UTC; UIDs stable across refreshes).
pub fn render_calendar(name: &str, code: &str, segs: &[Segment]) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("ccops — {name}"));
    for s in segs {
        let uid = format!("{}-{}-{}@ccops", code, s.start_at.timestamp(), s.activity);
        let summary = match s.activity.as_str() {
            "work" => "Work 上班".to_string(),
            "break" => "Break 休息".to_string(),
            "lunch" => "Lunch 午餐".to_string(),
            "leave" => "Leave 请假".to_string(),
            "training" => "Training 培训".to_string(),
            other => other.to_string(),
        };
        cal.push(Event::new().uid(&uid).summary(&summary).starts(s.start_at).ends(s.end_at).timestamp(s.start_at).done());
    }
    cal.done().to_string()
}
