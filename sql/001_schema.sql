-- 001_schema.sql — the whole kaigi domain: conferences, venues, rooms,
-- travel times, delegations, participants, unavailability, sessions and their
-- attendees and delegations, the busy-time table that forbids double booking,
-- bilateral requests, feed and API tokens, the audit log and the change log.
--
-- Applied by `kaigid --migrate` (and the scripts) inside one transaction; this
-- file therefore contains no BEGIN/COMMIT. schema_migrations is kaigid's.
--
-- Invariants the database itself enforces (constraint names in brackets, so
-- that the API can map an error to the right 409/422):
--   * no room in two non-cancelled overlapping sessions      [sessions_room_no_overlap] 23P01
--   * no participant in two overlapping non-cancelled sessions, or in a session
--     overlapping their unavailability, with the conference's changeover
--     minutes after every session                             [busy_no_overlap] 23P01
--   * a session ends after it starts                          [sessions_time_check] 23514
--   * a bilateral request has two different parties           [bilateral_requests_parties_check] 23514
--   * delegation codes are unique within a conference         [delegations_conference_id_code_key] 23505
--   * rows referenced together belong to the same conference (composite FKs, 23503)
-- Every change a feed can show raises NOTIFY kaigi_changes '<conference id>'.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- ---------------------------------------------------------------------------
-- Helper functions
-- ---------------------------------------------------------------------------

-- RFC 3339 text of ts in zone tz, e.g. '2023-04-29T10:00:00+09:00'.
CREATE FUNCTION kaigi_ts(ts timestamptz, tz text) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
	    || CASE WHEN o.s < 0 THEN '-' ELSE '+' END
	    || lpad((abs(o.s) / 3600)::text, 2, '0') || ':'
	    || lpad((abs(o.s) % 3600 / 60)::text, 2, '0')
	FROM (SELECT extract(epoch FROM (ts AT TIME ZONE tz)
	    - (ts AT TIME ZONE 'UTC'))::int AS s) AS o
$$;

-- True when tz is an IANA zone name PostgreSQL knows (not an abbreviation).
CREATE FUNCTION kaigi_valid_timezone(tz text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT tz IS NOT NULL AND tz <> ''
	    AND EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz)
$$;

-- Generic BEFORE UPDATE trigger: updated_at = now(), version = version + 1.
CREATE FUNCTION kaigi_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	NEW.version := OLD.version + 1;
	RETURN NEW;
END $$;

-- Generic AFTER row trigger for tables with a conference_id column (or
-- conferences itself): NOTIFY kaigi_changes with the conference id.
CREATE FUNCTION kaigi_notify_conference() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r record;
	c bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
	IF TG_TABLE_NAME = 'conferences' THEN
		PERFORM pg_notify('kaigi_changes', r.id::text);
		RETURN NULL;
	END IF;
	c := r.conference_id;
	IF c IS NOT NULL THEN
		PERFORM pg_notify('kaigi_changes', c::text);
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.conference_id IS DISTINCT FROM NEW.conference_id THEN
			PERFORM pg_notify('kaigi_changes', OLD.conference_id::text);
		END IF;
	END IF;
	RETURN NULL;
END $$;

-- Refuse a time zone that is not an IANA name (23514, named constraint).
CREATE FUNCTION kaigi_check_timezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.timezone IS NULL AND TG_TABLE_NAME <> 'conferences' THEN
		RETURN NEW;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.timezone IS NOT DISTINCT FROM OLD.timezone THEN
		RETURN NEW;
	END IF;
	IF NOT kaigi_valid_timezone(NEW.timezone) THEN
		RAISE EXCEPTION 'unknown time zone "%"', NEW.timezone
		    USING ERRCODE = 'check_violation',
		    CONSTRAINT = TG_TABLE_NAME || '_timezone_check',
		    TABLE = TG_TABLE_NAME, COLUMN = 'timezone';
	END IF;
	RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------
-- Conferences, venues, rooms, travel times
-- ---------------------------------------------------------------------------

CREATE TABLE conferences (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug			text NOT NULL UNIQUE
	    CONSTRAINT conferences_slug_check CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
	title			text NOT NULL,
	timezone		text NOT NULL CHECK (timezone <> ''),
	start_date		date NOT NULL,
	end_date		date NOT NULL,
	location		text NOT NULL DEFAULT '',
	changeover_minutes	int NOT NULL DEFAULT 10 CHECK (changeover_minutes >= 0),
	day_start		time NOT NULL DEFAULT '08:00',
	day_end			time NOT NULL DEFAULT '20:00',
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT conferences_dates_check CHECK (end_date >= start_date),
	CONSTRAINT conferences_day_check CHECK (day_end > day_start)
);

CREATE TABLE venues (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	name			text NOT NULL CHECK (name <> ''),
	address			text NOT NULL DEFAULT '',
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (conference_id, id)
);

CREATE TABLE rooms (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	venue_id		bigint NOT NULL,
	name			text NOT NULL CHECK (name <> ''),
	capacity		int NOT NULL CHECK (capacity > 0),
	kind			text NOT NULL DEFAULT 'other'
	    CHECK (kind IN ('plenary', 'bilateral', 'side_event', 'other')),
	usable_for_bilaterals	boolean NOT NULL DEFAULT false,
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (conference_id, id),
	FOREIGN KEY (conference_id, venue_id) REFERENCES venues (conference_id, id)
	    ON DELETE CASCADE
);
CREATE INDEX rooms_venue_id_idx ON rooms (venue_id);

-- Minutes to go from one venue to another; the API stores both directions.
CREATE TABLE travel_times (
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	from_venue_id		bigint NOT NULL,
	to_venue_id		bigint NOT NULL,
	minutes			int NOT NULL CHECK (minutes >= 0),
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (from_venue_id, to_venue_id),
	FOREIGN KEY (conference_id, from_venue_id) REFERENCES venues (conference_id, id)
	    ON DELETE CASCADE,
	FOREIGN KEY (conference_id, to_venue_id) REFERENCES venues (conference_id, id)
	    ON DELETE CASCADE
);
CREATE INDEX travel_times_conference_id_idx ON travel_times (conference_id);

-- ---------------------------------------------------------------------------
-- Delegations, participants, unavailability
-- ---------------------------------------------------------------------------

CREATE TABLE delegations (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	code			text NOT NULL
	    CONSTRAINT delegations_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$'),
	name			text NOT NULL CHECK (name <> ''),
	kind			text NOT NULL DEFAULT 'member'
	    CHECK (kind IN ('member', 'invited', 'organization', 'guest')),
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT delegations_conference_id_code_key UNIQUE (conference_id, code),
	UNIQUE (conference_id, id)
);

CREATE TABLE participants (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	delegation_id		bigint NOT NULL,
	name			text NOT NULL CHECK (name <> ''),
	title			text NOT NULL DEFAULT '',
	role			text NOT NULL DEFAULT 'member'
	    CHECK (role IN ('head', 'deputy', 'member', 'staff')),
	email			text,
	timezone		text,
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (conference_id, id),
	FOREIGN KEY (conference_id, delegation_id) REFERENCES delegations (conference_id, id)
	    ON DELETE CASCADE
);
CREATE INDEX participants_delegation_id_idx ON participants (delegation_id, role);

CREATE TABLE unavailability (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	participant_id		bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	during			tstzrange NOT NULL,
	reason			text NOT NULL DEFAULT '',
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT unavailability_during_check CHECK (NOT isempty(during)
	    AND NOT lower_inf(during) AND NOT upper_inf(during)
	    AND lower(during) < upper(during))
);
CREATE INDEX unavailability_participant_id_idx ON unavailability (participant_id);

-- ---------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------

CREATE TABLE sessions (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	kind			text NOT NULL
	    CHECK (kind IN ('plenary', 'bilateral', 'side_event', 'working_meal', 'press', 'other')),
	title			text NOT NULL,
	description		text NOT NULL DEFAULT '',
	room_id			bigint,
	starts_at		timestamptz NOT NULL,
	ends_at			timestamptz NOT NULL,
	during			tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
	status			text NOT NULL DEFAULT 'confirmed'
	    CHECK (status IN ('tentative', 'confirmed', 'cancelled')),
	-- NULL on insert means: 'restricted' for a bilateral, else 'public'.
	visibility		text NOT NULL
	    CHECK (visibility IN ('public', 'conference', 'restricted')),
	sequence		int NOT NULL DEFAULT 0,
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT sessions_time_check CHECK (ends_at > starts_at),
	CONSTRAINT sessions_duration_check CHECK (ends_at - starts_at <= interval '24 hours'),
	UNIQUE (conference_id, id),
	FOREIGN KEY (conference_id, room_id) REFERENCES rooms (conference_id, id)
	    ON DELETE SET NULL (room_id),
	CONSTRAINT sessions_room_no_overlap EXCLUDE USING gist
	    (room_id WITH =, during WITH &&)
	    WHERE (status <> 'cancelled' AND room_id IS NOT NULL)
	    DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX sessions_conference_starts_idx ON sessions (conference_id, starts_at);
CREATE INDEX sessions_room_id_idx ON sessions (room_id, starts_at);

CREATE TABLE session_attendees (
	session_id		bigint NOT NULL REFERENCES sessions ON DELETE CASCADE,
	participant_id		bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX session_attendees_participant_id_idx ON session_attendees (participant_id);

CREATE TABLE session_delegations (
	session_id		bigint NOT NULL REFERENCES sessions ON DELETE CASCADE,
	delegation_id		bigint NOT NULL REFERENCES delegations ON DELETE CASCADE,
	PRIMARY KEY (session_id, delegation_id)
);
CREATE INDEX session_delegations_delegation_id_idx ON session_delegations (delegation_id);

-- Every participant's busy time, maintained only by triggers: one row per
-- (attendee, non-cancelled session), padded by the conference's changeover
-- minutes at its end, and one row per unavailability block (not padded).
-- Do not write it directly.
CREATE TABLE busy (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	participant_id		bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	session_id		bigint REFERENCES sessions ON DELETE CASCADE,
	unavailability_id	bigint REFERENCES unavailability ON DELETE CASCADE,
	during			tstzrange NOT NULL,
	CONSTRAINT busy_source_check CHECK (num_nonnulls(session_id, unavailability_id) = 1),
	CONSTRAINT busy_session_participant_key UNIQUE (session_id, participant_id),
	CONSTRAINT busy_unavailability_key UNIQUE (unavailability_id),
	-- Deferrable so that a transaction may SET CONSTRAINTS ... DEFERRED
	-- while it rearranges several sessions; checked per statement otherwise.
	CONSTRAINT busy_no_overlap EXCLUDE USING gist
	    (participant_id WITH =, during WITH &&)
	    DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX busy_conference_id_idx ON busy (conference_id);

-- ---------------------------------------------------------------------------
-- Bilateral requests
-- ---------------------------------------------------------------------------

CREATE TABLE bilateral_requests (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	requester_delegation_id	bigint NOT NULL,
	counterpart_delegation_id bigint NOT NULL,
	duration_minutes	int NOT NULL
	    CONSTRAINT bilateral_requests_duration_check CHECK (duration_minutes BETWEEN 5 AND 480),
	earliest		timestamptz,
	latest			timestamptz,
	priority		int NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
	level			text NOT NULL DEFAULT 'head' CHECK (level IN ('head', 'deputy')),
	topics			text NOT NULL DEFAULT '',
	status			text NOT NULL DEFAULT 'requested'
	    CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn', 'scheduled', 'cancelled')),
	session_id		bigint REFERENCES sessions ON DELETE SET NULL,
	version			int NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT bilateral_requests_parties_check
	    CHECK (requester_delegation_id <> counterpart_delegation_id),
	CONSTRAINT bilateral_requests_window_check
	    CHECK (earliest IS NULL OR latest IS NULL OR latest > earliest),
	FOREIGN KEY (conference_id, requester_delegation_id)
	    REFERENCES delegations (conference_id, id) ON DELETE CASCADE,
	FOREIGN KEY (conference_id, counterpart_delegation_id)
	    REFERENCES delegations (conference_id, id) ON DELETE CASCADE
);
CREATE INDEX bilateral_requests_conference_status_idx ON bilateral_requests (conference_id, status);
CREATE INDEX bilateral_requests_requester_idx ON bilateral_requests (requester_delegation_id);
CREATE INDEX bilateral_requests_counterpart_idx ON bilateral_requests (counterpart_delegation_id);
CREATE INDEX bilateral_requests_session_id_idx ON bilateral_requests (session_id);

-- ---------------------------------------------------------------------------
-- Tokens (stored only as lowercase hex SHA-256 of the secret)
-- ---------------------------------------------------------------------------

CREATE TABLE api_tokens (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	role			text NOT NULL CHECK (role IN ('admin', 'secretariat', 'liaison')),
	conference_id		bigint REFERENCES conferences ON DELETE CASCADE,
	delegation_id		bigint REFERENCES delegations ON DELETE CASCADE,
	token_hash		text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	label			text NOT NULL DEFAULT '',
	created_at		timestamptz NOT NULL DEFAULT now(),
	revoked_at		timestamptz,
	CONSTRAINT api_tokens_scope_check CHECK (
	    (role = 'admin' AND conference_id IS NULL AND delegation_id IS NULL)
	    OR (role = 'secretariat' AND conference_id IS NOT NULL AND delegation_id IS NULL)
	    OR (role = 'liaison' AND conference_id IS NOT NULL AND delegation_id IS NOT NULL)),
	FOREIGN KEY (conference_id, delegation_id) REFERENCES delegations (conference_id, id)
	    ON DELETE CASCADE
);

CREATE TABLE feed_tokens (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	delegation_id		bigint,
	participant_id		bigint,
	token_hash		text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	label			text NOT NULL DEFAULT '',
	created_at		timestamptz NOT NULL DEFAULT now(),
	revoked_at		timestamptz,
	created_by_token_id	bigint REFERENCES api_tokens ON DELETE SET NULL,
	CONSTRAINT feed_tokens_scope_check CHECK (num_nonnulls(delegation_id, participant_id) = 1),
	FOREIGN KEY (conference_id, delegation_id) REFERENCES delegations (conference_id, id)
	    ON DELETE CASCADE,
	FOREIGN KEY (conference_id, participant_id) REFERENCES participants (conference_id, id)
	    ON DELETE CASCADE
);
CREATE INDEX feed_tokens_conference_id_idx ON feed_tokens (conference_id);

-- ---------------------------------------------------------------------------
-- Audit log (written by the API) and session change log (written by triggers)
-- ---------------------------------------------------------------------------

CREATE TABLE audit_log (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint REFERENCES conferences ON DELETE SET NULL,
	at			timestamptz NOT NULL DEFAULT now(),
	token_id		bigint REFERENCES api_tokens ON DELETE SET NULL,
	role			text,
	action			text NOT NULL,
	entity			text NOT NULL,
	entity_id		bigint,
	before			jsonb,
	after			jsonb
);
CREATE INDEX audit_log_conference_id_idx ON audit_log (conference_id, id);

-- One row per change of a session, for the Server-Sent Events stream
-- (Last-Event-ID = id). session_id has no foreign key so that the log
-- outlives a deleted session ('deleted'). xact groups one transaction's rows.
CREATE TABLE session_changes (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id		bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	session_id		bigint NOT NULL,
	change			text NOT NULL
	    CHECK (change IN ('created', 'moved', 'updated', 'cancelled', 'deleted')),
	at			timestamptz NOT NULL DEFAULT now(),
	xact			xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX session_changes_conference_id_idx ON session_changes (conference_id, id);
CREATE INDEX session_changes_session_id_idx ON session_changes (session_id, xact);

-- ---------------------------------------------------------------------------
-- Busy-time maintenance
-- ---------------------------------------------------------------------------

-- A session's busy range: [start, end + the conference's changeover).
CREATE FUNCTION kaigi_busy_range(p_conference_id bigint, p_starts timestamptz,
    p_ends timestamptz) RETURNS tstzrange
LANGUAGE sql STABLE AS $$
	SELECT tstzrange(p_starts, p_ends + make_interval(mins => c.changeover_minutes), '[)')
	FROM conferences c WHERE c.id = p_conference_id
$$;

-- Add the busy rows of every attendee of a (non-cancelled) session.
CREATE FUNCTION kaigi_busy_add_session(p_session_id bigint) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO busy (conference_id, participant_id, session_id, during)
	SELECT s.conference_id, a.participant_id, s.id,
	    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
	FROM sessions s JOIN session_attendees a ON a.session_id = s.id
	WHERE s.id = p_session_id AND s.status <> 'cancelled'
	ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING
$$;

-- Record a change of a session for the SSE stream and announce it.
CREATE FUNCTION kaigi_session_changed(p_conference_id bigint, p_session_id bigint,
    p_change text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM conferences WHERE id = p_conference_id) THEN
		INSERT INTO session_changes (conference_id, session_id, change)
		VALUES (p_conference_id, p_session_id, p_change);
	END IF;
	PERFORM pg_notify('kaigi_changes', p_conference_id::text);
END $$;

-- An attendee or party of a session changed: unless this transaction already
-- recorded a change of the session (it was just created, moved, ...), touch
-- the session so that its version, updated_at and the change log follow.
CREATE FUNCTION kaigi_session_touch(p_session_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM session_changes
	    WHERE session_id = p_session_id AND xact = pg_current_xact_id()) THEN
		UPDATE sessions SET updated_at = now() WHERE id = p_session_id;
	END IF;
END $$;

-- sessions BEFORE INSERT: default visibility by kind.
CREATE FUNCTION kaigi_sessions_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.visibility IS NULL THEN
		NEW.visibility := CASE WHEN NEW.kind = 'bilateral'
		    THEN 'restricted' ELSE 'public' END;
	END IF;
	RETURN NEW;
END $$;

-- sessions BEFORE UPDATE: version, updated_at, and sequence on time, room or
-- status changes. A session cannot move to another conference.
CREATE FUNCTION kaigi_sessions_before_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.conference_id <> OLD.conference_id THEN
		RAISE EXCEPTION 'a session cannot change conference'
		    USING ERRCODE = 'check_violation';
	END IF;
	NEW.updated_at := now();
	NEW.version := OLD.version + 1;
	NEW.sequence := OLD.sequence;
	IF (NEW.starts_at, NEW.ends_at, NEW.room_id, NEW.status)
	    IS DISTINCT FROM (OLD.starts_at, OLD.ends_at, OLD.room_id, OLD.status) THEN
		NEW.sequence := OLD.sequence + 1;
	END IF;
	RETURN NEW;
END $$;

-- sessions AFTER INSERT/UPDATE/DELETE: busy rows, change log, NOTIFY.
CREATE FUNCTION kaigi_sessions_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM kaigi_session_changed(NEW.conference_id, NEW.id, 'created');
		RETURN NULL;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM kaigi_session_changed(OLD.conference_id, OLD.id, 'deleted');
		RETURN NULL;
	END IF;
	IF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
		DELETE FROM busy WHERE session_id = NEW.id;
		PERFORM kaigi_session_changed(NEW.conference_id, NEW.id, 'cancelled');
		RETURN NULL;
	END IF;
	IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
		PERFORM kaigi_busy_add_session(NEW.id);
	ELSIF NEW.status <> 'cancelled' AND (NEW.starts_at, NEW.ends_at)
	    IS DISTINCT FROM (OLD.starts_at, OLD.ends_at) THEN
		UPDATE busy SET during = kaigi_busy_range(NEW.conference_id,
		    NEW.starts_at, NEW.ends_at)
		WHERE session_id = NEW.id;
	END IF;
	IF (NEW.starts_at, NEW.ends_at, NEW.room_id)
	    IS DISTINCT FROM (OLD.starts_at, OLD.ends_at, OLD.room_id) THEN
		PERFORM kaigi_session_changed(NEW.conference_id, NEW.id, 'moved');
	ELSE
		PERFORM kaigi_session_changed(NEW.conference_id, NEW.id, 'updated');
	END IF;
	RETURN NULL;
END $$;

-- session_attendees AFTER INSERT/UPDATE/DELETE: same conference, busy rows,
-- touch the session.
CREATE FUNCTION kaigi_attendees_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM busy WHERE session_id = OLD.session_id
		    AND participant_id = OLD.participant_id;
		PERFORM kaigi_session_touch(OLD.session_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		IF NOT EXISTS (SELECT 1 FROM sessions s JOIN participants p
		    ON p.conference_id = s.conference_id
		    WHERE s.id = NEW.session_id AND p.id = NEW.participant_id) THEN
			RAISE EXCEPTION 'participant % is not of the conference of session %',
			    NEW.participant_id, NEW.session_id
			    USING ERRCODE = 'foreign_key_violation',
			    CONSTRAINT = 'session_attendees_conference_fkey';
		END IF;
		INSERT INTO busy (conference_id, participant_id, session_id, during)
		SELECT s.conference_id, NEW.participant_id, s.id,
		    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
		FROM sessions s
		WHERE s.id = NEW.session_id AND s.status <> 'cancelled';
		PERFORM kaigi_session_touch(NEW.session_id);
	END IF;
	RETURN NULL;
END $$;

-- session_delegations AFTER INSERT/UPDATE/DELETE: same conference, touch.
CREATE FUNCTION kaigi_session_delegations_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM kaigi_session_touch(OLD.session_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		IF NOT EXISTS (SELECT 1 FROM sessions s JOIN delegations d
		    ON d.conference_id = s.conference_id
		    WHERE s.id = NEW.session_id AND d.id = NEW.delegation_id) THEN
			RAISE EXCEPTION 'delegation % is not of the conference of session %',
			    NEW.delegation_id, NEW.session_id
			    USING ERRCODE = 'foreign_key_violation',
			    CONSTRAINT = 'session_delegations_conference_fkey';
		END IF;
		PERFORM kaigi_session_touch(NEW.session_id);
	END IF;
	RETURN NULL;
END $$;

-- unavailability AFTER INSERT/UPDATE: keep its busy row (deletes cascade).
CREATE FUNCTION kaigi_unavailability_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO busy (conference_id, participant_id, unavailability_id, during)
		SELECT p.conference_id, p.id, NEW.id, NEW.during
		FROM participants p WHERE p.id = NEW.participant_id;
	ELSE
		UPDATE busy SET participant_id = NEW.participant_id, during = NEW.during,
		    conference_id = (SELECT conference_id FROM participants
		    WHERE id = NEW.participant_id)
		WHERE unavailability_id = NEW.id;
	END IF;
	RETURN NULL;
END $$;

-- conferences AFTER UPDATE OF changeover_minutes: re-pad the busy rows of its
-- sessions (23P01 when the new padding creates a clash).
CREATE FUNCTION kaigi_conferences_changeover() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.changeover_minutes IS DISTINCT FROM OLD.changeover_minutes THEN
		UPDATE busy b SET during = tstzrange(s.starts_at,
		    s.ends_at + make_interval(mins => NEW.changeover_minutes), '[)')
		FROM sessions s
		WHERE b.session_id = s.id AND s.conference_id = NEW.id;
	END IF;
	RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------

CREATE TRIGGER conferences_touch BEFORE UPDATE ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER venues_touch BEFORE UPDATE ON venues
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER rooms_touch BEFORE UPDATE ON rooms
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER travel_times_touch BEFORE UPDATE ON travel_times
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER delegations_touch BEFORE UPDATE ON delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER participants_touch BEFORE UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER unavailability_touch BEFORE UPDATE ON unavailability
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();
CREATE TRIGGER bilateral_requests_touch BEFORE UPDATE ON bilateral_requests
    FOR EACH ROW EXECUTE FUNCTION kaigi_touch();

CREATE TRIGGER conferences_timezone BEFORE INSERT OR UPDATE ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_check_timezone();
CREATE TRIGGER participants_timezone BEFORE INSERT OR UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_check_timezone();

CREATE TRIGGER conferences_changeover AFTER UPDATE ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_conferences_changeover();

CREATE TRIGGER sessions_before_insert BEFORE INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_sessions_before_insert();
CREATE TRIGGER sessions_before_update BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_sessions_before_update();
CREATE TRIGGER sessions_after AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_sessions_after();
CREATE TRIGGER session_attendees_after AFTER INSERT OR UPDATE OR DELETE ON session_attendees
    FOR EACH ROW EXECUTE FUNCTION kaigi_attendees_after();
CREATE TRIGGER session_delegations_after AFTER INSERT OR UPDATE OR DELETE ON session_delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_session_delegations_after();
CREATE TRIGGER unavailability_after AFTER INSERT OR UPDATE ON unavailability
    FOR EACH ROW EXECUTE FUNCTION kaigi_unavailability_after();

-- NOTIFY kaigi_changes '<conference id>' for everything a feed shows.
CREATE TRIGGER conferences_notify AFTER INSERT OR UPDATE OR DELETE ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER venues_notify AFTER INSERT OR UPDATE OR DELETE ON venues
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER rooms_notify AFTER INSERT OR UPDATE OR DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER delegations_notify AFTER INSERT OR UPDATE OR DELETE ON delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER participants_notify AFTER INSERT OR UPDATE OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER feed_tokens_notify AFTER INSERT OR UPDATE OR DELETE ON feed_tokens
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();

-- ---------------------------------------------------------------------------
-- Explaining a clash (for the API's 409 "conflicts")
-- ---------------------------------------------------------------------------

-- Everything a session in room p_room_id over [p_starts, p_ends) attended by
-- p_participant_ids would clash with, ignoring session p_exclude_session_id
-- (the session being moved). resource: 'room', 'participant' (another
-- session, reason 'overlap'/'changeover', or 'travel' between venues) or
-- 'unavailability' (session_id NULL, title = the reason).
CREATE FUNCTION kaigi_session_conflicts(p_conference_id bigint, p_room_id bigint,
    p_starts timestamptz, p_ends timestamptz, p_participant_ids bigint[],
    p_exclude_session_id bigint DEFAULT NULL)
RETURNS TABLE (resource text, reason text, session_id bigint, title text,
    starts_at timestamptz, ends_at timestamptz, room_id bigint,
    participant_id bigint, unavailability_id bigint)
LANGUAGE sql STABLE AS $$
	WITH me AS (
		SELECT tstzrange(p_starts, p_ends, '[)') AS bare,
		    kaigi_busy_range(p_conference_id, p_starts, p_ends) AS padded,
		    (SELECT venue_id FROM rooms WHERE id = p_room_id) AS venue_id
	)
	SELECT 'room', 'overlap', s.id, s.title, s.starts_at, s.ends_at, s.room_id,
	    NULL::bigint, NULL::bigint
	FROM sessions s, me
	WHERE p_room_id IS NOT NULL AND s.room_id = p_room_id
	    AND s.status <> 'cancelled' AND s.during && me.bare
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	UNION ALL
	SELECT 'participant',
	    CASE WHEN s.during && me.bare THEN 'overlap' ELSE 'changeover' END,
	    s.id, s.title, s.starts_at, s.ends_at, s.room_id, b.participant_id, NULL
	FROM busy b JOIN sessions s ON s.id = b.session_id, me
	WHERE b.participant_id = ANY (p_participant_ids) AND b.during && me.padded
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	UNION ALL
	SELECT 'unavailability', 'overlap', NULL, u.reason, lower(u.during),
	    upper(u.during), NULL, b.participant_id, u.id
	FROM busy b JOIN unavailability u ON u.id = b.unavailability_id, me
	WHERE b.participant_id = ANY (p_participant_ids) AND b.during && me.padded
	UNION ALL
	SELECT 'participant', 'travel', s.id, s.title, s.starts_at, s.ends_at,
	    s.room_id, b.participant_id, NULL
	FROM busy b JOIN sessions s ON s.id = b.session_id
	    JOIN rooms r ON r.id = s.room_id, me
	WHERE b.participant_id = ANY (p_participant_ids)
	    AND me.venue_id IS NOT NULL AND r.venue_id <> me.venue_id
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	    AND NOT (b.during && me.padded)
	    AND tstzrange(s.starts_at, s.ends_at + make_interval(mins => coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = r.venue_id
		    AND t.to_venue_id = me.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = me.venue_id
		    AND t.to_venue_id = r.venue_id), 0)), '[)')
	    && tstzrange(p_starts, p_ends + make_interval(mins => coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = me.venue_id
		    AND t.to_venue_id = r.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = r.venue_id
		    AND t.to_venue_id = me.venue_id), 0)), '[)')
	ORDER BY 5, 1, 8
$$;
