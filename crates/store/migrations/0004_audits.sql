-- Deep audits (seed 001 phase 2, seed 000): one `audit_jobs` row per audited lead with its
-- steps and its own `analysisThread`; the pages it scraped in `audit_scraped_pages` (the
-- Markdown itself is a blob, referenced by `content_ref`); the compact `audit_dossier`.

CREATE TABLE audit_jobs (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    opportunity_id TEXT NOT NULL REFERENCES client_opportunities (id),
    lead_gen_flow_id TEXT REFERENCES lead_gen_flow (id),
    user_id TEXT NOT NULL,
    target_url TEXT,
    status TEXT NOT NULL,
    phases TEXT NOT NULL,
    analysis_thread TEXT REFERENCES agent_threads (id),
    dossier_id TEXT,
    lead_status_before TEXT NOT NULL,
    site_map TEXT,
    selected_pages TEXT NOT NULL DEFAULT '[]',
    findings TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX audit_jobs_by_opportunity ON audit_jobs (opportunity_id, created_at);
CREATE INDEX audit_jobs_by_agency ON audit_jobs (agency_id);
-- One audit per lead per run (a retried fan-out finds the audit it already made); audits
-- started by hand (`leadforge audit`) have no run and are never merged.
CREATE UNIQUE INDEX audit_jobs_by_run_and_opportunity ON audit_jobs (lead_gen_flow_id, opportunity_id);

CREATE TABLE audit_scraped_pages (
    id TEXT PRIMARY KEY,
    audit_job_id TEXT NOT NULL REFERENCES audit_jobs (id),
    opportunity_id TEXT NOT NULL,
    agency_id TEXT NOT NULL,
    url TEXT NOT NULL,
    position INTEGER NOT NULL,
    final_url TEXT,
    title TEXT,
    http_status INTEGER,
    content_ref TEXT,
    word_count INTEGER,
    byte_size INTEGER,
    fetched_via TEXT,
    findings TEXT NOT NULL DEFAULT '[]',
    contacts TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (audit_job_id, url)
);
CREATE INDEX audit_scraped_pages_by_audit_job ON audit_scraped_pages (audit_job_id);
CREATE INDEX audit_scraped_pages_by_opportunity ON audit_scraped_pages (opportunity_id);

CREATE TABLE audit_dossier (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    audit_job_id TEXT NOT NULL UNIQUE REFERENCES audit_jobs (id),
    summary TEXT NOT NULL,
    identified_gaps TEXT NOT NULL DEFAULT '[]',
    talking_points TEXT NOT NULL DEFAULT '[]',
    sources TEXT NOT NULL DEFAULT '[]',
    provider TEXT NOT NULL,
    model TEXT,
    dropped_gaps INTEGER NOT NULL DEFAULT 0,
    dropped_talking_points INTEGER NOT NULL DEFAULT 0,
    prompt_tokens BIGINT NOT NULL DEFAULT 0,
    full_prompt_tokens BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_dossier_by_opportunity ON audit_dossier (opportunity_id, created_at);
