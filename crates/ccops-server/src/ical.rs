//! iCalendar feed per agent at a secret URL: `/ical/{token}.ics`.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
