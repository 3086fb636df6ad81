-- An organizer's review of a canvasser's day (the activity review): the
-- shift was looked at and accepted as it is (as server.db v8).
CREATE TABLE shift_reviews (
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    volunteer_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    accepted_by  TEXT NOT NULL,
    at_ms        BIGINT NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (campaign_id, volunteer_id, day)
);
