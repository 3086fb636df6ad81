-- Reference data in rows, one per item (as on PostgreSQL, ADR 11): an
-- update writes only the rows that changed, never the whole campaign. Each
-- campaign's JSON blob is taken apart here, in the same transaction.
CREATE TABLE reference_rows (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,   -- household, person, turf, call_list, script, result_code, volunteer, assignment
    key         TEXT NOT NULL,   -- the id (scripts: id@version; result codes: channel:id)
    position    INTEGER NOT NULL,
    body        TEXT NOT NULL,   -- JSON of the item
    PRIMARY KEY (campaign_id, kind, key)
) STRICT, WITHOUT ROWID;

ALTER TABLE campaigns ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
UPDATE campaigns SET settings = json_extract(data, '$.campaign');

INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'household', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.households') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'person', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.people') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'turf', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.turfs') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'call_list', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.call_lists') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'script', json_extract(j.value, '$.id') || '@' || json_extract(j.value, '$.version'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.scripts') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'result_code', json_extract(j.value, '$.channel') || ':' || json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.result_codes') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'volunteer', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.volunteers') j;
INSERT INTO reference_rows (campaign_id, kind, key, position, body)
SELECT c.id, 'assignment', json_extract(j.value, '$.id'), j.key, j.value
FROM campaigns c, json_each(c.data, '$.assignments') j;

ALTER TABLE campaigns DROP COLUMN data;
