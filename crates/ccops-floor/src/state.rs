//! Agent states (what the ACD says) and schedule activities (what the roster says).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One ACD/CTI agent state. `Login` is "logged in, not yet ready"; `Logout` is "logged out".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentState {
    Login,
    Ready,
    Talking,
    Acw,
    Break,
    Lunch,
    Training,
    Meeting,
    Logout,
}

impl AgentState {
    pub const ALL: [AgentState; 9] = [
        AgentState::Login,
        AgentState::Ready,
        AgentState::Talking,
        AgentState::Acw,
        AgentState::Break,
        AgentState::Lunch,
        AgentState::Training,
        AgentState::Meeting,
        AgentState::Logout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentState::Login => "login",
            AgentState::Ready => "ready",
            AgentState::Talking => "talking",
            AgentState::Acw => "acw",
            AgentState::Break => "break",
            AgentState::Lunch => "lunch",
            AgentState::Training => "training",
            AgentState::Meeting => "meeting",
            AgentState::Logout => "logout",
        }
    }

    /// Productive phone time: counts as "worked" for conformance.
    pub fn is_productive(self) -> bool {
        matches!(self, AgentState::Ready | AgentState::Talking | AgentState::Acw)
    }

    /// Handling a contact (talk or wrap-up): counts for occupancy.
    pub fn is_handling(self) -> bool {
        matches!(self, AgentState::Talking | AgentState::Acw)
    }

    pub fn is_logged_in(self) -> bool {
        self != AgentState::Logout
    }
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of the nine known states.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agent state `{0}` (expected one of login, ready, talking, acw, break, lunch, training, meeting, logout)")]
pub struct UnknownState(pub String);

impl FromStr for AgentState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // ACDs differ in spelling; accept the common aliases, case-insensitively.
        let state = match s.trim().to_ascii_lowercase().as_str() {
            "login" | "logged_in" | "not_ready" | "notready" => AgentState::Login,
            "ready" | "available" | "idle" => AgentState::Ready,
            "talking" | "talk" | "busy" | "hold" | "on_call" => AgentState::Talking,
            "acw" | "wrap" | "wrapup" | "wrap_up" | "after_call_work" => AgentState::Acw,
            "break" => AgentState::Break,
            "lunch" => AgentState::Lunch,
            "training" => AgentState::Training,
            "meeting" | "coaching" => AgentState::Meeting,
            "logout" | "logged_out" | "logoff" => AgentState::Logout,
            _ => return Err(UnknownState(s.to_string())),
        };
        Ok(state)
    }
}

/// A scheduled activity from the roster's `activity` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// On the phones / open for contacts (roster `work`, `phone`, `open`, `shift`).
    Work,
    Break,
    Lunch,
    Training,
    Meeting,
    /// Not scheduled: never counted in adherence.
    Off,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Work => "work",
            Activity::Break => "break",
            Activity::Lunch => "lunch",
            Activity::Training => "training",
            Activity::Meeting => "meeting",
            Activity::Off => "off",
        }
    }

    /// Counted in adherence (everything scheduled except `off`).
    pub fn is_scheduled(self) -> bool {
        self != Activity::Off
    }

    /// Counted as scheduled work time for conformance.
    pub fn is_work(self) -> bool {
        self == Activity::Work
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An activity name the floor does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown roster activity `{0}` (expected work, break, lunch, training, meeting or off)")]
pub struct UnknownActivity(pub String);

impl FromStr for Activity {
    type Err = UnknownActivity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let a = match s.trim().to_ascii_lowercase().as_str() {
            "work" | "phone" | "open" | "shift" | "on_queue" | "chat" | "email" => Activity::Work,
            "break" => Activity::Break,
            "lunch" => Activity::Lunch,
            "training" => Activity::Training,
            "meeting" | "coaching" => Activity::Meeting,
            "off" | "leave" | "holiday" | "day_off" | "absence" => Activity::Off,
            _ => return Err(UnknownActivity(s.to_string())),
        };
        Ok(a)
    }
}

/// Which agent states count as "in adherence" for each scheduled activity. Configuration (per
/// site in a real center); [`AdherenceMap::default`] is the usual mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdherenceMap {
    pub work: Vec<AgentState>,
    pub break_: Vec<AgentState>,
    pub lunch: Vec<AgentState>,
    pub training: Vec<AgentState>,
    pub meeting: Vec<AgentState>,
}

impl Default for AdherenceMap {
    fn default() -> Self {
        use AgentState::*;
        AdherenceMap {
            work: vec![Ready, Talking, Acw],
            // Logging out for a break is normal; being on the phone is not.
            break_: vec![Break, Lunch, Logout],
            lunch: vec![Lunch, Break, Logout],
            training: vec![Training],
            meeting: vec![Meeting, Training],
        }
    }
}

impl AdherenceMap {
    /// Is `state` adherent during `activity`? `Off` is never scheduled, so always true.
    pub fn accepts(&self, activity: Activity, state: AgentState) -> bool {
        let list = match activity {
            Activity::Work => &self.work,
            Activity::Break => &self.break_,
            Activity::Lunch => &self.lunch,
            Activity::Training => &self.training,
            Activity::Meeting => &self.meeting,
            Activity::Off => return true,
        };
        list.contains(&state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_aliases() {
        for s in AgentState::ALL {
            assert_eq!(s.as_str().parse::<AgentState>(), Ok(s));
        }
        assert_eq!("Hold".parse::<AgentState>(), Ok(AgentState::Talking));
        assert_eq!(" WRAP ".parse::<AgentState>(), Ok(AgentState::Acw));
        assert!("sleeping".parse::<AgentState>().is_err());
    }

    #[test]
    fn default_map() {
        let m = AdherenceMap::default();
        assert!(m.accepts(Activity::Work, AgentState::Acw));
        assert!(!m.accepts(Activity::Work, AgentState::Break));
        assert!(m.accepts(Activity::Break, AgentState::Logout));
        assert!(!m.accepts(Activity::Break, AgentState::Acw));
        assert!(m.accepts(Activity::Off, AgentState::Talking));
        assert_eq!("phone".parse::<Activity>(), Ok(Activity::Work));
        assert!("nap".parse::<Activity>().is_err());
    }
}
