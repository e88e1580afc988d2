//! Server-side SVG charts for the web UI: pure functions from numbers to an `<svg>` string.
//!
//! No I/O, no clock, no JavaScript: the same input always gives the same markup, so the charts
//! are unit-tested as text and also work in exports and with scripting disabled. Times are local
//! wall-clock times of the center (`NaiveDateTime`), because that is what a planner reads.
//! Every text that comes from data (holiday names, agent names, activities) is XML-escaped.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use std::fmt::Write;

/// Plot area margins (left, right, top, bottom) in SVG user units.
const MARGIN: (f64, f64, f64, f64) = (48.0, 12.0, 14.0, 26.0);

/// One forecast interval: the point forecast, its prediction band and an optional manual override.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPoint {
    pub at: NaiveDateTime,
    pub value: f64,
    /// Lower edge of the prediction band (10th percentile); `None` when the model gave no band.
    pub p10: Option<f64>,
    /// Upper edge of the prediction band (90th percentile).
    pub p90: Option<f64>,
    /// Planner's adjusted value, when one was entered.
    pub adjusted: Option<f64>,
}

/// A day to shade on a chart (statutory holiday, 调休 working day, user event).
#[derive(Debug, Clone, PartialEq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
    /// A make-up working day (调休) is drawn differently from a day off.
    pub makeup_workday: bool,
}

/// Legend texts, already translated by the caller.
#[derive(Debug, Clone, Default)]
pub struct ForecastLabels {
    pub history: String,
    pub forecast: String,
    pub band: String,
    pub adjusted: String,
}

/// A time series value at a point in time.
pub type Point = (NaiveDateTime, f64);

/// Forecast chart: history line, forecast line, p10–p90 band, adjusted line, holidays shaded.
///
/// The x range covers history and forecast together; an empty input gives a chart with a
/// "no data" note rather than an error, because an empty queue is a normal state in the UI.
pub fn forecast_chart<'a>(
    history: &[Point],
    forecast: &[ForecastPoint],
    holidays: &[Holiday],
    labels: &'a ForecastLabels,
    width: u32,
    height: u32,
) -> String {
    let mut svg = open_svg(width, height, "chart forecast-chart");
    let xs = history.iter().map(|p| p.0).chain(forecast.iter().map(|p| p.at));
    let Some((t0, t1)) = span(xs) else {
        return no_data(svg, width, height);
    };
    let ymax = history
        .iter()
        .map(|p| p.1)
        .chain(forecast.iter().flat_map(|p| [Some(p.value), p.p90, p.adjusted].into_iter().flatten()))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let frame = Frame::new(width, height, t0, t1, 0.0, ymax);
    frame.holidays(&mut svg, holidays);
    frame.grid(&mut svg);
    // Band first so the lines are drawn on top of it.
    let band: Vec<(NaiveDateTime, f64, f64)> =
        forecast.iter().filter_map(|p| Some((p.at, p.p10?, p.p90?))).collect();
    if !band.is_empty() {
        // One closed shape per run of consecutive intervals (the band breaks where data does).
        let gap = typical_step(&band.iter().map(|b| b.0).collect::<Vec<_>>()) * 2;
        let mut d = String::new();
        let mut run_start = 0;
        for i in 1..=band.len() {
            if i == band.len() || band[i].0 - band[i - 1].0 > gap {
                let run = &band[run_start..i];
                for (j, (t, _, hi)) in run.iter().enumerate() {
                    let _ = write!(d, "{}{:.1},{:.1} ", if j == 0 { "M" } else { "L" }, frame.x(*t), frame.y(*hi));
                }
                for (t, lo, _) in run.iter().rev() {
                    let _ = write!(d, "L{:.1},{:.1} ", frame.x(*t), frame.y(*lo));
                }
                d.push_str("Z ");
                run_start = i;
            }
        }
        let _ = write!(svg, r##"<path class="band" d="{}" fill="#7aa6d8" fill-opacity="0.3" stroke="none"/>"##, d.trim_end());
    }
    frame.polyline(&mut svg, history.iter().copied(), "history", "#555", "");
    frame.polyline(&mut svg, forecast.iter().map(|p| (p.at, p.value)), "forecast", "#1f5fa8", "");
    let adjusted: Vec<Point> = forecast.iter().filter_map(|p| Some((p.at, p.adjusted?))).collect();
    let has_adjusted = !adjusted.is_empty();
    frame.polyline(&mut svg, adjusted.into_iter(), "adjusted", "#d9822b", r#" stroke-dasharray="5 3""#);
    // Legend entries only for what is drawn.
    let shown = |label: &'a str, drawn: bool| if drawn { label } else { "" };
    legend(
        &mut svg,
        &frame,
        &[
            (shown(&labels.history, !history.is_empty()), "#555", false),
            (shown(&labels.forecast, !forecast.is_empty()), "#1f5fa8", false),
            (shown(&labels.band, !band.is_empty()), "#7aa6d8", true),
            (shown(&labels.adjusted, has_adjusted), "#d9822b", false),
        ],
    );
    svg.push_str("</svg>");
    svg
}

/// Two step curves against each other: `required` (dashed red) and `scheduled` (filled green),
/// with intervals where scheduled < required shaded. Used for the staffing curve per queue and
/// for the coverage chart under the roster Gantt. `from..to` fixes the x range so the coverage
/// chart lines up with the Gantt above it.
pub fn coverage_chart(
    required: &[Point],
    scheduled: &[Point],
    from: NaiveDateTime,
    to: NaiveDateTime,
    labels: (&str, &str),
    width: u32,
    height: u32,
) -> String {
    let mut svg = open_svg(width, height, "chart coverage-chart");
    if to <= from || (required.is_empty() && scheduled.is_empty()) {
        return no_data(svg, width, height);
    }
    let ymax = required.iter().chain(scheduled).map(|p| p.1).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let frame = Frame::new(width, height, from, to, 0.0, ymax);
    frame.grid(&mut svg);
    // Shortfall: an interval is short when scheduled (as a step value) is below required.
    // Without a scheduled series there is nothing to compare, so nothing is marked.
    let req_step = typical_step(&required.iter().map(|p| p.0).collect::<Vec<_>>());
    for (i, (t, req)) in required.iter().enumerate().filter(|_| !scheduled.is_empty()) {
        let end = required.get(i + 1).map(|p| p.0).unwrap_or((*t + req_step).min(to));
        let have = step_value(scheduled, *t);
        if have + 1e-9 < *req && *t < to && end > from {
            let (x0, x1) = (frame.x((*t).max(from)), frame.x(end.min(to)));
            let _ = write!(
                svg,
                r##"<rect class="short" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#d64545" fill-opacity="0.25"><title>{} {}: {:.1} / {:.1}</title></rect>"##,
                frame.y(*req),
                (x1 - x0).max(0.5),
                (frame.y(have) - frame.y(*req)).max(0.0),
                esc(labels.1),
                t.format("%m-%d %H:%M"),
                have,
                req
            );
        }
    }
    let area = step_path(&frame, scheduled, to);
    if !area.is_empty() {
        let _ = write!(
            svg,
            r##"<path class="scheduled" d="{area} L{:.1},{:.1} L{:.1},{:.1}Z" fill="#4f9d69" fill-opacity="0.35" stroke="#2f7d49" stroke-width="1"/>"##,
            frame.x(scheduled.last().map_or(to, |p| (p.0 + typical_step(&scheduled.iter().map(|p| p.0).collect::<Vec<_>>())).min(to))),
            frame.y(0.0),
            frame.x(scheduled[0].0.max(from)),
            frame.y(0.0)
        );
    }
    let req = step_path(&frame, required, to);
    if !req.is_empty() {
        let _ = write!(svg, r##"<path class="required" d="{req}" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="4 2"/>"##);
    }
    // A series that is not there gets no legend entry.
    let (l0, l1) = (if required.is_empty() { "" } else { labels.0 }, if scheduled.is_empty() { "" } else { labels.1 });
    legend(&mut svg, &frame, &[(l0, "#c0392b", false), (l1, "#4f9d69", true)]);
    svg.push_str("</svg>");
    svg
}

/// One bar of a Gantt row.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttSegment {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// Activity as in the roster format: work, break, lunch, training, meeting, leave, off, …
    pub activity: String,
}

/// One agent's line in a Gantt.
#[derive(Debug, Clone, PartialEq)]
pub struct GanttRow {
    pub label: String,
    pub segments: Vec<GanttSegment>,
}

/// Height of one Gantt row in SVG units.
pub const GANTT_ROW: f64 = 18.0;

/// Roster Gantt for one team: one row per agent, one bar per segment, clipped to `from..to`.
/// The x axis uses the same margins as [`coverage_chart`] so the two align when stacked.
pub fn gantt(rows: &[GanttRow], from: NaiveDateTime, to: NaiveDateTime, width: u32) -> String {
    let height = (MARGIN.2 + MARGIN.3 + GANTT_ROW * rows.len().max(1) as f64).ceil() as u32;
    let mut svg = open_svg(width, height, "chart gantt");
    if to <= from || rows.is_empty() {
        return no_data(svg, width, height);
    }
    let frame = Frame::new(width, height, from, to, 0.0, 1.0);
    frame.time_axis(&mut svg);
    for (i, row) in rows.iter().enumerate() {
        let y = MARGIN.2 + GANTT_ROW * i as f64;
        if i % 2 == 1 {
            let _ = write!(svg, r##"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{GANTT_ROW}" fill="#f3f5f8"/>"##, MARGIN.0, frame.x1 - MARGIN.0);
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#333">{}</text>"##,
            MARGIN.0 - 4.0,
            y + GANTT_ROW * 0.68,
            esc(&truncate(&row.label, 8))
        );
        for seg in &row.segments {
            if seg.end <= from || seg.start >= to || seg.end <= seg.start {
                continue;
            }
            let (x0, x1) = (frame.x(seg.start.max(from)), frame.x(seg.end.min(to)));
            let _ = write!(
                svg,
                r##"<rect class="seg {cls}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" rx="2"><title>{} {}–{} {}</title></rect>"##,
                y + 3.0,
                (x1 - x0).max(0.5),
                GANTT_ROW - 6.0,
                activity_colour(&seg.activity),
                esc(&row.label),
                seg.start.format("%H:%M"),
                seg.end.format("%H:%M"),
                esc(&seg.activity),
                cls = css_class(&seg.activity),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Fill colour per roster activity. Anything else — a queue code such as `zh_voice`, which is
/// how the scheduler names work on a queue — counts as work, like the API's `productive`.
pub fn activity_colour(activity: &str) -> &'static str {
    match activity.to_ascii_lowercase().as_str() {
        "work" | "phone" | "chat" | "email" => "#3b7dd8",
        "break" => "#f0b429",
        "lunch" => "#e67e22",
        "training" | "coaching" => "#8e44ad",
        "meeting" => "#16a085",
        "leave" | "vacation" | "sick" | "absence" => "#c0392b",
        "off" => "#d5d8dc",
        _ => "#3b7dd8",
    }
}

/// "Nice" axis ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about `target` ticks.
pub fn nice_ticks(max: f64, target: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let raw = max / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Escape text for XML/HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

// ---- internals ------------------------------------------------------------------------------

/// Maps time and value to SVG coordinates inside the margins.
struct Frame {
    t0: NaiveDateTime,
    secs: f64,
    x1: f64,
    y_top: f64,
    y_bottom: f64,
    ticks: Vec<f64>,
}

impl Frame {
    fn new(width: u32, height: u32, t0: NaiveDateTime, t1: NaiveDateTime, _ymin: f64, ymax: f64) -> Frame {
        let ticks = nice_ticks(ymax, 4);
        Frame {
            t0,
            secs: ((t1 - t0).num_seconds() as f64).max(1.0),
            x1: width as f64 - MARGIN.1,
            y_top: MARGIN.2,
            y_bottom: height as f64 - MARGIN.3,
            ticks,
        }
    }
    fn x(&self, t: NaiveDateTime) -> f64 {
        let f = (t - self.t0).num_seconds() as f64 / self.secs;
        MARGIN.0 + f * (self.x1 - MARGIN.0)
    }
    fn y(&self, v: f64) -> f64 {
        let top = self.ticks.last().copied().unwrap_or(1.0).max(1e-9);
        let v = if v.is_finite() { v.clamp(0.0, top) } else { 0.0 };
        self.y_bottom - v / top * (self.y_bottom - self.y_top)
    }
    fn t_end(&self) -> NaiveDateTime {
        self.t0 + chrono::Duration::seconds(self.secs as i64)
    }
    /// Horizontal gridlines with value labels, then the time axis.
    fn grid(&self, svg: &mut String) {
        for v in &self.ticks {
            let y = self.y(*v);
            let _ = write!(
                svg,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end" fill="#666">{}</text>"##,
                MARGIN.0,
                self.x1,
                MARGIN.0 - 4.0,
                y + 3.0,
                fmt_num(*v)
            );
        }
        self.time_axis(svg);
    }
    /// Ticks at hour or day boundaries, choosing a step that gives at most ~12 labels.
    fn time_axis(&self, svg: &mut String) {
        let hours = self.secs / 3600.0;
        let step_h: i64 = [1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 28]
            .into_iter()
            .find(|h| hours / *h as f64 <= 12.0)
            .unwrap_or(24 * 56);
        let first = self.t0.date().and_hms_opt(0, 0, 0).unwrap_or(self.t0);
        let end = self.t_end();
        let mut t = first;
        let _ = write!(
            svg,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999"/>"##,
            MARGIN.0, self.y_bottom, self.x1, self.y_bottom
        );
        while t <= end {
            if t >= self.t0 {
                let x = self.x(t);
                let label = if step_h >= 24 || (t.hour() == 0 && hours > 24.0) {
                    t.format("%m-%d").to_string()
                } else {
                    t.format("%H:%M").to_string()
                };
                let _ = write!(
                    svg,
                    r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#eef0f2"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#666">{label}</text>"##,
                    self.y_top,
                    self.y_bottom,
                    self.y_bottom + 14.0
                );
            }
            t += chrono::Duration::hours(step_h);
        }
    }
    fn holidays(&self, svg: &mut String, holidays: &[Holiday]) {
        for h in holidays {
            let (Some(start), Some(end)) = (h.date.and_hms_opt(0, 0, 0), h.date.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)))
            else {
                continue;
            };
            if end <= self.t0 || start >= self.t_end() {
                continue;
            }
            let (x0, x1) = (self.x(start.max(self.t0)), self.x(end.min(self.t_end())));
            let (fill, cls) = if h.makeup_workday { ("#9b59b6", "holiday makeup") } else { ("#e74c3c", "holiday") };
            let _ = write!(
                svg,
                r##"<rect class="{cls}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" fill-opacity="0.12"><title>{} {}</title></rect><text x="{:.1}" y="{:.1}" font-size="9" fill="{fill}">{}</text>"##,
                self.y_top,
                (x1 - x0).max(1.0),
                self.y_bottom - self.y_top,
                h.date,
                esc(&h.name),
                x0 + 1.0,
                self.y_top + 9.0,
                esc(&truncate(&h.name, 4))
            );
        }
    }
    /// A line through the points, broken where the data has a gap (a closed center at night,
    /// a missing day) so no straight line is drawn across hours without data.
    fn polyline(&self, svg: &mut String, pts: impl Iterator<Item = Point>, cls: &str, colour: &str, extra: &str) {
        let pts: Vec<Point> = pts.filter(|p| p.1.is_finite()).collect();
        let gap = typical_step(&pts.iter().map(|p| p.0).collect::<Vec<_>>()) * 2;
        let mut d = String::new();
        for (i, (t, v)) in pts.iter().enumerate() {
            let jump = i == 0 || *t - pts[i - 1].0 > gap;
            let _ = write!(d, "{}{:.1},{:.1} ", if jump { "M" } else { "L" }, self.x(*t), self.y(*v));
        }
        if !d.is_empty() {
            let _ = write!(svg, r#"<path class="{cls}" d="{}" fill="none" stroke="{colour}" stroke-width="1.3"{extra}/>"#, d.trim_end());
        }
    }
}

/// The usual distance between consecutive times (smallest positive one); 15 minutes when
/// there are fewer than two points.
fn typical_step(times: &[NaiveDateTime]) -> chrono::Duration {
    times.windows(2).map(|w| w[1] - w[0]).filter(|d| *d > chrono::Duration::zero()).min().unwrap_or(chrono::Duration::minutes(15))
}

fn open_svg(width: u32, height: u32, class: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="none" role="img" font-family="sans-serif">"#
    )
}

fn no_data(mut svg: String, width: u32, height: u32) -> String {
    let _ = write!(
        svg,
        r##"<text class="no-data" x="{}" y="{}" text-anchor="middle" font-size="12" fill="#888">–</text></svg>"##,
        width / 2,
        height / 2
    );
    svg
}

fn legend(svg: &mut String, frame: &Frame, items: &[(&str, &str, bool)]) {
    let mut x = MARGIN.0 + 6.0;
    for (label, colour, filled) in items {
        if label.is_empty() {
            continue;
        }
        if *filled {
            let _ = write!(svg, r#"<rect x="{x:.1}" y="{:.1}" width="14" height="8" fill="{colour}" fill-opacity="0.5"/>"#, frame.y_top + 14.0);
        } else {
            let _ = write!(svg, r#"<line x1="{x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"/>"#, frame.y_top + 18.0, x + 14.0, frame.y_top + 18.0);
        }
        let _ = write!(svg, r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#333">{}</text>"##, x + 18.0, frame.y_top + 22.0, esc(label));
        x += 28.0 + 7.0 * label.chars().map(|c| if c.is_ascii() { 1.0 } else { 1.8 }).sum::<f64>();
    }
}

/// SVG path of a step function: each value holds until the next point, the last until `to`.
fn step_path(frame: &Frame, pts: &[Point], to: NaiveDateTime) -> String {
    let step = typical_step(&pts.iter().map(|p| p.0).collect::<Vec<_>>());
    let mut d = String::new();
    for (i, (t, v)) in pts.iter().enumerate() {
        let end = pts.get(i + 1).map(|p| p.0).unwrap_or((*t + step).min(to));
        let (x0, x1, y) = (frame.x(*t), frame.x(end), frame.y(*v));
        let _ = write!(d, "{}{x0:.1},{y:.1} L{x1:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    d.trim_end().to_string()
}

/// Value of a step series at `t` (0 before the first point).
fn step_value(pts: &[Point], t: NaiveDateTime) -> f64 {
    match pts.partition_point(|p| p.0 <= t) {
        0 => 0.0,
        i => pts[i - 1].1,
    }
}

fn span(xs: impl Iterator<Item = NaiveDateTime>) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let mut it = xs.peekable();
    let first = *it.peek()?;
    let (lo, hi) = it.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t)));
    Some((lo, if hi > lo { hi } else { lo + chrono::Duration::hours(1) }))
}

fn fmt_num(v: f64) -> String {
    if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars { s.to_string() } else { s.chars().take(max_chars - 1).chain(['…']).collect() }
}

fn css_class(activity: &str) -> String {
    activity.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 2, d).and_then(|d| d.and_hms_opt(h, m, 0)).expect("valid test time")
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn forecast_chart_draws_every_layer_and_escapes_names() {
        let history: Vec<Point> = (0..24).map(|h| (t(15, h, 0), 10.0 + h as f64)).collect();
        let forecast: Vec<ForecastPoint> = (0..24)
            .map(|h| ForecastPoint {
                at: t(16, h, 0),
                value: 20.0,
                p10: Some(15.0),
                p90: Some(25.0),
                adjusted: (h == 9).then_some(30.0),
            })
            .collect();
        let holidays = vec![Holiday { date: NaiveDate::from_ymd_opt(2026, 2, 16).expect("date"), name: "除夕 <eve>".into(), makeup_workday: false }];
        let labels = ForecastLabels { history: "History".into(), forecast: "Forecast".into(), band: "p10–p90".into(), adjusted: "Adjusted".into() };
        let svg = forecast_chart(&history, &forecast, &holidays, &labels, 800, 300);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(count(&svg, r#"class="history""#), 1);
        assert_eq!(count(&svg, r#"class="forecast""#), 1);
        assert_eq!(count(&svg, r#"class="band""#), 1);
        assert_eq!(count(&svg, r#"class="adjusted""#), 1);
        assert_eq!(count(&svg, r#"class="holiday""#), 1);
        assert!(svg.contains("除夕 &lt;eve&gt;"), "holiday name escaped: {svg}");
        assert!(!svg.contains("<eve>"));
        // History has 24 points.
        let hist = svg.split(r#"class="history" d=""#).nth(1).and_then(|s| s.split('"').next()).expect("history path");
        assert_eq!(hist.split(' ').count(), 24);
        assert_eq!(hist.matches('M').count(), 1, "no gap in hourly history");
    }

    #[test]
    fn lines_and_band_break_at_gaps_in_the_data() {
        // Two days of 08:00–10:00 (the center is closed at night).
        let pts: Vec<ForecastPoint> = [15, 16]
            .iter()
            .flat_map(|d| (0..8).map(move |q| t(*d, 8 + q / 4, (q % 4) * 15)))
            .map(|at| ForecastPoint { at, value: 5.0, p10: Some(4.0), p90: Some(6.0), adjusted: None })
            .collect();
        let svg = forecast_chart(&[], &pts, &[], &ForecastLabels::default(), 600, 200);
        let line = svg.split(r#"class="forecast" d=""#).nth(1).and_then(|s| s.split('"').next()).expect("forecast path");
        assert_eq!(line.matches('M').count(), 2, "{line}");
        let band = svg.split(r#"class="band" d=""#).nth(1).and_then(|s| s.split('"').next()).expect("band path");
        assert_eq!(band.matches('Z').count(), 2, "{band}");
    }

    #[test]
    fn forecast_chart_y_axis_covers_band_top() {
        let fc = vec![ForecastPoint { at: t(16, 9, 0), value: 50.0, p10: Some(40.0), p90: Some(130.0), adjusted: None }, ForecastPoint { at: t(16, 10, 0), value: 55.0, p10: Some(40.0), p90: Some(60.0), adjusted: None }];
        let svg = forecast_chart(&[], &fc, &[], &ForecastLabels::default(), 400, 200);
        // Ticks go up to 150 (steps of 50), so the band's 130 fits inside.
        assert!(svg.contains(">150</text>"), "{svg}");
        assert!(!svg.contains(r#"class="history""#));
    }

    #[test]
    fn empty_inputs_give_a_placeholder_not_a_panic() {
        let svg = forecast_chart(&[], &[], &[], &ForecastLabels::default(), 400, 200);
        assert!(svg.contains("no-data"));
        assert!(coverage_chart(&[], &[], t(1, 0, 0), t(2, 0, 0), ("r", "s"), 400, 100).contains("no-data"));
        assert!(gantt(&[], t(1, 0, 0), t(2, 0, 0), 400).contains("no-data"));
        // Inverted window.
        let row = GanttRow { label: "a".into(), segments: vec![] };
        assert!(gantt(&[row], t(2, 0, 0), t(1, 0, 0), 400).contains("no-data"));
    }

    #[test]
    fn gantt_clips_segments_to_the_window_and_colours_activities() {
        let rows = vec![
            GanttRow {
                label: "张伟 & co".into(),
                segments: vec![
                    GanttSegment { start: t(16, 6, 0), end: t(16, 10, 0), activity: "work".into() },
                    GanttSegment { start: t(16, 10, 0), end: t(16, 10, 15), activity: "break".into() },
                    GanttSegment { start: t(17, 9, 0), end: t(17, 17, 0), activity: "work".into() }, // outside
                ],
            },
            GanttRow { label: "Li".into(), segments: vec![GanttSegment { start: t(16, 12, 0), end: t(16, 13, 0), activity: "lunch".into() }] },
        ];
        let svg = gantt(&rows, t(16, 8, 0), t(16, 20, 0), 600);
        assert_eq!(count(&svg, r#"class="seg "#), 3, "segment outside the window is dropped");
        assert!(svg.contains("张伟 &amp; co"));
        assert!(svg.contains(activity_colour("lunch")));
        // First bar starts at the left edge of the plot (clipped from 06:00 to 08:00).
        assert!(svg.contains(r#"class="seg work" x="48.0""#), "{svg}");
        // Height grows with rows.
        assert!(svg.contains(r#"viewBox="0 0 600 76""#), "{svg}");
    }

    #[test]
    fn coverage_chart_marks_only_short_intervals() {
        let req = vec![(t(16, 8, 0), 5.0), (t(16, 9, 0), 8.0), (t(16, 10, 0), 4.0)];
        let sch = vec![(t(16, 8, 0), 6.0), (t(16, 9, 0), 6.0), (t(16, 10, 0), 4.0)];
        let svg = coverage_chart(&req, &sch, t(16, 8, 0), t(16, 11, 0), ("Required", "Scheduled"), 600, 160);
        assert_eq!(count(&svg, r#"class="short""#), 1, "{svg}");
        assert!(svg.contains("02-16 09:00: 6.0 / 8.0"));
        assert_eq!(count(&svg, r#"class="required""#), 1);
        assert_eq!(count(&svg, r#"class="scheduled""#), 1);
        // Unknown scheduled agents: the requirement is drawn, nothing is marked short.
        let svg = coverage_chart(&req, &[], t(16, 8, 0), t(16, 11, 0), ("Required", "Scheduled"), 600, 160);
        assert_eq!(count(&svg, r#"class="short""#), 0);
        assert_eq!(count(&svg, r#"class="required""#), 1);
    }

    #[test]
    fn nice_ticks_examples() {
        assert_eq!(nice_ticks(100.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_ticks(0.0, 4), vec![0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(f64::NAN, 4), vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn step_value_holds_until_next_point() {
        let s = vec![(t(16, 8, 0), 3.0), (t(16, 9, 0), 5.0)];
        assert_eq!(step_value(&s, t(16, 7, 0)), 0.0);
        assert_eq!(step_value(&s, t(16, 8, 30)), 3.0);
        assert_eq!(step_value(&s, t(16, 9, 0)), 5.0);
        assert_eq!(step_value(&s, t(16, 23, 0)), 5.0);
    }

    proptest! {
        #[test]
        fn nice_ticks_cover_the_range_with_few_round_steps(max in 0.001f64..1e7, target in 1usize..10) {
            let ticks = nice_ticks(max, target);
            prop_assert_eq!(ticks[0], 0.0);
            prop_assert!(*ticks.last().unwrap() >= max * (1.0 - 1e-12));
            prop_assert!(ticks.len() <= 2 * target + 2, "{} ticks for target {}", ticks.len(), target);
            let step = ticks[1];
            let mantissa = step / 10f64.powf(step.log10().floor());
            prop_assert!([1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6), "step {}", step);
        }

        #[test]
        fn y_mapping_stays_inside_the_plot(v in -1e6f64..1e6, ymax in 0.0f64..1e4) {
            let f = Frame::new(400, 200, t(1, 0, 0), t(2, 0, 0), 0.0, ymax);
            let y = f.y(v);
            prop_assert!(y >= f.y_top - 1e-9 && y <= f.y_bottom + 1e-9);
        }
    }
}
