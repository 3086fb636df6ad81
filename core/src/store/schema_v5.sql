-- Columns and indexes for the campaign-wide questions asked on every sync:
-- "which numbers are wrong", "who is finished anywhere".
ALTER TABLE attempts ADD COLUMN effect TEXT;
ALTER TABLE attempts ADD COLUMN phone_ref TEXT;
UPDATE attempts SET effect = json_extract(body, '$.effect'), phone_ref = json_extract(body, '$.phone_ref');
CREATE INDEX attempts_wrong_numbers ON attempts (effect, person_id) WHERE effect = 'wrong_number';
CREATE INDEX person_status_by_person ON person_status (person_id, kind);
CREATE INDEX person_status_by_kind ON person_status (kind, person_id);
