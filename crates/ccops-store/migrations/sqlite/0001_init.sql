-- ccops schema, SQLite dialect: generated from migrations/postgres/0001_init.sql by type renaming
-- Keep the two in step.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    seats INTEGER
);

CREATE TABLE skills (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    tenant_id INTEGER REFERENCES tenants(id),
    skill_id INTEGER REFERENCES skills(id),
    timezone TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL,
    sl_target REAL NOT NULL,
    sl_seconds REAL NOT NULL,
    shrinkage REAL NOT NULL,
    concurrency REAL NOT NULL,
    patience_seconds REAL,
    max_occupancy REAL
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    site_id INTEGER REFERENCES sites(id)
);

CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tenant_id INTEGER REFERENCES tenants(id),
    site_id INTEGER REFERENCES sites(id),
    team_id INTEGER REFERENCES teams(id),
    contract_minutes_per_week INTEGER NOT NULL,
    active BOOLEAN NOT NULL,
    ical_token TEXT NOT NULL UNIQUE
);

CREATE TABLE agent_skills (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills(id),
    level INTEGER NOT NULL,
    PRIMARY KEY (agent_id, skill_id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    tenant_id INTEGER REFERENCES tenants(id),
    agent_id INTEGER REFERENCES agents(id),
    locale TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);

-- Sessions live in the database so any number of servers can share them.
-- id is the SHA-256 of the cookie value: a leaked table does not leak live sessions.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed-login counters per key ("user:<name>" or "ip:<addr>") in a fixed window.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    tenant_id INTEGER REFERENCES tenants(id),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked BOOLEAN NOT NULL
);

CREATE TABLE history (
    queue_id INTEGER NOT NULL REFERENCES queues(id),
    interval_start TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL,
    offered REAL NOT NULL,
    handled REAL,
    abandoned REAL,
    aht_seconds REAL,
    PRIMARY KEY (queue_id, interval_start)
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    rows INTEGER NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE forecasts (
    id INTEGER PRIMARY KEY,
    queue_id INTEGER NOT NULL REFERENCES queues(id),
    version INTEGER NOT NULL,
    model TEXT NOT NULL,
    horizon_start TEXT NOT NULL,
    horizon_end TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL,
    params TEXT NOT NULL,
    accuracy TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (queue_id, version)
);

CREATE TABLE forecast_intervals (
    forecast_id INTEGER NOT NULL REFERENCES forecasts(id) ON DELETE CASCADE,
    interval_start TEXT NOT NULL,
    volume REAL NOT NULL,
    aht_seconds REAL NOT NULL,
    volume_lower REAL,
    volume_upper REAL,
    adjusted_volume REAL,
    adjusted_aht REAL,
    holiday TEXT,
    PRIMARY KEY (forecast_id, interval_start)
);

CREATE TABLE forecast_adjustments (
    id INTEGER PRIMARY KEY,
    forecast_id INTEGER NOT NULL REFERENCES forecasts(id) ON DELETE CASCADE,
    from_ts TEXT NOT NULL,
    to_ts TEXT NOT NULL,
    volume_factor REAL,
    volume_set REAL,
    aht_factor REAL,
    reason TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE staffing_plans (
    id INTEGER PRIMARY KEY,
    forecast_id INTEGER NOT NULL REFERENCES forecasts(id),
    queue_id INTEGER NOT NULL REFERENCES queues(id),
    params TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE staffing_intervals (
    plan_id INTEGER NOT NULL REFERENCES staffing_plans(id) ON DELETE CASCADE,
    interval_start TEXT NOT NULL,
    volume REAL NOT NULL,
    aht_seconds REAL NOT NULL,
    agents INTEGER NOT NULL,
    required REAL NOT NULL,
    service_level REAL,
    asa_seconds REAL,
    occupancy REAL,
    PRIMARY KEY (plan_id, interval_start)
);

CREATE TABLE rosters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    tenant_id INTEGER REFERENCES tenants(id),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    based_on INTEGER REFERENCES rosters(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    published_at TEXT,
    published_by INTEGER REFERENCES users(id)
);

CREATE TABLE roster_segments (
    id INTEGER PRIMARY KEY,
    roster_id INTEGER NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    activity TEXT NOT NULL,
    queue_id INTEGER REFERENCES queues(id)
);
CREATE INDEX roster_segments_roster ON roster_segments(roster_id, agent_id, start_at);
CREATE INDEX roster_segments_agent ON roster_segments(agent_id, start_at);

-- Leave and swap requests. kind = 'leave' | 'swap'; status = pending | approved | rejected | cancelled.
CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    agent_id INTEGER NOT NULL REFERENCES agents(id),
    counterpart_agent_id INTEGER REFERENCES agents(id),
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    impact TEXT,
    auto_approved BOOLEAN NOT NULL,
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT,
    decision_note TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX requests_agent ON requests(agent_id, start_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- Background jobs: any server may run one; progress and the cancel flag are in the database.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL,
    message TEXT NOT NULL,
    cancel_requested BOOLEAN NOT NULL,
    params TEXT NOT NULL,
    result TEXT,
    error TEXT,
    tenant_id INTEGER REFERENCES tenants(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
