//! Gregorian ↔ Chinese lunar conversion via tyme4rs (which computes in UTC+8, as GB/T 33661
//! requires). Restricted to 1900–2100, the range we test and the only one a contact center needs.

use chrono::{Datelike, NaiveDate};
use tyme4rs::tyme::lunar::{LunarDay, LunarMonth};
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// A Chinese lunar date. `year` is the lunar year number (the Gregorian year in which its 正月 starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    pub year: i32,
    /// 1..=12
    pub month: u32,
    pub day: u32,
    /// True for a leap month (闰月), which repeats the previous month's number.
    pub leap: bool,
}

const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2100;

fn in_range(year: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&year)
}

/// Gregorian → lunar; `None` outside 1900–2100.
pub fn to_lunar(date: NaiveDate) -> Option<LunarDate> {
    if !in_range(date.year()) {
        return None;
    }
    let l = SolarDay::from_ymd(date.year() as isize, date.month() as usize, date.day() as usize).get_lunar_day();
    let m = l.get_month();
    Some(LunarDate { year: l.get_year() as i32, month: m.unsigned_abs() as u32, day: l.get_day() as u32, leap: m < 0 })
}

/// Lunar → Gregorian; `None` for dates that do not exist (e.g. day 30 of a short month, a leap
/// month the year does not have) or outside the range.
pub fn from_lunar(lunar: LunarDate) -> Option<NaiveDate> {
    if !in_range(lunar.year) || !(1..=12).contains(&lunar.month) || lunar.day == 0 {
        return None;
    }
    let month = if lunar.leap { -(lunar.month as isize) } else { lunar.month as isize };
    if lunar.leap && LunarMonth::new(lunar.year as isize, month).is_err() {
        return None;
    }
    let l = LunarDay::new(lunar.year as isize, month, lunar.day as usize).ok()?;
    let s = l.get_solar_day();
    NaiveDate::from_ymd_opt(s.get_year() as i32, s.get_month() as u32, s.get_day() as u32)
}

/// 正月初一 of lunar year `year`. Computed once for the whole range and cached: models ask for
/// it for every day of every queue.
pub fn spring_festival(year: i32) -> Option<NaiveDate> {
    static TABLE: std::sync::OnceLock<Vec<Option<NaiveDate>>> = std::sync::OnceLock::new();
    if !in_range(year) {
        return None;
    }
    let t = TABLE.get_or_init(|| (MIN_YEAR..=MAX_YEAR).map(|y| from_lunar(LunarDate { year: y, month: 1, day: 1, leap: false })).collect());
    t[(year - MIN_YEAR) as usize]
}

/// 除夕: the last day of lunar month 12 of lunar year `year - 1` (29th or 30th), i.e. the eve of
/// [`spring_festival`]`(year)`.
pub fn new_years_eve(year: i32) -> Option<NaiveDate> {
    spring_festival(year).and_then(|d| d.pred_opt())
}

/// 清明: the day of the solar term (sun at 15°), 4–6 April.
pub fn qingming(year: i32) -> Option<NaiveDate> {
    if !in_range(year) {
        return None;
    }
    let s = SolarTerm::from_name(year as isize, "清明").get_solar_day();
    NaiveDate::from_ymd_opt(s.get_year() as i32, s.get_month() as u32, s.get_day() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn spring_festival_sanity_dates() {
        // ALGORITHMS.md §8 table.
        let known = [
            (2020, d(2020, 1, 25)),
            (2021, d(2021, 2, 12)),
            (2022, d(2022, 2, 1)),
            (2023, d(2023, 1, 22)),
            (2024, d(2024, 2, 10)),
            (2025, d(2025, 1, 29)),
            (2026, d(2026, 2, 17)),
            (2027, d(2027, 2, 6)),
            (2028, d(2028, 1, 26)),
            (2029, d(2029, 2, 13)),
            (2030, d(2030, 2, 3)),
        ];
        for (y, date) in known {
            assert_eq!(spring_festival(y), Some(date), "year {y}");
        }
    }

    #[test]
    fn festivals_by_lunar_date() {
        // 2025: 除夕 is 腊月廿九 (short month 12), Mid-Autumn 10-06.
        assert_eq!(new_years_eve(2025), Some(d(2025, 1, 28)));
        assert_eq!(to_lunar(d(2025, 1, 28)).map(|l| (l.month, l.day)), Some((12, 29)));
        assert_eq!(from_lunar(LunarDate { year: 2025, month: 8, day: 15, leap: false }), Some(d(2025, 10, 6)));
        // 2025 has a leap 6th month (闰六月) starting 2025-07-25.
        let l = to_lunar(d(2025, 7, 25)).unwrap();
        assert_eq!((l.month, l.day, l.leap), (6, 1, true));
        assert_eq!(from_lunar(l), Some(d(2025, 7, 25)));
        assert_eq!(from_lunar(LunarDate { year: 2026, month: 6, day: 1, leap: true }), None);
        assert_eq!(qingming(2025), Some(d(2025, 4, 4)));
        assert_eq!(qingming(2026), Some(d(2026, 4, 5)));
        assert_eq!(to_lunar(d(1800, 1, 1)), None);
    }
}
