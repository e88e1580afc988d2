//! Chinese statutory holidays and 调休 make-up workdays for the demo history, taken from
//! `ccops-calendar` (the official State Council tables, and provisional years computed from lunar
//! dates where no notice exists yet; `official: false` marks those).

use ccops_calendar::{Calendar, HolidayTable};
use chrono::{Datelike, NaiveDate};
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

/// Our festival for a `ccops-calendar` holiday name (Chinese names, e.g. "春节", "国庆节").
fn festival(name: &str) -> Festival {
    const NAMES: [(&str, Festival); 7] = [
        ("春节", SpringFestival),
        ("元旦", NewYear),
        ("清明", Qingming),
        ("劳动", Labour),
        ("端午", DragonBoat),
        ("中秋", MidAutumn),
        ("国庆", National),
    ];
    // The 2025 merged break is named after both; National Day wins, as on the notice.
    NAMES
        .iter()
        .rev()
        .find(|(n, _)| name.contains(n))
        .map_or(National, |(_, f)| *f)
}

/// The calendar the demo uses: the built-in Chinese table, plus provisional tables for any year
/// in `[from, to]` it lacks.
fn calendar(from: i32, to: i32) -> HolidayTable {
    let mut table = Calendar::china().holidays;
    for year in from..=to {
        if !table.has_year(year) {
            table.merge(HolidayTable::provisional_year(year));
        }
    }
    table
}

/// 正月初一 (lunar new year's day) of `year`.
pub fn lunar_new_year(year: i32) -> Option<NaiveDate> {
    ccops_calendar::spring_festival(year)
}

/// Holidays and 调休 workdays with `from <= date < to`, sorted by date.
pub fn holidays_between(from: NaiveDate, to: NaiveDate) -> Vec<Holiday> {
    let table = calendar(from.year(), to.year());
    let mut out: Vec<Holiday> = table
        .entries()
        .filter(|(d, _)| **d >= from && **d < to)
        .map(|(date, e)| Holiday {
            date: *date,
            festival: festival(&e.name),
            kind: if e.working { Workday } else { Off },
            official: !table.is_provisional(date.year()),
        })
        .collect();
    out.sort_by_key(|h| h.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tyme4rs::tyme::holiday::LegalHoliday;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    /// Every 2025–2026 day agrees with tyme4rs's independent 法定假日 data.
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
        let sf: Vec<_> = ours
            .iter()
            .filter(|h| h.festival == SpringFestival && h.kind == Off && h.date.year() == 2026)
            .collect();
        assert_eq!((sf.len(), sf[0].date), (9, d(2026, 2, 15)));
        assert!(ours.iter().all(|h| h.official));
    }

    #[test]
    fn provisional_year_has_a_spring_festival_around_the_lunar_new_year() {
        let lny = lunar_new_year(2028).unwrap();
        assert_eq!(lny, d(2028, 1, 26));
        let hs = holidays_between(d(2028, 1, 1), d(2029, 1, 1));
        assert!(
            hs.iter()
                .any(|h| h.festival == SpringFestival && h.date == lny)
        );
        assert!(hs.iter().all(|h| !h.official));
    }

    #[test]
    fn range_is_half_open_and_sorted() {
        let hs = holidays_between(d(2026, 2, 15), d(2026, 2, 23));
        assert_eq!(hs.len(), 8);
        assert!(hs.windows(2).all(|w| w[0].date < w[1].date));
    }
}
