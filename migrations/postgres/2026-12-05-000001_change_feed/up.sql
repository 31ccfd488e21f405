-- The change feed for integrators (LGSP): one row per committed change, numbered in commit
-- order. `seq` is not an identity: it is taken from the single row of `change_feed_counter`
-- inside the writing transaction, whose row lock is held until commit, so numbers are handed
-- out in commit order and a reader that sees number n has already seen every number below n.
CREATE TABLE change_feed_counter (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  BIGINT NOT NULL
);
INSERT INTO change_feed_counter (id, last_seq) VALUES (1, 0);

CREATE TABLE change_events (
    seq            BIGINT PRIMARY KEY,
    occurred_at    TIMESTAMP NOT NULL,
    event_type     TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    unit_code      TEXT,
    -- NULL: a province-level event every reader of the catalog sees; else only readers of
    -- this unit's reports see it.
    audience_unit  TEXT,
    period         TEXT,
    version        BIGINT,
    link           TEXT,
    actor          TEXT NOT NULL,
    data_json      TEXT
);
CREATE INDEX change_events_audience ON change_events (audience_unit, seq);
