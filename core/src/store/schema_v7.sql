-- On the server: which device first wrote changes under each automerge
-- actor id. A change under another device's actor is refused, so no device
-- can spend the sequence numbers of another (which would make that device's
-- own next change a duplicate). Unused on phones.
CREATE TABLE actor_devices (
    actor     TEXT PRIMARY KEY,
    device_id TEXT NOT NULL
) STRICT;
