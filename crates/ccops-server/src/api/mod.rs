//! REST API under `/api/v1`. Every route is registered through `utoipa_axum::routes!`, so the
//! OpenAPI document (served at `/api/openapi.json`, browsable at `/api/docs`) lists exactly the
//! routes that exist — the authorization matrix test enumerates endpoints from it.

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
}

/// `/api/openapi.json` and the Swagger UI at `/api/docs` (assets vendored in the binary).
pub fn docs_router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let swagger: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", (*openapi).clone()).into();
    swagger
}
