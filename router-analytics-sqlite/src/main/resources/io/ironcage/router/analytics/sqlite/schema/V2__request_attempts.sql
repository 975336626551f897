-- Iron Router analytics, schema version 2: which caller's request and which attempt of it an LLM
-- request event is. router_request_id is the router's id of the caller's request (req_ + 24 hex),
-- shared by the events of all its attempts (retries, fallbacks); attempt is 1-based. Each attempt
-- is its own row with its own cost. Rows written before this version keep NULL in both.

ALTER TABLE usage_events ADD COLUMN router_request_id TEXT;

ALTER TABLE usage_events ADD COLUMN attempt INTEGER CHECK (attempt >= 1);

CREATE INDEX usage_events_router_request_id ON usage_events (router_request_id);
