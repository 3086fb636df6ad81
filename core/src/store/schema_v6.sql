-- Attempts the server refused, moved aside so the device keeps syncing its
-- valid work. Kept for the volunteer and organizer to see ("not accepted").
CREATE TABLE refused_attempts (
    doc_id       TEXT NOT NULL,
    attempt_id   TEXT NOT NULL,
    change_hash  TEXT NOT NULL,
    body         TEXT,              -- the attempt as JSON, when readable
    field        TEXT NOT NULL,
    rule         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    refused_at_ms INTEGER NOT NULL,
    PRIMARY KEY (doc_id, change_hash)
) STRICT;
