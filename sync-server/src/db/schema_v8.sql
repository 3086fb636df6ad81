-- An organizer's review of a canvasser's day (the activity review): the
-- shift was looked at and accepted as it is. Rollbacks live in the results
-- documents (ADR 14); this only records the decision to keep them.
CREATE TABLE shift_reviews (
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    volunteer_id TEXT NOT NULL,
    day          TEXT NOT NULL,     -- YYYY-MM-DD, campaign time
    accepted_by  TEXT NOT NULL,     -- the organizer's volunteer id
    at_ms        INTEGER NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (campaign_id, volunteer_id, day)
) STRICT;
