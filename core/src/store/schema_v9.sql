-- The attempts index as a rowid table. Its rows are large (the attempt's
-- JSON, ~450 bytes): keyed by (doc_id, id), a random uuid, every insert
-- landed in the middle of a B-tree of ~5 rows per page and split pages
-- all over (a third of the server's write time). Rows now go in at the
-- end; the key is a small unique index.
CREATE TABLE attempts_v9 (
    doc_id       TEXT NOT NULL REFERENCES result_docs(doc_id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    person_id    TEXT,
    household_id TEXT NOT NULL,
    channel      TEXT NOT NULL,
    at_ms        INTEGER NOT NULL,
    volunteer_id TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    body         TEXT NOT NULL,              -- JSON of the whole attempt
    effect       TEXT,
    phone_ref    TEXT,
    UNIQUE (doc_id, id)
) STRICT;
INSERT INTO attempts_v9
    (doc_id, id, person_id, household_id, channel, at_ms, volunteer_id, device_id, body, effect, phone_ref)
    SELECT doc_id, id, person_id, household_id, channel, at_ms, volunteer_id, device_id, body, effect, phone_ref
    FROM attempts ORDER BY doc_id, id;
DROP TABLE attempts;
ALTER TABLE attempts_v9 RENAME TO attempts;
CREATE INDEX attempts_by_person ON attempts (doc_id, person_id);
CREATE INDEX attempts_by_household ON attempts (doc_id, household_id);
CREATE INDEX attempts_wrong_numbers ON attempts (effect, person_id) WHERE effect = 'wrong_number';
