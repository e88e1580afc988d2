//! Independent cross-check of the lunar conversion (tyme4rs) against chinese-lunisolar-calendar,
//! every day 2000–2040, both directions; plus a property test of the round trip.

use ccops_calendar::{LunarDate, from_lunar, to_lunar};
use chinese_lunisolar_calendar::LunisolarDate;
use chrono::NaiveDate;
use proptest::prelude::*;

#[test]
fn every_day_2000_2040_agrees_with_chinese_lunisolar_calendar() {
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2040, 12, 31).unwrap();
    let mut checked = 0;
    for day in start.iter_days().take_while(|d| *d <= end) {
        let ours = to_lunar(day).expect("in range");
        let theirs = LunisolarDate::from_date(day).expect("in range");
        let m = theirs.to_lunar_month();
        assert_eq!(
            (ours.year, ours.month, ours.day, ours.leap),
            (theirs.to_lunisolar_year().to_u16() as i32, m.to_u8() as u32, theirs.to_lunar_day().to_u8() as u32, m.is_leap_month()),
            "{day}"
        );
        checked += 1;
    }
    assert_eq!(checked, (end - start).num_days() + 1);
}

#[test]
fn known_dates() {
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    // 2026-02-17 = 丙午年 正月初一; 2025 Dragon Boat = 05-31; 2024 Mid-Autumn = 09-17.
    assert_eq!(to_lunar(d(2026, 2, 17)), Some(LunarDate { year: 2026, month: 1, day: 1, leap: false }));
    assert_eq!(to_lunar(d(2025, 5, 31)).map(|l| (l.month, l.day)), Some((5, 5)));
    assert_eq!(to_lunar(d(2024, 9, 17)).map(|l| (l.month, l.day)), Some((8, 15)));
    // 2026-02-16 (除夕) still belongs to lunar year 2025, month 12, day 29.
    assert_eq!(to_lunar(d(2026, 2, 16)), Some(LunarDate { year: 2025, month: 12, day: 29, leap: false }));
}

proptest! {
    #[test]
    fn round_trip(offset in 0i64..70_000) {
        let day = NaiveDate::from_ymd_opt(1901, 3, 1).unwrap() + chrono::Duration::days(offset);
        let l = to_lunar(day).unwrap();
        prop_assert_eq!(from_lunar(l), Some(day));
    }
}
