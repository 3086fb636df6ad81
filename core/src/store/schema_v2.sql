-- Results: automerge documents (one per turf or call list), stored as a
-- snapshot plus incremental change chunks, and the index tables derived
-- from them. Results never reference packets: a new packet leaves them alone.
CREATE TABLE result_docs (
    doc_id        TEXT PRIMARY KEY,          -- "turf:<id>" or "calls:<id>"
    snapshot      BLOB,                      -- automerge save(), NULL until compacted
    heads         TEXT NOT NULL,             -- JSON list of hex change hashes after the last write
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE result_chunks (
    doc_id TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    hash   TEXT NOT NULL,                    -- hex automerge change hash
    seq    INTEGER NOT NULL,                 -- write order, for loading
    bytes  BLOB NOT NULL,
    PRIMARY KEY (doc_id, hash)
) STRICT, WITHOUT ROWID;

-- Every attempt, copied out of the document (attempts are immutable).
CREATE TABLE attempts (
    doc_id       TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    person_id    TEXT,
    household_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    at_ms        INTEGER NOT NULL,
    volunteer_id TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    body         TEXT NOT NULL,              -- JSON of the whole attempt
    PRIMARY KEY (doc_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX attempts_by_person ON attempts (doc_id, person_id);
CREATE INDEX attempts_by_household ON attempts (doc_id, household_id);

CREATE TABLE person_status (
    doc_id          TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    person_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    come_back_at_ms INTEGER,
    attempts        INTEGER NOT NULL,
    last_at_ms      INTEGER,
    summary         TEXT NOT NULL,           -- JSON StatusSummary
    PRIMARY KEY (doc_id, person_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE person_answers (
    doc_id      TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer      TEXT NOT NULL,
    PRIMARY KEY (doc_id, person_id, question_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE household_status (
    doc_id        TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    household_id  TEXT NOT NULL,
    kind          TEXT NOT NULL,             -- status of household-level attempts
    door_attempts INTEGER NOT NULL,
    last_at_ms    INTEGER,
    summary       TEXT NOT NULL,             -- JSON HouseholdSummary
    PRIMARY KEY (doc_id, household_id)
) STRICT, WITHOUT ROWID;
