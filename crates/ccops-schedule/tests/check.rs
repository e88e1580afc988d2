//! The checker on hand-made rosters: one legal week, then one violation per rule.

use ccops_schedule::{Agent, Requirements, Rules, Segment, check};
use chrono::{NaiveDate, NaiveDateTime};

const RULES: &str = r#"
[[shift]]
name = "day"
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday"]
earliest_start = "08:00"
latest_start = "12:00"
start_step_minutes = 60
lengths_minutes = [480]
[[shift.break]]
kind = "break"
length_minutes = 15
earliest_offset_minutes = 120
latest_offset_minutes = 240

[[shift]]
name = "night"
earliest_start = "22:00"
latest_start = "22:00"
lengths_minutes = [480]
[[shift.break]]
kind = "break"
length_minutes = 15
earliest_offset_minutes = 120
latest_offset_minutes = 240

[limits]
min_rest_minutes = 660
max_consecutive_days = 5
min_days_off_per_week = 2
paired_days_off = true
max_daily_minutes = 480
max_weekly_minutes = 2400
contract_tolerance_minutes = 0
max_nights_per_week = 2
max_consecutive_nights = 2
max_start_spread_minutes = 120

[breaks]
min_gap_minutes = 60
max_on_break_fraction = 0.5

[holidays]
dates = ["2026-02-17"]
max_days_per_agent = 1

[[rotation]]
name = "weekday-team"
teams = ["T"]
weeks = ["WWWWWOO"]

[[time_off]]
agent = "B"
start = "2026-02-21T00:00"
end = "2026-02-22T00:00"
paid = false
"#;

fn t(day: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 2, day).unwrap().and_hms_opt(h % 24, m, 0).unwrap()
        + chrono::Duration::days((h / 24) as i64)
}

fn agent(id: &str, team: Option<&str>) -> Agent {
    Agent { id: id.into(), name: id.into(), skills: vec!["q".into()], contract_minutes_per_week: 2400, site: None, team: team.map(Into::into) }
}

/// An 8 h shift starting at `h`:00 on `day` with a 15-min break at `brk` minutes after start.
fn shift(a: &str, day: u32, h: u32, brk: i64) -> Vec<Segment> {
    let s = t(day, h, 0);
    let b = s + chrono::Duration::minutes(brk);
    let e = s + chrono::Duration::minutes(480);
    let seg = |x, y, act: &str| Segment { agent_id: a.into(), start: x, end: y, activity: act.into() };
    vec![seg(s, b, "work"), seg(b, b + chrono::Duration::minutes(15), "break"), seg(b + chrono::Duration::minutes(15), e, "work")]
}

/// Mon 16 – Fri 20 Feb 2026 at 09:00, breaks at +120 (A) and +180 (B).
fn legal() -> Vec<Segment> {
    let mut r = Vec::new();
    for d in 16..=20 {
        r.extend(shift("A", d, 9, 120));
        r.extend(shift("B", d, 9, 180));
    }
    r
}

fn agents() -> Vec<Agent> {
    vec![agent("A", Some("T")), agent("B", None)]
}

fn rules() -> Rules {
    Rules::from_toml(RULES).unwrap()
}

fn rules_broken(roster: &[Segment]) -> Vec<String> {
    let rep = check(roster, &rules(), &agents(), None).unwrap();
    rep.violations.iter().map(|v| v.rule.clone()).collect()
}

fn replace_day(roster: &mut Vec<Segment>, a: &str, day: u32, with: Vec<Segment>) {
    roster.retain(|s| !(s.agent_id == a && s.start.date() == NaiveDate::from_ymd_opt(2026, 2, day).unwrap()));
    roster.extend(with);
}

#[test]
fn legal_week_has_no_violation() {
    assert_eq!(rules_broken(&legal()), Vec::<String>::new());
}

#[test]
fn each_rule_is_caught() {
    let cases: Vec<(&str, Box<dyn Fn(&mut Vec<Segment>)>)> = vec![
        ("limits.min_rest_minutes", Box::new(|r| {
            // Thu 09–17 then a Fri shift moved to start... use a night Mon → Tue 09:00.
            replace_day(r, "B", 16, shift("B", 16, 22, 120));
        })),
        ("limits.max_consecutive_days", Box::new(|r| r.extend(shift("B", 21, 9, 120)))),
        ("limits.min_days_off_per_week", Box::new(|r| {
            r.extend(shift("B", 22, 9, 120));
            r.extend(shift("B", 21, 9, 120));
        })),
        ("limits.paired_days_off", Box::new(|r| {
            replace_day(r, "B", 18, vec![]);
            r.extend(shift("B", 22, 9, 120));
        })),
        ("contract_minutes_per_week", Box::new(|r| replace_day(r, "A", 20, vec![]))),
        ("shift", Box::new(|r| replace_day(r, "A", 18, shift("A", 18, 7, 120)))),
        ("shift.break", Box::new(|r| replace_day(r, "A", 18, shift("A", 18, 9, 60)))),
        ("time_off", Box::new(|r| {
            replace_day(r, "B", 20, vec![]);
            r.extend(shift("B", 21, 9, 120));
        })),
        ("rotation", Box::new(|r| {
            replace_day(r, "A", 20, vec![]);
            r.extend(shift("A", 21, 9, 120));
        })),
        ("limits.max_start_spread_minutes", Box::new(|r| replace_day(r, "A", 18, shift("A", 18, 12, 120)))),
        ("breaks.max_on_break_fraction", Box::new(|r| replace_day(r, "B", 18, shift("B", 18, 9, 120)))),
        ("segment", Box::new(|r| {
            let s = t(18, 10, 0);
            r.push(Segment { agent_id: "A".into(), start: s, end: s + chrono::Duration::minutes(30), activity: "training".into() });
        })),
        ("agents", Box::new(|r| r.extend(shift("Z", 18, 9, 120)))),
    ];
    for (rule, f) in cases {
        let mut r = legal();
        f(&mut r);
        let broken = rules_broken(&r);
        assert!(broken.iter().any(|b| b == rule), "expected `{rule}` among {broken:?}");
    }
}

#[test]
fn night_and_holiday_limits() {
    // Agent B works nights Mon–Wed (3 > 2 per week and 3 in a row) → both night rules.
    let mut r: Vec<Segment> = Vec::new();
    for d in 16..=18 {
        r.extend(shift("B", d, 22, 120));
    }
    let broken = rules_broken(&r);
    assert!(broken.contains(&"limits.max_nights_per_week".to_string()), "{broken:?}");
    assert!(broken.contains(&"limits.max_consecutive_nights".to_string()), "{broken:?}");
    // Two holidays worked with a cap of one.
    let mut rules = rules();
    rules.holidays.dates.push("2026-02-18".into());
    let rep = check(&legal(), &rules, &agents(), None).unwrap();
    assert!(rep.violations.iter().any(|v| v.rule == "holidays.max_days_per_agent" && v.agent == "A"), "{:?}", rep.violations);
}

#[test]
fn fixed_shift_must_be_present() {
    let mut rules = rules();
    rules.fixed.push(ccops_schedule::rules::FixedShift { agent: "A".into(), start: "2026-02-16T10:00".into(), end: "2026-02-16T18:00".into() });
    let rep = check(&legal(), &rules, &agents(), None).unwrap();
    assert_eq!(rep.violations.len(), 1);
    assert_eq!(rep.violations[0].rule, "fixed");
}

#[test]
fn coverage_report_counts_under_and_over() {
    // One queue needing 1 agent 09:00–10:00 Monday and 3 agents 10:00–10:15.
    let start = t(16, 0, 0);
    let mut req = Requirements { start, days: 7, slot_minutes: 15, queues: vec!["q".into()], required: vec![vec![0.0; 7 * 96]], weight: vec![vec![1.0; 7 * 96]] };
    for s in 36..40 {
        req.required[0][s] = 1.0;
    }
    req.required[0][40] = 3.0;
    let rep = check(&legal(), &rules(), &agents(), Some(&req)).unwrap();
    let cov = rep.coverage.unwrap();
    // 2 agents present from 09:00: 09–10 over by 1 (4 slots) → 1 h; 10:00 short by 1 → 0.25 h.
    assert!((cov.under_hours - 0.25).abs() < 1e-9, "{}", cov.under_hours);
    let mon_work_h = 2.0 * (8.0 - 0.25) - 1.0 - 2.0 * 0.25; // minus required-and-served hours
    assert!((cov.over_hours - (mon_work_h + 4.0 * 2.0 * 7.75)).abs() < 1e-9, "{}", cov.over_hours);
}
