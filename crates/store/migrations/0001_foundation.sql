-- Leadforge foundation schema. Portable across SQLite and Postgres through sqlx's Any driver:
-- only BIGINT/INTEGER, DOUBLE PRECISION, TEXT and BLOB/BYTEA columns; times are epoch
-- milliseconds; ids are UUIDv7 text; JSON is text.

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    services TEXT NOT NULL DEFAULT '[]',
    target_vertical TEXT,
    target_geography TEXT,
    lead_qualification_criteria TEXT NOT NULL DEFAULT '[]',
    approved_claims TEXT NOT NULL DEFAULT '[]',
    scoring_weights TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, agency_id)
);

CREATE TABLE lead_gen_flow (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    num_leads INTEGER NOT NULL,
    target_vertical TEXT NOT NULL,
    target_geography TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    workflow_status TEXT NOT NULL,
    last_event TEXT,
    places_snapshot TEXT,
    num_leads_fetched INTEGER,
    places_provider TEXT,
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX lead_gen_flow_by_agency ON lead_gen_flow (agency_id, created_at);

-- A run's phases as rows (the API shows them as the seed's `phases` array): one row a phase, so
-- concurrent jobs update their own phase and bump counters with single atomic statements.
CREATE TABLE run_phases (
    run_id TEXT NOT NULL REFERENCES lead_gen_flow (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    error TEXT,
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, name)
);

CREATE TABLE run_events (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES lead_gen_flow (id),
    agency_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    level TEXT NOT NULL,
    phase TEXT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX run_events_by_run ON run_events (run_id, id);

CREATE TABLE client_opportunities (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    lead_gen_flow_id TEXT,
    name TEXT NOT NULL,
    domain TEXT,
    website TEXT,
    phone TEXT,
    email TEXT,
    emails TEXT NOT NULL DEFAULT '[]',
    place_id TEXT NOT NULL,
    address TEXT,
    city TEXT,
    rating DOUBLE PRECISION,
    reviews_count INTEGER,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    categories TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL,
    fit_reason TEXT,
    status TEXT NOT NULL,
    meeting_time BIGINT,
    target_vertical TEXT NOT NULL,
    target_geography TEXT NOT NULL,
    qualification_score INTEGER NOT NULL,
    signals TEXT NOT NULL DEFAULT '[]',
    persona_id TEXT,
    persona_score DOUBLE PRECISION,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (agency_id, place_id)
);
CREATE INDEX client_opportunities_by_agency ON client_opportunities (agency_id);
CREATE INDEX client_opportunities_by_place_id ON client_opportunities (place_id);
CREATE INDEX client_opportunities_by_agency_and_campaign
    ON client_opportunities (agency_id, target_vertical, target_geography);
CREATE INDEX client_opportunities_by_lead_gen_flow ON client_opportunities (lead_gen_flow_id);

-- Which opportunities each run sourced, with the rank and score they had in that run: a lead
-- sourced again by a later run keeps one opportunity row but appears in both runs.
CREATE TABLE run_leads (
    run_id TEXT NOT NULL REFERENCES lead_gen_flow (id),
    opportunity_id TEXT NOT NULL REFERENCES client_opportunities (id),
    agency_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    qualification_score INTEGER NOT NULL,
    PRIMARY KEY (run_id, opportunity_id)
);
CREATE INDEX run_leads_by_opportunity ON run_leads (opportunity_id);

CREATE TABLE suppression_list (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (agency_id, kind, value)
);

CREATE TABLE response_cache (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX response_cache_by_expiry ON response_cache (expires_at);

CREATE TABLE api_usage_logs (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    provider TEXT NOT NULL,
    operation TEXT NOT NULL,
    model TEXT,
    tokens_in BIGINT NOT NULL DEFAULT 0,
    tokens_out BIGINT NOT NULL DEFAULT 0,
    cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    latency_ms BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    http_status INTEGER,
    run_id TEXT,
    agency_id TEXT,
    user_id TEXT,
    opportunity_id TEXT
);
CREATE INDEX api_usage_logs_by_run ON api_usage_logs (run_id);
CREATE INDEX api_usage_logs_by_agency ON api_usage_logs (agency_id, created_at);
