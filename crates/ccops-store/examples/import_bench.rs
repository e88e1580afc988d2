//! History import throughput on SQLite and PostgreSQL (one transaction, 500-row batches).
//! `cargo run --release -p ccops-store --example import_bench [-- ROWS]` (default 105 120 =
//! one year of 15-minute intervals for 3 queues). PostgreSQL at `$CCOPS_TEST_POSTGRES`, skipped
//! when absent. Prints rows/s per backend.

use ccops_store::testing;
use ccops_store::{Backend, HistoryRow, NewQueue};
use chrono::{Duration, TimeZone, Utc};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let rows: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3 * 365 * 96);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(ts) = testing::open(backend).await else { continue };
        let s = &ts.store;
        let mut ids = Vec::new();
        for q in 0..3 {
            ids.push(s.create_queue(&NewQueue::new(&format!("q{q}"), "bench", "voice")).await.expect("queue").id);
        }
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let data: Vec<HistoryRow> = (0..rows)
            .map(|i| HistoryRow { queue_id: ids[i % 3], interval_start: t0 + Duration::minutes(15 * (i / 3) as i64), interval_minutes: 15,
                offered: (i % 40) as f64, handled: Some((i % 38) as f64), abandoned: Some(1.0), aht_seconds: Some(180.0 + (i % 60) as f64) })
            .collect();
        let start = Instant::now();
        s.import_history("bench.csv", &data, None).await.expect("import");
        let secs = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let back: usize = {
            let mut n = 0;
            for id in &ids {
                n += s.history(*id, None, None).await.expect("read").len();
            }
            n
        };
        let read_secs = start.elapsed().as_secs_f64();
        assert_eq!(back, rows);
        println!("{backend:?}: import {rows} rows in {secs:.2} s = {:.0} rows/s; read back in {read_secs:.2} s = {:.0} rows/s",
            rows as f64 / secs, rows as f64 / read_secs);
        ts.cleanup().await;
    }
}
