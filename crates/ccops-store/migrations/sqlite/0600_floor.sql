-- Live floor (issue 6). Times are epoch milliseconds (BIGINT) so the same Rust code reads both
-- databases and ingest stays cheap. Keep in step with migrations/postgres/0600_floor.sql.

-- Agent state events: append-only, idempotent by (tenant_id, event_id); seq orders arrival for
-- the SSE fan-out (every server polls seq > cursor).
CREATE TABLE floor_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL DEFAULT 0,
    event_id TEXT NOT NULL,
    agent_code TEXT NOT NULL,
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    queue TEXT,
    reason TEXT,
    source TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX floor_events_event_id ON floor_events(tenant_id, event_id);
CREATE INDEX floor_events_agent_at ON floor_events(agent_code, at_ms);
CREATE INDEX floor_events_at ON floor_events(at_ms);

-- Queue statistics per interval; a later report for the same interval replaces the earlier one.
CREATE TABLE floor_queue_stats (
    tenant_id INTEGER NOT NULL DEFAULT 0,
    queue TEXT NOT NULL,
    interval_start_ms INTEGER NOT NULL,
    interval_minutes INTEGER NOT NULL,
    offered REAL NOT NULL,
    answered REAL NOT NULL,
    abandoned REAL NOT NULL,
    answered_within_sl REAL,
    short_abandoned REAL,
    aht_seconds REAL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, queue, interval_start_ms)
);

-- Adherence exception requests: status = pending | approved | rejected.
CREATE TABLE floor_exceptions (
    id INTEGER PRIMARY KEY,
    agent_code TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    decided_by TEXT,
    decided_ms INTEGER
);
CREATE INDEX floor_exceptions_agent ON floor_exceptions(agent_code, start_ms);

-- Alert rules (condition as JSON of ccops_floor::AlertCondition) and raised alerts (unique key:
-- several servers evaluating the same rules raise each alert once).
CREATE TABLE floor_alert_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    condition_json TEXT NOT NULL,
    webhook_url TEXT,
    enabled BOOLEAN NOT NULL
);
CREATE TABLE floor_alerts (
    id INTEGER PRIMARY KEY,
    alert_key TEXT NOT NULL UNIQUE,
    rule_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    value REAL NOT NULL,
    message TEXT NOT NULL,
    raised_ms INTEGER NOT NULL,
    acknowledged_by TEXT,
    webhook_status TEXT
);

-- Playbooks (steps as JSON) and launched runs with one row per step.
CREATE TABLE floor_playbooks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    steps_json TEXT NOT NULL
);
CREATE TABLE floor_playbook_runs (
    id INTEGER PRIMARY KEY,
    playbook TEXT NOT NULL,
    alert_key TEXT,
    launched_by TEXT NOT NULL,
    launched_ms INTEGER NOT NULL
);
CREATE TABLE floor_playbook_steps (
    run_id INTEGER NOT NULL REFERENCES floor_playbook_runs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    title TEXT NOT NULL,
    assignee TEXT,
    done_by TEXT,
    done_ms INTEGER,
    note TEXT,
    PRIMARY KEY (run_id, idx)
);
