//! Web UI (owned by the UI work; this stub only keeps the crate compiling).

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
