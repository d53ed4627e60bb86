-- The durable jobs queue (DESIGN §3 "Durability"): one table, portable across SQLite and
-- Postgres. Statuses: queued | running | done | dead | cancelled. A failed attempt that will be
-- retried is `queued` again with a later `run_at` and its `last_error` kept; there is no separate
-- `failed` state. Times are epoch milliseconds.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    -- Permanent: a key stays taken after its job finishes, so a step is enqueued at most once.
    dedupe_key TEXT UNIQUE,
    run_id TEXT,
    agency_id TEXT,
    parent_id TEXT,
    -- 1 when the job's run was cancelled while the job was running: the holder sees it in its
    -- heartbeat and stops cooperatively.
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);

-- The claim query walks this index in claim order and stops at the first due row. Partial, so
-- finished jobs (the vast majority over time) never slow it down.
CREATE INDEX jobs_claim_order ON jobs (priority DESC, run_at, id) WHERE status = 'queued';
-- The reaper's scan for expired leases.
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_by_run ON jobs (run_id, status);
CREATE INDEX jobs_by_parent ON jobs (parent_id, status);
