//! A realistic demo contact center, generated from a seed. Pure: no files, no clock, no network —
//! the caller passes "today" and gets plain structs back.
//!
//! What it builds (one call, [`generate`]):
//! - **organisation**: two sites (上海, 成都), two tenants (the house center and a BPO client,
//!   华信保险, with its own queues), skills (one per queue), teams;
//! - **queues** on four channels — Chinese voice, English voice, chat (with concurrency), email
//!   (with a response deadline) — each with AHT, service-level target, patience;
//! - **agents** (~100 by default) with Chinese and English names, skills, 40 h or 30 h contracts,
//!   site and team;
//! - **users**, one per role (admin, planner, supervisor, agent, QA, client viewer), with the
//!   known demo passwords in [`DEMO_PASSWORD_NOTE`];
//! - **interval history**: 15-minute rows per queue from `today − history_days` to yesterday, with
//!   intraday and weekly shapes, trend, Poisson noise, AHT variation, Chinese statutory holidays,
//!   调休 make-up workdays and a Spring Festival (surge before, dip during);
//! - **rules** for the scheduler: shift templates, breaks, lunch, rest.
//!
//! ```
//! use ccops_demo::{generate, DemoConfig};
//! let center = generate(&DemoConfig::small(7, chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())).unwrap();
//! assert!(!center.agents.is_empty());
//! assert!(center.history.iter().all(|h| h.offered >= h.handled + h.abandoned));
//! ```
//!
//! The same seed and date always give the same center (a `StdRng` seeded from `seed`).
//! Holidays come from `ccops-calendar` ([`holidays::holidays_between`]): the official tables,
//! and provisional years computed from lunar dates where no State Council notice exists yet.

pub mod baseline;
mod center;
pub mod history;
pub mod holidays;
mod names;
mod rules;

pub use center::{
    Agent, Center, Channel, DEMO_PASSWORD_NOTE, Queue, Role, Site, Team, Tenant, User,
};
pub use history::HistoryRow;
pub use holidays::{DayKind, Holiday};
pub use rules::{BreakRule, Rules, ShiftTemplate};

use chrono::NaiveDate;

/// What to generate. Use [`DemoConfig::full`] for the demo and [`DemoConfig::small`] for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    /// Everything random derives from this seed.
    pub seed: u64,
    /// The center's "today" (Asia/Shanghai date); history ends the day before.
    pub today: NaiveDate,
    /// Days of history before today (365 for the full demo).
    pub history_days: u32,
    /// Number of agents (≈100 for the full demo). At least one per team is kept.
    pub agents: usize,
    /// Scales every queue's volume, so a smaller agent count still matches the workload.
    pub volume_scale: f64,
}

impl DemoConfig {
    /// The full-size demo: a year of history, 100 agents.
    pub fn full(seed: u64, today: NaiveDate) -> Self {
        DemoConfig {
            seed,
            today,
            history_days: 365,
            agents: 100,
            volume_scale: 1.0,
        }
    }

    /// A reduced center for fast tests: still a year of history (so the Spring Festival is in
    /// it), but 30 agents and volumes scaled to match.
    pub fn small(seed: u64, today: NaiveDate) -> Self {
        DemoConfig {
            seed,
            today,
            history_days: 365,
            agents: 30,
            volume_scale: 0.22,
        }
    }
}

/// Why a center could not be generated (only on nonsensical configuration).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DemoError {
    #[error("history_days must be between 1 and 3660, got {0}")]
    HistoryDays(u32),
    #[error("agents must be between 7 and 5000 (one per team at least), got {0}")]
    Agents(usize),
    #[error("volume_scale must be a positive finite number, got {0}")]
    VolumeScale(f64),
    #[error("date out of range: {0} days before {1}")]
    DateRange(u32, NaiveDate),
}

/// Build the whole demo center. Deterministic in `config`.
pub fn generate(config: &DemoConfig) -> Result<Center, DemoError> {
    if config.history_days == 0 || config.history_days > 3660 {
        return Err(DemoError::HistoryDays(config.history_days));
    }
    if config.agents < center::TEAM_COUNT || config.agents > 5000 {
        return Err(DemoError::Agents(config.agents));
    }
    if !(config.volume_scale.is_finite() && config.volume_scale > 0.0) {
        return Err(DemoError::VolumeScale(config.volume_scale));
    }
    let start = config
        .today
        .checked_sub_days(chrono::Days::new(config.history_days.into()))
        .ok_or(DemoError::DateRange(config.history_days, config.today))?;
    let mut center = center::organisation(config);
    let holidays = holidays::holidays_between(start, config.today);
    center.history = history::generate(&center.queues, &holidays, start, config.today, config.seed);
    center.holidays = holidays;
    center.rules = rules::Rules::demo();
    Ok(center)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn same_seed_same_center_other_seed_other_history() {
        let a = generate(&DemoConfig::small(1, today())).unwrap();
        let b = generate(&DemoConfig::small(1, today())).unwrap();
        let c = generate(&DemoConfig::small(2, today())).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.history, c.history);
    }

    #[test]
    fn rejects_nonsense_config() {
        let mut c = DemoConfig::small(1, today());
        c.agents = 2;
        assert_eq!(generate(&c), Err(DemoError::Agents(2)));
        c = DemoConfig::small(1, today());
        c.history_days = 0;
        assert_eq!(generate(&c), Err(DemoError::HistoryDays(0)));
        c = DemoConfig::small(1, today());
        c.volume_scale = f64::NAN;
        assert!(matches!(generate(&c), Err(DemoError::VolumeScale(_))));
    }

    #[test]
    fn history_ends_yesterday_and_covers_every_queue() {
        let center = generate(&DemoConfig::small(3, today())).unwrap();
        let last = center
            .history
            .iter()
            .map(|h| h.interval_start.date_naive())
            .max()
            .unwrap();
        assert_eq!(last, today().pred_opt().unwrap());
        for q in &center.queues {
            assert!(
                center
                    .history
                    .iter()
                    .any(|h| h.queue == q.id && h.offered > 0),
                "{}",
                q.id
            );
        }
    }
}
