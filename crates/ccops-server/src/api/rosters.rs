//! Scheduling (background job over `ccops-schedule`), rosters (list, read, import, publish,
//! unpublish, Excel export) and the agent's own schedule and calendar feed.

use super::org::{scheduling_settings, visible_queues};
use crate::auth::{CurrentUser, PLANNING, PLAN_READERS};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{spawn_job, JobCtx, JobError};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccops_store::{Actor, Agent, Job, NewRoster, Roster, Segment};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct ScheduleRun {
    /// First day of the roster (local date; a Monday is usual).
    pub start: NaiveDate,
    /// Days (7–42, default 7).
    #[serde(default = "seven")]
    pub days: usize,
    /// Only this tenant's queues and agents (default: the whole center).
    #[serde(default)]
    pub tenant_id: Option<i64>,
    /// Local-search budget (default 200 000 moves).
    #[serde(default)]
    pub max_moves: Option<u64>,
}

fn seven() -> usize {
    7
}

/// Start a scheduling job (planner): requirements from each queue's newest staffing plan,
/// active agents with their skills, the rules from the settings. The result is a draft roster.
#[utoipa::path(post, path = "/api/v1/schedule/run", tag = "scheduling", request_body = ScheduleRun, responses((status = 202, body = Job)))]
pub async fn run(State(s): State<AppState>, user: CurrentUser, Json(b): Json<ScheduleRun>) -> ApiResult<(StatusCode, Json<Job>)> {
    user.require(PLANNING)?;
    Ok((StatusCode::ACCEPTED, Json(start_schedule_job(&s, &user, b).await?)))
}

/// Validates a scheduling request and starts the job (shared with the UI and the demo).
pub async fn start_schedule_job(s: &AppState, user: &CurrentUser, b: ScheduleRun) -> ApiResult<Job> {
    if !(1..=42).contains(&b.days) {
        return Err(ApiError::bad_request("days must be between 1 and 42"));
    }
    user.check_tenant(b.tenant_id.or(user.tenant_id))?;
    let tenant = b.tenant_id.or(user.tenant_id);
    let settings = scheduling_settings(s).await?;
    let rules = ccops_schedule::Rules::from_toml(&settings.rules_toml).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let tz: chrono_tz::Tz = settings.timezone.parse().map_err(|_| ApiError::bad_request("bad center time zone"))?;
    let queues: Vec<_> = visible_queues(s, user).await?.into_iter().filter(|q| tenant.is_none() || q.tenant_id == tenant).collect();
    let plans = s.store.latest_staffing_plans().await?;
    let from = local_midnight(tz, b.start);
    let to = local_midnight(tz, b.start + Duration::days(b.days as i64));
    let mut rows: Vec<(NaiveDateTime, String, f64, f64)> = Vec::new();
    for q in &queues {
        let Some(plan) = plans.iter().find(|p| p.queue_id == q.id) else { continue };
        for i in s.store.staffing_intervals(plan.id).await? {
            if i.interval_start >= from && i.interval_start < to {
                rows.push((i.interval_start.with_timezone(&tz).naive_local(), q.code.clone(), i.required, 1.0));
            }
        }
    }
    if rows.is_empty() {
        return Err(ApiError::bad_request(format!("no staffing plan covers {} … {}: run forecast and staffing first", b.start, b.start + Duration::days(b.days as i64 - 1))));
    }
    let requirements = ccops_schedule::Requirements::from_rows(&rows).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let agents = s.store.list_agents(tenant).await?;
    let skills = s.store.agent_skills(None).await?;
    let mut sched_agents = Vec::new();
    for a in agents.iter().filter(|a| a.active) {
        let mine: Vec<i64> = skills.iter().filter(|k| k.agent_id == a.id).map(|k| k.skill_id).collect();
        let serves: Vec<String> = queues.iter().filter(|q| q.skill_id.is_none_or(|sid| mine.contains(&sid))).map(|q| q.code.clone()).collect();
        if serves.is_empty() {
            continue;
        }
        sched_agents.push(ccops_schedule::Agent { id: a.code.clone(), name: a.name.clone(), skills: serves,
            contract_minutes_per_week: a.contract_minutes_per_week.max(0) as u32, site: a.site_id.map(|x| x.to_string()), team: a.team_id.map(|x| x.to_string()) });
    }
    if sched_agents.is_empty() {
        return Err(ApiError::bad_request("no active agent has a skill for these queues"));
    }
    let problem = ccops_schedule::Problem { requirements, agents: sched_agents, rules, existing: None };
    let params = serde_json::to_value(&b).unwrap_or_default();
    let actor = user.actor();
    let ids: HashMap<String, i64> = agents.iter().map(|a| (a.code.clone(), a.id)).collect();
    let queue_ids: HashMap<String, i64> = queues.iter().map(|q| (q.code.clone(), q.id)).collect();
    let job = spawn_job(s, "schedule", params, tenant, Some(user.user_id), move |ctx| {
        schedule_task(ctx, problem, b, tenant, tz, ids, queue_ids, actor)
    })
    .await?;
    Ok(job)
}

pub fn local_midnight(tz: chrono_tz::Tz, d: NaiveDate) -> DateTime<Utc> {
    let m = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&m).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&m))
}

#[allow(clippy::too_many_arguments)]
async fn schedule_task(ctx: JobCtx, problem: ccops_schedule::Problem, b: ScheduleRun, tenant: Option<i64>, tz: chrono_tz::Tz,
                       ids: HashMap<String, i64>, queue_ids: HashMap<String, i64>, actor: Actor) -> Result<serde_json::Value, JobError> {
    ctx.progress(0.02, "building the model").await?;
    let max_moves = b.max_moves.unwrap_or(200_000);
    // The solver runs on a blocking thread; progress and the cancel flag cross through channels.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let cancel2 = cancel.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let opts = ccops_schedule::SolveOptions { max_moves, lower_bound: false, ..Default::default() };
        let mut last = std::time::Instant::now();
        ccops_schedule::solve(&problem, &opts, &mut |p: &ccops_schedule::Progress| {
            if last.elapsed().as_millis() > 300 {
                last = std::time::Instant::now();
                let frac = 0.05 + 0.9 * (p.moves as f64 / max_moves.max(1) as f64).min(1.0);
                let _ = tx.send((frac, format!("{}: {} moves, under {:.1} h, over {:.1} h", p.phase, p.moves, p.under_hours, p.over_hours)));
            }
            !cancel2.load(std::sync::atomic::Ordering::Relaxed)
        })
    });
    tokio::pin!(handle);
    let solution = loop {
        tokio::select! {
            r = &mut handle => break r,
            Some((f, m)) = rx.recv() => {
                if let Err(JobError::Cancelled) = ctx.progress(f, &m).await {
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
    };
    if cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(JobError::Cancelled);
    }
    let solution = solution.map_err(|e| JobError::Failed(format!("scheduler panicked: {e}")))?.map_err(|e| JobError::Failed(e.to_string()))?;
    ctx.progress(0.97, "saving the roster").await?;
    let segments: Vec<Segment> = solution
        .roster
        .iter()
        .filter_map(|s| {
            let agent_id = *ids.get(&s.agent_id)?;
            let start_at = tz.from_local_datetime(&s.start).earliest()?.with_timezone(&Utc);
            let end_at = tz.from_local_datetime(&s.end).earliest()?.with_timezone(&Utc);
            Some(Segment { agent_id, start_at, end_at, queue_id: queue_ids.get(&s.activity).copied(), activity: s.activity.clone() })
        })
        .collect();
    let roster = NewRoster {
        name: format!("Week of {}", b.start),
        tenant_id: tenant,
        period_start: local_midnight(tz, b.start),
        period_end: local_midnight(tz, b.start + Duration::days(b.days as i64)),
        based_on: None,
        segments,
    };
    let r = ctx.store.create_roster(&roster, &actor).await?;
    Ok(serde_json::json!({"roster_id": r.id, "version": r.version, "shifts": solution.shifts,
        "under_hours": solution.under_hours, "over_hours": solution.over_hours, "moves": solution.moves}))
}

/// Rosters the user may see (a client viewer: their tenant's and center-wide ones, filtered to
/// their agents when read).
#[utoipa::path(get, path = "/api/v1/rosters", tag = "rosters", responses((status = 200, body = Vec<Roster>)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Roster>>> {
    user.require(PLAN_READERS)?;
    Ok(Json(s.store.list_rosters(user.tenant_scope()).await?))
}

/// Store a roster (e.g. from another tool) as a draft (planner; audited).
#[utoipa::path(post, path = "/api/v1/rosters", tag = "rosters", request_body = NewRoster, responses((status = 201, body = Roster)))]
pub async fn create(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewRoster>) -> ApiResult<(StatusCode, Json<Roster>)> {
    user.require(PLANNING)?;
    user.check_tenant(b.tenant_id)?;
    for seg in &b.segments {
        let a = s.store.get_agent(seg.agent_id).await?;
        user.check_tenant(a.tenant_id)?;
    }
    Ok((StatusCode::CREATED, Json(s.store.create_roster(&b, &user.actor()).await?)))
}

/// A roster the user may see, else 404.
pub async fn roster_for(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Roster> {
    let r = s.store.get_roster(id).await?;
    if r.tenant_id.is_some() && !user.can_see_tenant(r.tenant_id) {
        return Err(ApiError::not_found(format!("roster {id}")));
    }
    Ok(r)
}

#[derive(Serialize, ToSchema)]
pub struct RosterDetail {
    pub roster: Roster,
    pub segments: Vec<Segment>,
    pub agents: Vec<Agent>,
}

/// One roster with its segments (a tenant-bound user sees only their tenant's agents).
#[utoipa::path(get, path = "/api/v1/rosters/{id}", tag = "rosters", params(("id" = i64, Path)), responses((status = 200, body = RosterDetail)))]
pub async fn get(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<RosterDetail>> {
    user.require(PLAN_READERS)?;
    let roster = roster_for(&s, &user, id).await?;
    let segments = s.store.roster_segments(id, None, user.tenant_scope()).await?;
    let agents = s.store.list_agents(user.tenant_scope()).await?;
    Ok(Json(RosterDetail { roster, segments, agents }))
}

/// Publish a roster (planner; audited). The previously published overlapping version is archived.
#[utoipa::path(post, path = "/api/v1/rosters/{id}/publish", tag = "rosters", params(("id" = i64, Path)), responses((status = 200, body = Roster)))]
pub async fn publish(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Roster>> {
    user.require(PLANNING)?;
    // Changing a center-wide roster is for center staff only.
    user.check_tenant(roster_for(&s, &user, id).await?.tenant_id)?;
    Ok(Json(s.store.publish_roster(id, &user.actor()).await?))
}

/// Unpublish a roster back to draft (planner; audited).
#[utoipa::path(post, path = "/api/v1/rosters/{id}/unpublish", tag = "rosters", params(("id" = i64, Path)), responses((status = 200, body = Roster)))]
pub async fn unpublish(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Roster>> {
    user.require(PLANNING)?;
    // Changing a center-wide roster is for center staff only.
    user.check_tenant(roster_for(&s, &user, id).await?.tenant_id)?;
    Ok(Json(s.store.unpublish_roster(id, &user.actor()).await?))
}

/// The roster as an Excel workbook: one row per segment (agent, name, local start/end, activity).
pub async fn roster_xlsx(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<(Roster, Vec<u8>)> {
    let roster = roster_for(s, user, id).await?;
    let segments = s.store.roster_segments(id, None, user.tenant_scope()).await?;
    let agents: HashMap<i64, Agent> = s.store.list_agents(None).await?.into_iter().map(|a| (a.id, a)).collect();
    let tz: chrono_tz::Tz = scheduling_settings(s).await?.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let bytes = write_xlsx(&roster, &segments, &agents, tz).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("xlsx: {e}")))?;
    s.store.audit(&user.actor(), "export", "roster", &id.to_string(), None, Some(serde_json::json!({"format": "xlsx", "segments": segments.len()}))).await?;
    Ok((roster, bytes))
}

fn write_xlsx(roster: &Roster, segments: &[Segment], agents: &HashMap<i64, Agent>, tz: chrono_tz::Tz) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("roster")?;
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for (c, h) in ["agent_id", "name", "start", "end", "activity", "hours"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, seg) in segments.iter().enumerate() {
        let r = i as u32 + 1;
        let a = agents.get(&seg.agent_id);
        ws.write_string(r, 0, a.map(|a| a.code.as_str()).unwrap_or(""))?;
        ws.write_string(r, 1, a.map(|a| a.name.as_str()).unwrap_or(""))?;
        ws.write_datetime_with_format(r, 2, seg.start_at.with_timezone(&tz).naive_local(), &when)?;
        ws.write_datetime_with_format(r, 3, seg.end_at.with_timezone(&tz).naive_local(), &when)?;
        ws.write_string(r, 4, &seg.activity)?;
        ws.write_number(r, 5, (seg.end_at - seg.start_at).num_minutes() as f64 / 60.0)?;
    }
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(2, 17)?;
    ws.set_column_width(3, 17)?;
    ws.set_column_width(4, 10)?;
    let info = wb.add_worksheet();
    info.set_name("info")?;
    for (r, (k, v)) in [("roster", roster.name.clone()), ("version", roster.version.to_string()), ("status", roster.status.clone()),
        ("time zone", tz.name().to_string())].iter().enumerate() {
        info.write_string(r as u32, 0, *k)?;
        info.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}

/// Export a roster to Excel (`.xlsx`).
#[utoipa::path(get, path = "/api/v1/rosters/{id}/export.xlsx", tag = "rosters", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn export_xlsx(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Response> {
    user.require(PLAN_READERS)?;
    let (roster, bytes) = roster_xlsx(&s, &user, id).await?;
    let name = format!("attachment; filename=\"roster-{}-v{}.xlsx\"", roster.id, roster.version);
    Ok(([(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
         (header::CONTENT_DISPOSITION, name)], bytes).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct WindowParams {
    /// Default: now − 1 day.
    pub from: Option<DateTime<Utc>>,
    /// Default: from + 35 days.
    pub to: Option<DateTime<Utc>>,
}

/// My schedule: published segments of the logged-in agent (404 for users without an agent).
#[utoipa::path(get, path = "/api/v1/me/schedule", tag = "rosters", params(WindowParams), responses((status = 200, body = Vec<Segment>)))]
pub async fn my_schedule(State(s): State<AppState>, user: CurrentUser, Query(p): Query<WindowParams>) -> ApiResult<Json<Vec<Segment>>> {
    let agent = user.agent_id.ok_or_else(|| ApiError::not_found("no agent record for this user"))?;
    let from = p.from.unwrap_or_else(|| Utc::now() - Duration::days(1));
    let to = p.to.unwrap_or(from + Duration::days(35));
    Ok(Json(s.store.published_segments(Some(agent), from, to).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FeedUrl {
    /// Subscribe to this URL in a calendar app; treat it like a password.
    pub url: String,
}

pub fn feed_url(s: &AppState, headers: &HeaderMap, token: &str) -> String {
    let base = s.config.public_url.clone().unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{}/ical/{token}.ics", base.trim_end_matches('/'))
}

/// My iCalendar subscription URL (agents).
#[utoipa::path(get, path = "/api/v1/me/ical", tag = "rosters", responses((status = 200, body = FeedUrl)))]
pub async fn my_ical(State(s): State<AppState>, user: CurrentUser, headers: HeaderMap) -> ApiResult<Json<FeedUrl>> {
    let agent = user.agent_id.ok_or_else(|| ApiError::not_found("no agent record for this user"))?;
    let a = s.store.get_agent(agent).await?;
    Ok(Json(FeedUrl { url: feed_url(&s, &headers, &a.ical_token) }))
}

/// Issue a new iCalendar URL; the old one stops working.
#[utoipa::path(post, path = "/api/v1/me/ical/rotate", tag = "rosters", responses((status = 200, body = FeedUrl)))]
pub async fn rotate_ical(State(s): State<AppState>, user: CurrentUser, headers: HeaderMap) -> ApiResult<Json<FeedUrl>> {
    let agent = user.agent_id.ok_or_else(|| ApiError::not_found("no agent record for this user"))?;
    let t = s.store.rotate_ical_token(agent).await?;
    s.store.audit(&user.actor(), "rotate_ical", "agent", &agent.to_string(), None, None).await?;
    Ok(Json(FeedUrl { url: feed_url(&s, &headers, &t) }))
}
