-- Sync: automerge sync state per (document, peer), and the heads the server
-- confirmed as persisted, for "N results not yet on the server".
CREATE TABLE sync_states (
    doc_id  TEXT NOT NULL,
    peer_id TEXT NOT NULL,
    state   BLOB NOT NULL,
    PRIMARY KEY (doc_id, peer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE server_heads (
    doc_id TEXT PRIMARY KEY,
    heads  TEXT NOT NULL                     -- JSON list of hex hashes
) STRICT;
