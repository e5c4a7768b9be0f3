-- The production-shaped database the db restore tests dump and restore.
-- Small tables, a large table (btree + hash indexes) with a foreign key into
-- it, a table with a trigger using an unqualified name, a partitioned table,
-- critical and analytics materialized views, sequences.
CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE events (
	id bigserial PRIMARY KEY,
	account_id int NOT NULL REFERENCES accounts(id),
	kind text NOT NULL,
	payload text,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_account_idx ON events (account_id, created_at);
CREATE INDEX events_kind_hash ON events USING hash (lower(kind));
-- A small table whose rows point into the deferred large table.
CREATE TABLE event_notes (
	id serial PRIMARY KEY,
	event_id bigint NOT NULL REFERENCES events(id),
	note text
);
-- A trigger that uses an unqualified name (fails under an empty search_path).
CREATE TABLE audit_log (id serial PRIMARY KEY, msg text);
CREATE TABLE settings (key text PRIMARY KEY, value text);
CREATE FUNCTION settings_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_log (msg) VALUES ('changed ' || NEW.key);
	RETURN NEW;
END $$;
CREATE TRIGGER settings_audit AFTER INSERT OR UPDATE ON settings
	FOR EACH ROW EXECUTE FUNCTION settings_audit();
-- A partitioned table.
CREATE TABLE measurements (
	id bigserial,
	taken_on date NOT NULL,
	value numeric,
	PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE measurements_2023 PARTITION OF measurements
	FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE measurements_2024 PARTITION OF measurements
	FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
-- A sequence not owned by any column.
CREATE SEQUENCE invoice_numbers START 1000;
SELECT setval('invoice_numbers', 4242);

INSERT INTO accounts (name) SELECT 'account ' || g FROM generate_series(1, 50) g;
INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'en'), ('tz', 'UTC');
INSERT INTO events (account_id, kind, payload, created_at)
	SELECT 1 + g % 50, 'kind' || (g % 7), repeat('x', 20), '2024-01-01'::timestamptz + g * interval '1 minute'
	FROM generate_series(1, :events_rows) g;
INSERT INTO event_notes (event_id, note) SELECT g * 10, 'note ' || g FROM generate_series(1, 100) g;
INSERT INTO measurements (taken_on, value)
	SELECT '2023-06-01'::date + (g % 400), g * 1.5 FROM generate_series(1, 2000) g;

CREATE MATERIALIZED VIEW account_names AS SELECT id, name FROM accounts;
CREATE UNIQUE INDEX account_names_id ON account_names (id);
CREATE MATERIALIZED VIEW event_stats AS
	SELECT account_id, count(*) AS n FROM events GROUP BY account_id;

-- Triggers in every enable mode, made after the data (prod's trigger_log is
-- empty). Loading the dump must fire none of them: the rows already hold
-- their effects. Each must end in the mode it had.
CREATE TABLE trigger_log (name text NOT NULL);
CREATE FUNCTION log_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.trigger_log VALUES (TG_TABLE_NAME || '.' || TG_NAME);
	RETURN NULL;
END $$;
CREATE TRIGGER accounts_always AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION log_trigger();
ALTER TABLE accounts ENABLE ALWAYS TRIGGER accounts_always;
CREATE TRIGGER settings_replica AFTER INSERT ON settings FOR EACH ROW EXECUTE FUNCTION log_trigger();
ALTER TABLE settings ENABLE REPLICA TRIGGER settings_replica;
CREATE TRIGGER events_replica AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION log_trigger();
ALTER TABLE events ENABLE REPLICA TRIGGER events_replica;
CREATE TRIGGER events_disabled AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION log_trigger();
ALTER TABLE events DISABLE TRIGGER events_disabled;
CREATE TRIGGER measurements_replica AFTER INSERT ON measurements FOR EACH ROW EXECUTE FUNCTION log_trigger();
ALTER TABLE measurements ENABLE REPLICA TRIGGER measurements_replica;

-- Details of the large table's indexes and constraints, which berth drops
-- before the load and builds again after it: each must come back.
COMMENT ON INDEX events_account_idx IS 'events by account';
COMMENT ON CONSTRAINT events_pkey ON events IS 'the event id';
COMMENT ON CONSTRAINT event_notes_event_id_fkey ON event_notes IS 'notes point at events';
ALTER TABLE events CLUSTER ON events_account_idx;
ALTER TABLE events REPLICA IDENTITY USING INDEX events_pkey;
ALTER INDEX events_kind_hash ALTER COLUMN 1 SET STATISTICS 500;
