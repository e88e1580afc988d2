//! REST API under `/api/v1`. Every route is registered through `utoipa_axum::routes!`, so the
//! OpenAPI document (served at `/api/openapi.json`, browsable at `/api/docs`) lists exactly the
//! routes that exist — the authorization matrix test enumerates endpoints from it.

pub mod forecast;
pub mod history;
pub mod jobs;
pub mod org;
pub mod requests;
pub mod rosters;
pub mod staffing;

use crate::AppState;
use axum::Router;
use std::sync::Arc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "ccops API", description = "Contact-center operations: history, forecasts, staffing, rosters, requests, accounts. \
        Log in with POST /api/v1/login (session cookie); send the returned csrf_token as X-CSRF-Token on POST/PUT/PATCH/DELETE."),
    modifiers(&SessionAuth),
    tags((name = "auth"), (name = "admin"), (name = "history"), (name = "forecasts"), (name = "staffing"),
         (name = "scheduling"), (name = "rosters"), (name = "requests"), (name = "jobs"), (name = "audit"))
)]
pub struct ApiDoc;

struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))));
    }
}

/// All API routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crate::auth::api_login))
        .routes(routes!(crate::auth::api_logout))
        .routes(routes!(crate::auth::api_me))
        .routes(routes!(org::list_tenants, org::create_tenant))
        .routes(routes!(org::list_sites, org::create_site))
        .routes(routes!(org::list_skills, org::create_skill))
        .routes(routes!(org::list_queues, org::create_queue))
        .routes(routes!(org::update_queue))
        .routes(routes!(org::list_teams, org::create_team))
        .routes(routes!(org::list_agents, org::create_agent))
        .routes(routes!(org::list_users, org::create_user))
        .routes(routes!(org::update_user))
        .routes(routes!(org::list_api_tokens, org::create_api_token))
        .routes(routes!(org::revoke_api_token))
        .routes(routes!(org::get_scheduling, org::put_scheduling))
        .routes(routes!(history::import))
        .routes(routes!(history::history))
        .routes(routes!(history::summary))
        .routes(routes!(forecast::run))
        .routes(routes!(forecast::list))
        .routes(routes!(forecast::get))
        .routes(routes!(forecast::adjust))
        .routes(routes!(staffing::create, staffing::list))
        .routes(routes!(staffing::get))
        .routes(routes!(rosters::run))
        .routes(routes!(rosters::list, rosters::create))
        .routes(routes!(rosters::get))
        .routes(routes!(rosters::publish))
        .routes(routes!(rosters::unpublish))
        .routes(routes!(rosters::export_xlsx))
        .routes(routes!(rosters::my_schedule))
        .routes(routes!(rosters::my_ical))
        .routes(routes!(rosters::rotate_ical))
        .routes(routes!(requests::list, requests::create))
        .routes(routes!(requests::impact))
        .routes(routes!(requests::approve))
        .routes(routes!(requests::reject))
        .routes(routes!(requests::cancel))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::audit))
}

/// `/api/openapi.json` and the Swagger UI at `/api/docs` (assets vendored in the binary).
pub fn docs_router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let swagger: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", (*openapi).clone()).into();
    swagger
}
