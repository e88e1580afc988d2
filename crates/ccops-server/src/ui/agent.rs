//! The agent's own pages: schedule (week / month), leave and swap requests, calendar URL.
//! An agent only ever sees their own agent record (`user.agent_id`).

use super::views::{self, day_start, local};
use super::{center_tz, check_csrf, see_other, today, Page, UiError, UiResult};
use crate::auth::{CurrentUser, Role};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Form, Router};
use crate::api::requests::create_request as file_request;
use crate::api::rosters::feed_url;
use ccops_store::{NewRequest, RequestFilter};
use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new().route("/agent", get(schedule)).route("/agent/requests", post(request_form))
}

#[derive(Deserialize, Default)]
struct ScheduleQuery {
    view: Option<String>,
    date: Option<String>,
}

#[derive(Serialize)]
struct Peer {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct MyRequest {
    kind: String,
    peer: Option<String>,
    start: String,
    end: String,
    note: String,
    status: String,
}

fn my_agent(user: &CurrentUser, headers: &HeaderMap) -> Result<i64, UiError> {
    let lang = super::lang_of(headers, Some(user));
    user.require(&[Role::Agent]).map_err(|_| UiError::forbidden().in_lang(lang))?;
    user.agent_id.ok_or_else(|| UiError::forbidden().in_lang(lang))
}

/// Holiday names by local date, from the newest forecast of the agent's center (forecasts
/// carry the official holiday and 调休 table per interval).
async fn holiday_names(state: &AppState, user: &CurrentUser, tz: Tz, from: NaiveDate, to: NaiveDate) -> BTreeMap<NaiveDate, String> {
    let mut out = BTreeMap::new();
    let Ok(queues) = state.store.list_queues(user.tenant_scope()).await else { return out };
    let Some(q) = queues.first() else { return out };
    let Ok(fcs) = state.store.list_forecasts(Some(q.id)).await else { return out };
    let Some(f) = fcs.first() else { return out };
    if let Ok(intervals) = state.store.forecast_intervals(f.id).await {
        for i in intervals {
            let d = local(i.interval_start, tz).date();
            if let (Some(h), true) = (i.holiday, d >= from && d <= to) {
                out.entry(d).or_insert(h);
            }
        }
    }
    out
}

/// Where "my schedule" opens: today, unless this week has no published shift and a later one
/// does within six weeks — then the week of that next shift (rosters are published ahead).
async fn next_shift_day(state: &AppState, agent_id: i64, today: NaiveDate, tz: Tz) -> UiResult<NaiveDate> {
    let week_end = views::week_start(today) + Duration::days(7);
    let from = day_start(views::week_start(today), tz);
    let segs = state.store.published_segments(Some(agent_id), from, day_start(today + Duration::days(42), tz)).await?;
    let first = segs.iter().filter(|s| crate::api::requests::productive(&s.activity)).map(|s| local(s.start_at, tz).date()).min();
    Ok(match first {
        Some(d) if d >= week_end => d,
        _ => today,
    })
}

async fn schedule(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<ScheduleQuery>) -> UiResult {
    let agent_id = my_agent(&user, &headers)?;
    let page = Page::new(&headers, Some(&user), "/agent");
    let zh = page.lang == super::i18n::Lang::Zh;
    let tz = center_tz(&state, user.tenant_scope()).await;
    let now = today(tz);
    let date = match q.date.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) => d,
        None => next_shift_day(&state, agent_id, now, tz).await?,
    };
    let month = q.view.as_deref() == Some("month");
    let (first, n, prev, next, label) = if month {
        let (first, n) = views::month_grid(date);
        let m1 = date.with_day(1).unwrap_or(date);
        let prev = (m1 - Duration::days(1)).with_day(1).unwrap_or(m1);
        let next = (m1 + Duration::days(32)).with_day(1).unwrap_or(m1);
        (first, n, prev, next, m1.format("%Y-%m").to_string())
    } else {
        let w = views::week_start(date);
        let end = w + Duration::days(6);
        (w, 7, w - Duration::days(7), w + Duration::days(7), format!("{} – {}", w.format("%Y-%m-%d"), end.format("%m-%d")))
    };
    let last = first + Duration::days(i64::from(n) - 1);
    let segs = state.store.published_segments(Some(agent_id), day_start(first, tz), day_start(last + Duration::days(1), tz)).await?;
    let holidays = holiday_names(&state, &user, tz, first, last).await;
    let mut days = views::agent_days(&segs, first, n, now, tz, zh);
    for d in &mut days {
        d.holiday = holidays.get(&d.date).cloned();
        if month {
            d.in_month = d.date.month() == date.month();
        }
    }
    let weeks: Vec<Vec<views::DayView>> = days.chunks(7).map(<[views::DayView]>::to_vec).collect();
    let me = state.store.get_agent(agent_id).await?;
    let agents = state.store.list_agents(me.tenant_id).await?;
    let names: HashMap<i64, String> = agents.iter().map(|a| (a.id, a.name.clone())).collect();
    let peers: Vec<Peer> = agents
        .iter()
        .filter(|a| a.id != agent_id && a.active && a.team_id == me.team_id)
        .map(|a| Peer { id: a.id, name: a.name.clone() })
        .collect();
    let requests: Vec<MyRequest> = state
        .store
        .list_requests(&RequestFilter { agent_id: Some(agent_id), ..Default::default() })
        .await?
        .into_iter()
        .map(|r| MyRequest {
            kind: r.kind,
            peer: r.counterpart_agent_id.map(|p| names.get(&p).cloned().unwrap_or_else(|| format!("#{p}"))),
            start: views::window_label(r.start_at, r.end_at, tz).0,
            end: views::window_label(r.start_at, r.end_at, tz).1,
            note: r.reason,
            status: r.status,
        })
        .collect();
    let view = if month { "month" } else { "week" };
    page.render(
        "agent/schedule.html",
        "agent.title",
        context! {
            view, date => date.to_string(), prev => prev.to_string(), next => next.to_string(), period_label => label,
            days => super::render::value(&days), weeks => super::render::value(&weeks), weekdays => views::WEEKDAY_KEYS.to_vec(),
            published => !segs.is_empty(), peers => super::render::value(&peers), requests => super::render::value(&requests),
            ical_url => (!me.ical_token.is_empty()).then(|| feed_url(&state, &headers, &me.ical_token)),
        },
        vec![],
    )
}

#[derive(Deserialize)]
struct RequestForm {
    csrf: String,
    kind: String,
    start: String,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    peer: Option<i64>,
    #[serde(default)]
    note: String,
}

async fn request_form(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<RequestForm>) -> UiResult {
    let agent_id = my_agent(&user, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let tz = center_tz(&state, user.tenant_scope()).await;
    let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
    let start = parse(&f.start).ok_or_else(|| UiError::bad_input("start date").in_lang(lang))?;
    let end = match f.kind.as_str() {
        "leave" => f.end.as_deref().and_then(parse).unwrap_or(start),
        "swap" => start,
        _ => return Err(UiError::bad_input("kind").in_lang(lang)),
    };
    if end < start {
        return Err(UiError::bad_input("end before start").in_lang(lang));
    }
    if f.kind == "swap" {
        // The counterpart must be a colleague this agent can see (same tenant).
        let me = state.store.get_agent(agent_id).await?;
        let peer = state.store.get_agent(f.peer.ok_or_else(|| UiError::bad_input("peer").in_lang(lang))?).await?;
        if peer.tenant_id != me.tenant_id {
            return Err(UiError::forbidden().in_lang(lang));
        }
    }
    let req = NewRequest {
        kind: f.kind.clone(),
        agent_id,
        counterpart_agent_id: if f.kind == "swap" { f.peer } else { None },
        start_at: day_start(start, tz),
        end_at: day_start(end + Duration::days(1), tz),
        reason: f.note.chars().take(500).collect(),
    };
    // Files it and, when automatic approval is on, approves it if staffing holds.
    file_request(&state, &user, req).await.map_err(|e| UiError::from(e).in_lang(lang))?;
    Ok(see_other(&format!("/agent?date={start}")))
}
