//! Probe of the roster LP: `cargo run --release -p ccops-schedule --example lpshape -- AGENTS WEEKS`
//! prints the bound, its solve time, and per hour the LP's shift starts (full / part), agents at
//! work and the requirement, summed over the horizon.
use ccops_schedule::generate::generate;
use ccops_schedule::model::Model;
fn main() {
    let a: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let p = generate(a.first().copied().unwrap_or(500), a.get(1).copied().unwrap_or(1), 1);
    let m = Model::compile(&p).unwrap();
    let t = std::time::Instant::now();
    let r = ccops_schedule::lp::under_bound(&m, &p.rules, 120.0).unwrap();
    println!("bound {} in {:.1} s", r.under_bound_hours, t.elapsed().as_secs_f64());
    let mut starts = vec![(0.0, 0.0); 24];
    let mut work = vec![0.0; 24 * 4];
    let mut req = vec![0.0; 24 * 4];
    for g in &r.mix {
        for (d, day) in g.iter().enumerate() {
            for (ci, x) in day.iter().enumerate() {
                let c = &m.cands[d][ci];
                let tod = c.start - d as i32 * 1440;
                if c.paid >= 400 { starts[(tod / 60) as usize].0 += x } else { starts[(tod / 60) as usize].1 += x }
                for t in (tod / 15)..((tod + c.len) / 15) {
                    work[t as usize % 96] += x;
                }
            }
        }
    }
    for q in 0..3 {
        for t in 0..7 * 96 {
            req[t % 96] += m.required[q][t];
        }
    }
    // Per day: shifts and paid hours in the LP against required agent-hours.
    let mut by_day = vec![(0.0, 0.0, 0.0, 0.0); m.days];
    for g in &r.mix {
        for (d, day) in g.iter().enumerate() {
            for (ci, x) in day.iter().enumerate() {
                by_day[d].0 += x;
                by_day[d].1 += x * m.cands[d][ci].paid as f64 / 60.0;
                if m.cands[d][ci].paid >= 400 {
                    by_day[d].3 += x;
                }
            }
        }
    }
    for (d, b) in by_day.iter_mut().enumerate() {
        b.2 = (0..3).map(|q| m.required[q][d * 96..(d + 1) * 96].iter().sum::<f64>()).sum::<f64>() / 4.0;
        println!("day {d}: shifts {:.1} (full {:.1}) paid hours {:.1} required hours {:.1}", b.0, b.3, b.1, b.2);
    }
    // Working-day patterns per week class (group, paid-minute range, …): agents per pattern.
    let mut keys: Vec<_> = r.patterns.keys().collect();
    keys.sort();
    for k in keys {
        let mut v = r.patterns[k].clone();
        v.sort_by(|x, y| y.1.total_cmp(&x.1));
        let shown: Vec<String> = v.iter().take(8).map(|(mask, y)| format!("{mask:07b}:{y:.1}")).collect();
        println!("class g{} paid {}..{} w{}: {}", k.0, k.1, k.2, k.6 / 7, shown.join(" "));
    }
    // Per day and hour: agents at work in the LP's mix (breaks included) minus required,
    // agent-hours.
    for d in 0..m.days.min(7) {
        let mut net = [0.0; 24];
        for g in &r.mix {
            for (ci, x) in g[d].iter().enumerate() {
                let c = &m.cands[d][ci];
                let tod = c.start - d as i32 * 1440;
                for t in (tod / 15)..((tod + c.len) / 15) {
                    net[(t / 4) as usize % 24] += x / 4.0;
                }
            }
        }
        for q in 0..3 {
            for t in 0..96 {
                net[t / 4] -= m.required[q][d * 96 + t] / 4.0;
            }
        }
        let cells: Vec<String> = net[6..23].iter().map(|x| format!("{x:6.1}")).collect();
        println!("at work - required, day {d} h06..22: {}", cells.join(""));
    }
    for h in 6..23 {
        let w: f64 = work[h * 4..h * 4 + 4].iter().sum::<f64>() / 4.0;
        let rq: f64 = req[h * 4..h * 4 + 4].iter().sum::<f64>() / 4.0;
        println!("hour {h}: starts full {:.1} part {:.1}  at work {:.1} required {:.1}", starts[h].0, starts[h].1, w, rq);
    }
}
