//! Chinese statutory holidays and 调休 make-up workdays for the demo history.
//!
//! A stop-gap until `ccops-calendar` publishes its table: the official State Council plans for
//! 2025 and 2026, and for other years an estimate (Spring Festival from the lunar new year, the
//! fixed-date holidays; no 调休) marked `official: false`. Real deployments keep holidays as
//! editable data in the database; this table only shapes the synthetic history.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Festival {
    NewYear,
    SpringFestival,
    Qingming,
    Labour,
    DragonBoat,
    MidAutumn,
    National,
}

impl Festival {
    pub fn name_zh(self) -> &'static str {
        match self {
            Festival::NewYear => "元旦",
            Festival::SpringFestival => "春节",
            Festival::Qingming => "清明节",
            Festival::Labour => "劳动节",
            Festival::DragonBoat => "端午节",
            Festival::MidAutumn => "中秋节",
            Festival::National => "国庆节",
        }
    }
}

/// A day off, or a weekend day that is worked instead (调休).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Off,
    /// 调休: a Saturday or Sunday worked to make the holiday longer.
    Workday,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub festival: Festival,
    pub kind: DayKind,
    /// true when the date comes from the published State Council plan, false when estimated.
    pub official: bool,
}

use DayKind::{Off, Workday};
use Festival::*;

/// (festival, first day off, last day off, make-up workdays) — State Council plans.
type Plan = (
    Festival,
    (i32, u32, u32),
    (i32, u32, u32),
    &'static [(i32, u32, u32)],
);

const OFFICIAL: [Plan; 13] = [
    (NewYear, (2025, 1, 1), (2025, 1, 1), &[]),
    (
        SpringFestival,
        (2025, 1, 28),
        (2025, 2, 4),
        &[(2025, 1, 26), (2025, 2, 8)],
    ),
    (Qingming, (2025, 4, 4), (2025, 4, 6), &[]),
    (Labour, (2025, 5, 1), (2025, 5, 5), &[(2025, 4, 27)]),
    (DragonBoat, (2025, 5, 31), (2025, 6, 2), &[]),
    // 2025: National Day and Mid-Autumn merged into one eight-day break.
    (
        National,
        (2025, 10, 1),
        (2025, 10, 8),
        &[(2025, 9, 28), (2025, 10, 11)],
    ),
    (NewYear, (2026, 1, 1), (2026, 1, 3), &[(2026, 1, 4)]),
    (
        SpringFestival,
        (2026, 2, 15),
        (2026, 2, 23),
        &[(2026, 2, 14), (2026, 2, 28)],
    ),
    (Qingming, (2026, 4, 4), (2026, 4, 6), &[]),
    (Labour, (2026, 5, 1), (2026, 5, 5), &[(2026, 5, 9)]),
    (DragonBoat, (2026, 6, 19), (2026, 6, 21), &[]),
    (MidAutumn, (2026, 9, 25), (2026, 9, 27), &[]),
    (
        National,
        (2026, 10, 1),
        (2026, 10, 7),
        &[(2026, 9, 20), (2026, 10, 10)],
    ),
];

const OFFICIAL_YEARS: [i32; 2] = [2025, 2026];

/// 正月初一 (lunar new year's day) in the Gregorian calendar.
const LUNAR_NEW_YEAR: [(i32, u32, u32); 16] = [
    (2020, 1, 25),
    (2021, 2, 12),
    (2022, 2, 1),
    (2023, 1, 22),
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 3),
    (2031, 1, 23),
    (2032, 2, 11),
    (2033, 1, 31),
    (2034, 2, 19),
    (2035, 2, 8),
];

fn ymd((y, m, d): (i32, u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// 正月初一 of `year`, when the table knows it.
pub fn lunar_new_year(year: i32) -> Option<NaiveDate> {
    LUNAR_NEW_YEAR
        .iter()
        .find(|d| d.0 == year)
        .and_then(|&d| ymd(d))
}

fn days_off(festival: Festival, first: NaiveDate, last: NaiveDate, official: bool) -> Vec<Holiday> {
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| Holiday {
            date,
            festival,
            kind: Off,
            official,
        })
        .collect()
}

fn year_holidays(year: i32) -> Vec<Holiday> {
    if OFFICIAL_YEARS.contains(&year) {
        let mut out = Vec::new();
        for &(festival, first, last, workdays) in OFFICIAL.iter().filter(|p| p.1.0 == year) {
            if let (Some(a), Some(b)) = (ymd(first), ymd(last)) {
                out.extend(days_off(festival, a, b, true));
            }
            out.extend(workdays.iter().filter_map(|&w| ymd(w)).map(|date| Holiday {
                date,
                festival,
                kind: Workday,
                official: true,
            }));
        }
        return out;
    }
    // Estimate: the fixed-date holidays and an eight-day Spring Festival from 除夕.
    let mut out = Vec::new();
    let mut fixed = |f, a: (u32, u32), b: (u32, u32)| {
        if let (Some(x), Some(y)) = (ymd((year, a.0, a.1)), ymd((year, b.0, b.1))) {
            out.extend(days_off(f, x, y, false));
        }
    };
    fixed(NewYear, (1, 1), (1, 1));
    fixed(Qingming, (4, 4), (4, 6));
    fixed(Labour, (5, 1), (5, 5));
    fixed(National, (10, 1), (10, 7));
    if let Some(lny) = lunar_new_year(year)
        && let (Some(eve), Some(last)) = (lny.pred_opt(), lny.checked_add_days(Days::new(6)))
    {
        out.extend(days_off(SpringFestival, eve, last, false));
    }
    out
}

/// Holidays and 调休 workdays with `from <= date < to`, sorted by date.
pub fn holidays_between(from: NaiveDate, to: NaiveDate) -> Vec<Holiday> {
    let mut out: Vec<Holiday> = (from.year()..=to.year())
        .flat_map(year_holidays)
        .filter(|h| h.date >= from && h.date < to)
        .collect();
    out.sort_by_key(|h| h.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tyme4rs::tyme::holiday::LegalHoliday;
    use tyme4rs::tyme::lunar::LunarDay;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    /// The official table agrees day by day with tyme4rs's independent 法定假日 data.
    #[test]
    fn official_years_match_tyme4rs() {
        let ours = holidays_between(d(2025, 1, 1), d(2027, 1, 1));
        for date in d(2025, 1, 1).iter_days().take_while(|x| x.year() < 2027) {
            let theirs = LegalHoliday::from_ymd(
                date.year() as isize,
                date.month() as usize,
                date.day() as usize,
            );
            let mine = ours.iter().find(|h| h.date == date);
            match (mine, theirs) {
                (None, None) => {}
                (Some(h), Some(t)) => assert_eq!(h.kind == Workday, t.is_work(), "{date}"),
                (m, t) => panic!("{date}: ours {m:?}, tyme4rs {:?}", t.map(|t| t.is_work())),
            }
        }
    }

    #[test]
    fn lunar_new_year_table_matches_tyme4rs() {
        for &(y, m, dd) in &LUNAR_NEW_YEAR {
            let solar = LunarDay::from_ymd(y as isize, 1, 1).get_solar_day();
            assert_eq!(
                (
                    solar.get_year() as i32,
                    solar.get_month() as u32,
                    solar.get_day() as u32
                ),
                (y, m, dd)
            );
        }
    }

    #[test]
    fn estimated_year_has_an_eight_day_spring_festival_from_the_eve() {
        let hs = holidays_between(d(2027, 1, 1), d(2028, 1, 1));
        let sf: Vec<_> = hs.iter().filter(|h| h.festival == SpringFestival).collect();
        assert_eq!(sf.len(), 8);
        assert_eq!(sf[0].date, d(2027, 2, 5));
        assert!(hs.iter().all(|h| !h.official));
    }

    #[test]
    fn range_is_half_open_and_sorted() {
        let hs = holidays_between(d(2026, 2, 15), d(2026, 2, 23));
        assert_eq!(hs.len(), 8);
        assert!(hs.windows(2).all(|w| w[0].date < w[1].date));
    }
}
