//! Live floor (owned by the live-floor work; this stub only keeps the crate compiling).

use crate::AppState;
use axum::Router;

/// Live-floor state carried in `AppState::floor`. Must stay `Clone + Default`.
#[derive(Clone, Default)]
pub struct FloorState {}

pub fn router() -> Router<AppState> {
    Router::new()
}
