-- Leadora stages (seed 002): business and decision-maker personas, the decision makers found
-- for each lead, the run's market research and the outreach drafts of READY leads.
-- Every embeddable row keeps its vector (little-endian f32 bytes), the model that made it and
-- a hash of the text it was made from, so a vector is recomputed only when its text or the
-- embedder changes.

CREATE TABLE business_personas (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    lead_gen_flow_id TEXT REFERENCES lead_gen_flow (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    provider TEXT NOT NULL,
    embedding BYTEA,
    embedding_model TEXT,
    embedding_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (lead_gen_flow_id, position)
);
CREATE INDEX business_personas_by_agency ON business_personas (agency_id, created_at);

CREATE TABLE decision_maker_personas (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    lead_gen_flow_id TEXT REFERENCES lead_gen_flow (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    provider TEXT NOT NULL,
    embedding BYTEA,
    embedding_model TEXT,
    embedding_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (lead_gen_flow_id, position)
);
CREATE INDEX decision_maker_personas_by_agency ON decision_maker_personas (agency_id, created_at);

CREATE TABLE decision_makers (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    opportunity_id TEXT NOT NULL REFERENCES client_opportunities (id),
    lead_gen_flow_id TEXT REFERENCES lead_gen_flow (id),
    -- The canonical profile URL, or `name:{normalised name}` for someone named only on the
    -- business's own pages: one row per person per lead.
    person_key TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT,
    company TEXT,
    profile_url TEXT,
    location TEXT,
    -- Where they were found: `linkedin_search`, `website` or both (`linkedin_search+website`).
    source TEXT NOT NULL,
    source_url TEXT,
    seniority INTEGER NOT NULL DEFAULT 0,
    persona_id TEXT,
    persona_score DOUBLE PRECISION,
    persona_method TEXT,
    embedding BYTEA,
    embedding_model TEXT,
    embedding_hash TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (opportunity_id, person_key)
);
CREATE INDEX decision_makers_by_run ON decision_makers (lead_gen_flow_id);
CREATE INDEX decision_makers_by_agency ON decision_makers (agency_id);

CREATE TABLE market_research (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    lead_gen_flow_id TEXT NOT NULL UNIQUE REFERENCES lead_gen_flow (id),
    report TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE outreach_drafts (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    opportunity_id TEXT NOT NULL UNIQUE REFERENCES client_opportunities (id),
    lead_gen_flow_id TEXT REFERENCES lead_gen_flow (id),
    dossier_id TEXT,
    draft TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE client_opportunities ADD COLUMN persona_method TEXT;
ALTER TABLE client_opportunities ADD COLUMN embedding BYTEA;
ALTER TABLE client_opportunities ADD COLUMN embedding_model TEXT;
ALTER TABLE client_opportunities ADD COLUMN embedding_hash TEXT;
