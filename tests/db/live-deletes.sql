-- The database t6003 dumps: a large table (events) whose rows point at
-- core tables with every ON DELETE action, and a core table pointing back.
-- The copy of events waits at its first row until a row is put in gate (a
-- trigger enabled ALWAYS fires for the load too), so the test's app can
-- delete while no dump row of events is in.
CREATE TABLE projects (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE events (
	id bigserial PRIMARY KEY,
	project_id int NOT NULL REFERENCES projects ON DELETE CASCADE,
	owner_id int REFERENCES users ON DELETE SET NULL,
	reviewer_id int,
	reviewed_in int,
	payload text NOT NULL,
	parent_id bigint REFERENCES events
);
CREATE TABLE reviews (user_id int, project_id int, PRIMARY KEY (user_id, project_id));
ALTER TABLE events ADD CONSTRAINT events_review_fkey FOREIGN KEY (reviewer_id, reviewed_in)
	REFERENCES reviews (user_id, project_id) MATCH FULL;
CREATE INDEX events_project_idx ON events (project_id);
CREATE TABLE notes (id serial PRIMARY KEY,
	event_id bigint NOT NULL REFERENCES events ON DELETE CASCADE, body text);
-- A second large table, partitioned, with a key into the first (its
-- partitions' copies of the key come back one by one) and into a core one.
CREATE TABLE readings (
	id bigserial,
	taken_on date NOT NULL,
	project_id int NOT NULL REFERENCES projects ON DELETE CASCADE,
	event_id bigint REFERENCES events ON DELETE CASCADE,
	PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE readings_2023 PARTITION OF readings FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE readings_2024 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
-- A third large table with unique keys of every other kind: on an
-- expression, partial, and NULLS NOT DISTINCT.
CREATE TABLE tags (
	id serial PRIMARY KEY,
	name text NOT NULL,
	code text,
	active boolean NOT NULL DEFAULT true,
	grp int,
	slot int
);
CREATE UNIQUE INDEX tags_lower_name ON tags (lower(name));
CREATE UNIQUE INDEX tags_active_code ON tags (code) WHERE active;
CREATE UNIQUE INDEX tags_grp_slot ON tags (grp, slot) NULLS NOT DISTINCT;
CREATE TABLE gate (open boolean);
INSERT INTO projects SELECT g, 'project ' || g FROM generate_series(1, 10) g;
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 5) g;
INSERT INTO reviews SELECT u, p FROM generate_series(1, 5) u, generate_series(1, 10) p;
INSERT INTO events (project_id, owner_id, reviewer_id, reviewed_in, payload)
	SELECT 1 + g % 10, CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 5 END,
		CASE WHEN g % 11 = 0 THEN 1 + g % 4 END, CASE WHEN g % 11 = 0 THEN 1 + g % 9 END,
		'event ' || g
	FROM generate_series(1, 5000) g;
-- A chain of events, each the parent of the next: 1002 is in project 3.
UPDATE events SET parent_id = id - 1 WHERE id IN (1003, 1004, 1005);
INSERT INTO readings (taken_on, project_id, event_id)
	SELECT '2023-06-01'::date + (g % 400), 1 + (g * 3) % 10, 1 + (g * 7) % 5000 FROM generate_series(1, 3000) g;
INSERT INTO tags (name, code, active, grp, slot)
	SELECT 'Tag ' || g, 'c' || (g % 500), g <= 500, CASE WHEN g % 2 = 0 THEN g END, CASE WHEN g = 3 THEN NULL ELSE g END
	FROM generate_series(1, 1000) g;
INSERT INTO notes (event_id, body) SELECT g * 3, 'note ' || g FROM generate_series(1, 1500) g;
-- Core tables pointing at notes with each ON DELETE action: when a note
-- is set aside with its event, its files (RESTRICT) and likes (CASCADE)
-- follow it, its links (SET NULL) lose their note.
CREATE TABLE note_files (id int PRIMARY KEY, note_id int NOT NULL REFERENCES notes ON DELETE RESTRICT);
CREATE TABLE note_likes (id int PRIMARY KEY, note_id int NOT NULL REFERENCES notes ON DELETE CASCADE);
CREATE TABLE note_links (id int PRIMARY KEY, note_id int REFERENCES notes ON DELETE SET NULL);
INSERT INTO note_files SELECT g, g FROM generate_series(1, 1500, 2) g;
INSERT INTO note_likes SELECT g, 1 + g % 1500 FROM generate_series(1, 3000) g;
INSERT INTO note_links SELECT g, g * 5 FROM generate_series(1, 300) g;
CREATE FUNCTION wait_at_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id = 1 THEN
		WHILE NOT EXISTS (SELECT 1 FROM public.gate) LOOP PERFORM pg_sleep(0.05); END LOOP;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER wait_at_gate BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION wait_at_gate();
ALTER TABLE events ENABLE ALWAYS TRIGGER wait_at_gate;
-- Analytics matviews over the large table: one that can refresh
-- CONCURRENTLY (a unique index on plain columns), one that cannot.
CREATE MATERIALIZED VIEW project_events AS
	SELECT p.id, count(e.id) AS n FROM projects p LEFT JOIN events e ON e.project_id = p.id GROUP BY p.id;
CREATE UNIQUE INDEX project_events_id ON project_events (id);
CREATE MATERIALIZED VIEW owner_events AS SELECT owner_id, count(*) AS n FROM events GROUP BY owner_id;
CREATE TRIGGER wait_at_gate BEFORE INSERT ON tags FOR EACH ROW EXECUTE FUNCTION wait_at_gate();
ALTER TABLE tags ENABLE ALWAYS TRIGGER wait_at_gate;
