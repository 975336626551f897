-- Iron Router analytics, schema version 1: one row per analytics event (reference §8.1 payloads
-- plus ARCHITECTURE.md step 9's request facts). Money in integer micro-dollars, times in Unix ms.
-- Columns a payload does not have are NULL. Applied by SchemaMigrator in one transaction.

CREATE TABLE usage_events (
    event_id             TEXT    NOT NULL PRIMARY KEY,
    event_type           TEXT    NOT NULL CHECK (event_type IN (
                             'llm_request_completed', 'llm_request_failed',
                             'budget_threshold_reached', 'router_started', 'router_stopped')),
    timestamp_ms         INTEGER NOT NULL CHECK (timestamp_ms >= 0),
    agent_id             TEXT,
    -- LLM requests (completed and failed)
    provider             TEXT,
    provider_id          TEXT,
    model                TEXT,
    request_id           TEXT,
    latency_ms           INTEGER,
    ttfb_ms              INTEGER,
    streamed             INTEGER CHECK (streamed IN (0, 1)),
    translated           INTEGER CHECK (translated IN (0, 1)),
    status               INTEGER,
    -- completed requests
    input_tokens         INTEGER,
    output_tokens        INTEGER,
    cache_read_tokens    INTEGER,
    cache_write_tokens   INTEGER,
    cost_micros          INTEGER CHECK (cost_micros >= 0),
    priced               INTEGER CHECK (priced IN (0, 1)),
    -- failed requests
    error_code           TEXT,
    error_message        TEXT,
    -- budget thresholds
    threshold_percent    INTEGER,
    budget_micros        INTEGER CHECK (budget_micros >= 0),
    current_spend_micros INTEGER CHECK (current_spend_micros >= 0),
    -- router started / stopped
    port                 INTEGER,
    total_requests       INTEGER,
    total_cost_micros    INTEGER CHECK (total_cost_micros >= 0),
    -- control-plane sync (reference §8.2 "synced"): unsynced, synced or failed
    synced_state         TEXT    NOT NULL DEFAULT 'unsynced'
                             CHECK (synced_state IN ('unsynced', 'synced', 'failed')),
    sync_error           TEXT
) STRICT;

CREATE INDEX usage_events_timestamp ON usage_events (timestamp_ms);

CREATE INDEX usage_events_synced_state ON usage_events (synced_state);
