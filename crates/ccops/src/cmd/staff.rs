//! `ccops staff`: forecast volume → required agents, one output row per input row; and
//! `ccops bench staffing`, which times the whole command against the Python peers.
//!
//! Streaming in constant memory: a reader thread cuts the input into blocks of whole records
//! (cut at a newline outside quotes), worker threads split, parse, solve and format each block,
//! and the main thread writes the blocks back in input order. Blocks (input + output buffer) are
//! recycled through a fixed pool, so memory does not grow with the file. Lines without quotes —
//! nearly all — are split at commas and echoed as one copy; blocks with quotes go through the CSV
//! parser. Output goes to a temporary file beside the target, renamed on success.

use anyhow::{Context, bail};
use ccops_formats::FormatError;
use ccops_formats::staffing::{RecordFields, SplitLine, StaffingHeader, StaffingModel, StaffingResult, StaffingRow};
use ccops_queueing::{Model, QueueingError, StaffingCell, Targets, staff};
use clap::{Args, ValueEnum};
use csv::ByteRecord;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

mod bench;
pub use bench::{BenchStaffingArgs, bench};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    /// A JSON array of objects, one per input row.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    ErlangC,
    ErlangA,
    ErlangX,
    Deferred,
}

#[derive(Args, Debug, Clone)]
pub struct StaffArgs {
    /// Staffing input CSV: queue,interval_start,interval_minutes,volume,aht_seconds[,overrides…]
    #[arg(long, short)]
    pub input: PathBuf,
    /// Where to write the result (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: OutputFormat,
    /// Default service-level target, fraction answered within --sl-seconds (column `sl_target`).
    #[arg(long, default_value_t = 0.8)]
    pub sl_target: f64,
    /// Default service-level threshold T in seconds (column `sl_seconds`).
    #[arg(long, default_value_t = 20.0)]
    pub sl_seconds: f64,
    /// Default model (column `model`).
    #[arg(long, value_enum, default_value = "erlang-c")]
    pub model: ModelArg,
    /// Default mean patience in seconds, needed by erlang-a / erlang-x (column `patience_seconds`).
    #[arg(long)]
    pub patience_seconds: Option<f64>,
    /// Default occupancy cap in (0, 1] (column `max_occupancy`); for deferred rows the productive
    /// fraction.
    #[arg(long)]
    pub max_occupancy: Option<f64>,
    /// Default shrinkage in [0, 1): scheduled = agents / (1 − shrinkage) (column `shrinkage`).
    #[arg(long, default_value_t = 0.0)]
    pub shrinkage: f64,
    /// Default seat limit (column `seats`): a hard limit, the shortfall is reported.
    #[arg(long)]
    pub seats: Option<u32>,
    /// Default ASA ceiling in seconds (column `asa_target_seconds`).
    #[arg(long)]
    pub asa_target_seconds: Option<f64>,
    /// Default abandonment ceiling, fraction of offered (column `max_abandon_rate`).
    #[arg(long)]
    pub max_abandon_rate: Option<f64>,
    /// Default sessions per agent for chat (column `concurrency`).
    #[arg(long, default_value_t = 1)]
    pub concurrency: u32,
    /// Default line limit for erlang-x, agents + waiting places (column `lines`).
    #[arg(long)]
    pub lines: Option<u32>,
    /// Default redial probability for erlang-x (column `redial_probability`).
    #[arg(long, default_value_t = 0.0)]
    pub redial_probability: f64,
    /// Worker threads (default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Bytes per chunk: large enough to amortise channel traffic, small enough to keep memory flat.
const CHUNK_BYTES: usize = 512 * 1024;

pub fn run(args: StaffArgs) -> anyhow::Result<()> {
    check_defaults(&args)?;
    let input_name = args.input.display().to_string();
    let file = File::open(&args.input).with_context(|| format!("cannot open {input_name}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    match &args.output {
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let result = process(file, &input_name, size, &args, &mut out).and_then(|()| Ok(out.flush()?));
            match result {
                // `ccops staff … | head` closing the pipe early is not a failure.
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
                {
                    Ok(())
                }
                other => other,
            }
        }
        Some(path) => {
            let tmp = temp_path(path);
            let result = (|| {
                let mut out = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
                process(file, &input_name, size, &args, &mut out)?;
                // No fsync: the rename is what guarantees readers never see a partial file.
                drop(out);
                std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        }
    }
}

/// A temporary name in the same directory, so the final rename is atomic.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Reject impossible defaults before reading anything.
fn check_defaults(a: &StaffArgs) -> anyhow::Result<()> {
    Defaults::from(a)
        .targets
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid default: {e} (check the --sl-target/--sl-seconds/… flags)"))?;
    if let Some(p) = a.patience_seconds
        && !(p.is_finite() && p > 0.0)
    {
        bail!("--patience-seconds must be a positive number, got {p}");
    }
    if a.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if !(0.0..1.0).contains(&a.redial_probability) {
        bail!("--redial-probability must be in [0, 1), got {}", a.redial_probability);
    }
    Ok(())
}

/// Whole CSV records as read and the bytes they produce travel together and are reused.
struct Chunk {
    seq: u64,
    /// Complete records (never a record cut in two).
    data: Vec<u8>,
    /// Line number of the first byte of `data`.
    first_line: u64,
    out: Vec<u8>,
    /// Input bytes consumed up to the end of this chunk (for the progress bar).
    bytes_read: u64,
    error: Option<FormatError>,
}

impl Chunk {
    fn new() -> Self {
        Chunk {
            seq: 0,
            data: Vec::with_capacity(CHUNK_BYTES + 4096),
            first_line: 0,
            out: Vec::with_capacity(CHUNK_BYTES * 2),
            bytes_read: 0,
            error: None,
        }
    }
}

/// End (one past the `\n`) of the last complete record in `data`: the last newline outside
/// quotes. Without any quote in the block that is simply the last newline.
fn last_record_end(data: &[u8]) -> Option<usize> {
    if !data.contains(&b'"') {
        return data.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
    }
    let (mut quoted, mut end) = (false, None);
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => end = Some(i + 1),
            _ => {}
        }
    }
    end
}

/// End of the first complete record (the header).
fn first_record_end(data: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in data.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Append up to `want` more bytes; true at end of input.
fn fill<R: Read>(input: &mut R, data: &mut Vec<u8>, want: usize, name: &str, line: u64) -> Result<bool, FormatError> {
    let got = input
        .take(want as u64)
        .read_to_end(data)
        .map_err(|e| FormatError::new(name, line, None, format!("cannot read: {e}")))?;
    Ok(got < want)
}

fn count_lines(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Parse, solve and write every row of `input` to `out`.
fn process<R: Read + Send, W: Write>(
    mut input: R,
    name: &str,
    size: u64,
    args: &StaffArgs,
    out: &mut W,
) -> anyhow::Result<()> {
    // The header: read until its record is complete.
    let mut carry = Vec::with_capacity(CHUNK_BYTES);
    let mut at_end = false;
    let header_end = loop {
        if let Some(end) = first_record_end(&carry) {
            break end;
        }
        if at_end {
            break carry.len();
        }
        at_end = fill(&mut input, &mut carry, 64 * 1024, name, 1)?;
    };
    let mut head = ByteRecord::new();
    let mut hr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&carry[..header_end]);
    if !hr.read_byte_record(&mut head).map_err(|e| csv_error(name, 0, e))? {
        return Err(FormatError::new(name, 0, None, "file is empty (expected a header line)").into());
    }
    let header = Arc::new(StaffingHeader::from_record(name, &head)?);
    let header_lines = count_lines(&carry[..header_end]);
    let carry = carry.split_off(header_end);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let pool_size = 2 * threads + 2;
    let progress = crate::progress::bar(size, "bytes");

    let mut buf = Vec::with_capacity(4096);
    match args.format {
        OutputFormat::Csv => header.write_csv_header(&mut buf),
        OutputFormat::Json => buf.extend_from_slice(b"["),
    }
    out.write_all(&buf)?;

    let (free_tx, free_rx) = sync_channel::<Chunk>(pool_size);
    for _ in 0..pool_size {
        free_tx.send(Chunk::new()).expect("pool channel has room");
    }
    let (work_tx, work_rx) = sync_channel::<Chunk>(pool_size);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<Chunk>(pool_size);
    let defaults = Defaults::from(args);
    let start = Start {
        carry,
        first_line: 1 + header_lines,
        offset: header_end as u64,
        at_end,
    };

    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Own every channel end here: returning early drops them, which unblocks and ends the
        // reader and the workers before the scope joins them.
        let (free_tx, work_rx, done_tx, done_rx) = (free_tx, work_rx, done_tx, done_rx);
        scope.spawn(move || read_chunks(input, name, start, free_rx, work_tx));
        for _ in 0..threads {
            let (rx, tx, header) = (Arc::clone(&work_rx), done_tx.clone(), Arc::clone(&header));
            let format = args.format;
            scope.spawn(move || solve_chunks(&rx, &tx, &header, &defaults, format));
        }
        drop((done_tx, work_rx));
        // Write chunks in input order; stop at the first error (the earliest line).
        let mut pending = BTreeMap::new();
        let mut next = 0u64;
        for chunk in done_rx.iter() {
            pending.insert(chunk.seq, chunk);
            while let Some(mut c) = pending.remove(&next) {
                if let Some(e) = c.error.take() {
                    return Err(e.into());
                }
                out.write_all(&c.out)?;
                progress.set_position(c.bytes_read);
                next += 1;
                // Fails only once the reader has finished; the pool never overfills.
                let _ = free_tx.send(c);
            }
        }
        debug_assert!(pending.is_empty());
        Ok(())
    })?;
    if args.format == OutputFormat::Json {
        out.write_all(b"\n]\n")?;
    }
    progress.finish_and_clear();
    Ok(())
}

fn csv_error(name: &str, first_line: u64, e: csv::Error) -> FormatError {
    let line = e.position().map_or(first_line, |p| first_line + p.line() - 1);
    FormatError::new(name, line, None, format!("unreadable CSV: {e}"))
}

/// Where the reader starts after the header.
struct Start {
    carry: Vec<u8>,
    first_line: u64,
    offset: u64,
    at_end: bool,
}

/// Reader thread: fill free chunks with whole records until the input ends or fails.
fn read_chunks<R: Read>(mut input: R, name: &str, start: Start, free: Receiver<Chunk>, work: SyncSender<Chunk>) {
    let Start {
        mut carry,
        first_line: mut line,
        offset: mut bytes_read,
        mut at_end,
    } = start;
    let mut seq = 0;
    while let Ok(mut chunk) = free.recv() {
        chunk.seq = seq;
        chunk.error = None;
        chunk.data.clear();
        chunk.data.append(&mut carry);
        // Read until the block holds at least one complete record (a record longer than a
        // chunk grows the block).
        let mut want = CHUNK_BYTES;
        let cut = loop {
            if !at_end && chunk.data.len() < want {
                let more = want - chunk.data.len();
                match fill(&mut input, &mut chunk.data, more, name, line) {
                    Ok(end) => at_end = end,
                    Err(e) => {
                        chunk.error = Some(e);
                        at_end = true;
                    }
                }
            }
            if at_end {
                break chunk.data.len();
            }
            match last_record_end(&chunk.data) {
                Some(end) => break end,
                None => want *= 2,
            }
        };
        carry.extend_from_slice(&chunk.data[cut..]);
        chunk.data.truncate(cut);
        chunk.first_line = line;
        line += count_lines(&chunk.data);
        bytes_read += cut as u64;
        chunk.bytes_read = bytes_read;
        if (!chunk.data.is_empty() || chunk.error.is_some()) && work.send(chunk).is_err() {
            return;
        }
        if at_end {
            return;
        }
        seq += 1;
    }
}

/// Worker thread: solve every row of each chunk and format it.
fn solve_chunks(
    work: &Mutex<Receiver<Chunk>>,
    done: &SyncSender<Chunk>,
    header: &StaffingHeader,
    defaults: &Defaults,
    format: OutputFormat,
) {
    let mut commas = Vec::new();
    loop {
        let next = work.lock().map(|rx| rx.recv());
        let Ok(Ok(mut chunk)) = next else { return };
        chunk.out.clear();
        // A read error is reported after the rows before it.
        let read_error = chunk.error.take();
        let mut first_row = chunk.seq == 0;
        let mut emit = |out: &mut Vec<u8>, row: &dyn Fn(&mut Vec<u8>)| {
            if format == OutputFormat::Json {
                out.extend_from_slice(if first_row { b"\n" } else { b",\n" });
                first_row = false;
            }
            row(out);
        };
        let result = if chunk.data.contains(&b'"') {
            // Quoted fields (commas or newlines inside): let the CSV parser split the records.
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&chunk.data[..]);
            let mut rec = ByteRecord::new();
            let mut result = Ok(());
            loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {
                        // Count physical lines ourselves: the CSV reader's line numbers skip
                        // newlines inside quotes, and its record start includes the blank lines
                        // skipped before the record.
                        let mut at = rec.position().map_or(0, |p| p.byte() as usize).min(chunk.data.len());
                        while matches!(chunk.data.get(at), Some(b'\r' | b'\n')) {
                            at += 1;
                        }
                        let line = chunk.first_line + count_lines(&chunk.data[..at]);
                        match solve_row(header, defaults, line, &rec) {
                            Ok(r) => emit(&mut chunk.out, &|out| match format {
                                OutputFormat::Csv => header.write_csv_row(out, &rec, &r),
                                OutputFormat::Json => header.write_json_row(out, &rec, &r),
                            }),
                            Err(e) => {
                                result = Err(e);
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        let at = e.position().map_or(0, |p| p.byte() as usize).min(chunk.data.len());
                        let reason = format!("unreadable CSV: {e}");
                        result = Err(header.error(chunk.first_line + count_lines(&chunk.data[..at]), None, reason));
                        break;
                    }
                }
            }
            result
        } else {
            let (first_line, out) = (chunk.first_line, &mut chunk.out);
            SplitLine::for_each(&chunk.data, &mut commas, |i, rec| {
                let r = solve_row(header, defaults, first_line + i, rec)?;
                emit(out, &|out| match format {
                    OutputFormat::Csv => header.write_csv_line(out, rec, &r),
                    OutputFormat::Json => header.write_json_row(out, rec, &r),
                });
                Ok(())
            })
        };
        chunk.error = result.err().or(read_error);
        if done.send(chunk).is_err() {
            return;
        }
    }
}

/// Command-line defaults, overridden per row.
#[derive(Debug, Clone, Copy)]
struct Defaults {
    targets: Targets,
    model: StaffingModel,
    patience_seconds: Option<f64>,
    concurrency: u32,
    lines: Option<u32>,
    redial_probability: f64,
}

impl From<&StaffArgs> for Defaults {
    fn from(a: &StaffArgs) -> Self {
        Defaults {
            targets: Targets {
                service_level: Some(a.sl_target),
                sl_seconds: a.sl_seconds,
                max_asa_seconds: a.asa_target_seconds,
                max_abandon_rate: a.max_abandon_rate,
                max_occupancy: a.max_occupancy,
                shrinkage: a.shrinkage,
                seats: a.seats,
            },
            model: match a.model {
                ModelArg::ErlangC => StaffingModel::ErlangC,
                ModelArg::ErlangA => StaffingModel::ErlangA,
                ModelArg::ErlangX => StaffingModel::ErlangX,
                ModelArg::Deferred => StaffingModel::Deferred,
            },
            patience_seconds: a.patience_seconds,
            concurrency: a.concurrency,
            lines: a.lines,
            redial_probability: a.redial_probability,
        }
    }
}

/// One row: parse, merge with the defaults, solve.
fn solve_row<F: RecordFields>(
    h: &StaffingHeader,
    d: &Defaults,
    line: u64,
    rec: &F,
) -> Result<StaffingResult, FormatError> {
    let row: StaffingRow = h.parse_row(line, rec)?;
    let model_name = row.model.unwrap_or(d.model);
    let patience = || {
        row.patience_seconds.or(d.patience_seconds).ok_or_else(|| {
            h.error(
                line,
                Some("patience_seconds"),
                format!(
                    "model {} needs a patience (column or --patience-seconds)",
                    model_name.as_str()
                ),
            )
        })
    };
    let model = match model_name {
        StaffingModel::ErlangC => Model::ErlangC,
        StaffingModel::Deferred => Model::Deferred,
        StaffingModel::ErlangA => Model::ErlangA {
            patience_seconds: patience()?,
        },
        StaffingModel::ErlangX => Model::ErlangX {
            patience_seconds: patience()?,
            lines: row.lines.or(d.lines),
            redial_probability: row.redial_probability.unwrap_or(d.redial_probability),
        },
    };
    let cell = StaffingCell {
        volume: row.volume,
        interval_seconds: row.interval_minutes * 60.0,
        aht_seconds: row.aht_seconds,
        model,
        concurrency: row.concurrency.unwrap_or(d.concurrency),
    };
    let t = &d.targets;
    let targets = Targets {
        // Deferred rows have no waiting-time target, only the workload and the occupancy cap.
        service_level: if model_name == StaffingModel::Deferred {
            None
        } else {
            row.sl_target.or(t.service_level)
        },
        sl_seconds: row.sl_seconds.unwrap_or(t.sl_seconds),
        max_asa_seconds: row.asa_target_seconds.or(t.max_asa_seconds),
        max_abandon_rate: row.max_abandon_rate.or(t.max_abandon_rate),
        max_occupancy: row
            .max_occupancy
            .or(t.max_occupancy)
            .or(if model_name == StaffingModel::Deferred {
                Some(1.0)
            } else {
                None
            }),
        shrinkage: row.shrinkage.unwrap_or(t.shrinkage),
        seats: row.seats.or(t.seats),
    };
    let s = staff(&cell, &targets).map_err(|e| queueing_error(h, line, e))?;
    let p = &s.performance;
    Ok(StaffingResult {
        agents: s.agents,
        agents_fractional: s.agents_fractional,
        service_level: p.service_level,
        asa_seconds: p.asa_seconds,
        occupancy: p.occupancy,
        abandon_rate: p.abandon_rate,
        scheduled_agents: s.scheduled_agents,
        binding: s.binding.as_str(),
        seat_shortfall: targets.seats.map(|_| s.seat_limit.map_or(0, |l| l.shortfall)),
        seat_service_level: targets
            .seats
            .map(|_| s.seat_limit.map_or(p.service_level, |l| l.at_seats.service_level)),
    })
}

fn queueing_error(h: &StaffingHeader, line: u64, e: QueueingError) -> FormatError {
    let column = match &e {
        QueueingError::InvalidInput { field, .. } => Some(*field),
        _ => None,
    };
    h.error(line, column, e.to_string())
}
