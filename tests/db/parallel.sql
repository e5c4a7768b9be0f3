-- The database t6005 dumps: two large tables with indexes of every kind
-- and a key from the second into the first, and a third (c_slow) whose
-- copy waits at its first row until a row is put in gate (a trigger
-- enabled ALWAYS fires for the load too).
CREATE TABLE a_items (id int PRIMARY KEY, code text NOT NULL, kind text NOT NULL);
CREATE UNIQUE INDEX a_items_code ON a_items (code);
CREATE INDEX a_items_kind ON a_items USING hash (kind);
CREATE INDEX a_items_lower ON a_items (lower(code)) WHERE id > 10;
CREATE TABLE b_items (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a_items ON DELETE CASCADE, note text);
CREATE INDEX b_items_a ON b_items (a_id);
CREATE INDEX b_items_note ON b_items USING hash (note);
-- c_slow's key into a core table names the one column its ON DELETE SET
-- NULL empties (PostgreSQL 15): the other stays.
CREATE TABLE members (tenant_id int, id int, PRIMARY KEY (tenant_id, id));
CREATE TABLE c_slow (id int PRIMARY KEY, tenant_id int NOT NULL, member_id int,
	FOREIGN KEY (tenant_id, member_id) REFERENCES members ON DELETE SET NULL (member_id));
CREATE TABLE gate (open boolean);
INSERT INTO a_items SELECT g, 'code-' || g, 'kind ' || (g % 9) FROM generate_series(1, 20000) g;
INSERT INTO b_items SELECT g, 1 + (g * 7) % 20000, 'note ' || (g % 50) FROM generate_series(1, 30000) g;
INSERT INTO members SELECT t, m FROM generate_series(1, 2) t, generate_series(1, 10) m;
INSERT INTO c_slow SELECT g, 1 + g % 2, 1 + g % 10 FROM generate_series(1, 100) g;
CREATE FUNCTION wait_at_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.id = 1 THEN
		WHILE NOT EXISTS (SELECT 1 FROM public.gate) LOOP PERFORM pg_sleep(0.05); END LOOP;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER wait_at_gate BEFORE INSERT ON c_slow FOR EACH ROW EXECUTE FUNCTION wait_at_gate();
ALTER TABLE c_slow ENABLE ALWAYS TRIGGER wait_at_gate;
-- A partitioned large table with unique keys the app may take: its
-- partitions keep their indexes through the load. The copy of p_items_1
-- waits at the gate too.
CREATE TABLE p_items (id int NOT NULL, day date NOT NULL, code text NOT NULL,
	PRIMARY KEY (id, day), UNIQUE (code, day)) PARTITION BY RANGE (day);
CREATE TABLE p_items_1 PARTITION OF p_items FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
CREATE TABLE p_items_2 PARTITION OF p_items FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');
INSERT INTO p_items SELECT g, '2024-01-01'::date + (g % 360), 'p-' || g FROM generate_series(1, 2000) g;
CREATE TRIGGER wait_at_gate BEFORE INSERT ON p_items_1 FOR EACH ROW EXECUTE FUNCTION wait_at_gate();
ALTER TABLE p_items_1 ENABLE ALWAYS TRIGGER wait_at_gate;
