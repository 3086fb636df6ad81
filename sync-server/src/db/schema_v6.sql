-- The units (results documents) each device was ever sent the packet of.
-- After the assignment expires or is taken away, the device may still
-- upload the results it recorded there (and is sent nothing back).
CREATE TABLE device_units (
    device_id   TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    first_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, doc_id)
) STRICT;
