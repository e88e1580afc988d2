//! Probe of the week plans cut by the day LPs: `cargo run --release -p ccops-schedule --example
//! cutplan -- AGENTS WEEKS SECONDS` plans the weeks from the LP (dual-priced), then runs
//! [`plan_weeks_cut`](ccops_schedule::weekplan::plan_weeks_cut) from them for SECONDS and prints
//! the day LPs' sum after each round against the LP bound.
use ccops_schedule::generate::generate;
use ccops_schedule::model::Model;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let n = a.first().and_then(|s| s.parse().ok()).unwrap_or(500);
    let w = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let secs: f64 = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(30.0);
    let p = generate(n, w, 1);
    let m = Model::compile(&p).expect("model");
    let t = std::time::Instant::now();
    let lp = ccops_schedule::lp::under_bound(&m, &p.rules, 120.0).expect("lp");
    println!("LP bound {:.2} in {:.1} s", lp.under_bound_hours, t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let plan = ccops_schedule::weekplan::plan_weeks(&m, &p.rules, &lp, 5.0);
    println!("priced plans in {:.1} s", t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let cut = ccops_schedule::weekplan::plan_weeks_cut(&m, &p.rules, &lp, &plan, secs).expect("cut plans");
    for (i, (v, s)) in cut.rounds.iter().enumerate() {
        println!("round {i:2}: day LPs {v:8.2} at {s:6.1} s");
    }
    println!("day LPs {:.2} from {:.2} (LP {:.2}) in {:.1} s", cut.value, cut.start_value, lp.under_bound_hours, t.elapsed().as_secs_f64());
}
