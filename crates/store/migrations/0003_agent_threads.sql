-- Agent threads (seed 000): a conversation an AI task runs in (e.g. one per deep audit, the
-- audit's `analysisThread`), with its messages. Calls without a thread run in the user's
-- context instead.

CREATE TABLE agent_threads (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    run_id TEXT,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX agent_threads_by_run ON agent_threads (run_id);

CREATE TABLE thread_messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES agent_threads (id),
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    tokens BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX thread_messages_by_thread ON thread_messages (thread_id, id);
