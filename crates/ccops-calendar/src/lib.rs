//! Calendar: Gregorian ↔ Chinese lunar, Chinese statutory holidays (incl. 调休 make-up working days)
//! and user-defined events with effect windows. Pure: no I/O — holiday and event files are parsed
//! from strings handed in by the caller.
//!
//! Public API (stable; used by `ccops-forecast`, the CLI and the server):
//!
//! ```
//! use ccops_calendar::{Calendar, DayKind};
//! use chrono::NaiveDate;
//! let cal = Calendar::china();                       // built-in table 2023–2026, 2027 provisional
//! let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
//! assert_eq!(cal.day_kind(d(2025, 1, 29)), DayKind::Holiday("春节".into()));
//! assert_eq!(cal.day_kind(d(2025, 1, 26)), DayKind::MakeupWorkday("春节".into()));
//! assert_eq!(ccops_calendar::spring_festival(2026), Some(d(2026, 2, 17)));
//! let lunar = ccops_calendar::to_lunar(d(2026, 2, 17)).unwrap();
//! assert_eq!((lunar.month, lunar.day, lunar.leap), (1, 1, false));
//! ```
//!
//! * [`to_lunar`], [`from_lunar`], [`spring_festival`], [`qingming`] — conversions (tyme4rs,
//!   computed in China Standard Time as the national standard requires).
//! * [`HolidayTable`] — `date → holiday(name) | make-up workday(name)` with per-year source;
//!   [`HolidayTable::china_builtin`], [`HolidayTable::parse`] (holiday file, see README),
//!   [`HolidayTable::provisional_year`] for years without an official notice.
//! * [`Event`] / [`parse_events`] — campaigns, billing days, outages with before/after windows.
//! * [`Calendar`] — combines both; [`Calendar::day_kind`], [`Calendar::day_info`] (everything a
//!   forecasting model needs about one date: kind, the weekday it behaves like, Spring Festival
//!   offset, holiday proximity, active events).

mod events;
mod holidays;
mod lunar;

pub use events::{Event, parse_events};
pub use holidays::{CHINA_BUILTIN, HolidayEntry, HolidayTable, YearSource};
pub use lunar::{LunarDate, from_lunar, qingming, spring_festival, to_lunar};

use chrono::{Datelike, NaiveDate, Weekday};

/// Errors from parsing holiday or event files; always located (file, line, reason).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}:{line}: {reason}")]
    Parse { file: String, line: u64, reason: String },
    #[error("date {0} is outside the supported lunar range (1900–2100)")]
    OutOfRange(NaiveDate),
}

/// Data lines of a small CSV file without quoting: (1-based line number, trimmed fields), with
/// blank lines, `#` comments and a byte-order mark skipped.
pub(crate) fn data_lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.trim().trim_start_matches('\u{feff}');
        (!line.is_empty() && !line.starts_with('#')).then(|| (i + 1, line.split(',').map(str::trim).collect()))
    })
}

/// What kind of day a date is, for volume purposes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DayKind {
    Workday,
    Weekend,
    /// Statutory day off (法定节假日), with the holiday's name (e.g. "春节").
    Holiday(String),
    /// Weekend day that is a working day by the annual notice (调休上班), with the holiday's name.
    MakeupWorkday(String),
}

impl DayKind {
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday(_))
    }
    /// Short code used in files and reports.
    pub fn code(&self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday(_) => "holiday",
            DayKind::MakeupWorkday(_) => "makeup_workday",
        }
    }
}

/// Everything a model needs to know about one date.
#[derive(Debug, Clone, PartialEq)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The weekday whose volume pattern this date follows: its own weekday for normal days; for a
    /// 调休 make-up working day, Monday when the day before was a day off, else Friday (it is the
    /// end of a longer working stretch); holidays keep their own weekday (models treat them apart).
    pub behaves_like: Weekday,
    /// Days from this year's (or next/previous year's, whichever is nearer) Spring Festival
    /// (正月初一), when within −21..=+21.
    pub spring_festival_offset: Option<i32>,
    /// Days until the first day of the next holiday block when within 1..=7 (pre-holiday surge).
    pub days_to_holiday: Option<u32>,
    /// Days since the last day of the previous holiday block when within 1..=7 (post-holiday catch-up).
    pub days_after_holiday: Option<u32>,
    /// Active user events: (event index, relative day to the event's start).
    pub events: Vec<(usize, i32)>,
    /// True when the holiday data for this year is provisional (no official notice loaded).
    pub provisional: bool,
}

/// Holidays + user events + the weekend definition.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub holidays: HolidayTable,
    pub events: Vec<Event>,
}

impl Calendar {
    /// A calendar with weekends only: no holidays, no events ("without the calendar").
    pub fn plain() -> Self {
        Calendar::default()
    }

    /// Chinese statutory holidays: the built-in official table, plus provisional years computed
    /// from lunar dates for 2027 (until its notice is loaded with [`HolidayTable::parse`]).
    pub fn china() -> Self {
        let mut holidays = HolidayTable::china_builtin();
        for year in 2027..=2027 {
            if !holidays.has_year(year) {
                holidays.merge(HolidayTable::provisional_year(year));
            }
        }
        Calendar { holidays, events: Vec::new() }
    }

    pub fn with_events(mut self, events: Vec<Event>) -> Self {
        self.events = events;
        self
    }

    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(e) = self.holidays.get(date) {
            return if e.working {
                DayKind::MakeupWorkday(e.name.clone())
            } else {
                DayKind::Holiday(e.name.clone())
            };
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Workday,
        }
    }

    fn is_off(&self, date: NaiveDate) -> bool {
        !self.day_kind(date).is_working()
    }

    fn is_holiday(&self, date: NaiveDate) -> bool {
        matches!(self.day_kind(date), DayKind::Holiday(_))
    }

    pub fn day_info(&self, date: NaiveDate) -> DayInfo {
        let kind = self.day_kind(date);
        let behaves_like = match &kind {
            DayKind::MakeupWorkday(_) => match date.pred_opt() {
                Some(p) if self.is_off(p) => Weekday::Mon,
                _ => Weekday::Fri,
            },
            _ => date.weekday(),
        };
        let spring_festival_offset = [date.year() - 1, date.year(), date.year() + 1]
            .into_iter()
            .filter_map(spring_festival)
            .map(|sf| (date - sf).num_days() as i32)
            .filter(|o| o.abs() <= 21)
            .min_by_key(|o| o.abs());
        let mut days_to_holiday = None;
        let mut days_after_holiday = None;
        if !self.is_holiday(date) && !self.holidays.is_empty() {
            days_to_holiday = (1..=7u32).find(|&k| self.is_holiday(date + chrono::Days::new(k as u64)));
            days_after_holiday = (1..=7u32).find(|&k| self.is_holiday(date - chrono::Days::new(k as u64)));
        }
        let events = self
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.relative_day(date).map(|r| (i, r)))
            .collect();
        DayInfo {
            date,
            kind,
            behaves_like,
            spring_festival_offset,
            days_to_holiday,
            days_after_holiday,
            events,
            provisional: self.holidays.is_provisional(date.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn makeup_day_behaves_like_monday_after_days_off() {
        let cal = Calendar::china();
        // 2025-01-26 (Sun) follows Saturday off → Monday-like.
        assert_eq!(cal.day_info(d(2025, 1, 26)).behaves_like, Weekday::Mon);
        // 2025-02-08 (Sat) follows a Friday working day → Friday-like.
        assert_eq!(cal.day_info(d(2025, 2, 8)).behaves_like, Weekday::Fri);
        assert_eq!(cal.day_info(d(2025, 2, 5)).behaves_like, Weekday::Wed);
    }

    #[test]
    fn spring_festival_offset_and_holiday_proximity() {
        let cal = Calendar::china();
        let i = cal.day_info(d(2026, 2, 10));
        assert_eq!(i.spring_festival_offset, Some(-7));
        assert_eq!(i.days_to_holiday, Some(5)); // 2026 holiday starts 02-15
        let i = cal.day_info(d(2026, 2, 24));
        assert_eq!(i.days_after_holiday, Some(1));
        assert_eq!(cal.day_info(d(2026, 6, 1)).spring_festival_offset, None);
        // Late December counts down to next year's festival only within 21 days.
        assert_eq!(cal.day_info(d(2027, 1, 20)).spring_festival_offset, Some(-17));
    }

    #[test]
    fn plain_calendar_has_no_holidays() {
        let cal = Calendar::plain();
        assert_eq!(cal.day_kind(d(2025, 1, 29)), DayKind::Workday);
        assert_eq!(cal.day_kind(d(2025, 1, 26)), DayKind::Weekend);
        assert_eq!(cal.day_info(d(2025, 1, 27)).days_to_holiday, None);
    }

    #[test]
    fn provisional_year_is_marked() {
        let cal = Calendar::china();
        assert!(cal.day_info(d(2027, 3, 1)).provisional);
        assert!(!cal.day_info(d(2026, 3, 1)).provisional);
        assert_eq!(cal.day_kind(d(2027, 2, 6)), DayKind::Holiday("春节".into()));
    }
}
