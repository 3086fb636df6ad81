-- walkbook-server on PostgreSQL, version 2: results documents. Each turf's
-- or call list's automerge document is a row in result_docs (its heads, and
-- a snapshot after compaction) with its changes in result_chunks; the index
-- tables (attempts, statuses, answers) are written in the same transaction
-- as the changes. A sync locks the document's row (`FOR UPDATE`), so syncs
-- of one document through several processes take turns and none loses or
-- hides another's change. Same shapes as the embedded store's tables.
CREATE TABLE result_docs (
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    doc_id        TEXT NOT NULL,
    heads         TEXT NOT NULL,          -- sorted hex change hashes, as JSON
    snapshot      BYTEA,                  -- automerge save() after compaction
    generation    BIGINT NOT NULL DEFAULT 0, -- bumped by every compaction
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, doc_id)
);

CREATE TABLE result_chunks (
    campaign_id TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    bytes       BYTEA NOT NULL,
    PRIMARY KEY (campaign_id, doc_id, seq),
    UNIQUE (campaign_id, doc_id, hash),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);

-- The device that first wrote under an automerge actor: changes under it
-- from any other device are refused.
CREATE TABLE actor_devices (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, actor)
);

-- What the server and each device confirmed they share, per document
-- (automerge's encoded sync state: the shared heads).
CREATE TABLE sync_states (
    campaign_id TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    peer_id     TEXT NOT NULL,
    state       BYTEA NOT NULL,
    PRIMARY KEY (campaign_id, doc_id, peer_id),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);

CREATE TABLE attempts (
    campaign_id  TEXT NOT NULL,
    doc_id       TEXT NOT NULL,
    id           TEXT NOT NULL,
    person_id    TEXT,
    household_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    at_ms        BIGINT NOT NULL,
    volunteer_id TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    body         TEXT NOT NULL,           -- walkbook_core::results::Attempt as JSON
    effect       TEXT,
    phone_ref    TEXT,
    PRIMARY KEY (campaign_id, doc_id, id),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);
CREATE INDEX attempts_by_person ON attempts (campaign_id, doc_id, person_id);
CREATE INDEX attempts_by_household ON attempts (campaign_id, doc_id, household_id);
CREATE INDEX attempts_in_time ON attempts (campaign_id, at_ms, id);
CREATE INDEX attempts_wrong_numbers ON attempts (campaign_id, person_id)
    WHERE effect = 'wrong_number' AND phone_ref IS NOT NULL;

CREATE TABLE person_status (
    campaign_id     TEXT NOT NULL,
    doc_id          TEXT NOT NULL,
    person_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    come_back_at_ms BIGINT,
    attempts        INTEGER NOT NULL,
    last_at_ms      BIGINT,
    summary         TEXT NOT NULL,        -- walkbook_core::results::StatusSummary as JSON
    PRIMARY KEY (campaign_id, doc_id, person_id),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);
CREATE INDEX person_status_by_person ON person_status (campaign_id, person_id);

CREATE TABLE person_answers (
    campaign_id TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, doc_id, person_id, question_id),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);

CREATE TABLE household_status (
    campaign_id   TEXT NOT NULL,
    doc_id        TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    door_attempts INTEGER NOT NULL,
    last_at_ms    BIGINT,
    summary       TEXT NOT NULL,          -- walkbook_core::results::HouseholdSummary as JSON
    PRIMARY KEY (campaign_id, doc_id, household_id),
    FOREIGN KEY (campaign_id, doc_id) REFERENCES result_docs ON DELETE CASCADE
);
