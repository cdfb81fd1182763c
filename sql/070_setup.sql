-- 070_setup.sql — setting a meeting up and keeping it (issue 15): who the
-- caller is (GET /me), API tokens issued and revoked through the API.
--
-- Same conventions as 010_api_core.sql: each request is one call of a
-- plpgsql function taking the actor JSON ({token_id, role, conference_id,
-- delegation_id}); it checks, writes, audits (kaigi_core_audit) and answers
-- JSON. Errors are SQLSTATE KGnnn (HTTP nnn) with a JSON DETAIL merged into
-- the problem document.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- GET /me
-- ---------------------------------------------------------------------------

-- The caller's token: {role, conference, delegation, participant_id} (slug,
-- code; null when the token has none), plus ids, label and dates.
CREATE FUNCTION kaigi_me(p_actor jsonb)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('role', p_actor->>'role',
	    'conference', c.slug, 'delegation', d.code,
	    'participant_id', (p_actor->>'participant_id')::bigint,
	    'conference_id', c.id, 'delegation_id', d.id,
	    'delegation_name', d.name, 'timezone', c.timezone,
	    'token_id', t.id, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, coalesce(c.timezone, 'UTC')))
	FROM (SELECT 1) one
	LEFT JOIN api_tokens t ON t.id = (p_actor->>'token_id')::bigint
	LEFT JOIN conferences c ON c.id = (p_actor->>'conference_id')::bigint
	LEFT JOIN delegations d ON d.id = (p_actor->>'delegation_id')::bigint
$$;

-- ---------------------------------------------------------------------------
-- API tokens (the raw token never reaches the database: only its SHA-256)
-- ---------------------------------------------------------------------------

-- Which token issued it (no foreign key: a self-reference would make
-- pg_dump --data-only warn, and token rows are never deleted by the API).
ALTER TABLE api_tokens ADD COLUMN created_by_token_id bigint;

-- The JSON of a token, never its hash.
CREATE FUNCTION kaigi_token_json(t api_tokens)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', t.id, 'role', t.role,
	    'conference', c.slug, 'delegation', d.code, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, coalesce(c.timezone, 'UTC')),
	    'revoked_at', kaigi_ts(t.revoked_at, coalesce(c.timezone, 'UTC')),
	    'created_by_token_id', t.created_by_token_id)
	FROM (SELECT 1) one
	LEFT JOIN conferences c ON c.id = t.conference_id
	LEFT JOIN delegations d ON d.id = t.delegation_id
$$;

-- KG422 for an unknown delegation, listing the conference's codes.
CREATE FUNCTION kaigi_setup_no_delegation(p_cid bigint, p_field text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	codes	text;
BEGIN
	SELECT string_agg(code, ', ' ORDER BY code) INTO codes
	FROM delegations WHERE conference_id = p_cid;
	PERFORM kaigi_core_invalid(p_field, 'no such delegation in this conference'
	    || coalesce('; the codes are ' || codes, ' (it has none yet)'));
END $$;

-- Who may issue a token of role p_role: the conference's secretariat (or
-- an admin) a liaison's, only an admin a secretariat's. KG403 names the
-- role needed.
CREATE FUNCTION kaigi_token_may_issue(p_actor jsonb, p_cid bigint, p_role text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_role = 'secretariat' AND p_actor->>'role' IS DISTINCT FROM 'admin' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may issue secretariat tokens';
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, p_cid) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only the secretariat of this conference (or an admin) may issue liaison tokens';
	END IF;
END $$;

-- POST /conferences/{slug}/tokens {role, delegation?, label?}, the token
-- stored as p_hash. Returns the token's JSON (kaigid adds the raw token).
CREATE FUNCTION kaigi_token_create(p_actor jsonb, p_slug text, p_in jsonb,
    p_hash text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d	delegations;
	t	api_tokens;
	j	json;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_token_may_issue(p_actor, c.id, p_in->>'role');
	IF p_in->>'role' = 'liaison' THEN
		d := kaigi_core_delegation_ref(c.id, p_in->'delegation');
		IF d.id IS NULL THEN
			PERFORM kaigi_setup_no_delegation(c.id, 'delegation');
		END IF;
	END IF;
	INSERT INTO api_tokens (role, conference_id, delegation_id, token_hash,
	    label, created_by_token_id)
	VALUES (p_in->>'role', c.id, d.id, p_hash, coalesce(p_in->>'label', ''),
	    (p_actor->>'token_id')::bigint)
	RETURNING * INTO t;
	j := kaigi_token_json(t);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'api_token', t.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/tokens (secretariat): the conference's tokens,
-- revoked ones too (revoked_at set), oldest first; never a hash.
CREATE FUNCTION kaigi_token_list(p_actor jsonb, p_slug text, p_limit int,
    p_cursor bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_token_json(s.t) ORDER BY (s.t).id),
	    array_agg((s.t).id ORDER BY (s.t).id), p_limit)
	FROM (SELECT t FROM api_tokens t WHERE t.conference_id = c.id
	    AND t.id > p_cursor ORDER BY t.id LIMIT p_limit + 1) s);
END $$;

-- DELETE /tokens/{id}: an admin revokes any token; a secretariat its
-- conference's liaison tokens and its own token (KG403 for the other
-- secretariat tokens, which it can list). Unknown or another conference's:
-- KG404. Revoking twice keeps the first revoked_at.
CREATE FUNCTION kaigi_token_revoke(p_actor jsonb, p_id text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	t	api_tokens;
BEGIN
	SELECT * INTO t FROM api_tokens WHERE id = p_id::bigint FOR UPDATE;
	IF NOT FOUND OR NOT (p_actor->>'role' = 'admin'
	    OR kaigi_core_is_secretariat(p_actor, t.conference_id)) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such token';
	END IF;
	IF t.role <> 'liaison' AND p_actor->>'role' <> 'admin'
	    AND t.id IS DISTINCT FROM (p_actor->>'token_id')::bigint THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may revoke another secretariat token';
	END IF;
	IF t.revoked_at IS NULL THEN
		UPDATE api_tokens SET revoked_at = now() WHERE id = t.id
		RETURNING * INTO t;
		PERFORM kaigi_core_audit(p_actor, t.conference_id, 'revoke',
		    'api_token', t.id, NULL, kaigi_token_json(t)::jsonb);
	END IF;
	RETURN true;
END $$;
