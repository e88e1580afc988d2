//! Labour rules for the scheduler: shift templates, breaks, lunch, rest, days off.
//! Plain data in minutes; `ccops demo` translates it into the scheduling engine's own types.

use serde::Serialize;

/// A break or lunch inside a shift, placed by the scheduler within a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakRule {
    /// "break" or "lunch" (the roster activity name).
    pub activity: String,
    pub minutes: u32,
    /// Window for the break's start, in minutes after the shift starts.
    pub earliest_after_start: u32,
    pub latest_after_start: u32,
    /// Paid breaks count towards contract minutes; lunch is unpaid.
    pub paid: bool,
}

/// A family of shifts: one length, starts every `start_step_minutes` within a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftTemplate {
    pub id: String,
    pub name: String,
    /// Earliest and latest start, minutes after local midnight.
    pub earliest_start: u32,
    pub latest_start: u32,
    pub start_step_minutes: u32,
    /// Time from start to end, breaks and lunch included.
    pub length_minutes: u32,
    pub breaks: Vec<BreakRule>,
    /// Which contracts may work it: weekly contract minutes.
    pub for_contract_minutes: Vec<u32>,
}

impl ShiftTemplate {
    /// Paid minutes of one shift (length minus unpaid breaks).
    pub fn paid_minutes(&self) -> u32 {
        self.length_minutes
            - self
                .breaks
                .iter()
                .filter(|b| !b.paid)
                .map(|b| b.minutes)
                .sum::<u32>()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    pub shift_templates: Vec<ShiftTemplate>,
    /// Minimum rest between the end of one shift and the start of the next.
    pub min_rest_minutes: u32,
    pub max_consecutive_days: u32,
    pub min_days_off_per_week: u32,
    /// Overtime cap above contract, per week.
    pub max_overtime_minutes_per_week: u32,
}

fn brk(activity: &str, minutes: u32, window: (u32, u32), paid: bool) -> BreakRule {
    BreakRule {
        activity: activity.into(),
        minutes,
        earliest_after_start: window.0,
        latest_after_start: window.1,
        paid,
    }
}

fn template(
    id: &str,
    name: &str,
    starts: (u32, u32),
    length: u32,
    breaks: Vec<BreakRule>,
    contract: u32,
) -> ShiftTemplate {
    ShiftTemplate {
        id: id.into(),
        name: name.into(),
        earliest_start: starts.0 * 60,
        latest_start: starts.1 * 60,
        start_step_minutes: 30,
        length_minutes: length,
        breaks,
        for_contract_minutes: vec![contract],
    }
}

impl Rules {
    /// The demo center's rules: 8-hour paid shifts (9 h with an unpaid lunch) for full-time
    /// agents, 6-hour shifts for part-timers, two paid 15-minute breaks, 11 hours' rest.
    pub fn demo() -> Self {
        let full_breaks = || {
            vec![
                brk("break", 15, (90, 150), true),
                brk("lunch", 60, (180, 300), false),
                brk("break", 15, (360, 450), true),
            ]
        };
        Rules {
            shift_templates: vec![
                template("early", "早班 Early", (7, 9), 540, full_breaks(), 2400),
                template("day", "中班 Day", (9, 12), 540, full_breaks(), 2400),
                template("late", "晚班 Late", (12, 14), 540, full_breaks(), 2400),
                template(
                    "part",
                    "短班 Part-time",
                    (8, 16),
                    390,
                    vec![
                        brk("break", 15, (90, 150), true),
                        brk("lunch", 30, (150, 240), false),
                    ],
                    1800,
                ),
            ],
            min_rest_minutes: 11 * 60,
            max_consecutive_days: 6,
            min_days_off_per_week: 2,
            max_overtime_minutes_per_week: 8 * 60,
        }
    }
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl Rules {
    /// The rules as a `ccops-schedule` rules file (TOML), with `holidays` ("YYYY-MM-DD" days
    /// off inside the horizon) so the scheduler can treat them as holidays.
    pub fn to_schedule_toml(&self, holidays: &[chrono::NaiveDate]) -> String {
        use std::fmt::Write;
        let mut t = String::from("# ccops demo center rules (ccops-schedule format)\n\n[limits]\n");
        let max_weekly = self
            .shift_templates
            .iter()
            .flat_map(|s| s.for_contract_minutes.iter())
            .max()
            .copied()
            .unwrap_or(2400)
            + self.max_overtime_minutes_per_week;
        let _ = write!(
            t,
            "min_rest_minutes = {}\nmax_consecutive_days = {}\nmin_days_off_per_week = {}\nmax_weekly_minutes = {}\n",
            self.min_rest_minutes,
            self.max_consecutive_days,
            self.min_days_off_per_week,
            max_weekly
        );
        let dates: Vec<String> = holidays.iter().map(|d| format!("\"{d}\"")).collect();
        let _ = write!(t, "\n[holidays]\ndates = [{}]\n", dates.join(", "));
        for s in &self.shift_templates {
            let _ = write!(
                t,
                "\n[[shift]]\nname = \"{}\"\nearliest_start = \"{}\"\nlatest_start = \"{}\"\nstart_step_minutes = {}\nlengths_minutes = [{}]\n",
                s.id,
                hhmm(s.earliest_start),
                hhmm(s.latest_start),
                s.start_step_minutes,
                s.length_minutes
            );
            for b in &s.breaks {
                let _ = write!(
                    t,
                    "[[shift.break]]\nkind = \"{}\"\nlength_minutes = {}\nearliest_offset_minutes = {}\nlatest_offset_minutes = {}\npaid = {}\n",
                    b.activity, b.minutes, b.earliest_after_start, b.latest_after_start, b.paid
                );
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_toml_lists_every_template_and_break() {
        let r = Rules::demo();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let t = r.to_schedule_toml(&[d]);
        assert_eq!(t.matches("[[shift]]").count(), r.shift_templates.len());
        let breaks: usize = r.shift_templates.iter().map(|s| s.breaks.len()).sum();
        assert_eq!(t.matches("[[shift.break]]").count(), breaks);
        assert!(t.contains("earliest_start = \"07:00\""));
        assert!(t.contains("dates = [\"2026-10-01\"]"));
    }

    #[test]
    fn five_shifts_make_each_contract_week() {
        let r = Rules::demo();
        for t in &r.shift_templates {
            let contract = t.for_contract_minutes[0];
            assert_eq!(t.paid_minutes() * 5, contract, "{}", t.id);
            for b in &t.breaks {
                assert!(b.earliest_after_start <= b.latest_after_start);
                assert!(
                    b.latest_after_start + b.minutes <= t.length_minutes,
                    "{} {}",
                    t.id,
                    b.activity
                );
            }
            // Late shifts still end by 23:00, when the last queue closes.
            assert!(t.latest_start + t.length_minutes <= 23 * 60, "{}", t.id);
        }
    }
}
