-- A revision per campaign, bumped on every change, so servers can cache the
-- parsed campaign and notice edits made by the admin CLI in another process.
ALTER TABLE campaigns ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
