-- How a turf is worked: canvassing (the default) or a lit drop (literature
-- left at each door, one tap per door).
ALTER TABLE packets ADD COLUMN mode TEXT NOT NULL DEFAULT 'canvass';
