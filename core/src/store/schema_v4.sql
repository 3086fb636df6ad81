-- Phone banking: people finished or barred elsewhere in the campaign and
-- numbers known to be wrong (both sent by the server with every sync), and
-- the batches this device claimed from shared call lists.
CREATE TABLE suppressions (
    person_id TEXT PRIMARY KEY,
    kind      TEXT NOT NULL             -- a Status kind: do_not_contact, contacted, refused, ...
) STRICT;

CREATE TABLE bad_numbers (
    phone_ref TEXT PRIMARY KEY          -- calls::phone_ref of a wrong or disconnected number
) STRICT;

CREATE TABLE claims (
    claim_id      TEXT NOT NULL,
    list_id       TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (list_id, person_id)
) STRICT, WITHOUT ROWID;
