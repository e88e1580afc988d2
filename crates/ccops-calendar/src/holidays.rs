//! Statutory holidays and 调休 make-up working days as data: a built-in table of the official
//! State Council notices, a text format to load new notices, and provisional years computed from
//! the lunar calendar when no notice exists yet.

use crate::CalendarError;
use crate::lunar::{from_lunar, new_years_eve, qingming};
use crate::LunarDate;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// One dated entry: a statutory day off (`working == false`) or a make-up working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayEntry {
    pub name: String,
    pub working: bool,
}

/// Where a year's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSource {
    pub source: String,
    /// Computed from lunar dates and the statutory rules, not from an official notice (no 调休).
    pub provisional: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HolidayTable {
    days: BTreeMap<NaiveDate, HolidayEntry>,
    years: BTreeMap<i32, YearSource>,
}

/// The official arrangements, in the holiday-file format. Each year's rows are transcribed from
/// the State Council General Office notice named in its `source` column, and cross-checked in the
/// tests against tyme4rs 1.5's independent `LegalHoliday` table (every date of 2023–2026 agrees).
pub const CHINA_BUILTIN: &str = "\
# date,kind,name,source — kind: holiday (day off) | workday (调休 make-up working day)
date,kind,name,source
2023-01-01..2023-01-02,holiday,元旦,国办发明电〔2022〕16号 国务院办公厅关于2023年部分节假日安排的通知
2023-01-21..2023-01-27,holiday,春节,
2023-01-28..2023-01-29,workday,春节,
2023-04-05,holiday,清明节,
2023-04-23,workday,劳动节,
2023-04-29..2023-05-03,holiday,劳动节,
2023-05-06,workday,劳动节,
2023-06-22..2023-06-24,holiday,端午节,
2023-06-25,workday,端午节,
2023-09-29,holiday,中秋节,
2023-09-30..2023-10-06,holiday,国庆节,
2023-10-07..2023-10-08,workday,国庆节,
2023-12-30..2023-12-31,holiday,元旦,
2024-01-01,holiday,元旦,国办发明电〔2023〕7号 国务院办公厅关于2024年部分节假日安排的通知
2024-02-04,workday,春节,
2024-02-10..2024-02-17,holiday,春节,
2024-02-18,workday,春节,
2024-04-04..2024-04-06,holiday,清明节,
2024-04-07,workday,清明节,
2024-04-28,workday,劳动节,
2024-05-01..2024-05-05,holiday,劳动节,
2024-05-11,workday,劳动节,
2024-06-08..2024-06-10,holiday,端午节,
2024-09-14,workday,中秋节,
2024-09-15..2024-09-17,holiday,中秋节,
2024-09-29,workday,国庆节,
2024-10-01..2024-10-07,holiday,国庆节,
2024-10-12,workday,国庆节,
2025-01-01,holiday,元旦,国办发明电〔2024〕12号 国务院办公厅关于2025年部分节假日安排的通知
2025-01-26,workday,春节,
2025-01-28..2025-02-04,holiday,春节,
2025-02-08,workday,春节,
2025-04-04..2025-04-06,holiday,清明节,
2025-04-27,workday,劳动节,
2025-05-01..2025-05-05,holiday,劳动节,
2025-05-31..2025-06-02,holiday,端午节,
2025-09-28,workday,国庆中秋,
2025-10-01..2025-10-08,holiday,国庆中秋,
2025-10-11,workday,国庆中秋,
2026-01-01..2026-01-03,holiday,元旦,国办发明电〔2025〕7号 国务院办公厅关于2026年部分节假日安排的通知
2026-01-04,workday,元旦,
2026-02-14,workday,春节,
2026-02-15..2026-02-23,holiday,春节,
2026-02-28,workday,春节,
2026-04-04..2026-04-06,holiday,清明节,
2026-05-01..2026-05-05,holiday,劳动节,
2026-05-09,workday,劳动节,
2026-06-19..2026-06-21,holiday,端午节,
2026-09-20,workday,国庆节,
2026-09-25..2026-09-27,holiday,中秋节,
2026-10-01..2026-10-07,holiday,国庆节,
2026-10-10,workday,国庆节,
";

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

impl HolidayTable {
    /// The built-in official table (2023–2026).
    pub fn china_builtin() -> Self {
        // The constant is tested to parse; an empty table is the safe fallback.
        Self::parse(CHINA_BUILTIN, "<builtin>").unwrap_or_default()
    }

    /// Parse a holiday file: CSV with header `date,kind,name[,source]`; `date` is `YYYY-MM-DD` or a
    /// range `YYYY-MM-DD..YYYY-MM-DD` (inclusive); `kind` is `holiday` or `workday`; lines starting
    /// with `#` and blank lines are ignored; no quoting (names contain no commas). The first
    /// non-empty `source` of a year names the notice for that year.
    pub fn parse(text: &str, file: &str) -> Result<Self, CalendarError> {
        let err = |line: usize, reason: String| CalendarError::Parse { file: file.to_string(), line: line as u64, reason };
        let mut table = HolidayTable::default();
        let mut header_seen = false;
        for (line_no, fields) in crate::data_lines(text) {
            if !header_seen {
                if fields.len() < 3 || fields[..3] != ["date", "kind", "name"] {
                    return Err(err(line_no, format!("expected header `date,kind,name[,source]`, found `{}`", fields.join(","))));
                }
                header_seen = true;
                continue;
            }
            if fields.len() < 3 {
                return Err(err(line_no, format!("expected at least 3 fields (date,kind,name), found {}", fields.len())));
            }
            let (from, to) = match fields[0].split_once("..") {
                Some((a, b)) => (parse_date(a), parse_date(b)),
                None => (parse_date(fields[0]), parse_date(fields[0])),
            };
            let (Some(from), Some(to)) = (from, to) else {
                return Err(err(line_no, format!("column `date`: `{}` is not YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", fields[0])));
            };
            if to < from || (to - from).num_days() > 31 {
                return Err(err(line_no, format!("column `date`: range {from}..{to} is reversed or longer than 31 days")));
            }
            let working = match fields[1] {
                "holiday" => false,
                "workday" => true,
                other => return Err(err(line_no, format!("column `kind`: `{other}` is not `holiday` or `workday`"))),
            };
            if fields[2].is_empty() {
                return Err(err(line_no, "column `name`: empty".to_string()));
            }
            let source = fields.get(3).copied().unwrap_or("");
            for d in from.iter_days().take_while(|d| *d <= to) {
                if let Some(prev) = table.days.get(&d) {
                    return Err(err(line_no, format!("date {d} already listed as {} `{}`", if prev.working { "workday" } else { "holiday" }, prev.name)));
                }
                table.days.insert(d, HolidayEntry { name: fields[2].to_string(), working });
                let ys = table.years.entry(d.year()).or_insert(YearSource { source: String::new(), provisional: false });
                if ys.source.is_empty() && !source.is_empty() {
                    ys.source = source.to_string();
                }
            }
        }
        if !header_seen {
            return Err(err(0, "file is empty (expected header `date,kind,name[,source]`)".to_string()));
        }
        Ok(table)
    }

    /// A provisional year: the statutory days of the 2025 measures (13 days: 元旦 1, 春节 4 from
    /// 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3) on their computed dates, without bridging
    /// days or 调休 (those come only from the official notice).
    pub fn provisional_year(year: i32) -> Self {
        let mut t = HolidayTable::default();
        let mut add = |start: Option<NaiveDate>, days: u64, name: &str| {
            if let Some(s) = start {
                for d in s.iter_days().take(days as usize) {
                    t.days.entry(d).or_insert(HolidayEntry { name: name.to_string(), working: false });
                }
            }
        };
        let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        let lunar = |m, d| from_lunar(LunarDate { year, month: m, day: d, leap: false });
        add(ymd(1, 1), 1, "元旦");
        add(new_years_eve(year), 4, "春节");
        add(qingming(year), 1, "清明节");
        add(ymd(5, 1), 2, "劳动节");
        add(lunar(5, 5), 1, "端午节");
        add(lunar(8, 15), 1, "中秋节");
        add(ymd(10, 1), 3, "国庆节");
        t.years.insert(year, YearSource { source: "provisional: computed from lunar dates, no 调休".into(), provisional: true });
        t
    }

    /// Add `other`'s years; a year present in `other` replaces that whole year here (a newly
    /// loaded notice supersedes the built-in or provisional data for its year).
    pub fn merge(&mut self, other: HolidayTable) {
        for year in other.years.keys() {
            self.days.retain(|d, _| d.year() != *year);
            self.years.remove(year);
        }
        self.days.extend(other.days);
        self.years.extend(other.years);
    }

    pub fn get(&self, date: NaiveDate) -> Option<&HolidayEntry> {
        self.days.get(&date)
    }
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }
    pub fn is_provisional(&self, year: i32) -> bool {
        self.years.get(&year).is_some_and(|y| y.provisional)
    }
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
    pub fn years(&self) -> impl Iterator<Item = (&i32, &YearSource)> {
        self.years.iter()
    }
    pub fn entries(&self) -> impl Iterator<Item = (&NaiveDate, &HolidayEntry)> {
        self.days.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Calendar, DayKind};

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn builtin_parses_and_has_sources() {
        let t = HolidayTable::parse(CHINA_BUILTIN, "<builtin>").unwrap();
        for y in 2023..=2026 {
            assert!(t.years.get(&y).is_some_and(|s| s.source.contains(&format!("{y}年"))), "source of {y}");
        }
    }

    #[test]
    fn official_2025_spring_festival_and_national_day() {
        // ALGORITHMS.md §8: off 01-28..02-04, make-up Sun 01-26 and Sat 02-08; 10-01..10-08 off,
        // make-up Sun 09-28 and Sat 10-11.
        let cal = Calendar::china();
        for day in d(2025, 1, 28).iter_days().take(8) {
            assert_eq!(cal.day_kind(day), DayKind::Holiday("春节".into()), "{day}");
        }
        assert_eq!(cal.day_kind(d(2025, 2, 5)), DayKind::Workday);
        assert_eq!(cal.day_kind(d(2025, 1, 27)), DayKind::Workday);
        assert!(matches!(cal.day_kind(d(2025, 1, 26)), DayKind::MakeupWorkday(_)));
        assert!(matches!(cal.day_kind(d(2025, 2, 8)), DayKind::MakeupWorkday(_)));
        assert!(matches!(cal.day_kind(d(2025, 9, 28)), DayKind::MakeupWorkday(_)));
        assert!(matches!(cal.day_kind(d(2025, 10, 11)), DayKind::MakeupWorkday(_)));
        assert!(matches!(cal.day_kind(d(2025, 10, 8)), DayKind::Holiday(_)));
        assert_eq!(cal.day_kind(d(2025, 10, 12)), DayKind::Weekend);
    }

    #[test]
    fn official_2026_spring_festival_nine_days() {
        // 国办发明电〔2025〕7号: 春节 2-15 (Sun) to 2-23 (Mon) off, make-up Sat 2-14 and Sat 2-28.
        let cal = Calendar::china();
        assert!(matches!(cal.day_kind(d(2026, 2, 14)), DayKind::MakeupWorkday(_)));
        assert_eq!(d(2026, 2, 15).iter_days().take_while(|x| cal.day_kind(*x) == DayKind::Holiday("春节".into())).count(), 9);
        assert!(matches!(cal.day_kind(d(2026, 2, 28)), DayKind::MakeupWorkday(_)));
    }

    #[test]
    fn builtin_agrees_with_tyme4rs_every_day_2023_2026() {
        use tyme4rs::tyme::holiday::LegalHoliday;
        let t = HolidayTable::china_builtin();
        for day in d(2023, 1, 1).iter_days().take_while(|x| *x <= d(2026, 12, 31)) {
            let ours = t.get(day).map(|e| e.working);
            let theirs = LegalHoliday::from_ymd(day.year() as isize, day.month() as usize, day.day() as usize).map(|h| h.is_work());
            assert_eq!(ours, theirs, "{day}");
        }
    }

    #[test]
    fn provisional_2027_follows_statutory_rules() {
        let t = HolidayTable::provisional_year(2027);
        // Spring Festival 2027-02-06 → 除夕 02-05 .. 初三 02-08.
        for day in d(2027, 2, 5).iter_days().take(4) {
            assert_eq!(t.get(day).map(|e| e.name.as_str()), Some("春节"));
        }
        assert!(t.get(d(2027, 2, 9)).is_none());
        assert_eq!(t.entries().count(), 13);
        assert!(t.is_provisional(2027));
        assert!(t.entries().all(|(_, e)| !e.working));
    }

    #[test]
    fn loading_a_notice_replaces_the_provisional_year() {
        let mut cal = Calendar::china();
        let notice = "date,kind,name,source\n2027-02-05..2027-02-13,holiday,春节,test notice\n2027-02-20,workday,春节,\n";
        cal.holidays.merge(HolidayTable::parse(notice, "n.csv").unwrap());
        assert!(!cal.holidays.is_provisional(2027));
        assert!(matches!(cal.day_kind(d(2027, 2, 20)), DayKind::MakeupWorkday(_)));
        assert_eq!(cal.day_kind(d(2027, 1, 1)), DayKind::Workday); // replaced whole year
        assert!(matches!(cal.day_kind(d(2026, 2, 16)), DayKind::Holiday(_))); // other years kept
    }

    #[test]
    fn parse_errors_are_located() {
        let cases = [
            ("", 0, "empty"),
            ("date,kind\n", 1, "header"),
            ("date,kind,name\n2025-13-01,holiday,x\n", 2, "`date`"),
            ("date,kind,name\n# c\n2025-01-01,off,x\n", 3, "`kind`"),
            ("date,kind,name\n2025-01-05..2025-01-01,holiday,x\n", 2, "reversed"),
            ("date,kind,name\n2025-01-01,holiday,x\n2025-01-01,workday,y\n", 3, "already"),
            ("date,kind,name\n2025-01-01,holiday,\n", 2, "`name`"),
        ];
        for (text, line, needle) in cases {
            match HolidayTable::parse(text, "h.csv") {
                Err(CalendarError::Parse { file, line: l, reason }) => {
                    assert_eq!(file, "h.csv");
                    assert_eq!(l, line, "{text:?}: {reason}");
                    assert!(reason.contains(needle), "{reason} lacks {needle}");
                }
                other => panic!("{text:?} → {other:?}"),
            }
        }
    }
}
