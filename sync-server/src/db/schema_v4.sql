-- Dashboard sessions: signing in exchanges the organizer's long-lived token
-- for a random session id; only its SHA-256 is stored. A session ends on
-- sign-out, on idle or absolute expiry, and when its device is revoked.
CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,      -- the organizer device's token (devices.token_hash)
    csrf          TEXT NOT NULL,      -- per-session token every dashboard form carries
    created_at_ms INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_token ON sessions (token_hash);
