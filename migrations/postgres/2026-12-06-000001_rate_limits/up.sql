-- Per-client request counters for the API rate limit, in fixed windows. They live in the
-- database because instances are stateless: every instance behind the balancer counts into
-- the same row.
CREATE TABLE rate_limits (
    subject       TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL,
    PRIMARY KEY (subject, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
