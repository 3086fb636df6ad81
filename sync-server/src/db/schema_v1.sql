-- The server's own tables. Reference data and results of each campaign live
-- in that campaign's store (a walkbook-core DeviceStore holding every packet).
CREATE TABLE campaigns (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    data          TEXT NOT NULL,      -- JSON ReferenceData, the source of truth
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE packets (
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
    assignment_id TEXT NOT NULL,
    version       INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    PRIMARY KEY (campaign_id, assignment_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE invites (
    code_hash       TEXT PRIMARY KEY,  -- sha256 of the code; the code itself is never stored
    campaign_id     TEXT NOT NULL REFERENCES campaigns(id),
    volunteer_id    TEXT NOT NULL,
    role            TEXT NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    used_at_ms      INTEGER,
    used_by_device  TEXT
) STRICT;

CREATE TABLE devices (
    token_hash     TEXT PRIMARY KEY,   -- sha256 of the bearer token
    device_id      TEXT NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    volunteer_id   TEXT NOT NULL,
    role           TEXT NOT NULL,
    joined_at_ms   INTEGER NOT NULL,
    last_seen_ms   INTEGER,
    revoked_at_ms  INTEGER,
    revoked_reason TEXT
) STRICT;
CREATE INDEX devices_by_device ON devices (campaign_id, device_id);
