//! Web UI: server-rendered HTML (minijinja templates embedded in the binary), htmx 2 for the
//! few live parts (job progress), server-side SVG charts. Chinese and English.
//!
//! Pages, by role (admins see everything):
//! - `/login`, `/logout`, `/lang/{en|zh}` — everyone;
//! - `/planner/…` — history upload, forecast (+ adjustments, run), staffing curves, roster
//!   Gantt (+ generate job, publish/unpublish, Excel export), leave/swap approvals;
//!   planners; supervisors, QA and client viewers read (tenant-scoped);
//! - `/agent` — my schedule (week/month), leave and swap requests, iCalendar URL;
//! - `/admin/…` — users and roles, tenants, queues, skills, rules.
//!
//! Forms post with the session's CSRF token in a hidden `csrf` field (checked here) and the
//! browser's `Origin` (checked by [`CurrentUser`]); htmx requests send `X-CSRF-Token`.
//! The login form, which has no session yet, uses a double-submit cookie.

mod admin;
mod agent;
pub mod assets;
pub mod charts;
pub mod i18n;
mod planner;
pub mod render;
#[cfg(test)]
mod tests;
pub mod views;

use crate::auth::{self, CurrentUser, Role};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use ccops_store::StoreError;
use chrono_tz::Tz;
use i18n::Lang;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};

/// All UI routes; merged into the application by [`crate::app`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/static/{*path}", get(static_file))
        .merge(planner::router())
        .merge(agent::router())
        .merge(admin::router())
}

/// Cookie carrying the login form's CSRF token (double submit: cookie == form field).
const LOGIN_CSRF_COOKIE: &str = "ccops_login_csrf";

/// A UI failure, rendered as an HTML error page in the user's language.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    /// i18n key of the message.
    pub key: &'static str,
    /// Detail shown after the message (user-facing: validation messages, never internals).
    pub detail: Option<String>,
    pub lang: Lang,
    /// Answer an htmx request with a small fragment instead of a whole page.
    pub fragment: bool,
}

impl UiError {
    fn new(status: StatusCode, key: &'static str) -> Self {
        UiError { status, key, detail: None, lang: Lang::En, fragment: false }
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "error.forbidden")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "error.not_found")
    }
    pub fn bad_input(detail: impl Into<String>) -> Self {
        UiError { detail: Some(detail.into()), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "error.bad_input") }
    }
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "error.csrf")
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
    }
    /// Render in `lang` (handlers call this when they know the page language).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }
    /// Render as a fragment when the request came from htmx (`HX-Request` header).
    pub fn for_request(mut self, headers: &HeaderMap) -> Self {
        self.fragment = headers.contains_key("hx-request");
        self
    }
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => UiError::not_found(),
            StoreError::Conflict(m) | StoreError::Invalid(m) => UiError::bad_input(m),
            other => {
                tracing::error!(error = %other, "store error in UI");
                UiError::internal()
            }
        }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        match e.status {
            StatusCode::FORBIDDEN => UiError::forbidden(),
            StatusCode::NOT_FOUND => UiError::not_found(),
            s if s.is_client_error() => UiError { status: s, ..UiError::bad_input(e.message) },
            _ => UiError::internal(),
        }
    }
}

impl From<minijinja::Error> for UiError {
    fn from(e: minijinja::Error) -> Self {
        tracing::error!(error = %format!("{e:#}"), "template error");
        UiError::internal()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let message = match &self.detail {
            Some(d) => format!("{} {d}", i18n::t(lang, self.key)),
            None => i18n::t(lang, self.key).to_string(),
        };
        if self.fragment {
            let html = format!(r#"<div class="flash error" id="ui-error">{}</div>"#, charts::esc(&message));
            return (self.status, Html(html)).into_response();
        }
        let ctx = context! {
            lang => lang.code(), lang_tag => lang.tag(), title => self.status.as_str(), path => "/",
            status => self.status.as_u16(), message,
        };
        match render::render("error.html", ctx) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.status.as_str().to_string()).into_response(),
        }
    }
}

pub type UiResult<T = Response> = Result<T, UiError>;

/// One entry of the top navigation.
#[derive(Serialize)]
struct NavItem {
    key: &'static str,
    href: &'static str,
    active: bool,
}

/// Navigation for a role: only pages the role may open.
fn nav_for(role: Role, path: &str) -> Vec<NavItem> {
    let all: &[(&str, &str, &[Role])] = &[
        ("nav.home", "/planner", &[Role::Planner, Role::Supervisor, Role::Qa, Role::ClientViewer]),
        ("nav.history", "/planner/history", &[Role::Planner]),
        ("nav.forecast", "/planner/forecast", &[Role::Planner, Role::Supervisor, Role::Qa, Role::ClientViewer]),
        ("nav.staffing", "/planner/staffing", &[Role::Planner, Role::Supervisor, Role::Qa, Role::ClientViewer]),
        ("nav.roster", "/planner/roster", &[Role::Planner, Role::Supervisor, Role::Qa, Role::ClientViewer]),
        ("nav.requests", "/planner/requests", &[Role::Planner, Role::Supervisor]),
        ("nav.floor", "/floor", &[Role::Planner, Role::Supervisor]),
        ("nav.my_schedule", "/agent", &[Role::Agent]),
        ("nav.admin", "/admin/users", &[]),
    ];
    all.iter()
        .filter(|(_, _, roles)| role == Role::Admin || roles.contains(&role))
        .map(|(key, href, _)| NavItem {
            key,
            href,
            active: *href == path || (href.len() > 8 && path.starts_with(href)) || (href.starts_with("/admin") && path.starts_with("/admin")),
        })
        .collect()
}

/// Where a role lands after login.
fn home_of(role: Role) -> &'static str {
    match role {
        Role::Agent => "/agent",
        Role::Admin => "/planner",
        _ => "/planner",
    }
}

/// Page language: the explicit switch (cookie) wins, then the user's saved locale, then the
/// browser's `Accept-Language`.
pub fn lang_of(headers: &HeaderMap, user: Option<&CurrentUser>) -> Lang {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    if let Some(l) = cookie.and_then(|c| i18n::cookie_value(c, i18n::LANG_COOKIE)).and_then(Lang::from_code) {
        return l;
    }
    if let Some(l) = user.and_then(|u| Lang::from_code(&u.locale)) {
        return l;
    }
    Lang::negotiate(None, headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// A flash message shown at the top of a page.
#[derive(Serialize, Clone)]
pub struct Flash {
    pub kind: &'static str,
    pub text: String,
}

/// The common context of every page (layout, navigation, user, language).
pub struct Page<'a> {
    pub lang: Lang,
    pub user: Option<&'a CurrentUser>,
    pub path: &'a str,
}

impl<'a> Page<'a> {
    pub fn new(headers: &HeaderMap, user: Option<&'a CurrentUser>, path: &'a str) -> Self {
        Page { lang: lang_of(headers, user), user, path }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key).to_string()
    }

    /// Render `template` with the layout context plus `extra`.
    pub fn render(&self, template: &str, title_key: &str, extra: Value, flash: Vec<Flash>) -> UiResult {
        let user = self.user.map(|u| {
            context! { name => u.display_name.clone(), role => u.role.as_str(), tenant => u.tenant_id.map(|t| format!("#{t}")) }
        });
        let nav = self.user.map(|u| render::value(&nav_for(u.role, self.path))).unwrap_or_default();
        let base = context! {
            lang => self.lang.code(), lang_tag => self.lang.tag(), title => self.t(title_key), path => self.path,
            user, nav, csrf => self.user.map(|u| u.csrf_token.clone()), flash => render::value(&flash),
        };
        let html = render::render(template, context! { ..extra, ..base }).map_err(|e| UiError::from(e).in_lang(self.lang))?;
        Ok(Html(html).into_response())
    }
}

/// Checks the hidden `csrf` field of a form against the session.
pub fn check_csrf(user: &CurrentUser, token: &str) -> Result<(), UiError> {
    if user.verify_csrf(token) { Ok(()) } else { Err(UiError::csrf()) }
}

/// 303 See Other: the browser follows with GET (post/redirect/get).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The center's display time zone (the scheduling settings' `timezone`, Asia/Shanghai by default).
pub async fn center_tz(state: &AppState, _tenant: Option<i64>) -> Tz {
    match crate::api::org::scheduling_settings(state).await {
        Ok(s) => s.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai),
        Err(_) => chrono_tz::Asia::Shanghai,
    }
}

/// Today's date in `tz`.
pub fn today(tz: Tz) -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

async fn home(user: Option<CurrentUser>) -> Response {
    match user {
        Some(u) => see_other(home_of(u.role)),
        None => see_other("/login"),
    }
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    #[serde(default)]
    next: Option<String>,
}

/// Only local paths are accepted as `next` (no open redirect to another site).
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).map(str::to_string)
}

fn login_form(headers: &HeaderMap, next: &str, username: &str, error: Option<&str>, status: StatusCode) -> UiResult {
    let token = ccops_store::random_token();
    let page = Page::new(headers, None, "/login");
    let mut resp = page.render(
        "login.html",
        "login.title",
        context! { csrf => token.clone(), next, username, error },
        vec![],
    )?;
    *resp.status_mut() = status;
    let cookie = format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_page(headers: HeaderMap, user: Option<CurrentUser>, Query(q): Query<LoginQuery>) -> UiResult {
    if let Some(u) = user {
        return Ok(see_other(home_of(u.role)));
    }
    login_form(&headers, &safe_next(q.next.as_deref()).unwrap_or_default(), "", None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth::ClientAddr(client): auth::ClientAddr,
    Form(f): Form<LoginForm>,
) -> UiResult {
    let cookie_token = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| i18n::cookie_value(c, LOGIN_CSRF_COOKIE))
        .unwrap_or("");
    if cookie_token.is_empty() || cookie_token != f.csrf {
        return login_form(&headers, &f.next, &f.username, Some("error.csrf"), StatusCode::FORBIDDEN);
    }
    match auth::login_user(&state, &f.username, &f.password, &client).await {
        Ok((user, cookie)) => {
            let to = safe_next(Some(&f.next)).unwrap_or_else(|| home_of(user.role).to_string());
            let mut resp = see_other(&to);
            resp.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(resp)
        }
        Err(auth::LoginError::Invalid) => login_form(&headers, &f.next, &f.username, Some("error.login_failed"), StatusCode::UNAUTHORIZED),
        Err(auth::LoginError::RateLimited) => {
            login_form(&headers, &f.next, &f.username, Some("error.rate_limited"), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(auth::LoginError::Internal) => Err(UiError::internal().in_lang(lang_of(&headers, None))),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Form(f): Form<CsrfForm>) -> UiResult {
    check_csrf(&user, &f.csrf)?;
    let cookie = auth::logout_user(&state, &headers).await;
    let mut resp = see_other("/login");
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

#[derive(Deserialize)]
struct LangQuery {
    #[serde(default)]
    back: Option<String>,
}

/// Switch language: a cookie for this browser and, when logged in, the user's saved locale.
async fn set_lang(State(state): State<AppState>, Path(code): Path<String>, user: Option<CurrentUser>, Query(q): Query<LangQuery>) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return UiError::not_found().into_response();
    };
    if let Some(u) = &user {
        if let Err(e) = state.store.set_user_locale(u.user_id, lang.code()).await {
            tracing::warn!(error = %e, "cannot save locale");
        }
    }
    let mut resp = see_other(&safe_next(q.back.as_deref()).unwrap_or_else(|| "/".into()));
    let cookie = format!("{}={}; Path=/; SameSite=Lax; Max-Age=31536000", i18n::LANG_COOKIE, lang.code());
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn static_file(Path(path): Path<String>) -> Response {
    match assets::get(&path) {
        Some(a) => {
            let cache = if a.immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
            ([(header::CONTENT_TYPE, a.content_type), (header::CACHE_CONTROL, cache)], a.bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
