"""Peer for import_bench: Python's sqlite3 executemany of the same rows in one transaction
(same table shape, WAL, upsert). `python3 import_peer.py [ROWS]`."""
import sqlite3, sys, tempfile, time, os, datetime
rows = int(sys.argv[1]) if len(sys.argv) > 1 else 3 * 365 * 96
d = tempfile.mkdtemp()
db = sqlite3.connect(os.path.join(d, "peer.db"))
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE history (queue_id INTEGER NOT NULL, interval_start TEXT NOT NULL, interval_minutes INTEGER NOT NULL, "
           "offered REAL NOT NULL, handled REAL, abandoned REAL, aht_seconds REAL, PRIMARY KEY (queue_id, interval_start))")
t0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
data = [(1 + i % 3, (t0 + datetime.timedelta(minutes=15 * (i // 3))).isoformat(), 15, float(i % 40), float(i % 38), 1.0, 180.0 + i % 60)
        for i in range(rows)]
start = time.perf_counter()
with db:
    db.executemany("INSERT INTO history VALUES (?,?,?,?,?,?,?) ON CONFLICT (queue_id, interval_start) DO UPDATE SET "
                   "offered=excluded.offered, handled=excluded.handled, abandoned=excluded.abandoned, aht_seconds=excluded.aht_seconds", data)
secs = time.perf_counter() - start
print(f"python sqlite3 executemany: {rows} rows in {secs:.2f} s = {rows / secs:.0f} rows/s")
