//! The optimiser on small instances, verified by the independent checker.

use ccops_schedule::generate::generate;
use ccops_schedule::{SolveOptions, check, solve};

#[test]
fn generated_week_is_legal_and_close_to_bound() {
    let p = generate(30, 1, 7);
    let opts = SolveOptions { max_moves: 20_000, ..Default::default() };
    let sol = solve(&p, &opts, &mut |_| true).unwrap();
    let rep = check(&sol.roster, &p.rules, &p.agents, Some(&p.requirements)).unwrap();
    assert!(rep.violations.is_empty(), "{:#?}", &rep.violations[..rep.violations.len().min(10)]);
    let cov = rep.coverage.unwrap();
    assert!((cov.under_hours - sol.under_hours).abs() < 1e-6, "{} vs {}", cov.under_hours, sol.under_hours);
    let b = sol.under_bound_hours.unwrap();
    assert!(b <= sol.under_hours + 1e-6);
    eprintln!("under {} over {} bound {} shifts {}", sol.under_hours, sol.over_hours, b, sol.shifts);
}
