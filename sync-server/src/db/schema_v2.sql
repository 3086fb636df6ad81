-- Phone-bank claims: a contact is in at most one live claim (not released,
-- not expired). Expired or released rows stay for the record.
CREATE TABLE claims (
    claim_id       TEXT NOT NULL,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    list_id        TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    volunteer_id   TEXT NOT NULL,
    claimed_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL,
    released_at_ms INTEGER,
    PRIMARY KEY (claim_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX claims_live ON claims (campaign_id, list_id, person_id, expires_at_ms);
