-- One-time sign-in links for the dashboard (the demo prints one): a random
-- code, stored hashed, that opens one session for an organizer's device,
-- once, within minutes.
CREATE TABLE signin_links (
    code_hash     TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms    INTEGER
) STRICT;
