-- walkbook-server on PostgreSQL, version 1: campaigns with their reference
-- data in rows (one row per household, person, turf, call list, script,
-- result code, volunteer and assignment, updated row by row), packets,
-- invites, devices, sessions, sign-in links, the units each device was
-- sent, and phone-bank claims. Times are Unix milliseconds, as in the
-- embedded store, so the two compare and migrate one to one.
CREATE TABLE campaigns (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    settings      JSONB NOT NULL,     -- walkbook_core::model::Campaign
    revision      BIGINT NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL
);

-- kind: household, person, turf, call_list, script, result_code,
-- volunteer, assignment. key: the item's id (scripts: id@version; result
-- codes: channel:id). position: its place in the campaign's list.
CREATE TABLE reference_rows (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    position    INTEGER NOT NULL,
    body        JSONB NOT NULL,
    PRIMARY KEY (campaign_id, kind, key)
);

CREATE TABLE packets (
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    assignment_id TEXT NOT NULL,
    version       BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    PRIMARY KEY (campaign_id, assignment_id)
);

CREATE TABLE invites (
    code_hash      TEXT PRIMARY KEY,  -- sha256 of the code; the code itself is never stored
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    volunteer_id   TEXT NOT NULL,
    role           TEXT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    used_at_ms     BIGINT,
    used_by_device TEXT
);

CREATE TABLE devices (
    token_hash     TEXT PRIMARY KEY,   -- sha256 of the bearer token
    device_id      TEXT NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    volunteer_id   TEXT NOT NULL,
    role           TEXT NOT NULL,
    joined_at_ms   BIGINT NOT NULL,
    last_seen_ms   BIGINT,
    revoked_at_ms  BIGINT,
    revoked_reason TEXT
);
CREATE INDEX devices_by_device ON devices (campaign_id, device_id);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    last_seen_ms  BIGINT NOT NULL
);
CREATE INDEX sessions_by_token ON sessions (token_hash);

CREATE TABLE signin_links (
    code_hash     TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms    BIGINT
);

CREATE TABLE device_units (
    device_id   TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    first_at_ms BIGINT NOT NULL,
    PRIMARY KEY (device_id, doc_id)
);

-- Every claim ever made, for the record (which contact went to which
-- device when; released or expired rows stay). The live claim on a contact
-- is kept on its call_list_people row.
CREATE TABLE claims (
    claim_id       TEXT NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    list_id        TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    volunteer_id   TEXT NOT NULL,
    claimed_at_ms  BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    released_at_ms BIGINT,
    PRIMARY KEY (claim_id, person_id)
);
CREATE INDEX claims_live ON claims (campaign_id, list_id, person_id, expires_at_ms)
    WHERE released_at_ms IS NULL;

-- Each call list's people, in list order, with the live claim on each (if
-- any). Claims lock these rows `FOR UPDATE SKIP LOCKED`: two claims running
-- at once on any processes take different contacts, and neither waits.
CREATE TABLE call_list_people (
    campaign_id         TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    list_id             TEXT NOT NULL,
    person_id           TEXT NOT NULL,
    position            INTEGER NOT NULL,
    claim_id            TEXT,
    device_id           TEXT,
    claim_expires_at_ms BIGINT,
    PRIMARY KEY (campaign_id, list_id, person_id)
);
CREATE INDEX call_list_order ON call_list_people (campaign_id, list_id, position);
