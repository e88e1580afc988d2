//! Labour rules and scheduling options, read from TOML (documented in the README with a complete
//! commented example). Everything is data: per-site rules are just different files.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::ScheduleError;

/// The whole rules file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Shift templates; a day may use every template whose `days` match it.
    #[serde(default, rename = "shift")]
    pub shifts: Vec<ShiftTemplate>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub breaks: BreakPolicy,
    #[serde(default)]
    pub weights: Weights,
    #[serde(default)]
    pub holidays: Holidays,
    #[serde(default, rename = "queue")]
    pub queues: Vec<QueueRule>,
    #[serde(default, rename = "rotation")]
    pub rotations: Vec<Rotation>,
    #[serde(default, rename = "time_off")]
    pub time_off: Vec<TimeOff>,
    #[serde(default, rename = "fixed")]
    pub fixed: Vec<FixedShift>,
    #[serde(default, rename = "preference")]
    pub preferences: Vec<Preference>,
    #[serde(default)]
    pub reoptimise: Reoptimise,
}

/// A family of shifts: starts from `earliest_start` to `latest_start` every `start_step_minutes`,
/// each with one of `lengths_minutes` (span including breaks).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTemplate {
    pub name: String,
    /// Day kinds this template is used on: `mon`…`sun`, `holiday` (a date in `[holidays] dates`).
    /// Default: all weekdays and holidays.
    #[serde(default = "all_days")]
    pub days: Vec<String>,
    /// "HH:MM" local time.
    pub earliest_start: String,
    pub latest_start: String,
    #[serde(default = "default_step")]
    pub start_step_minutes: u32,
    pub lengths_minutes: Vec<u32>,
    /// Breaks of this shift, in order.
    #[serde(default, rename = "break")]
    pub breaks: Vec<BreakRule>,
}

fn all_days() -> Vec<String> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"].iter().map(|s| s.to_string()).collect()
}
fn default_step() -> u32 {
    15
}

/// One kind of break in a shift; `count` of them, each `length_minutes`, starting between
/// `earliest_offset_minutes` and `latest_offset_minutes` after the shift start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakRule {
    /// `break` or `lunch` (written as the roster activity).
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default = "one")]
    pub count: u32,
    pub length_minutes: u32,
    pub earliest_offset_minutes: u32,
    pub latest_offset_minutes: u32,
    /// Paid breaks count toward worked minutes (default: `break` paid, `lunch` unpaid).
    pub paid: Option<bool>,
    /// Only for shifts at least this long (e.g. lunch only on 8 h shifts).
    #[serde(default)]
    pub min_shift_minutes: u32,
}

fn default_kind() -> String {
    "break".into()
}
fn one() -> u32 {
    1
}

impl BreakRule {
    pub fn is_paid(&self) -> bool {
        self.paid.unwrap_or(self.kind != "lunch")
    }
}

/// Placement rules common to all breaks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakPolicy {
    /// Minimum minutes between the end of one break and the start of the next.
    #[serde(default = "default_gap")]
    pub min_gap_minutes: u32,
    /// Staggering: at most this fraction of the agents at work in an interval may be on a break
    /// (at least one is always allowed), so the floor is never emptied.
    #[serde(default = "default_frac")]
    pub max_on_break_fraction: f64,
}

fn default_gap() -> u32 {
    60
}
fn default_frac() -> f64 {
    0.34
}

impl Default for BreakPolicy {
    fn default() -> Self {
        BreakPolicy { min_gap_minutes: default_gap(), max_on_break_fraction: default_frac() }
    }
}

/// Hard limits. Weeks are 7-day blocks from the horizon start; a shorter last block is prorated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Minimum minutes between the end of one shift and the start of the next.
    #[serde(default = "default_rest")]
    pub min_rest_minutes: u32,
    #[serde(default = "default_consec")]
    pub max_consecutive_days: u32,
    #[serde(default = "default_days_off")]
    pub min_days_off_per_week: u32,
    /// At least one pair of consecutive days off in every full week.
    #[serde(default)]
    pub paired_days_off: bool,
    /// Maximum paid minutes on one day (one shift).
    #[serde(default = "default_daily")]
    pub max_daily_minutes: u32,
    /// Maximum paid minutes in a week (in addition to the contract).
    #[serde(default = "default_weekly")]
    pub max_weekly_minutes: u32,
    /// Paid minutes per week must be within contract ± this tolerance.
    #[serde(default)]
    pub contract_tolerance_minutes: u32,
    /// Night window "HH:MM"–"HH:MM"; a shift with any work in it is a night shift.
    #[serde(default = "default_night_start")]
    pub night_start: String,
    #[serde(default = "default_night_end")]
    pub night_end: String,
    #[serde(default = "seven")]
    pub max_nights_per_week: u32,
    #[serde(default = "seven")]
    pub max_consecutive_nights: u32,
    /// Stable start times: within a week an agent's shift starts differ by at most this (hard).
    pub max_start_spread_minutes: Option<u32>,
}

fn default_rest() -> u32 {
    660
}
fn default_consec() -> u32 {
    6
}
fn default_days_off() -> u32 {
    2
}
fn default_daily() -> u32 {
    600
}
fn default_weekly() -> u32 {
    3000
}
fn default_night_start() -> String {
    "22:00".into()
}
fn default_night_end() -> String {
    "06:00".into()
}
fn seven() -> u32 {
    7
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min_rest_minutes: default_rest(),
            max_consecutive_days: default_consec(),
            min_days_off_per_week: default_days_off(),
            paired_days_off: false,
            max_daily_minutes: default_daily(),
            max_weekly_minutes: default_weekly(),
            contract_tolerance_minutes: 0,
            night_start: default_night_start(),
            night_end: default_night_end(),
            max_nights_per_week: 7,
            max_consecutive_nights: 7,
            max_start_spread_minutes: None,
        }
    }
}

/// Objective weights. Costs are per agent-hour; under-staffing should dominate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    #[serde(default = "w_under")]
    pub under: f64,
    #[serde(default = "w_over")]
    pub over: f64,
    /// Fairness: penalty × Σ_agents (count − mean)² for weekend days, night shifts, holiday days.
    #[serde(default = "w_fair")]
    pub weekend_fairness: f64,
    #[serde(default = "w_fair")]
    pub night_fairness: f64,
    #[serde(default = "w_fair")]
    pub holiday_fairness: f64,
    /// Per hour of difference between an agent's start and their week's first start.
    #[serde(default = "w_stab")]
    pub start_stability: f64,
    /// Multiplies each preference's own weight.
    #[serde(default = "w_pref")]
    pub preference: f64,
}

fn w_under() -> f64 {
    1000.0
}
fn w_over() -> f64 {
    10.0
}
fn w_fair() -> f64 {
    1.0
}
fn w_stab() -> f64 {
    0.5
}
fn w_pref() -> f64 {
    2.0
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            under: w_under(),
            over: w_over(),
            weekend_fairness: w_fair(),
            night_fairness: w_fair(),
            holiday_fairness: w_fair(),
            start_stability: w_stab(),
            preference: w_pref(),
        }
    }
}

/// Holiday dates are input data (e.g. from `ccops-calendar`); rules may treat them differently.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holidays {
    /// "YYYY-MM-DD" dates that are holidays (their day kind is `holiday`).
    #[serde(default)]
    pub dates: Vec<String>,
    /// Hard cap on holiday days worked per agent over the horizon (e.g. a Spring Festival rota).
    pub max_days_per_agent: Option<u32>,
}

/// Per-queue under-staffing weight multiplier.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueRule {
    pub name: String,
    #[serde(default = "one_f")]
    pub under_weight: f64,
}

fn one_f() -> f64 {
    1.0
}

/// A repeating N-week days-off pattern: one string per week, 7 chars Mon..Sun (or from the
/// horizon start), `W` = may work, `O` = must be off. Applies to the listed agents and teams.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    pub name: String,
    #[serde(default)]
    pub agents: Vec<String>,
    #[serde(default)]
    pub teams: Vec<String>,
    pub weeks: Vec<String>,
    /// Which pattern week the horizon's first week is (0-based).
    #[serde(default)]
    pub start_week: u32,
}

/// Approved leave or unavailability: the agent must not work in [start, end).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeOff {
    pub agent: String,
    /// Local "YYYY-MM-DDTHH:MM" (or a date = its midnight).
    pub start: String,
    pub end: String,
    /// Counts toward contract minutes (paid leave). Default true.
    #[serde(default = "yes")]
    pub paid: bool,
}

fn yes() -> bool {
    true
}

/// A shift that must be kept exactly (breaks are still placed by the scheduler).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedShift {
    pub agent: String,
    pub start: String,
    pub end: String,
}

/// Soft wishes of one agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    pub agent: String,
    /// Day kinds (`mon`…`sun`, `holiday`) the agent would rather not work.
    #[serde(default)]
    pub avoid_days: Vec<String>,
    /// Preferred start "HH:MM"; cost per hour of difference.
    pub preferred_start: Option<String>,
    #[serde(default = "one_f")]
    pub weight: f64,
}

/// Re-optimisation against an existing roster (`--existing`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reoptimise {
    /// Cost per changed agent-day (a different start, length, or work/off status).
    #[serde(default = "w_change")]
    pub change_penalty: f64,
    /// Hard cap on changed agent-days (none = unlimited).
    pub max_changed_days: Option<u32>,
    /// Days before this local date are frozen (kept exactly as in the existing roster).
    pub freeze_before: Option<String>,
}

fn w_change() -> f64 {
    200.0
}

impl Default for Reoptimise {
    fn default() -> Self {
        Reoptimise { change_penalty: w_change(), max_changed_days: None, freeze_before: None }
    }
}

/// Parse "HH:MM" into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let t = NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()?;
    use chrono::Timelike;
    Some(t.hour() * 60 + t.minute())
}

/// Parse a local date-time "YYYY-MM-DDTHH:MM[:SS]" or a date (its midnight).
pub fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// Day-kind name of a weekday.
pub fn weekday_name(w: Weekday) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.num_days_from_monday() as usize]
}

const DAY_KINDS: [&str; 8] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"];

impl Rules {
    /// Parse and validate a TOML rules file.
    pub fn from_toml(text: &str) -> Result<Rules, ScheduleError> {
        let rules: Rules = toml::from_str(text).map_err(|e| ScheduleError::Rules(e.to_string()))?;
        rules.validate()?;
        Ok(rules)
    }

    /// Check values that TOML typing cannot (times, ranges, names).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let bad = |m: String| Err(ScheduleError::Rules(m));
        if self.shifts.is_empty() {
            return bad("no [[shift]] templates: at least one shift template is needed".into());
        }
        for t in &self.shifts {
            let e = parse_hhmm(&t.earliest_start);
            let l = parse_hhmm(&t.latest_start);
            let (Some(e), Some(l)) = (e, l) else {
                return bad(format!("shift `{}`: earliest_start/latest_start must be \"HH:MM\"", t.name));
            };
            if l < e {
                return bad(format!("shift `{}`: latest_start {} is before earliest_start {}", t.name, t.latest_start, t.earliest_start));
            }
            if t.start_step_minutes == 0 {
                return bad(format!("shift `{}`: start_step_minutes must be > 0", t.name));
            }
            if t.lengths_minutes.is_empty() || t.lengths_minutes.iter().any(|&x| x == 0 || x > 24 * 60) {
                return bad(format!("shift `{}`: lengths_minutes must be 1..=1440 and not empty", t.name));
            }
            for d in &t.days {
                if !DAY_KINDS.contains(&d.as_str()) {
                    return bad(format!("shift `{}`: unknown day `{d}` (use mon…sun or holiday)", t.name));
                }
            }
            for b in &t.breaks {
                if b.latest_offset_minutes < b.earliest_offset_minutes {
                    return bad(format!("shift `{}`: a {} window ends before it starts", t.name, b.kind));
                }
                if b.length_minutes == 0 || b.count == 0 {
                    return bad(format!("shift `{}`: {} length and count must be > 0", t.name, b.kind));
                }
                for &len in &t.lengths_minutes {
                    if len >= b.min_shift_minutes && b.latest_offset_minutes + b.length_minutes > len {
                        return bad(format!(
                            "shift `{}`: {} window (up to {} min + {} min) does not fit a {len}-minute shift",
                            t.name, b.kind, b.latest_offset_minutes, b.length_minutes
                        ));
                    }
                }
            }
        }
        if parse_hhmm(&self.limits.night_start).is_none() || parse_hhmm(&self.limits.night_end).is_none() {
            return bad("limits: night_start/night_end must be \"HH:MM\"".into());
        }
        if self.limits.min_days_off_per_week > 7 {
            return bad("limits: min_days_off_per_week must be ≤ 7".into());
        }
        if !(0.0..=1.0).contains(&self.breaks.max_on_break_fraction) {
            return bad("breaks: max_on_break_fraction must be in 0..=1".into());
        }
        for d in &self.holidays.dates {
            if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return bad(format!("holidays: `{d}` is not a YYYY-MM-DD date"));
            }
        }
        for r in &self.rotations {
            if r.weeks.is_empty() || r.weeks.iter().any(|w| w.len() != 7 || !w.chars().all(|c| c == 'W' || c == 'O')) {
                return bad(format!("rotation `{}`: weeks must be 7-character strings of W and O", r.name));
            }
        }
        for t in &self.time_off {
            if parse_local(&t.start).is_none() || parse_local(&t.end).is_none() {
                return bad(format!("time_off for `{}`: start/end must be local YYYY-MM-DDTHH:MM", t.agent));
            }
        }
        for f in &self.fixed {
            if parse_local(&f.start).is_none() || parse_local(&f.end).is_none() {
                return bad(format!("fixed shift for `{}`: start/end must be local YYYY-MM-DDTHH:MM", f.agent));
            }
        }
        for p in &self.preferences {
            if p.preferred_start.as_deref().is_some_and(|s| parse_hhmm(s).is_none()) {
                return bad(format!("preference for `{}`: preferred_start must be \"HH:MM\"", p.agent));
            }
            for d in &p.avoid_days {
                if !DAY_KINDS.contains(&d.as_str()) {
                    return bad(format!("preference for `{}`: unknown day `{d}`", p.agent));
                }
            }
        }
        if let Some(f) = &self.reoptimise.freeze_before
            && parse_local(f).is_none()
        {
            return bad("reoptimise: freeze_before must be a local date or date-time".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
[[shift]]
name = "day"
earliest_start = "08:00"
latest_start = "10:00"
lengths_minutes = [480]
"#;

    #[test]
    fn minimal_file_gets_defaults() {
        let r = Rules::from_toml(MIN).unwrap();
        assert_eq!(r.shifts[0].days.len(), 8);
        assert_eq!(r.limits.min_rest_minutes, 660);
        assert_eq!(r.weights.under, 1000.0);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Rules::from_toml("").unwrap_err().to_string();
        assert!(e.contains("no [[shift]]"), "{e}");
        let e = Rules::from_toml(&MIN.replace("10:00", "7:61")).unwrap_err().to_string();
        assert!(e.contains("HH:MM"), "{e}");
        let e = Rules::from_toml(&MIN.replace("10:00", "07:00")).unwrap_err().to_string();
        assert!(e.contains("before earliest_start"), "{e}");
        let e = Rules::from_toml(&format!("{MIN}\n[limits]\nmin_rest = 3\n")).unwrap_err().to_string();
        assert!(e.contains("unknown field"), "{e}");
        let e = Rules::from_toml(&format!("{MIN}days = [\"funday\"]\n")).unwrap_err().to_string();
        assert!(e.contains("funday"), "{e}");
        let bad_break = format!("{MIN}[[shift.break]]\nlength_minutes = 60\nearliest_offset_minutes = 400\nlatest_offset_minutes = 450\n");
        let e = Rules::from_toml(&bad_break).unwrap_err().to_string();
        assert!(e.contains("does not fit"), "{e}");
        let e = Rules::from_toml(&format!("{MIN}[[rotation]]\nname = \"r\"\nweeks = [\"WWWWWO\"]\n")).unwrap_err().to_string();
        assert!(e.contains("rotation `r`"), "{e}");
    }
}
