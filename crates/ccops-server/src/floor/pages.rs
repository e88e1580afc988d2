//! Floor pages and their JSON twins: live floor, adherence report, exceptions, intraday, alerts,
//! playbooks. Templates are `templates/floor*.html`, rendered in this module's own environment
//! around the site layout (`base.html`); texts in [`TEXTS`] fall back to the UI's table.

use super::{alerting, db, view};
use crate::auth::{CurrentUser, Role};
use crate::error::ApiError;
use crate::ui::i18n::{self, Lang};
use crate::ui::{UiError, UiResult, check_csrf, see_other};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use ccops_floor::{AlertCondition, AlertRule, ExceptionRequest, ExceptionStatus, PlaybookRun};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, context};
use serde::Deserialize;
use std::sync::LazyLock;

const SUPERVISORS: &[Role] = &[Role::Supervisor, Role::Planner];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/floor", get(floor_page))
        .route("/floor/static/{file}", get(static_file))
        .route("/api/v1/floor", get(api_snapshot))
        .route("/floor/adherence", get(adherence_page))
        .route("/api/v1/floor/adherence", get(api_adherence))
        .route("/floor/exceptions", get(exceptions_page).post(exception_request_form))
        .route("/floor/exceptions/{id}/decide", post(exception_decide_form))
        .route("/api/v1/floor/exceptions", get(api_exceptions).post(api_exception_request))
        .route("/api/v1/floor/exceptions/{id}/decision", post(api_exception_decide))
        .route("/floor/intraday", get(intraday_page))
        .route("/api/v1/floor/intraday", get(api_intraday))
        .route("/floor/alerts", get(alerts_page))
        .route("/floor/alerts/rules", post(rule_form))
        .route("/floor/alerts/evaluate", post(evaluate_form))
        .route("/floor/alerts/{id}/ack", post(ack_form))
        .route("/api/v1/floor/alerts", get(api_alerts))
        .route("/floor/playbooks", get(playbooks_page))
        .route("/floor/playbooks/launch", post(launch_form))
        .route("/floor/playbooks/runs/{id}/steps/{idx}", post(step_form))
}

/// Floor texts `(key, English, 中文)`, sorted by key.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("floor.ack", "Acknowledge", "确认"),
    ("floor.actual", "Actual", "实际"),
    ("floor.adherence", "Adherence", "遵时率"),
    ("floor.adherence_wo", "Without exceptions", "不含例外"),
    ("floor.agent", "Agent", "座席"),
    ("floor.alerts", "Alerts", "预警"),
    ("floor.approve", "Approve", "批准"),
    ("floor.assign", "Assign", "指派"),
    ("floor.conformance", "Conformance", "出勤符合率"),
    ("floor.date", "Date", "日期"),
    ("floor.decided", "Decided", "已处理"),
    ("floor.enabled", "Enabled", "启用"),
    ("floor.end", "End", "结束"),
    ("floor.evaluate", "Evaluate now", "立即评估"),
    ("floor.exceptions", "Exceptions", "例外申请"),
    ("floor.forecast", "Forecast", "预测"),
    ("floor.gap", "Gap", "缺口"),
    ("floor.in_adherence", "In adherence", "遵时"),
    ("floor.interval", "Interval", "时段"),
    ("floor.intraday", "Intraday", "日内监控"),
    ("floor.launch", "Launch playbook", "启动预案"),
    ("floor.live", "Live floor", "实时现场"),
    ("floor.logged_in", "Logged in", "已登录"),
    ("floor.no_alerts", "No alerts yet.", "暂无预警。"),
    ("floor.note", "Note", "备注"),
    ("floor.out_minutes", "Out (min)", "偏离(分钟)"),
    ("floor.out_of_adherence", "Out of adherence", "未遵时"),
    ("floor.playbooks", "Playbooks", "应急预案"),
    ("floor.reason", "Reason", "原因"),
    ("floor.reasons", "Reasons", "原因"),
    ("floor.reforecast", "Re-forecast", "重新预测"),
    ("floor.reject", "Reject", "驳回"),
    ("floor.request", "Request an exception", "申请例外"),
    ("floor.required", "Required", "需求"),
    ("floor.rules", "Alert rules", "预警规则"),
    ("floor.save", "Save", "保存"),
    ("floor.scheduled", "Scheduled", "排班"),
    ("floor.service_level", "Service level", "服务水平"),
    ("floor.site", "Site", "全场"),
    ("floor.staffed", "Staffed", "在岗"),
    ("floor.start", "Start", "开始"),
    ("floor.state", "State", "状态"),
    ("floor.status", "Status", "状态"),
    ("floor.step", "Step", "步骤"),
    ("floor.team", "Team", "班组"),
    ("floor.tick", "Done", "完成"),
    ("floor.time_in_state", "Time in state", "状态时长"),
    ("floor.webhook", "Webhook URL", "Webhook 地址"),
    ("nav.floor_adherence", "Adherence", "遵时"),
    ("nav.floor_alerts", "Alerts", "预警"),
    ("nav.floor_exceptions", "Exceptions", "例外"),
    ("nav.floor_intraday", "Intraday", "日内"),
    ("nav.floor_live", "Live floor", "现场"),
    ("nav.floor_playbooks", "Playbooks", "预案"),
    ("reason.absent", "Absent", "缺勤"),
    ("reason.early_logout", "Early logout", "早退"),
    ("reason.late_login", "Late login", "迟到登录"),
    ("reason.logged_out", "Logged out", "中途登出"),
    ("reason.long_break", "Long break", "休息超时"),
    ("reason.not_ready", "Not ready", "未就绪"),
    ("reason.unscheduled_acw", "Unscheduled ACW", "计划外话后处理"),
    ("reason.unscheduled_break", "Unscheduled break", "计划外休息"),
    ("reason.wrong_state", "Wrong state", "状态不符"),
    ("state.acw", "ACW", "话后处理"),
    ("state.break", "Break", "休息"),
    ("state.login", "Logged in", "已登录"),
    ("state.logout", "Logged out", "已登出"),
    ("state.lunch", "Lunch", "午餐"),
    ("state.meeting", "Meeting", "会议"),
    ("state.ready", "Ready", "就绪"),
    ("state.talking", "Talking", "通话"),
    ("state.training", "Training", "培训"),
];

fn text(lang: Lang, key: &str) -> String {
    match TEXTS.binary_search_by(|row| row.0.cmp(key)) {
        Ok(i) => (if lang == Lang::Zh { TEXTS[i].2 } else { TEXTS[i].1 }).to_string(),
        Err(_) => i18n::t(lang, key).to_string(),
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("floor.html", include_str!("../../templates/floor.html")),
    ("floor_adherence.html", include_str!("../../templates/floor_adherence.html")),
    ("floor_exceptions.html", include_str!("../../templates/floor_exceptions.html")),
    ("floor_intraday.html", include_str!("../../templates/floor_intraday.html")),
    ("floor_alerts.html", include_str!("../../templates/floor_alerts.html")),
    ("floor_playbooks.html", include_str!("../../templates/floor_playbooks.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    env.add_function("t", |state: &minijinja::State, key: &str| {
        let lang = state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::from_code)).unwrap_or(Lang::En);
        text(lang, key)
    });
    env.add_filter("urlencode", |s: &str| crate::ui::render::urlencode(s));
    env.add_filter("pct", |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{:.1}%", x * 100.0)));
    env.add_filter("num", |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{x:.1}")));
    env
});

/// The floor's sub-navigation, shown in the site header.
fn nav(path: &str, role: Role) -> Vec<minijinja::Value> {
    let mut items = vec![("nav.home", "/planner")];
    if role == Role::Agent {
        items = vec![("nav.my_schedule", "/agent"), ("nav.floor_exceptions", "/floor/exceptions")];
    } else {
        items.extend([
            ("nav.floor_live", "/floor"),
            ("nav.floor_adherence", "/floor/adherence"),
            ("nav.floor_exceptions", "/floor/exceptions"),
            ("nav.floor_intraday", "/floor/intraday"),
            ("nav.floor_alerts", "/floor/alerts"),
            ("nav.floor_playbooks", "/floor/playbooks"),
        ]);
    }
    items.into_iter().map(|(key, href)| context! { key, href, active => href == path }).collect()
}

fn render(headers: &HeaderMap, user: &CurrentUser, path: &str, template: &str, title_key: &str, extra: minijinja::Value) -> UiResult {
    let lang = crate::ui::lang_of(headers, Some(user));
    let base = context! {
        lang => lang.code(), lang_tag => lang.tag(), title => text(lang, title_key), path,
        user => context! { name => user.display_name.clone(), role => user.role.as_str(), tenant => user.tenant_id.map(|t| format!("#{t}")) },
        nav => nav(path, user.role), csrf => user.csrf_token.clone(), flash => Vec::<minijinja::Value>::new(),
    };
    let html = ENV
        .get_template(template)
        .and_then(|t| t.render(context! { ..extra, ..base }))
        .map_err(|e| UiError::from(e).in_lang(lang))?;
    Ok(Html(html).into_response())
}

fn require(user: &CurrentUser, roles: &[Role]) -> Result<(), UiError> {
    user.require(roles).map_err(|_| UiError::forbidden())
}

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "floor.js" => (include_str!("../../static/floor.js"), "text/javascript; charset=utf-8"),
        "floor.css" => (include_str!("../../static/floor.css"), "text/css; charset=utf-8"),
        _ => return (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=300")], body).into_response()
}

#[derive(Deserialize, Default)]
struct DayQuery {
    date: Option<NaiveDate>,
    team: Option<String>,
}

/// The center's zone, the day asked for (default today), its bounds and "until" (now for today).
async fn day_of(state: &AppState, user: &CurrentUser, date: Option<NaiveDate>) -> (Tz, NaiveDate, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let tz = crate::ui::center_tz(state, user.tenant_scope()).await;
    let date = date.unwrap_or_else(|| crate::ui::today(tz));
    let (from, to) = view::day_bounds(tz, date);
    let until = Utc::now().clamp(from, to);
    (tz, date, from, to, until)
}

fn hm(tz: Tz, t_ms: i64) -> String {
    db::from_ms(t_ms).with_timezone(&tz).format("%H:%M").to_string()
}

// ---------- live floor ----------

async fn api_snapshot(State(state): State<AppState>, user: CurrentUser) -> Result<Json<view::Snapshot>, ApiError> {
    user.require(SUPERVISORS)?;
    super::start_background(&state);
    let (_, _, from, to, _) = day_of(&state, &user, None).await;
    Ok(Json(view::snapshot(&state, user.tenant_scope(), from, to, Utc::now()).await?))
}

async fn floor_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, SUPERVISORS)?;
    super::start_background(&state);
    let (tz, date, from, to, _) = day_of(&state, &user, None).await;
    let snap = view::snapshot(&state, user.tenant_scope(), from, to, Utc::now()).await?;
    // Embedded in <script>: escape `<` so no agent name can close the element.
    let snapshot_json = serde_json::to_string(&snap).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c");
    let lang = crate::ui::lang_of(&headers, Some(&user));
    let labels: std::collections::BTreeMap<String, String> = ccops_floor::AgentState::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), text(lang, &format!("state.{}", s.as_str()))))
        .collect();
    render(
        &headers,
        &user,
        "/floor",
        "floor.html",
        "floor.live",
        context! { snapshot_json, tz => tz.name(), tz_json => serde_json::to_string(tz.name()).unwrap_or_default().replace('<', "\\u003c"), date => date.to_string(), labels_json => serde_json::to_string(&labels).unwrap_or_default().replace('<', "\\u003c"),
                   teams => crate::ui::render::value(&snap.teams), site => crate::ui::render::value(&snap.site) },
    )
}

// ---------- adherence ----------

async fn api_adherence(State(state): State<AppState>, user: CurrentUser, Query(q): Query<DayQuery>) -> Result<Json<view::AdherenceReport>, ApiError> {
    user.require(SUPERVISORS)?;
    let (_, _, from, _, until) = day_of(&state, &user, q.date).await;
    Ok(Json(view::adherence_report(&state, user.tenant_scope(), from, until, q.team.as_deref()).await?))
}

async fn adherence_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<DayQuery>) -> UiResult {
    require(&user, SUPERVISORS)?;
    let (tz, date, from, _, until) = day_of(&state, &user, q.date).await;
    let report = view::adherence_report(&state, user.tenant_scope(), from, until, q.team.as_deref()).await?;
    let agents: Vec<minijinja::Value> = report
        .agents
        .iter()
        .map(|a| {
            let violations: Vec<minijinja::Value> = a
                .violations
                .iter()
                .map(|v| context! { from => hm(tz, v.start_ms), to => hm(tz, v.end_ms), reason => v.reason.clone(), state => v.state.clone(), activity => v.activity.clone(), minutes => format!("{:.0}", v.minutes), excepted => v.excepted })
                .collect();
            context! { a => crate::ui::render::value(a), violations }
        })
        .collect();
    render(&headers, &user, "/floor/adherence", "floor_adherence.html", "floor.adherence",
        context! { date => date.to_string(), team => q.team, agents, report => crate::ui::render::value(&report) })
}

// ---------- exceptions ----------

#[derive(Deserialize)]
struct ExceptionInput {
    /// Agent code; agents may only request for themselves (defaults to their own).
    #[serde(default)]
    agent: Option<String>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reason: String,
}

/// The agent code of a user linked to an agent.
async fn own_code(state: &AppState, user: &CurrentUser) -> Option<String> {
    let id = user.agent_id?;
    state.store.get_agent(id).await.ok().map(|a| a.code)
}

async fn request_exception(state: &AppState, user: &CurrentUser, input: ExceptionInput) -> Result<db::ExceptionRow, ApiError> {
    let own = own_code(state, user).await;
    let agent = match (user.role, input.agent, own) {
        (Role::Agent, Some(a), Some(o)) if a != o => return Err(ApiError::forbidden()),
        (Role::Agent, _, Some(o)) => o,
        (Role::Agent, _, None) => return Err(ApiError::bad_request("your account is not linked to an agent")),
        (_, Some(a), _) if user.has(SUPERVISORS) => a,
        (_, None, Some(o)) => o,
        _ => return Err(ApiError::bad_request("which agent?")),
    };
    let req = ExceptionRequest::new(&agent, input.start, input.end, &input.reason).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(db::create_exception(&state.store, &req, &user.actor()).await?)
}

async fn decide_exception(state: &AppState, user: &CurrentUser, id: i64, approve: bool) -> Result<db::ExceptionRow, ApiError> {
    user.require(SUPERVISORS)?;
    let row = db::get_exception(&state.store, id).await?;
    // The workflow rules (pending only, never one's own) live in the engine.
    let mut req = ExceptionRequest {
        agent_id: row.agent_code.clone(),
        start: db::from_ms(row.start_ms),
        end: db::from_ms(row.end_ms),
        reason: row.reason.clone(),
        status: match row.status.as_str() {
            "approved" => ExceptionStatus::Approved,
            "rejected" => ExceptionStatus::Rejected,
            _ => ExceptionStatus::Pending,
        },
        decided_by: None,
        decided_at: None,
    };
    let me = own_code(state, user).await.unwrap_or_else(|| user.username.clone());
    req.decide(approve, &me, Utc::now()).map_err(|e| ApiError::new(axum::http::StatusCode::CONFLICT, e.to_string()))?;
    Ok(db::decide_exception(&state.store, id, req.status, &user.actor()).await?)
}

async fn api_exception_request(State(state): State<AppState>, user: CurrentUser, Json(input): Json<ExceptionInput>) -> Result<Json<db::ExceptionRow>, ApiError> {
    Ok(Json(request_exception(&state, &user, input).await?))
}

#[derive(Deserialize)]
struct Decision {
    approve: bool,
}

async fn api_exception_decide(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Json(d): Json<Decision>) -> Result<Json<db::ExceptionRow>, ApiError> {
    Ok(Json(decide_exception(&state, &user, id, d.approve).await?))
}

async fn visible_exceptions(state: &AppState, user: &CurrentUser, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<db::ExceptionRow>, ApiError> {
    let agent = if user.role == Role::Agent { Some(own_code(state, user).await.ok_or_else(ApiError::forbidden)?) } else { None };
    Ok(db::list_exceptions(&state.store, agent.as_deref(), None, from, until).await?)
}

async fn api_exceptions(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<db::ExceptionRow>>, ApiError> {
    let now = Utc::now();
    Ok(Json(visible_exceptions(&state, &user, now - chrono::Duration::days(31), now + chrono::Duration::days(31)).await?))
}

async fn exceptions_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    let tz = crate::ui::center_tz(&state, user.tenant_scope()).await;
    let now = Utc::now();
    let rows = visible_exceptions(&state, &user, now - chrono::Duration::days(31), now + chrono::Duration::days(31)).await?;
    let fmt = |m: i64| db::from_ms(m).with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let items: Vec<minijinja::Value> = rows
        .iter()
        .map(|r| context! { id => r.id, agent => r.agent_code.clone(), start => fmt(r.start_ms), end => fmt(r.end_ms), reason => r.reason.clone(),
                           status => r.status.clone(), requested_by => r.requested_by.clone(), decided_by => r.decided_by.clone() })
        .collect();
    let local_now = now.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string();
    render(&headers, &user, "/floor/exceptions", "floor_exceptions.html", "floor.exceptions",
        context! { items, can_decide => user.has(SUPERVISORS), is_agent => user.role == Role::Agent, local_now, tz => tz.name() })
}

#[derive(Deserialize)]
struct ExceptionForm {
    csrf: String,
    #[serde(default)]
    agent: Option<String>,
    start: String,
    end: String,
    reason: String,
}

/// A `datetime-local` value in the center's zone.
fn local_time(tz: Tz, s: &str) -> Result<DateTime<Utc>, UiError> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").map_err(|_| UiError::bad_input(format!("`{s}` is not a date and time")))?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| UiError::bad_input(format!("`{s}` does not exist in {tz}")))
}

async fn exception_request_form(State(state): State<AppState>, user: CurrentUser, Form(f): Form<ExceptionForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    let tz = crate::ui::center_tz(&state, user.tenant_scope()).await;
    let input = ExceptionInput { agent: f.agent.filter(|a| !a.trim().is_empty()), start: local_time(tz, &f.start)?, end: local_time(tz, &f.end)?, reason: f.reason };
    request_exception(&state, &user, input).await?;
    Ok(see_other("/floor/exceptions"))
}

#[derive(Deserialize)]
struct DecideForm {
    csrf: String,
    approve: String,
}

async fn exception_decide_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    decide_exception(&state, &user, id, f.approve == "1" || f.approve == "true").await?;
    Ok(see_other("/floor/exceptions"))
}

// ---------- intraday ----------

async fn api_intraday(State(state): State<AppState>, user: CurrentUser, Query(q): Query<DayQuery>) -> Result<Json<Vec<view::IntradayQueue>>, ApiError> {
    user.require(SUPERVISORS)?;
    let (_, _, from, to, _) = day_of(&state, &user, q.date).await;
    Ok(Json(view::intraday(&state, from, to, Utc::now()).await?))
}

async fn intraday_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Query(q): Query<DayQuery>) -> UiResult {
    require(&user, SUPERVISORS)?;
    let (tz, date, from, to, _) = day_of(&state, &user, q.date).await;
    let now = Utc::now();
    let queues = view::intraday(&state, from, to, now).await?;
    let queues: Vec<minijinja::Value> = queues
        .iter()
        .map(|q| {
            let rows: Vec<minijinja::Value> = q
                .rows
                .iter()
                .map(|r| context! { at => hm(tz, r.start_ms), f => crate::ui::render::value(&r.facts), sl => r.service_level, gap => r.gap, future => r.start_ms >= db::ms(now) })
                .collect();
            context! { queue => q.queue.clone(), rows }
        })
        .collect();
    render(&headers, &user, "/floor/intraday", "floor_intraday.html", "floor.intraday", context! { date => date.to_string(), queues })
}

// ---------- alerts ----------

async fn api_alerts(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Vec<db::AlertRow>>, ApiError> {
    user.require(SUPERVISORS)?;
    super::start_background(&state);
    let since = db::ms(Utc::now() - chrono::Duration::hours(24));
    Ok(Json(db::recent_alerts(&state.store, since, 200).await?))
}

async fn alerts_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, SUPERVISORS)?;
    super::start_background(&state);
    let tz = crate::ui::center_tz(&state, user.tenant_scope()).await;
    let rules = db::list_rules(&state.store).await?;
    let rules: Vec<minijinja::Value> = rules
        .iter()
        .map(|r| {
            let c: Option<AlertCondition> = serde_json::from_str(&r.condition_json).ok();
            let (kind, queue, target, n, percent, minutes) = match c {
                Some(AlertCondition::ServiceLevelBelow { queue, target, intervals }) => ("service_level_below", queue, Some(target * 100.0), Some(intervals), None, None),
                Some(AlertCondition::VolumeOverForecast { queue, percent }) => ("volume_over_forecast", queue, None, None, Some(percent), None),
                Some(AlertCondition::AgentOutOfAdherence { minutes }) => ("agent_out_of_adherence", None, None, None, None, Some(minutes)),
                None => ("?", None, None, None, None, None),
            };
            context! { id => r.id.clone(), name => r.name.clone(), webhook => r.webhook_url.clone(), enabled => r.enabled, kind, queue, target, n, percent, minutes }
        })
        .collect();
    let alerts = db::recent_alerts(&state.store, db::ms(Utc::now() - chrono::Duration::days(2)), 200).await?;
    let alerts: Vec<minijinja::Value> = alerts
        .iter()
        .map(|a| context! { a => crate::ui::render::value(a), at => db::from_ms(a.raised_ms).with_timezone(&tz).format("%m-%d %H:%M").to_string() })
        .collect();
    let playbooks: Vec<String> = db::list_playbooks(&state.store).await?.into_iter().map(|p| p.name).collect();
    render(&headers, &user, "/floor/alerts", "floor_alerts.html", "floor.alerts", context! { rules, alerts, playbooks })
}

#[derive(Deserialize)]
struct RuleForm {
    csrf: String,
    id: String,
    name: String,
    kind: String,
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    target: Option<f64>,
    #[serde(default)]
    intervals: Option<u32>,
    #[serde(default)]
    percent: Option<f64>,
    #[serde(default)]
    minutes: Option<u32>,
    #[serde(default)]
    webhook: Option<String>,
    #[serde(default)]
    enabled: Option<String>,
}

async fn rule_form(State(state): State<AppState>, user: CurrentUser, Form(f): Form<RuleForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    require(&user, SUPERVISORS)?;
    let queue = f.queue.filter(|q| !q.trim().is_empty());
    let condition = match f.kind.as_str() {
        "service_level_below" => AlertCondition::ServiceLevelBelow { queue, target: f.target.unwrap_or(80.0) / 100.0, intervals: f.intervals.unwrap_or(2) },
        "volume_over_forecast" => AlertCondition::VolumeOverForecast { queue, percent: f.percent.unwrap_or(20.0) },
        "agent_out_of_adherence" => AlertCondition::AgentOutOfAdherence { minutes: f.minutes.unwrap_or(10) },
        other => return Err(UiError::bad_input(format!("unknown rule kind `{other}`"))),
    };
    let rule = AlertRule { id: f.id.trim().to_string(), name: f.name, condition };
    rule.validate().map_err(|e| UiError::bad_input(e.to_string()))?;
    let webhook = f.webhook.filter(|w| !w.trim().is_empty());
    if webhook.as_deref().is_some_and(|w| !w.starts_with("http://")) {
        return Err(UiError::bad_input("webhooks are posted over plain http:// (put a TLS proxy in front for https)"));
    }
    db::save_rule(&state.store, &rule, webhook.as_deref(), f.enabled.is_some()).await?;
    state.store.audit(&user.actor(), "save", "alert_rule", &rule.id, None, serde_json::to_value(&rule).ok()).await?;
    Ok(see_other("/floor/alerts"))
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn evaluate_form(State(state): State<AppState>, user: CurrentUser, Form(f): Form<CsrfForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    require(&user, SUPERVISORS)?;
    alerting::evaluate_now(&state).await?;
    Ok(see_other("/floor/alerts"))
}

async fn ack_form(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    require(&user, SUPERVISORS)?;
    db::acknowledge_alert(&state.store, id, &user.actor()).await?;
    Ok(see_other("/floor/alerts"))
}

// ---------- playbooks ----------

async fn playbooks_page(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser) -> UiResult {
    require(&user, SUPERVISORS)?;
    let tz = crate::ui::center_tz(&state, user.tenant_scope()).await;
    let playbooks = db::list_playbooks(&state.store).await?;
    let runs = db::list_runs(&state.store, 20).await?;
    let runs: Vec<minijinja::Value> = runs
        .iter()
        .map(|(r, steps)| {
            let steps: Vec<minijinja::Value> = steps
                .iter()
                .map(|s| context! { s => crate::ui::render::value(s), done_at => s.done_ms.map(|m| hm(tz, m)) })
                .collect();
            let complete = steps.len() == steps.iter().filter(|s| s.get_attr("done_at").is_ok_and(|v| !v.is_none())).count();
            context! { r => crate::ui::render::value(r), at => hm(tz, r.launched_ms), steps, complete }
        })
        .collect();
    render(&headers, &user, "/floor/playbooks", "floor_playbooks.html", "floor.playbooks",
        context! { playbooks => crate::ui::render::value(&playbooks), runs })
}

#[derive(Deserialize)]
struct LaunchForm {
    csrf: String,
    playbook: String,
    #[serde(default)]
    alert_key: Option<String>,
}

async fn launch_form(State(state): State<AppState>, user: CurrentUser, Form(f): Form<LaunchForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    require(&user, SUPERVISORS)?;
    let pbs = db::list_playbooks(&state.store).await?;
    let pb = pbs.iter().find(|p| p.name == f.playbook).ok_or_else(UiError::not_found)?;
    let run = PlaybookRun::launch(pb, f.alert_key.as_deref().filter(|k| !k.is_empty()), &user.username, Utc::now())
        .map_err(|e| UiError::bad_input(e.to_string()))?;
    db::launch_run(&state.store, &run, &user.actor()).await?;
    Ok(see_other("/floor/playbooks"))
}

#[derive(Deserialize)]
struct StepForm {
    csrf: String,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    tick: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

async fn step_form(State(state): State<AppState>, user: CurrentUser, Path((id, idx)): Path<(i64, i64)>, Form(f): Form<StepForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    require(&user, SUPERVISORS)?;
    let assignee = f.assignee.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let note = f.note.as_deref().map(str::trim).filter(|a| !a.is_empty());
    db::update_step(&state.store, id, idx, assignee, f.tick.is_some(), note, &user.actor()).await?;
    Ok(see_other("/floor/playbooks"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_sorted_and_templates_parse() {
        assert!(TEXTS.windows(2).all(|w| w[0].0 < w[1].0), "TEXTS must be sorted for binary search");
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
        // Every literal key used in the floor templates has a text in either table.
        for (name, src) in TEMPLATES.iter().filter(|(n, _)| n.starts_with("floor")) {
            for key in crate::ui::render::literal_keys(src) {
                let ours = TEXTS.binary_search_by(|row| row.0.cmp(key)).is_ok();
                let theirs = i18n::TABLE.binary_search_by(|row| row.0.cmp(key)).is_ok();
                assert!(ours || theirs, "{name}: untranslated key {key}");
            }
        }
    }
}
