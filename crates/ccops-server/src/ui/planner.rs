//! Planner pages: history upload, forecast, staffing, roster, requests, background jobs.

use super::charts::{self, ForecastLabels, ForecastPoint, Holiday, Point};
use super::views::{self, day_start, local};
use super::{center_tz, check_csrf, see_other, today, Page, UiError, UiResult};
use crate::auth::{CurrentUser, Role, APPROVERS, PLANNING, PLAN_READERS};
use crate::api::forecast::{start_forecast_job, ForecastRun};
use crate::api::org::scheduling_settings;
use crate::api::requests::{compute_impact, decide, Impact};
use crate::api::rosters::{roster_xlsx, start_schedule_job, ScheduleRun};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Form, Router};
use ccops_store::{Agent, Job, NewAdjustment, Queue, RequestFilter, Roster, Segment};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/planner", get(home))
        .route("/planner/history", get(history_page).post(history_upload))
        .route("/planner/forecast", get(forecast_page))
        .route("/planner/forecast/run", post(forecast_run))
        .route("/planner/forecast/adjust", post(forecast_adjust))
        .route("/planner/staffing", get(staffing_page))
        .route("/planner/roster", get(roster_page))
        .route("/planner/roster/generate", post(roster_generate))
        .route("/planner/roster/{id}/publish", post(roster_publish))
        .route("/planner/roster/{id}/unpublish", post(roster_unpublish))
        .route("/planner/roster/{id}/export.xlsx", get(roster_export))
        .route("/planner/requests", get(requests_page))
        .route("/planner/requests/auto", post(requests_auto))
        .route("/planner/requests/{id}/{decision}", post(request_decide))
        .route("/planner/jobs/{id}", get(job_fragment))
        .route("/planner/jobs/{id}/cancel", post(job_cancel))
}

/// Setting key of the automatic-approval toggle (shared with the API's scheduling settings).
const AUTO_APPROVE_SETTING: &str = "auto_approve";

/// Role check that renders the error page in the user's language.
fn require(user: &CurrentUser, roles: &[Role], headers: &HeaderMap) -> Result<(), UiError> {
    user.require(roles).map_err(|_| UiError::forbidden().in_lang(super::lang_of(headers, Some(user))))
}

fn parse_date(s: Option<&str>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
}

fn parse_local_dt(s: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"].iter().find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
}

fn to_utc(t: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    tz.from_local_datetime(&t).earliest().map(|x| x.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

fn queue_tz(q: &Queue) -> Tz {
    q.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Queues this user may see, with tenant names.
async fn visible_queues(state: &AppState, user: &CurrentUser) -> UiResult<Vec<Queue>> {
    Ok(state.store.list_queues(user.tenant_scope()).await?.into_iter().filter(|q| user.can_see_tenant(q.tenant_id)).collect())
}

#[derive(Serialize)]
struct QueueRow {
    id: i64,
    name: String,
    channel: String,
    tenant: String,
    history_rows: i64,
    history_to: Option<String>,
}

async fn home(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner");
    let queues = visible_queues(&state, &user).await?;
    let tenants: HashMap<i64, String> = state.store.list_tenants().await?.into_iter().map(|t| (t.id, t.name)).collect();
    let summary: HashMap<i64, ccops_store::HistorySummary> =
        state.store.history_summary().await?.into_iter().map(|s| (s.queue_id, s)).collect();
    let rows: Vec<QueueRow> = queues
        .iter()
        .map(|q| {
            let s = summary.get(&q.id);
            QueueRow {
                id: q.id,
                name: q.name.clone(),
                channel: q.channel.clone(),
                tenant: q.tenant_id.and_then(|t| tenants.get(&t).cloned()).unwrap_or_else(|| "–".into()),
                history_rows: s.map_or(0, |s| s.intervals),
                history_to: s.and_then(|s| s.last).map(|t| local(t, queue_tz(q)).format("%Y-%m-%d %H:%M").to_string()),
            }
        })
        .collect();
    let pending = if user.has(APPROVERS) {
        state.store.list_requests(&RequestFilter { tenant_id: user.tenant_scope(), status: Some("pending".into()), ..Default::default() }).await?.len()
    } else {
        0
    };
    page.render("planner/home.html", "planner.home.title", context! { queues => super::render::value(&rows), pending }, vec![])
}

// ---- history upload ---------------------------------------------------------------------------

#[derive(Serialize, Default)]
struct UploadResult {
    file: String,
    rows: usize,
    errors: Vec<UploadError>,
    more_errors: usize,
}

#[derive(Serialize)]
struct UploadError {
    line: u64,
    column: Option<String>,
    reason: String,
}

impl From<&ccops_formats::FormatError> for UploadError {
    fn from(e: &ccops_formats::FormatError) -> Self {
        UploadError { line: e.line, column: e.column.clone(), reason: e.reason.clone() }
    }
}

/// At most this many errors are listed; the rest are counted.
const MAX_LISTED_ERRORS: usize = 200;

async fn history_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let tz = center_tz(&state, user.tenant_scope()).await;
    let page = Page::new(&headers, Some(&user), "/planner/history");
    page.render("planner/history.html", "history.title", context! { tz => tz.name(), result => () }, vec![])
}

/// Parse and validate an uploaded history CSV, map queue codes, and import it in one
/// transaction. Any error rejects the whole file and lists every problem with its line.
pub async fn import_history_csv(
    state: &AppState,
    user: &CurrentUser,
    file: &str,
    bytes: &[u8],
    tz: &str,
) -> Result<usize, Vec<ccops_formats::FormatError>> {
    use ccops_formats::history::{read_history, validate, Severity, Zone};
    use ccops_formats::FormatError;
    let zone = Zone::parse(tz).map_err(|e| vec![FormatError::new(file, 0, Some("tz"), e)])?;
    let parsed = read_history(bytes, file, Some(&zone)).map_err(|e| vec![e])?;
    let mut errors: Vec<FormatError> =
        validate(&parsed, Some(&zone)).into_iter().filter(|i| i.severity == Severity::Error).map(|i| i.error).collect();
    let queues = state.store.list_queues(user.tenant_scope()).await.map_err(|e| vec![FormatError::new(file, 0, None, e.to_string())])?;
    let by_code: HashMap<&str, &Queue> = queues.iter().map(|q| (q.code.as_str(), q)).collect();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for r in &parsed.rows {
        let Some(q) = by_code.get(r.queue.as_str()).filter(|q| user.can_see_tenant(q.tenant_id)) else {
            errors.push(FormatError::new(file, r.line, Some("queue"), format!("unknown queue `{}`", r.queue)));
            continue;
        };
        match zone.from_local(r.local) {
            Ok(t) => rows.push(ccops_store::HistoryRow {
                queue_id: q.id,
                interval_start: t.with_timezone(&Utc),
                interval_minutes: q.interval_minutes,
                offered: r.offered,
                handled: r.handled,
                abandoned: r.abandoned,
                aht_seconds: r.aht_seconds,
            }),
            Err(e) => errors.push(FormatError::new(file, r.line, Some("interval_start"), e)),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![FormatError::new(file, 0, None, "no data rows")]);
    }
    state.store.import_history(file, &rows, Some(user.user_id)).await.map_err(|e| vec![FormatError::new(file, 0, None, e.to_string())])?;
    Ok(rows.len())
}

async fn history_upload(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, mut form: Multipart) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner/history");
    let (mut csrf, mut tz, mut file, mut bytes) = (String::new(), String::from("Asia/Shanghai"), String::from("upload.csv"), Vec::new());
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "tz" => tz = field.text().await.unwrap_or_default(),
            "file" => {
                file = field.file_name().filter(|f| !f.is_empty()).unwrap_or("upload.csv").to_string();
                bytes = field.bytes().await.map_err(|e| UiError::bad_input(e.to_string()).in_lang(page.lang))?.to_vec();
            }
            _ => {}
        }
    }
    check_csrf(&user, &csrf).map_err(|e| e.in_lang(page.lang))?;
    let result = match import_history_csv(&state, &user, &file, &bytes, &tz).await {
        Ok(rows) => UploadResult { file, rows, ..Default::default() },
        Err(errs) => UploadResult {
            file,
            rows: 0,
            more_errors: errs.len().saturating_sub(MAX_LISTED_ERRORS),
            errors: errs.iter().take(MAX_LISTED_ERRORS).map(UploadError::from).collect(),
        },
    };
    let status = if result.errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let mut resp = page.render("planner/history.html", "history.title", context! { tz, result => super::render::value(&result) }, vec![])?;
    *resp.status_mut() = status;
    Ok(resp)
}

// ---- forecast -------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ForecastQuery {
    queue: Option<i64>,
    from: Option<String>,
    days: Option<u32>,
    job: Option<i64>,
}

/// Sum 15-minute points into `minutes`-long buckets (keeps long charts readable).
fn bucket(points: &[Point], minutes: i64) -> Vec<Point> {
    let mut out: BTreeMap<NaiveDateTime, f64> = BTreeMap::new();
    for (t, v) in points {
        let secs = t.and_utc().timestamp();
        let start = secs - secs.rem_euclid(minutes * 60);
        if let Some(k) = DateTime::from_timestamp(start, 0) {
            *out.entry(k.naive_utc()).or_default() += v;
        }
    }
    out.into_iter().collect()
}

#[derive(Serialize)]
struct ForecastMeta {
    id: i64,
    version: i64,
    model: String,
    created_at: String,
    wape: Option<String>,
}

#[derive(Serialize)]
struct AdjustmentRow {
    start: String,
    end: String,
    percent: String,
    reason: String,
    by: String,
}

async fn forecast_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<ForecastQuery>) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner/forecast");
    let queues = visible_queues(&state, &user).await?;
    let Some(queue) = q.queue.and_then(|id| queues.iter().find(|x| x.id == id)).or(queues.first()) else {
        return page.render("planner/forecast.html", "forecast.title", context! { queues => Vec::<()>::new(), chart => "" }, vec![]);
    };
    let tz = queue_tz(queue);
    let latest = state.store.list_forecasts(Some(queue.id)).await?.into_iter().next();
    let default_from = latest.as_ref().map_or(today(tz) - Duration::days(14), |f| local(f.horizon_start, tz).date() - Duration::days(7));
    let from = parse_date(q.from.as_deref()).unwrap_or(default_from);
    let days = q.days.unwrap_or(if latest.is_some() { 21 } else { 14 }).clamp(1, 62);
    let (a, b) = (day_start(from, tz), day_start(from + Duration::days(i64::from(days)), tz));
    let history: Vec<Point> =
        state.store.history(queue.id, Some(a), Some(b)).await?.into_iter().map(|h| (local(h.interval_start, tz), h.offered)).collect();
    let mut points = Vec::new();
    let mut holidays: BTreeMap<NaiveDate, String> = BTreeMap::new();
    let (mut meta, mut adjustments) = (None, Vec::new());
    if let Some(f) = &latest {
        for i in state.store.forecast_intervals(f.id).await? {
            if i.interval_start < a || i.interval_start >= b {
                continue;
            }
            let at = local(i.interval_start, tz);
            if let Some(h) = &i.holiday {
                holidays.entry(at.date()).or_insert_with(|| h.clone());
            }
            points.push(ForecastPoint { at, value: i.volume, p10: i.volume_lower, p90: i.volume_upper, adjusted: i.adjusted_volume });
        }
        let wape = f
            .accuracy
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|v| v.get("wape").and_then(|w| w.as_f64()))
            .map(|w| format!("{:.1} %", w * 100.0));
        meta = Some(ForecastMeta {
            id: f.id,
            version: f.version,
            model: f.model.clone(),
            created_at: local(f.created_at, tz).format("%Y-%m-%d %H:%M").to_string(),
            wape,
        });
        let users: HashMap<i64, String> = state.store.list_users(None).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
        adjustments = state
            .store
            .list_adjustments(f.id)
            .await?
            .into_iter()
            .map(|x| AdjustmentRow {
                start: local(x.from_ts, tz).format("%Y-%m-%d %H:%M").to_string(),
                end: local(x.to_ts, tz).format("%Y-%m-%d %H:%M").to_string(),
                percent: x.volume_factor.map_or_else(|| "–".into(), |v| format!("{:+.0}", (v - 1.0) * 100.0)),
                reason: x.reason,
                by: x.created_by.and_then(|u| users.get(&u).cloned()).unwrap_or_default(),
            })
            .collect();
    }
    // Beyond a week, 15-minute lines blur into a band: show hourly sums instead.
    let (history, points) = if days > 7 { (bucket(&history, 60), bucket_forecast(&points)) } else { (history, points) };
    let labels = ForecastLabels {
        history: page.t("legend.history"),
        forecast: page.t("legend.forecast"),
        band: page.t("legend.band"),
        adjusted: page.t("legend.adjusted"),
    };
    let holidays: Vec<Holiday> =
        holidays.into_iter().map(|(date, name)| Holiday { makeup_workday: name.contains("调休") || name.contains("makeup"), date, name }).collect();
    let chart = charts::forecast_chart(&history, &points, &holidays, &labels, 1100, 320);
    let start_default = latest.as_ref().map(|f| local(f.horizon_start, tz)).unwrap_or_else(|| from.and_hms_opt(9, 0, 0).unwrap_or_default());
    let job = match q.job {
        Some(id) => job_view(&state, &user, id).await.ok(),
        None => None,
    };
    page.render(
        "planner/forecast.html",
        "forecast.title",
        context! {
            queues => queue_options(&queues), queue_id => queue.id, from => from.to_string(), days,
            forecast => super::render::value(&meta), chart, adjustments => super::render::value(&adjustments),
            adjust_start => (start_default + Duration::hours(0)).format("%Y-%m-%dT%H:%M").to_string(),
            adjust_end => (start_default + Duration::hours(3)).format("%Y-%m-%dT%H:%M").to_string(),
            job => super::render::value(&job),
        },
        vec![],
    )
}

fn bucket_forecast(points: &[ForecastPoint]) -> Vec<ForecastPoint> {
    let v = bucket(&points.iter().map(|p| (p.at, p.value)).collect::<Vec<_>>(), 60);
    let lo = bucket(&points.iter().filter_map(|p| Some((p.at, p.p10?))).collect::<Vec<_>>(), 60);
    let hi = bucket(&points.iter().filter_map(|p| Some((p.at, p.p90?))).collect::<Vec<_>>(), 60);
    let adj = bucket(&points.iter().map(|p| (p.at, p.adjusted.unwrap_or(p.value))).collect::<Vec<_>>(), 60);
    let any_adj = points.iter().any(|p| p.adjusted.is_some());
    let find = |s: &[Point], t: NaiveDateTime| s.binary_search_by(|p| p.0.cmp(&t)).ok().map(|i| s[i].1);
    v.iter()
        .map(|(t, val)| ForecastPoint {
            at: *t,
            value: *val,
            p10: find(&lo, *t),
            p90: find(&hi, *t),
            adjusted: if any_adj { find(&adj, *t).filter(|a| (a - val).abs() > 1e-9) } else { None },
        })
        .collect()
}

#[derive(Serialize)]
struct QueueOption {
    id: i64,
    name: String,
}

fn queue_options(queues: &[Queue]) -> minijinja::Value {
    super::render::value(&queues.iter().map(|q| QueueOption { id: q.id, name: q.name.clone() }).collect::<Vec<_>>())
}

#[derive(Deserialize)]
struct AdjustForm {
    csrf: String,
    queue: i64,
    forecast: i64,
    start: String,
    end: String,
    percent: f64,
    #[serde(default)]
    reason: String,
}

async fn forecast_adjust(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<AdjustForm>) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let queue = state.store.get_queue(f.queue).await?;
    user.check_tenant(queue.tenant_id).map_err(|_| UiError::forbidden().in_lang(lang))?;
    let forecast = state.store.get_forecast(f.forecast).await?;
    if forecast.queue_id != queue.id {
        return Err(UiError::bad_input("forecast does not belong to the queue").in_lang(lang));
    }
    let tz = queue_tz(&queue);
    let (Some(s), Some(e)) = (parse_local_dt(&f.start), parse_local_dt(&f.end)) else {
        return Err(UiError::bad_input("start/end").in_lang(lang));
    };
    if e <= s || !f.percent.is_finite() || f.percent <= -100.0 || f.percent > 1000.0 {
        return Err(UiError::bad_input("end must be after start; change between -100 % and +1000 %").in_lang(lang));
    }
    let adj = NewAdjustment {
        from_ts: to_utc(s, tz),
        to_ts: to_utc(e, tz),
        volume_factor: Some(1.0 + f.percent / 100.0),
        volume_set: None,
        aht_factor: None,
        reason: f.reason,
    };
    state.store.adjust_forecast(forecast.id, &adj, &user.actor()).await?;
    // A week around the change, at 15-minute resolution, so the adjusted line is visible.
    Ok(see_other(&format!("/planner/forecast?queue={}&from={}&days=7", queue.id, (s.date() - Duration::days(1)))))
}

#[derive(Deserialize)]
struct RunForecastForm {
    csrf: String,
    queue: i64,
    #[serde(default = "default_horizon")]
    horizon_days: i64,
}

fn default_horizon() -> i64 {
    28
}

async fn forecast_run(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<RunForecastForm>) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let queue = state.store.get_queue(f.queue).await?;
    user.check_tenant(queue.tenant_id).map_err(|_| UiError::forbidden().in_lang(lang))?;
    let run = ForecastRun { queue_ids: Some(vec![queue.id]), start: None, days: f.horizon_days.clamp(1, 120) as usize };
    let job = start_forecast_job(&state, &user, run).await.map_err(|e| UiError::from(e).in_lang(lang).for_request(&headers))?;
    job_started(&state, &headers, &user, job, &format!("/planner/forecast?queue={}", queue.id)).await
}

// ---- jobs -------------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct JobView {
    id: i64,
    kind: String,
    state: String,
    percent: i64,
    running: bool,
    message: String,
    result_href: Option<String>,
}

/// Where a finished job's result is shown, from its JSON result.
fn result_href(job: &Job) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(job.result.as_deref()?).ok()?;
    if let Some(r) = v.get("roster_id").and_then(|x| x.as_i64()) {
        return Some(format!("/planner/roster?roster={r}"));
    }
    let first_forecast = v.get("forecasts").and_then(|f| f.get(0));
    if let Some(q) = first_forecast.and_then(|f| f.get("queue_id")).and_then(|x| x.as_i64()) {
        return Some(format!("/planner/forecast?queue={q}"));
    }
    None
}

fn to_view(job: &Job) -> JobView {
    let running = matches!(job.status.as_str(), "queued" | "running");
    JobView {
        id: job.id,
        kind: job.kind.clone(),
        state: job.status.clone(),
        percent: (job.progress.clamp(0.0, 1.0) * 100.0).round() as i64,
        running,
        message: job.error.clone().unwrap_or_else(|| job.message.clone()),
        result_href: if job.status == "done" { result_href(job) } else { None },
    }
}

async fn job_view(state: &AppState, user: &CurrentUser, id: i64) -> UiResult<JobView> {
    let job = state.store.get_job(id).await?;
    if !user.can_see_tenant(job.tenant_id) {
        return Err(UiError::forbidden());
    }
    Ok(to_view(&job))
}

/// After starting a job: the progress fragment for htmx, else back to the page showing it.
async fn job_started(state: &AppState, headers: &HeaderMap, user: &CurrentUser, job: Job, page_path: &str) -> UiResult {
    if headers.contains_key("hx-request") {
        return job_fragment_response(headers, user, &to_view(&job));
    }
    let _ = state;
    let sep = if page_path.contains('?') { '&' } else { '?' };
    Ok(see_other(&format!("{page_path}{sep}job={}", job.id)))
}

fn job_fragment_response(headers: &HeaderMap, user: &CurrentUser, job: &JobView) -> UiResult {
    let page = Page::new(headers, Some(user), "");
    let html = super::render::render(
        "planner/job.html",
        context! { lang => page.lang.code(), job => super::render::value(job), csrf => user.csrf_token.clone() },
    )?;
    Ok(Html(html).into_response())
}

async fn job_fragment(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Path(id): Path<i64>) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let view = job_view(&state, &user, id).await?;
    job_fragment_response(&headers, &user, &view)
}

async fn job_cancel(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Path(id): Path<i64>) -> UiResult {
    require(&user, PLANNING, &headers)?;
    // htmx sends the CSRF header, which the CurrentUser extractor has verified.
    let job = state.store.get_job(id).await?;
    if !user.can_see_tenant(job.tenant_id) {
        return Err(UiError::forbidden());
    }
    state.store.request_job_cancel(id).await?;
    let view = job_view(&state, &user, id).await?;
    job_fragment_response(&headers, &user, &view)
}

// ---- staffing ---------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct StaffingQuery {
    date: Option<String>,
    days: Option<u32>,
}

#[derive(Serialize)]
struct QueueCurve {
    id: String,
    name: String,
    channel: String,
    chart: String,
    peak_required: String,
    /// "–" when the roster does not say which queue an agent works.
    short_intervals: String,
    short_bad: bool,
    required_hours: String,
    scheduled_hours: String,
}

/// Required agents per interval for each visible queue (latest staffing plan), in `[a, b)`.
async fn required_by_queue(
    state: &AppState,
    queues: &[Queue],
    a: DateTime<Utc>,
    b: DateTime<Utc>,
) -> UiResult<Vec<(Queue, Vec<(DateTime<Utc>, f64)>)>> {
    let plans = state.store.latest_staffing_plans().await?;
    let mut out = Vec::new();
    for q in queues {
        let Some(plan) = plans.iter().find(|p| p.queue_id == q.id) else { continue };
        let req: Vec<_> = state
            .store
            .staffing_intervals(plan.id)
            .await?
            .into_iter()
            .filter(|i| i.interval_start >= a && i.interval_start < b)
            .map(|i| (i.interval_start, i.required))
            .collect();
        out.push((q.clone(), req));
    }
    Ok(out)
}

/// Segments of the roster in force for `[a, b)`: published ones, else the newest draft that
/// covers the window (so a planner sees coverage before publishing). Tenant-scoped.
async fn roster_in_force(state: &AppState, user: &CurrentUser, a: DateTime<Utc>, b: DateTime<Utc>) -> UiResult<Vec<Segment>> {
    let agents: Vec<Agent> = state.store.list_agents(user.tenant_scope()).await?;
    let mine: std::collections::HashSet<i64> = agents.iter().map(|x| x.id).collect();
    let mut segs = state.store.published_segments(None, a, b).await?;
    if segs.is_empty() {
        if let Some(r) = state.store.list_rosters(user.tenant_scope()).await?.into_iter().find(|r| r.period_start < b && r.period_end > a) {
            segs = state.store.roster_segments(r.id, None, user.tenant_scope()).await?;
            segs.retain(|s| s.end_at > a && s.start_at < b);
        }
    }
    segs.retain(|s| mine.contains(&s.agent_id));
    Ok(segs)
}

fn hours(series: &[(DateTime<Utc>, f64)], step_minutes: i64) -> String {
    // `+ 0.0` turns the empty sum's −0 into 0.
    format!("{:.0}", series.iter().map(|p| p.1).sum::<f64>() * step_minutes as f64 / 60.0 + 0.0)
}

async fn staffing_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<StaffingQuery>) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner/staffing");
    let queues = visible_queues(&state, &user).await?;
    let tz = center_tz(&state, user.tenant_scope()).await;
    let plans = state.store.latest_staffing_plans().await?;
    // Default day: the first day of the newest plan (what was just computed), else today.
    let mut default_day = today(tz);
    if let Some(p) = plans.iter().find(|p| queues.iter().any(|q| q.id == p.queue_id)) {
        if let Some(first) = state.store.staffing_intervals(p.id).await?.first() {
            default_day = local(first.interval_start, tz).date().max(today(tz).min(default_day));
        }
    }
    let date = parse_date(q.date.as_deref()).unwrap_or(default_day);
    let days = q.days.unwrap_or(1).clamp(1, 14);
    let (a, b) = (day_start(date, tz), day_start(date + Duration::days(i64::from(days)), tz));
    let required = required_by_queue(&state, &queues, a, b).await?;
    let segs = roster_in_force(&state, &user, a, b).await?;
    let per_queue_known = segs.iter().any(|s| s.queue_id.is_some());
    let (la, lb) = (local(a, tz), local(b, tz));
    let labels = (page.t("legend.required"), page.t("legend.scheduled"));
    let mut curves = Vec::new();
    let curve = |id: String, name: String, channel: String, req: &[(DateTime<Utc>, f64)], sch: &[(DateTime<Utc>, f64)], step: i64| {
        let short = req.iter().zip(sch).filter(|(r, s)| s.1 + 1e-9 < r.1).count();
        let known = !sch.is_empty();
        QueueCurve {
            id,
            name,
            channel,
            chart: charts::coverage_chart(&views::to_local(req, a, b, tz), &views::to_local(sch, a, b, tz), la, lb, (&labels.0, &labels.1), 1100, 200),
            peak_required: format!("{:.1}", req.iter().map(|p| p.1).fold(0.0, f64::max)),
            short_intervals: if known { short.to_string() } else { "–".into() },
            short_bad: known && short > 0,
            required_hours: hours(req, step),
            scheduled_hours: if known { hours(sch, step) } else { "–".into() },
        }
    };
    // All queues together first: the roster covers the center, agents are multi-skilled.
    if !required.is_empty() {
        let step = required.iter().map(|(q, _)| q.interval_minutes).min().unwrap_or(15);
        let total_req = views::sum_series(required.iter().map(|(_, r)| r.as_slice()));
        let total_sch = views::coverage_counts(&segs, a, b, step, |_| true);
        let req_aligned = align(&total_req, &total_sch);
        curves.push(curve("all".into(), page.t("staffing.all_queues"), String::new(), &req_aligned, &total_sch, step));
    }
    for (queue, req) in &required {
        let step = queue.interval_minutes;
        let sch = if per_queue_known {
            views::coverage_counts(&segs, a, b, step, |s| s.queue_id == Some(queue.id))
        } else {
            Vec::new()
        };
        let req_aligned = if sch.is_empty() { req.clone() } else { align(req, &sch) };
        curves.push(curve(queue.id.to_string(), queue.name.clone(), queue.channel.clone(), &req_aligned, &sch, step));
    }
    page.render(
        "planner/staffing.html",
        "staffing.title",
        context! { queues => super::render::value(&curves), date => date.to_string(), days, per_queue_known },
        vec![],
    )
}

/// `required` sampled at the interval starts of `grid`: a value holds for one step of its own
/// series (so a 30-minute plan fills a 15-minute grid) and is 0 where the plan has no interval.
fn align(required: &[(DateTime<Utc>, f64)], grid: &[(DateTime<Utc>, f64)]) -> Vec<(DateTime<Utc>, f64)> {
    let step = required.windows(2).map(|w| w[1].0 - w[0].0).filter(|d| *d > Duration::zero()).min().unwrap_or(Duration::minutes(15));
    grid.iter()
        .map(|(t, _)| {
            let v = match required.partition_point(|p| p.0 <= *t) {
                0 => 0.0,
                i if *t < required[i - 1].0 + step => required[i - 1].1,
                _ => 0.0,
            };
            (*t, v)
        })
        .collect()
}

// ---- roster -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct RosterQuery {
    roster: Option<i64>,
    date: Option<String>,
    job: Option<i64>,
}

#[derive(Serialize)]
struct RosterOption {
    id: i64,
    label: String,
}

#[derive(Serialize)]
struct RosterView {
    id: i64,
    label: String,
    status: String,
    from: String,
    to: String,
    agents: usize,
    created_by: String,
    export_href: String,
}

#[derive(Serialize)]
struct TeamView {
    name: String,
    agents: usize,
    gantt: String,
    coverage: String,
}

#[derive(Serialize)]
struct ActivityKey {
    name: &'static str,
    colour: &'static str,
}

fn roster_label(r: &Roster, tz: Tz, page: &Page) -> String {
    format!(
        "{} v{} · {} · {}",
        r.name,
        r.version,
        local(r.period_start, tz).format("%m-%d"),
        page.t(&format!("roster.status.{}", r.status))
    )
}

async fn roster_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<RosterQuery>) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner/roster");
    let tz = center_tz(&state, user.tenant_scope()).await;
    let rosters = state.store.list_rosters(user.tenant_scope()).await?;
    let chosen = q.roster.and_then(|id| rosters.iter().find(|r| r.id == id)).or(rosters.first());
    let options: Vec<RosterOption> = rosters.iter().map(|r| RosterOption { id: r.id, label: roster_label(r, tz, &page) }).collect();
    let job = match q.job {
        Some(id) => job_view(&state, &user, id).await.ok(),
        None => None,
    };
    // Next Monday: the usual start of the week being planned.
    let next_monday = views::week_start(today(tz)) + Duration::days(7);
    let mut ctx = context! {
        rosters => super::render::value(&options), job => super::render::value(&job),
        generate_from => next_monday.to_string(), date => "",
    };
    let Some(r) = chosen else {
        return page.render("planner/roster.html", "roster.title", ctx, vec![]);
    };
    if !user.can_see_tenant(r.tenant_id) && r.tenant_id.is_some() {
        return Err(UiError::forbidden().in_lang(page.lang));
    }
    let first_day = local(r.period_start, tz).date();
    let last_day = local(r.period_end - Duration::seconds(1), tz).date();
    let date = parse_date(q.date.as_deref()).filter(|d| *d >= first_day && *d <= last_day).unwrap_or(first_day);
    let (a, b) = (day_start(date, tz), day_start(date + Duration::days(1), tz));
    let all = state.store.roster_segments(r.id, None, user.tenant_scope()).await?;
    let agent_count = all.iter().map(|s| s.agent_id).collect::<std::collections::HashSet<_>>().len();
    let day: Vec<Segment> = all.into_iter().filter(|s| s.end_at > a && s.start_at < b).collect();
    let agents = state.store.list_agents(user.tenant_scope()).await?;
    let team_names: HashMap<i64, String> = state.store.list_teams().await?.into_iter().map(|t| (t.id, t.name)).collect();
    let (la, lb) = (local(a, tz), local(b, tz));
    let team_of: HashMap<i64, Option<i64>> = agents.iter().map(|x| (x.id, x.team_id)).collect();
    let heads_label = page.t("legend.scheduled");
    let teams: Vec<TeamView> = views::gantt_by_team(&day, &agents, tz)
        .into_iter()
        .map(|t| {
            let team_segs: Vec<Segment> = day.iter().filter(|s| team_of.get(&s.agent_id).copied().flatten() == t.team_id).cloned().collect();
            let heads = views::coverage_counts(&team_segs, a, b, 15, |_| true);
            TeamView {
                name: t.team_id.and_then(|id| team_names.get(&id).cloned()).unwrap_or_else(|| "–".into()),
                agents: t.rows.len(),
                gantt: charts::gantt(&t.rows, la, lb, 1100),
                coverage: charts::coverage_chart(&[], &views::to_local(&heads, a, b, tz), la, lb, ("", &heads_label), 1100, 90),
            }
        })
        .collect();
    // Whole-center coverage against the requirement, under the teams.
    let queues = visible_queues(&state, &user).await?;
    let required = required_by_queue(&state, &queues, a, b).await?;
    let total_sch = views::coverage_counts(&day, a, b, 15, |_| true);
    let total_req = align(&views::sum_series(required.iter().map(|(_, r)| r.as_slice())), &total_sch);
    let coverage = charts::coverage_chart(
        &views::to_local(&total_req, a, b, tz),
        &views::to_local(&total_sch, a, b, tz),
        la,
        lb,
        (&page.t("legend.required"), &heads_label),
        1100,
        180,
    );
    let users: HashMap<i64, String> = state.store.list_users(None).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let view = RosterView {
        id: r.id,
        label: roster_label(r, tz, &page),
        status: r.status.clone(),
        from: first_day.to_string(),
        to: last_day.to_string(),
        agents: agent_count,
        created_by: r.created_by.and_then(|u| users.get(&u).cloned()).unwrap_or_default(),
        export_href: format!("/planner/roster/{}/export.xlsx", r.id),
    };
    let day_links: Vec<(String, String, bool)> = (0..=(last_day - first_day).num_days().min(41))
        .map(|i| first_day + Duration::days(i))
        .map(|d| (d.to_string(), views::day_label(d, page.lang == super::i18n::Lang::Zh), d == date))
        .collect();
    let activities: Vec<ActivityKey> = ["work", "break", "lunch", "training", "meeting", "leave", "off"]
        .into_iter()
        .map(|name| ActivityKey { name, colour: charts::activity_colour(name) })
        .collect();
    // The page's own values first: in a merged context the first one that has a key wins.
    ctx = context! {
        ..context! {
            roster => super::render::value(&view), teams => super::render::value(&teams), coverage,
            date => date.to_string(), days => super::render::value(&day_links),
            activities => super::render::value(&activities), can_plan => user.has(PLANNING),
        },
        ..ctx
    };
    page.render("planner/roster.html", "roster.title", ctx, vec![])
}

#[derive(Deserialize)]
struct GenerateForm {
    csrf: String,
    from: String,
    #[serde(default = "default_roster_days")]
    days: i64,
    /// Local-search budget; the API's default when absent.
    #[serde(default)]
    max_moves: Option<u64>,
}

fn default_roster_days() -> i64 {
    7
}

async fn roster_generate(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<GenerateForm>) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let from = parse_date(Some(&f.from)).ok_or_else(|| UiError::bad_input("from").in_lang(lang))?;
    let run = ScheduleRun { start: from, days: f.days.clamp(1, 42) as usize, tenant_id: None, max_moves: f.max_moves.map(|m| m.clamp(1_000, 2_000_000)) };
    let job = start_schedule_job(&state, &user, run).await.map_err(|e| UiError::from(e).in_lang(lang).for_request(&headers))?;
    job_started(&state, &headers, &user, job, "/planner/roster").await
}

async fn roster_publish(state: State<AppState>, headers: HeaderMap, user: CurrentUser, id: Path<i64>, form: Form<super::CsrfForm>) -> UiResult {
    roster_status(state, headers, user, id, form, true).await
}

async fn roster_unpublish(state: State<AppState>, headers: HeaderMap, user: CurrentUser, id: Path<i64>, form: Form<super::CsrfForm>) -> UiResult {
    roster_status(state, headers, user, id, form, false).await
}

async fn roster_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<super::CsrfForm>,
    publish: bool,
) -> UiResult {
    require(&user, PLANNING, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let r = state.store.get_roster(id).await?;
    if r.tenant_id.is_some() && !user.can_see_tenant(r.tenant_id) {
        return Err(UiError::forbidden().in_lang(lang));
    }
    if publish {
        state.store.publish_roster(id, &user.actor()).await?;
    } else {
        state.store.unpublish_roster(id, &user.actor()).await?;
    }
    Ok(see_other(&format!("/planner/roster?roster={id}")))
}

/// The roster as an Excel workbook (built and audited by the API's exporter).
async fn roster_export(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Path(id): Path<i64>) -> UiResult {
    require(&user, PLAN_READERS, &headers)?;
    let (r, bytes) = roster_xlsx(&state, &user, id).await?;
    let name = format!("attachment; filename=\"roster-{}-v{}.xlsx\"", r.id, r.version);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

// ---- requests ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct RequestRow {
    id: i64,
    agent: String,
    kind: String,
    peer: Option<String>,
    start: String,
    end: String,
    note: String,
    status: String,
    decided_by: String,
    impact: ImpactView,
}

/// What the approver sees of a request's staffing impact (computed by the API).
#[derive(Serialize, Default, Debug, PartialEq)]
pub struct ImpactView {
    /// Intervals with a requirement inside the request window.
    pub intervals: usize,
    pub min_margin_before: String,
    pub min_margin_after: String,
    /// Intervals below requirement now, and if approved.
    pub short_before: usize,
    pub short_after: usize,
}

/// Agents as a short number: "2", "-1", "0.5".
fn margin(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{:.0}", v.round()) } else { format!("{v:.1}") }
}

impl ImpactView {
    pub fn from_impact(i: &Impact) -> Self {
        let min = |f: &dyn Fn(&crate::api::requests::ImpactInterval) -> f64| i.intervals.iter().map(f).reduce(f64::min).unwrap_or(0.0);
        ImpactView {
            intervals: i.intervals.len(),
            min_margin_before: margin(min(&|x| x.scheduled - x.required)),
            min_margin_after: margin(min(&|x| x.after - x.required)),
            short_before: i.intervals.iter().filter(|x| x.scheduled + 1e-9 < x.required).count(),
            short_after: i.intervals.iter().filter(|x| x.after + 1e-9 < x.required).count(),
        }
    }
}

async fn requests_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, APPROVERS, &headers)?;
    let page = Page::new(&headers, Some(&user), "/planner/requests");
    let tz = center_tz(&state, user.tenant_scope()).await;
    let all = state.store.list_requests(&RequestFilter { tenant_id: user.tenant_scope(), ..Default::default() }).await?;
    let names: HashMap<i64, String> = state.store.list_agents(user.tenant_scope()).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let users: HashMap<i64, String> = state.store.list_users(None).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let (mut pending, mut decided) = (Vec::new(), Vec::new());
    for r in all.iter().take(300) {
        let window = views::window_label(r.start_at, r.end_at, tz);
        let impact = if r.status == "pending" { ImpactView::from_impact(&compute_impact(&state, r).await?) } else { ImpactView::default() };
        let row = RequestRow {
            id: r.id,
            agent: names.get(&r.agent_id).cloned().unwrap_or_else(|| format!("#{}", r.agent_id)),
            kind: r.kind.clone(),
            peer: r.counterpart_agent_id.map(|p| names.get(&p).cloned().unwrap_or_else(|| format!("#{p}"))),
            start: window.0,
            end: window.1,
            note: r.reason.clone(),
            status: r.status.clone(),
            decided_by: if r.auto_approved { "auto".into() } else { r.decided_by.and_then(|u| users.get(&u).cloned()).unwrap_or_default() },
            impact,
        };
        if r.status == "pending" { pending.push(row) } else { decided.push(row) }
    }
    let auto = scheduling_settings(&state).await?.auto_approve;
    page.render(
        "planner/requests.html",
        "requests.title",
        context! { pending => super::render::value(&pending), decided => super::render::value(&decided), auto_approve => auto },
        vec![],
    )
}

#[derive(Deserialize)]
struct AutoForm {
    csrf: String,
    #[serde(default)]
    enabled: Option<String>,
}

async fn requests_auto(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<AutoForm>) -> UiResult {
    require(&user, PLANNING, &headers)?;
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(super::lang_of(&headers, Some(&user))))?;
    let on = f.enabled.is_some();
    state.store.set_setting(AUTO_APPROVE_SETTING, if on { "true" } else { "false" }).await?;
    state
        .store
        .audit(&user.actor(), "update", "setting", AUTO_APPROVE_SETTING, None, Some(serde_json::json!({ "enabled": on })))
        .await?;
    Ok(see_other("/planner/requests"))
}

async fn request_decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: CurrentUser,
    Path((id, decision)): Path<(i64, String)>,
    Form(f): Form<super::CsrfForm>,
) -> UiResult {
    require(&user, APPROVERS, &headers)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, &f.csrf).map_err(|e| e.in_lang(lang))?;
    let approve = match decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return Err(UiError::not_found().in_lang(lang)),
    };
    decide(&state, &user, id, approve, None).await.map_err(|e| UiError::from(e).in_lang(lang))?;
    Ok(see_other("/planner/requests"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 2, 16).and_then(|d| d.and_hms_opt(h, m, 0)).expect("time")
    }

    #[test]
    fn bucket_sums_into_hours() {
        let pts = vec![(t(9, 0), 1.0), (t(9, 15), 2.0), (t(9, 45), 3.0), (t(10, 0), 4.0)];
        assert_eq!(bucket(&pts, 60), vec![(t(9, 0), 6.0), (t(10, 0), 4.0)]);
    }

    #[test]
    fn align_samples_step_values() {
        let u = |h: u32, m: u32| to_utc(t(h, m), chrono_tz::UTC);
        let req = vec![(u(9, 0), 3.0), (u(10, 0), 5.0)];
        let grid = vec![(u(8, 45), 0.0), (u(9, 30), 0.0), (u(10, 15), 0.0), (u(11, 0), 0.0)];
        let a: Vec<f64> = align(&req, &grid).into_iter().map(|p| p.1).collect();
        assert_eq!(a, vec![0.0, 3.0, 5.0, 0.0], "the last value holds for one step of the plan, not for ever");
    }

    #[test]
    fn local_datetime_forms() {
        assert_eq!(parse_local_dt("2026-02-16T09:30"), Some(t(9, 30)));
        assert_eq!(parse_local_dt("2026-02-16 09:30"), Some(t(9, 30)));
        assert_eq!(parse_local_dt("yesterday"), None);
    }
}
