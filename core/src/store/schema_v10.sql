-- A row of result_chunks may hold several changes (ADR 28): those one
-- write stored together (a device's upload on the server, a sync reply on
-- a phone), concatenated in the order they were applied. `hash` is the
-- first change's hash; `changes` how many the row holds. Rows written
-- before this version hold one change each.
ALTER TABLE result_chunks ADD COLUMN changes INTEGER NOT NULL DEFAULT 1;
