-- Reference data. Every row belongs to the packet (assignment) that brought
-- it, so replacing a packet is one DELETE that cascades, then inserts.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE campaign (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    calling_start TEXT NOT NULL,
    calling_end   TEXT NOT NULL
) STRICT;

CREATE TABLE packets (
    assignment_id TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    script_id     TEXT NOT NULL,
    volunteer_id  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    version       INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    installed_at  TEXT NOT NULL
) STRICT;

CREATE TABLE households (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    house_number  INTEGER NOT NULL,
    street_name   TEXT NOT NULL,
    unit          TEXT,
    city          TEXT NOT NULL,
    postal_code   TEXT NOT NULL,
    precinct      TEXT,
    lat           REAL,
    lon           REAL,
    PRIMARY KEY (assignment_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE people (
    assignment_id  TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    household_id   TEXT NOT NULL,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    birth_year     INTEGER,
    language       TEXT NOT NULL,
    phones         TEXT NOT NULL,  -- JSON list of {number, kind}
    party          TEXT,
    support_score  INTEGER,
    attributes     TEXT,           -- JSON object, NULL when empty
    do_not_contact INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX people_by_household ON people (assignment_id, household_id);

CREATE TABLE turfs (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    PRIMARY KEY (assignment_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE turf_doors (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    turf_id       TEXT NOT NULL,
    position      INTEGER NOT NULL,
    household_id  TEXT NOT NULL,
    PRIMARY KEY (assignment_id, turf_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE call_lists (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    PRIMARY KEY (assignment_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE call_list_people (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    list_id       TEXT NOT NULL,
    position      INTEGER NOT NULL,
    person_id     TEXT NOT NULL,
    PRIMARY KEY (assignment_id, list_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE scripts (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    version       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,   -- JSON of the whole Script
    PRIMARY KEY (assignment_id, id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE result_codes (
    assignment_id TEXT NOT NULL REFERENCES packets(assignment_id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    position      INTEGER NOT NULL,        -- the campaign's order, for the result buttons
    label         TEXT NOT NULL,
    channel       TEXT NOT NULL,
    effect        TEXT NOT NULL,
    final         INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, id)
) STRICT, WITHOUT ROWID;
