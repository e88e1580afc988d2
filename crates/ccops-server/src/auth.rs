//! Sessions, roles, CSRF, login rate limiting.
//!
//! The session cookie (`ccops_session`, HttpOnly, SameSite=Lax, Secure when configured) holds a
//! random secret; the database holds its SHA-256, the user id, the expiry and a CSRF token.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use ccops_store::{Actor, RateLimit, User};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

pub const SESSION_COOKIE: &str = "ccops_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a user may do. Admin passes every role check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Planner,
    Supervisor,
    Agent,
    Qa,
    ClientViewer,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Admin, Role::Planner, Role::Supervisor, Role::Agent, Role::Qa, Role::ClientViewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Qa => "qa",
            Role::ClientViewer => "client_viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Roles that plan: forecast, staffing, schedules, publishing.
pub const PLANNING: &[Role] = &[Role::Planner];
/// Roles that may read planning data (forecasts, staffing, rosters) — tenant-scoped for client viewers.
pub const PLAN_READERS: &[Role] = &[Role::Planner, Role::Supervisor, Role::Qa, Role::ClientViewer];
/// Roles that decide on leave and swap requests.
pub const APPROVERS: &[Role] = &[Role::Planner, Role::Supervisor];

/// The logged-in user of a request.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CurrentUser {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// None: center staff (all tenants). Some(t): sees only tenant t.
    pub tenant_id: Option<i64>,
    /// The agent record of an agent user.
    pub agent_id: Option<i64>,
    /// `en` or `zh`.
    pub locale: String,
    /// Send as header `X-CSRF-Token` (or hidden form field `csrf`) with state-changing requests.
    pub csrf_token: String,
}

impl CurrentUser {
    fn from_user(u: &User, csrf: String) -> Option<Self> {
        Some(CurrentUser {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: Role::parse(&u.role)?,
            tenant_id: u.tenant_id,
            agent_id: u.agent_id,
            locale: u.locale.clone(),
            csrf_token: csrf,
        })
    }

    /// 403 unless the user's role is in `roles` (admins always pass).
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.role == Role::Admin || roles.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    pub fn has(&self, roles: &[Role]) -> bool {
        self.require(roles).is_ok()
    }

    /// Tenant isolation: may this user see an entity of tenant `t` (None = center-wide entity)?
    /// Center staff see everything; a tenant-bound user only their own tenant's entities.
    pub fn can_see_tenant(&self, t: Option<i64>) -> bool {
        match self.tenant_id {
            None => true,
            Some(mine) => t == Some(mine),
        }
    }

    pub fn check_tenant(&self, t: Option<i64>) -> Result<(), ApiError> {
        if self.can_see_tenant(t) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// The tenant filter to pass to store list queries (None = all).
    pub fn tenant_scope(&self) -> Option<i64> {
        self.tenant_id
    }

    /// An agent may only touch their own agent record.
    pub fn check_agent(&self, agent_id: i64) -> Result<(), ApiError> {
        if self.role == Role::Agent && self.agent_id != Some(agent_id) { Err(ApiError::forbidden()) } else { Ok(()) }
    }

    /// For a form post that carries the token in a field: constant-time compare.
    pub fn verify_csrf(&self, token: &str) -> bool {
        constant_time_eq(token.as_bytes(), self.csrf_token.as_bytes())
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, &self.username)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a request has no usable user.
#[derive(Debug)]
pub enum AuthRejection {
    /// Not logged in: 401 for the API, a redirect to the login page for pages.
    Unauthenticated { api: bool, next: String },
    /// CSRF check failed.
    Csrf,
    Internal,
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Unauthenticated { api: true, .. } => ApiError::unauthorized().into_response(),
            AuthRejection::Unauthenticated { api: false, next } => {
                Redirect::to(&format!("/login?next={}", encode_query(&next))).into_response()
            }
            AuthRejection::Csrf => ApiError::new(StatusCode::FORBIDDEN, "CSRF check failed: send X-CSRF-Token").into_response(),
            AuthRejection::Internal => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
        }
    }
}

fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The session secret from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

/// Same-origin check for unsafe methods: the `Origin` (else `Referer`) must name this host.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let source = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|h| h.to_str().ok());
    let Some(source) = source else { return false };
    let rest = source.split_once("://").map(|(_, r)| r).unwrap_or("");
    let authority = rest.split('/').next().unwrap_or("");
    authority.eq_ignore_ascii_case(host)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let path = parts.uri.path().to_string();
        let unauth = || AuthRejection::Unauthenticated {
            api: path.starts_with("/api/"),
            next: parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into()),
        };
        let Some(secret) = session_cookie(&parts.headers) else { return Err(unauth()) };
        let found = state.store.session_user(&secret).await.map_err(|e| {
            tracing::error!(error = %e, "session lookup");
            AuthRejection::Internal
        })?;
        let Some((session, user)) = found else { return Err(unauth()) };
        let Some(cu) = CurrentUser::from_user(&user, session.csrf_token) else { return Err(unauth()) };
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method {
            let header_ok = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).is_some_and(|t| cu.verify_csrf(t));
            if !header_ok && !same_origin(&parts.headers) {
                return Err(AuthRejection::Csrf);
            }
        }
        parts.extensions.insert(cu.clone());
        Ok(cu)
    }
}

/// `Option<CurrentUser>` for pages that work logged in or not.
impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(AuthRejection::Unauthenticated { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: CurrentUser,
}

/// Outcome of [`login_user`] when it fails.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password (deliberately not saying which).
    Invalid,
    /// Too many failures for this user or address; try again later.
    RateLimited,
    Internal,
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Invalid => ApiError::new(StatusCode::UNAUTHORIZED, "invalid user name or password"),
            LoginError::RateLimited => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many failed logins; try again later"),
            LoginError::Internal => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
        }
    }
}

/// Checks the password with rate limiting (per user name and per client address), creates a
/// session and returns the user with the `Set-Cookie` header value to send.
pub async fn login_user(state: &AppState, username: &str, password: &str, client: &str) -> Result<(CurrentUser, HeaderValue), LoginError> {
    let store = &state.store;
    let limit = state.config.login_limit;
    let ip_limit = RateLimit { max_failures: limit.max_failures * 4, ..limit };
    let ukey = format!("user:{}", username.trim().to_lowercase());
    let ikey = format!("ip:{client}");
    let internal = |e: ccops_store::StoreError| {
        tracing::error!(error = %e, "login");
        LoginError::Internal
    };
    if store.login_blocked(&ukey, limit).await.map_err(internal)? || store.login_blocked(&ikey, ip_limit).await.map_err(internal)? {
        metrics::counter!("ccops_login_total", "outcome" => "rate_limited").increment(1);
        return Err(LoginError::RateLimited);
    }
    let Some(user) = store.authenticate(username.trim(), password).await.map_err(internal)? else {
        store.record_login_failure(&ukey, limit).await.map_err(internal)?;
        store.record_login_failure(&ikey, ip_limit).await.map_err(internal)?;
        metrics::counter!("ccops_login_total", "outcome" => "failed").increment(1);
        tracing::info!(username, client, "login failed");
        return Err(LoginError::Invalid);
    };
    store.clear_login_failures(&ukey).await.map_err(internal)?;
    let (secret, session) = store.create_session(user.id, state.config.session_ttl_secs).await.map_err(internal)?;
    let cu = CurrentUser::from_user(&user, session.csrf_token).ok_or(LoginError::Invalid)?;
    metrics::counter!("ccops_login_total", "outcome" => "ok").increment(1);
    tracing::info!(username, role = cu.role.as_str(), "login");
    let cookie = session_set_cookie(&secret, state.config.session_ttl_secs, state.config.secure_cookies);
    Ok((cu, cookie))
}

fn session_set_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let s = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("ccops_session=; Path=/"))
}

/// Ends the session named by the request's cookie; returns the `Set-Cookie` that clears it.
pub async fn logout_user(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    if let Some(secret) = session_cookie(headers) {
        if let Err(e) = state.store.delete_session(&secret).await {
            tracing::error!(error = %e, "logout");
        }
    }
    session_set_cookie("", 0, state.config.secure_cookies)
}

/// Extractor: the client address for rate limiting (peer IP; proxies are not trusted).
/// `"unknown"` when the server was not started with connect info (e.g. in-process tests).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(ip.unwrap_or_else(|| "unknown".into())))
    }
}

/// Log in; sets the session cookie and returns the user with the CSRF token for later requests.
#[utoipa::path(post, path = "/api/v1/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "invalid credentials"), (status = 429, description = "rate limited")))]
pub async fn api_login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let (user, cookie) = login_user(&state, &req.username, &req.password, &client).await?;
    let mut resp = Json(LoginResponse { user }).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// Log out (ends the session).
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", responses((status = 204)))]
pub async fn api_logout(State(state): State<AppState>, _user: CurrentUser, headers: HeaderMap) -> Response {
    let cookie = logout_user(&state, &headers).await;
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response()
}

/// The current user (and the CSRF token to send with changes).
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = CurrentUser), (status = 401)))]
pub async fn api_me(user: CurrentUser) -> Json<CurrentUser> {
    Json(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing_finds_session_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; ccops_session=abc; b=2"));
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("ccops_session="));
        assert_eq!(session_cookie(&h), None);
    }

    #[test]
    fn same_origin_compares_authority() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("ccops.local:8080"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://ccops.local:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h));
        h.remove(header::ORIGIN);
        h.insert(header::REFERER, HeaderValue::from_static("http://ccops.local:8080/roster?x=1"));
        assert!(same_origin(&h));
        h.remove(header::REFERER);
        assert!(!same_origin(&h));
    }

    #[test]
    fn cookie_flags() {
        let c = session_set_cookie("s", 60, true);
        let s = c.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure") && s.contains("Max-Age=60"));
    }
}
