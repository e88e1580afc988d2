//! Small builders shared by the unit tests.
#![cfg(test)]

use crate::adherence::ScheduledSegment;
use crate::state::{Activity, AgentState};
use crate::timeline::StateEvent;
use chrono::{DateTime, TimeZone, Utc};

/// "HH:MM" on 2026-11-23 UTC.
pub fn t(hm: &str) -> DateTime<Utc> {
    let (h, m) = hm.split_once(':').expect("HH:MM");
    Utc.with_ymd_and_hms(2026, 11, 23, h.parse().expect("hour"), m.parse().expect("minute"), 0).single().expect("valid")
}

pub fn ev(id: &str, agent: &str, state: AgentState, at: DateTime<Utc>) -> StateEvent {
    StateEvent { event_id: id.into(), agent_id: agent.into(), state, at, queue: None, reason: None }
}

pub fn seg(a: &str, b: &str, activity: Activity) -> ScheduledSegment {
    ScheduledSegment { start: t(a), end: t(b), activity }
}
