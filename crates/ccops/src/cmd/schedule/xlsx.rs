//! Excel export (R9): a planner's Gantt (agents × intervals, coloured by activity) and coverage.

use ccops_schedule::{Agent, Coverage, Requirements, Segment};
use chrono::Duration;
use rust_xlsxwriter::{Color, Format, Workbook};
use std::collections::HashMap;

fn colour(activity: &str) -> u32 {
    match activity {
        "work" => 0x63BE7B,
        "break" => 0xFFD966,
        "lunch" => 0xF4B183,
        "training" | "meeting" => 0x9DC3E6,
        _ => 0xD9D9D9,
    }
}

pub fn workbook(roster: &[Segment], agents: &[Agent], req: &Requirements, cov: Option<&Coverage>) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let slot = req.slot_minutes as i64;
    let ns = req.slots();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Roster")?;
        ws.write_string_with_format(0, 0, "agent", &bold)?;
        ws.write_string_with_format(1, 0, "time →", &bold)?;
        ws.set_column_width(0, 14)?;
        for t in 0..ns {
            let at = req.start + Duration::minutes(t as i64 * slot);
            let col = (t + 1) as u16;
            if t % (1440 / slot as usize) == 0 {
                ws.write_string_with_format(0, col, at.format("%a %m-%d").to_string(), &bold)?;
            }
            if (t as i64 * slot) % 60 == 0 {
                ws.write_string(1, col, at.format("%H").to_string())?;
            }
            ws.set_column_width(col, 2.2)?;
        }
        let row_of: HashMap<&str, u32> = agents.iter().enumerate().map(|(i, a)| (a.id.as_str(), i as u32 + 2)).collect();
        for a in agents {
            ws.write_string(row_of[a.id.as_str()], 0, &a.id)?;
        }
        let mut fmts: HashMap<&str, Format> = HashMap::new();
        for s in roster {
            let Some(&row) = row_of.get(s.agent_id.as_str()) else { continue };
            let f = fmts.entry(s.activity.as_str()).or_insert_with(|| Format::new().set_background_color(Color::RGB(colour(&s.activity))));
            let (a, b) = ((s.start - req.start).num_minutes(), (s.end - req.start).num_minutes());
            let mut t = a.div_euclid(slot).max(0);
            while t * slot < b && (t as usize) < ns {
                ws.write_blank(row, (t + 1) as u16, f)?;
                t += 1;
            }
        }
        ws.set_freeze_panes(2, 1)?;
    }
    if let Some(c) = cov {
        let ws = wb.add_worksheet();
        ws.set_name("Coverage")?;
        for (i, h) in ["interval_start", "queue", "required", "scheduled", "diff"].iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *h, &bold)?;
        }
        ws.set_column_width(0, 18)?;
        let short = Format::new().set_background_color(Color::RGB(0xF8696B));
        for (r, iv) in c.intervals.iter().enumerate() {
            let row = r as u32 + 1;
            ws.write_string(row, 0, iv.interval_start.format("%Y-%m-%d %H:%M").to_string())?;
            ws.write_string(row, 1, &iv.queue)?;
            ws.write_number(row, 2, iv.required)?;
            ws.write_number(row, 3, iv.scheduled)?;
            if iv.diff < 0.0 {
                ws.write_number_with_format(row, 4, iv.diff, &short)?;
            } else {
                ws.write_number(row, 4, iv.diff)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(wb.save_to_buffer()?)
}
