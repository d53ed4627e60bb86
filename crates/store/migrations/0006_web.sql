-- The web side: sign-in sessions, bearer API tokens, per-agency webhooks and their deliveries.
-- Session ids and API tokens are stored as SHA-256 hashes only: a copy of the database does not
-- let anyone sign in. A webhook's secret is kept as is, because signing needs it; it is never
-- shown again after it is set.

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE webhooks (
    agency_id TEXT PRIMARY KEY REFERENCES agencies (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    run_id TEXT NOT NULL REFERENCES lead_gen_flow (id),
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (run_id, event)
);
CREATE INDEX webhook_deliveries_by_agency ON webhook_deliveries (agency_id, created_at);

CREATE INDEX run_leads_by_run ON run_leads (run_id, rank);
-- The opportunities list's default order (best score first, then name, then id), so a page
-- deep in a big list is read off the index instead of sorting every row before it.
CREATE INDEX client_opportunities_by_agency_score
    ON client_opportunities (agency_id, qualification_score DESC, name, id);
