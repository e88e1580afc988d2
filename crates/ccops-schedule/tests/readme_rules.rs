//! The complete rules example in the README must parse and validate.

use ccops_schedule::Rules;
use std::path::PathBuf;

#[test]
fn readme_rules_example_parses() {
    let readme = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let Ok(text) = std::fs::read_to_string(&readme) else {
        eprintln!("README.md not found at {}; skipping", readme.display());
        return;
    };
    let Some(at) = text.find("### Rules (TOML)") else { panic!("README has no `### Rules (TOML)` section") };
    let rest = &text[at..];
    let start = rest.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = rest[start..].find("```").expect("closing fence") + start;
    let rules = Rules::from_toml(&rest[start..end]).unwrap_or_else(|e| panic!("README rules example: {e}"));
    assert_eq!(rules.shifts.len(), 2);
    assert_eq!(rules.holidays.max_days_per_agent, Some(1));
    assert_eq!(rules.rotations[0].weeks.len(), 2);
}
