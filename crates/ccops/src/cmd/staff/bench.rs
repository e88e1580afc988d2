//! `ccops bench staffing`: time the whole `ccops staff` process on the peers' 100,000 cells and
//! check every agent count against the independent reference (`erlang_ref.py`).
//!
//! 1. Convert `erlang_cells_100000.csv` into the staffing input format (15-minute intervals,
//!    volume = arrivals_per_hour / 4).
//! 2. Run `ccops staff` on it as a child process, several times, and time each run end to end
//!    (start, parse, solve, write, exit).
//! 3. Compare `agents` with the reference Erlang C on every cell and with the reference
//!    Erlang A on the first `--erlang-a-cells` cells (Erlang A is timed on every cell).
//! 4. With `--peers`, run `bench_erlang.py` (pyworkforce, numpy and scipy references) in the same
//!    run and print the throughput ratios; with `--rss-rows N`, repeat the cells into an N-row
//!    file and measure peak memory with `/usr/bin/time -v`.

use anyhow::{Context, bail};
use clap::Args;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchStaffingArgs {
    /// Peer instance file (default: shared/bench/gen/out/erlang_cells_100000.csv found from the
    /// current directory upward, $CCOPS_SHARED, or /work/shared).
    #[arg(long)]
    pub cells: Option<PathBuf>,
    /// Also run the Python peers (pyworkforce, reference Erlang C and A) in this run.
    #[arg(long)]
    pub peers: bool,
    /// Per-cell results CSV written earlier by bench_erlang.py (used when --peers is not given).
    #[arg(long)]
    pub peer_results: Option<PathBuf>,
    /// Python of the peers' virtualenv.
    #[arg(long, default_value = "~/.cache/ccops-peers/bin/python")]
    pub python: String,
    /// Cells checked against the (slow) reference Erlang A.
    #[arg(long, default_value_t = 1000)]
    pub erlang_a_cells: usize,
    /// Timed runs of `ccops staff`; the best and the median are printed.
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Also build an N-row input (cells repeated) and measure peak RSS and throughput on it.
    #[arg(long)]
    pub rss_rows: Option<u64>,
    /// Scratch directory for the converted inputs and outputs.
    #[arg(long, default_value = "/tmp/ccops-bench-staffing")]
    pub work_dir: PathBuf,
    /// Worker threads passed to `ccops staff`.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// One peer cell as a staffing input row (no line end).
struct Cell {
    row: String,
}

pub fn bench(args: BenchStaffingArgs) -> anyhow::Result<()> {
    let shared = shared_dir();
    let cells_path = match &args.cells {
        Some(p) => p.clone(),
        None => shared.join("bench/gen/out/erlang_cells_100000.csv"),
    };
    std::fs::create_dir_all(&args.work_dir)?;
    let cells = convert_cells(&cells_path)?;
    let n = cells.len();
    let input = args.work_dir.join("cells_staffing.csv");
    write_rows(&input, cells.iter().map(|c| c.row.as_str()), n as u64)?;
    let exe = std::env::current_exe()?;
    println!("ccops bench staffing: {n} cells from {}", cells_path.display());
    println!(
        "input converted to {} ({} bytes)",
        input.display(),
        std::fs::metadata(&input)?.len()
    );

    // Erlang C: the whole process, timed.
    let output = args.work_dir.join("cells_staffing_out.csv");
    let mut walls = Vec::new();
    for _ in 0..args.repeat.max(1) {
        walls.push(run_staff(&exe, &input, Some(&output), &[], args.threads)?);
    }
    walls.sort_by(f64::total_cmp);
    let best = walls[0];
    let median = walls[walls.len() / 2];
    let ours_c = read_agents(&output)?;

    // Erlang A on every cell (timed); the reference covers the first `m`.
    let m = args.erlang_a_cells.min(n);
    let output_a = args.work_dir.join("cells_staffing_a_out.csv");
    let wall_a = run_staff(&exe, &input, Some(&output_a), &["--model", "erlang-a"], args.threads)?;
    let ours_a = read_agents(&output_a)?;

    // Peers: in this run, or an earlier results file.
    let mut peer_json = None;
    let results = if args.peers {
        let results = args.work_dir.join("peer_results.csv");
        let python = expand_home(&args.python);
        let script = shared.join("bench/peers/bench_erlang.py");
        eprintln!(
            "running peers: {} {} (pyworkforce takes about a minute)",
            python.display(),
            script.display()
        );
        let out = Command::new(&python)
            .arg(&script)
            .args(["--cells".as_ref(), cells_path.as_os_str()])
            .args(["--peers", "ref_c,pyworkforce,ref_a", "--erlang-a-cells", &m.to_string()])
            .args(["--results".as_ref(), results.as_os_str()])
            .output()
            .with_context(|| format!("cannot run {}", python.display()))?;
        if !out.status.success() {
            bail!("peer benchmark failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        peer_json = Some(serde_json::from_slice::<serde_json::Value>(&out.stdout).context("peer output is not JSON")?);
        Some(results)
    } else {
        args.peer_results.clone()
    };

    let cps = n as f64 / best;
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| ccops staff, Erlang C, whole process (best of {}) | {best:.3} s → {cps:.0} cells/s |",
        walls.len()
    );
    println!(
        "| ccops staff, Erlang C, median | {median:.3} s → {:.0} cells/s |",
        n as f64 / median
    );
    let cps_a = n as f64 / wall_a;
    println!("| ccops staff, Erlang A, whole process | {wall_a:.3} s → {cps_a:.0} cells/s |");
    if let Some(j) = &peer_json {
        let peer = |k: &str| j[k]["cells_per_s"].as_f64();
        if let Some(p) = peer("pyworkforce_erlangc") {
            println!(
                "| pyworkforce 0.5.1 Erlang C (same run) | {p:.0} cells/s → ccops is {:.0}× |",
                cps / p
            );
        }
        if let Some(p) = peer("ref_erlang_c_numpy") {
            println!(
                "| reference Erlang C, numpy (same run) | {p:.0} cells/s → ccops is {:.1}× |",
                cps / p
            );
        }
        if let Some(p) = peer("ref_erlang_a_scipy") {
            println!(
                "| reference Erlang A, scipy, first {m} cells (same run) | {p:.1} cells/s → ccops is {:.0}× |",
                cps_a / p
            );
        }
    }
    match results {
        Some(path) => {
            let reference = read_reference(&path)?;
            let (checked_c, bad_c) = compare(&ours_c, &reference, "agents_ref_c", usize::MAX);
            let (checked_a, bad_a) = compare(&ours_a, &reference, "agents_ref_a", m);
            let (checked_p, bad_p) = compare(&ours_c, &reference, "agents_pyworkforce", usize::MAX);
            println!("| Erlang C agents ≠ reference | {bad_c} of {checked_c} cells |");
            println!("| Erlang C agents ≠ pyworkforce | {bad_p} of {checked_p} cells |");
            println!("| Erlang A agents ≠ reference | {bad_a} of {checked_a} cells |");
            if bad_c + bad_a > 0 {
                bail!("agent counts differ from the reference ({bad_c} Erlang C, {bad_a} Erlang A)");
            }
        }
        None => println!("(agent counts not checked: pass --peers, or --peer-results from bench_erlang.py)"),
    }
    if let Some(rows) = args.rss_rows {
        rss_run(&exe, &args, &cells, rows)?;
    }
    Ok(())
}

/// `shared/` beside the repository (walking up from the current directory), `$CCOPS_SHARED`,
/// or `/work/shared`.
fn shared_dir() -> PathBuf {
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            if dir.join("shared/bench").is_dir() {
                return dir.join("shared");
            }
            if !dir.pop() {
                break;
            }
        }
    }
    std::env::var_os("CCOPS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared"))
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// Peer cells → staffing input rows (without header).
fn convert_cells(path: &Path) -> anyhow::Result<Vec<Cell>> {
    let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let h = rdr.headers()?.clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .with_context(|| format!("{}: no column {name}", path.display()))
    };
    let (id, q, day, iv, aph, aht, awt, tgt, pat) = (
        col("cell_id")?,
        col("queue_id")?,
        col("day")?,
        col("interval")?,
        col("arrivals_per_hour")?,
        col("aht_s")?,
        col("awt_s")?,
        col("target_sl")?,
        col("patience_s")?,
    );
    let mut cells = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let num = |c: usize| -> anyhow::Result<f64> {
            rec[c]
                .trim()
                .parse::<f64>()
                .with_context(|| format!("{}:{}: bad number `{}`", path.display(), i + 2, &rec[c]))
        };
        let (d, k) = (num(day)? as i64, num(iv)? as i64);
        // Day 0 = Monday 2026-02-16; interval k = 15-minute slot of the day.
        let (y, mo, da) = civil_from_days(days_from_civil(2026, 2, 16) + d);
        let row = format!(
            "q{},{y:04}-{mo:02}-{da:02}T{:02}:{:02}:00+08:00,15,{},{},{},{},{},{}",
            &rec[q],
            k / 4,
            (k % 4) * 15,
            num(aph)? / 4.0,
            &rec[aht],
            &rec[tgt],
            &rec[awt],
            &rec[pat],
            &rec[id]
        );
        cells.push(Cell { row });
    }
    Ok(cells)
}

const HEADER: &str =
    "queue,interval_start,interval_minutes,volume,aht_seconds,sl_target,sl_seconds,patience_seconds,cell_id\n";

/// Write `count` rows, cycling through `rows`.
fn write_rows<'a>(path: &Path, rows: impl Iterator<Item = &'a str> + Clone, count: u64) -> anyhow::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(HEADER.as_bytes())?;
    let mut written = 0;
    'outer: loop {
        let before = written;
        for r in rows.clone() {
            if written == count {
                break 'outer;
            }
            w.write_all(r.as_bytes())?;
            w.write_all(b"\n")?;
            written += 1;
        }
        if written == before {
            break;
        }
    }
    w.flush()?;
    Ok(())
}

/// Run `ccops staff` once; wall-clock seconds of the whole child process.
fn run_staff(
    exe: &Path,
    input: &Path,
    output: Option<&Path>,
    extra: &[&str],
    threads: Option<usize>,
) -> anyhow::Result<f64> {
    let mut cmd = Command::new(exe);
    cmd.arg("staff").arg("--input").arg(input).args(extra);
    match output {
        Some(o) => cmd.arg("--output").arg(o).stdout(Stdio::null()),
        None => cmd.stdout(Stdio::null()),
    };
    if let Some(t) = threads {
        cmd.arg("--threads").arg(t.to_string());
    }
    let t0 = Instant::now();
    let out = cmd.stderr(Stdio::piped()).output()?;
    let wall = t0.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("ccops staff failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(wall)
}

/// `cell_id → agents` from a `ccops staff` output.
fn read_agents(path: &Path) -> anyhow::Result<HashMap<u64, i64>> {
    read_columns(path, "cell_id", "agents")
}

fn read_columns(path: &Path, key: &str, value: &str) -> anyhow::Result<HashMap<u64, i64>> {
    let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let h = rdr.headers()?.clone();
    let k = h
        .iter()
        .position(|c| c == key)
        .with_context(|| format!("{}: no column {key}", path.display()))?;
    let v = h
        .iter()
        .position(|c| c == value)
        .with_context(|| format!("{}: no column {value}", path.display()))?;
    let mut map = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let (Ok(kk), Ok(vv)) = (rec[k].parse::<u64>(), rec[v].parse::<i64>()) else {
            continue;
        };
        map.insert(kk, vv);
    }
    Ok(map)
}

/// Reference columns of bench_erlang.py's results CSV.
fn read_reference(path: &Path) -> anyhow::Result<HashMap<&'static str, HashMap<u64, i64>>> {
    let mut out = HashMap::new();
    let header = BufReader::new(std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?)
        .lines()
        .next()
        .transpose()?
        .unwrap_or_default();
    for col in ["agents_ref_c", "agents_ref_a", "agents_pyworkforce"] {
        if header.split(',').any(|c| c == col) {
            out.insert(col, read_columns(path, "cell_id", col)?);
        }
    }
    Ok(out)
}

/// (cells compared, cells differing) for the first `limit` cell ids; unsolved (−1) skipped.
fn compare(
    ours: &HashMap<u64, i64>,
    reference: &HashMap<&'static str, HashMap<u64, i64>>,
    col: &str,
    limit: usize,
) -> (usize, usize) {
    let Some(r) = reference.get(col) else { return (0, 0) };
    let (mut checked, mut bad) = (0, 0);
    for (id, &want) in r {
        if (*id as usize) >= limit || want < 0 {
            continue;
        }
        checked += 1;
        if ours.get(id) != Some(&want) {
            bad += 1;
            if bad <= 5 {
                eprintln!("cell {id}: ccops {:?}, {col} {want}", ours.get(id));
            }
        }
    }
    (checked, bad)
}

/// Peak memory and throughput on a large input, measured by `/usr/bin/time -v`.
fn rss_run(exe: &Path, args: &BenchStaffingArgs, cells: &[Cell], rows: u64) -> anyhow::Result<()> {
    let big = args.work_dir.join(format!("cells_staffing_{rows}.csv"));
    eprintln!("writing {rows} rows to {}", big.display());
    write_rows(&big, cells.iter().map(|c| c.row.as_str()), rows)?;
    let size = std::fs::metadata(&big)?.len();
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(exe).arg("staff").arg("--input").arg(&big);
    if let Some(t) = args.threads {
        cmd.arg("--threads").arg(t.to_string());
    }
    let t0 = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run /usr/bin/time -v")?;
    let wall = t0.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("ccops staff on {} failed: {report}", big.display());
    }
    let rss_kb = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .context("no RSS in /usr/bin/time output")?;
    println!(
        "| ccops staff, {rows} rows ({:.0} MB in), output to /dev/null | {wall:.2} s → {:.0} cells/s, peak RSS {:.1} MB |",
        size as f64 / 1e6,
        rows as f64 / wall,
        rss_kb / 1024.0
    );
    let _ = std::fs::remove_file(&big);
    Ok(())
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(days_from_civil(2026, 2, 16) + 6), (2026, 2, 22));
        assert_eq!(civil_from_days(days_from_civil(2026, 2, 28) + 1), (2026, 3, 1));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
