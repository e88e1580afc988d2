//! Administration: tenants, sites, skills, queues, teams, agents, users, API tokens, settings.

use crate::auth::{CurrentUser, Role, PLAN_READERS};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use ccops_store::{Agent, ApiToken, NewAgent, NewQueue, NewUser, Queue, Site, Skill, Team, Tenant, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Roles that see the organisation (tenant-scoped for tenant-bound users).
const ORG_READERS: &[Role] = PLAN_READERS;
const ADMIN: &[Role] = &[];

#[derive(Deserialize, ToSchema)]
pub struct NewCoded {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewSite {
    pub code: String,
    pub name: String,
    #[serde(default = "ccops_store::default_tz")]
    pub timezone: String,
    #[serde(default)]
    pub seats: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTeam {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub site_id: Option<i64>,
}

/// List tenants (BPO clients); a tenant-bound user sees only their own.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "admin", responses((status = 200, body = Vec<Tenant>)))]
pub async fn list_tenants(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Tenant>>> {
    user.require(ORG_READERS)?;
    let all = s.store.list_tenants().await?;
    Ok(Json(all.into_iter().filter(|t| user.can_see_tenant(Some(t.id))).collect()))
}

/// Create a tenant (admin).
#[utoipa::path(post, path = "/api/v1/tenants", tag = "admin", request_body = NewCoded, responses((status = 201, body = Tenant)))]
pub async fn create_tenant(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewCoded>) -> ApiResult<(StatusCode, Json<Tenant>)> {
    user.require(ADMIN)?;
    Ok((StatusCode::CREATED, Json(s.store.create_tenant(&b.code, &b.name).await?)))
}

/// List sites.
#[utoipa::path(get, path = "/api/v1/sites", tag = "admin", responses((status = 200, body = Vec<Site>)))]
pub async fn list_sites(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Site>>> {
    user.require(ORG_READERS)?;
    Ok(Json(s.store.list_sites().await?))
}

/// Create a site (admin).
#[utoipa::path(post, path = "/api/v1/sites", tag = "admin", request_body = NewSite, responses((status = 201, body = Site)))]
pub async fn create_site(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewSite>) -> ApiResult<(StatusCode, Json<Site>)> {
    user.require(ADMIN)?;
    if b.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(ApiError::bad_request(format!("unknown time zone `{}`", b.timezone)));
    }
    Ok((StatusCode::CREATED, Json(s.store.create_site(&b.code, &b.name, &b.timezone, b.seats).await?)))
}

/// List skills.
#[utoipa::path(get, path = "/api/v1/skills", tag = "admin", responses((status = 200, body = Vec<Skill>)))]
pub async fn list_skills(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Skill>>> {
    user.require(ORG_READERS)?;
    Ok(Json(s.store.list_skills().await?))
}

/// Create a skill (admin).
#[utoipa::path(post, path = "/api/v1/skills", tag = "admin", request_body = NewCoded, responses((status = 201, body = Skill)))]
pub async fn create_skill(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewCoded>) -> ApiResult<(StatusCode, Json<Skill>)> {
    user.require(ADMIN)?;
    Ok((StatusCode::CREATED, Json(s.store.create_skill(&b.code, &b.name).await?)))
}

/// List queues (a tenant-bound user: only their tenant's).
#[utoipa::path(get, path = "/api/v1/queues", tag = "admin", responses((status = 200, body = Vec<Queue>)))]
pub async fn list_queues(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Queue>>> {
    user.require(ORG_READERS)?;
    Ok(Json(visible_queues(&s, &user).await?))
}

/// Create a queue (admin).
#[utoipa::path(post, path = "/api/v1/queues", tag = "admin", request_body = NewQueue, responses((status = 201, body = Queue)))]
pub async fn create_queue(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewQueue>) -> ApiResult<(StatusCode, Json<Queue>)> {
    user.require(ADMIN)?;
    check_tz(&b.timezone)?;
    Ok((StatusCode::CREATED, Json(s.store.create_queue(&b).await?)))
}

/// Update a queue (admin).
#[utoipa::path(put, path = "/api/v1/queues/{id}", tag = "admin", params(("id" = i64, Path)), request_body = NewQueue,
    responses((status = 200, body = Queue)))]
pub async fn update_queue(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Json(b): Json<NewQueue>) -> ApiResult<Json<Queue>> {
    user.require(ADMIN)?;
    check_tz(&b.timezone)?;
    Ok(Json(s.store.update_queue(id, &b).await?))
}

/// List teams.
#[utoipa::path(get, path = "/api/v1/teams", tag = "admin", responses((status = 200, body = Vec<Team>)))]
pub async fn list_teams(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Team>>> {
    user.require(ORG_READERS)?;
    Ok(Json(s.store.list_teams().await?))
}

/// Create a team (admin).
#[utoipa::path(post, path = "/api/v1/teams", tag = "admin", request_body = NewTeam, responses((status = 201, body = Team)))]
pub async fn create_team(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewTeam>) -> ApiResult<(StatusCode, Json<Team>)> {
    user.require(ADMIN)?;
    Ok((StatusCode::CREATED, Json(s.store.create_team(&b.code, &b.name, b.site_id).await?)))
}

/// List agents (a tenant-bound user: only their tenant's).
#[utoipa::path(get, path = "/api/v1/agents", tag = "admin", responses((status = 200, body = Vec<Agent>)))]
pub async fn list_agents(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<Agent>>> {
    user.require(ORG_READERS)?;
    Ok(Json(s.store.list_agents(user.tenant_scope()).await?))
}

/// Create an agent with skills (admin, planner).
#[utoipa::path(post, path = "/api/v1/agents", tag = "admin", request_body = NewAgent, responses((status = 201, body = Agent)))]
pub async fn create_agent(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewAgent>) -> ApiResult<(StatusCode, Json<Agent>)> {
    user.require(&[Role::Planner])?;
    user.check_tenant(b.tenant_id)?;
    Ok((StatusCode::CREATED, Json(s.store.create_agent(&b).await?)))
}

/// List users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<User>>> {
    user.require(ADMIN)?;
    Ok(Json(s.store.list_users(None).await?))
}

/// Create a user (admin). Roles: admin, planner, supervisor, agent, qa, client_viewer.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser, responses((status = 201, body = User)))]
pub async fn create_user(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewUser>) -> ApiResult<(StatusCode, Json<User>)> {
    user.require(ADMIN)?;
    let created = s.store.create_user(&b).await?;
    s.store.audit(&user.actor(), "create", "user", &created.id.to_string(), None, serde_json::to_value(&created).ok()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Deserialize, ToSchema)]
pub struct UserUpdate {
    pub role: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
    #[serde(default)]
    pub agent_id: Option<i64>,
    #[serde(default = "en")]
    pub locale: String,
    #[serde(default)]
    pub disabled: bool,
    /// New password (optional).
    #[serde(default)]
    pub password: Option<String>,
}

fn en() -> String {
    "en".into()
}

/// Change a user's role, tenant, agent link, locale, disabled flag or password (admin). Ends
/// the user's sessions.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "admin", params(("id" = i64, Path)), request_body = UserUpdate,
    responses((status = 200, body = User)))]
pub async fn update_user(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Json(b): Json<UserUpdate>) -> ApiResult<Json<User>> {
    user.require(ADMIN)?;
    let before = s.store.get_user(id).await?;
    let after = s.store.update_user(id, &b.role, b.tenant_id, b.agent_id, &b.locale, b.disabled, b.password.as_deref()).await?;
    s.store.audit(&user.actor(), "update", "user", &id.to_string(), serde_json::to_value(&before).ok(), serde_json::to_value(&after).ok()).await?;
    Ok(Json(after))
}

#[derive(Deserialize, ToSchema)]
pub struct NewApiToken {
    pub name: String,
    /// `events` — may post agent state events and queue statistics.
    #[serde(default = "events")]
    pub scope: String,
    #[serde(default)]
    pub tenant_id: Option<i64>,
}

fn events() -> String {
    "events".into()
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// The secret, shown only now: send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// List API tokens of event sources (admin).
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "admin", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_api_tokens(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<Vec<ApiToken>>> {
    user.require(ADMIN)?;
    Ok(Json(s.store.list_api_tokens().await?))
}

/// Create an API token for an event source (admin).
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "admin", request_body = NewApiToken, responses((status = 201, body = CreatedApiToken)))]
pub async fn create_api_token(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewApiToken>) -> ApiResult<(StatusCode, Json<CreatedApiToken>)> {
    user.require(ADMIN)?;
    let (token, secret) = s.store.create_api_token(&b.name, &b.scope, b.tenant_id).await?;
    s.store.audit(&user.actor(), "create", "api_token", &token.id.to_string(), None, serde_json::to_value(&token).ok()).await?;
    Ok((StatusCode::CREATED, Json(CreatedApiToken { token, secret })))
}

/// Revoke an API token (admin).
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", tag = "admin", params(("id" = i64, Path)), responses((status = 204)))]
pub async fn revoke_api_token(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    user.require(ADMIN)?;
    s.store.revoke_api_token(id).await?;
    s.store.audit(&user.actor(), "revoke", "api_token", &id.to_string(), None, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Scheduling settings: the rules file and automatic approval of requests.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SchedulingSettings {
    /// Labour rules and shift templates (TOML, see the README's scheduling section).
    pub rules_toml: String,
    /// Approve leave automatically while every affected interval stays at or above requirement.
    pub auto_approve: bool,
    /// The center's IANA time zone (exports and feeds show local times in it).
    pub timezone: String,
}

pub async fn scheduling_settings(s: &AppState) -> ApiResult<SchedulingSettings> {
    let rules_toml = s.store.get_setting("schedule_rules").await?.unwrap_or_else(|| ccops_schedule::generate::BENCH_RULES.trim().to_string());
    let auto_approve = s.store.get_setting("auto_approve").await?.as_deref() == Some("true");
    let timezone = s.store.get_setting("timezone").await?.unwrap_or_else(ccops_store::default_tz);
    Ok(SchedulingSettings { rules_toml, auto_approve, timezone })
}

/// Read the scheduling settings (admin, planner).
#[utoipa::path(get, path = "/api/v1/settings/scheduling", tag = "admin", responses((status = 200, body = SchedulingSettings)))]
pub async fn get_scheduling(State(s): State<AppState>, user: CurrentUser) -> ApiResult<Json<SchedulingSettings>> {
    user.require(&[Role::Planner])?;
    Ok(Json(scheduling_settings(&s).await?))
}

/// Change the scheduling settings (admin, planner). The rules are validated first.
#[utoipa::path(put, path = "/api/v1/settings/scheduling", tag = "admin", request_body = SchedulingSettings,
    responses((status = 200, body = SchedulingSettings), (status = 422, description = "invalid rules")))]
pub async fn put_scheduling(State(s): State<AppState>, user: CurrentUser, Json(b): Json<SchedulingSettings>) -> ApiResult<Json<SchedulingSettings>> {
    user.require(&[Role::Planner])?;
    ccops_schedule::Rules::from_toml(&b.rules_toml).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    check_tz(&b.timezone)?;
    let before = scheduling_settings(&s).await?;
    s.store.set_setting("schedule_rules", &b.rules_toml).await?;
    s.store.set_setting("auto_approve", if b.auto_approve { "true" } else { "false" }).await?;
    s.store.set_setting("timezone", &b.timezone).await?;
    s.store.audit(&user.actor(), "update", "settings", "scheduling", serde_json::to_value(&before).ok(), serde_json::to_value(&b).ok()).await?;
    Ok(Json(b))
}

fn check_tz(tz: &str) -> ApiResult<()> {
    tz.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| ApiError::bad_request(format!("unknown time zone `{tz}`")))
}

/// Queues the user may see.
pub async fn visible_queues(s: &AppState, user: &CurrentUser) -> ApiResult<Vec<Queue>> {
    let qs = s.store.list_queues(user.tenant_scope()).await?;
    Ok(qs.into_iter().filter(|q| user.can_see_tenant(q.tenant_id)).collect())
}

/// A queue the user may see, else 404 (not 403: do not confirm other tenants' ids exist).
pub async fn queue_for(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Queue> {
    let q = s.store.get_queue(id).await?;
    if !user.can_see_tenant(q.tenant_id) {
        return Err(ApiError::not_found(format!("queue {id}")));
    }
    Ok(q)
}
