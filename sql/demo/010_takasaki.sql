-- sql/demo/010_takasaki.sql — demo data: the G7 Digital and Tech Ministers'
-- Meeting, Takasaki, Gunma, 28–30 April 2023, built from
-- shared/seed/takasaki-2023.txt (Digital Agency, "Results of the G7 Digital and
-- Tech Ministers' Meeting in Takasaki, Gumma", 30 April 2023).
--
-- Idempotent: one DO block that does nothing at all when the conference
-- `g7-digital-2023` already exists, so loading it twice gives the same data
-- (and keeps any tokens issued meanwhile). No BEGIN/COMMIT: run it in one
-- transaction (psql -1 -v ON_ERROR_STOP=1 -f ...).
--
-- FROM THE SEED: the dates (ministerial meeting 29–30 April, WEF DX Summit on
-- 28 April), the six agenda items (one plenary each), Minister Kono's seven
-- bilaterals and their counterparts' names and titles and topics, the invited
-- countries named (India, Indonesia, Ukraine), the DX Summit's "Governance
-- Initiatives to Promote DX and Address Challenges" theme, its "Digital
-- Infrastructure and Governance" session that Minister Kono could not attend
-- because of parliamentary obligations, and the photo session at its end.
--
-- ILLUSTRATIVE (the seed does not say): every time of day and every room; the
-- second venue (Takasaki City Theatre) and the 15-minute travel time; the
-- order of plenaries and bilaterals; the working lunch and the press
-- conference; the international organisations (OECD, ITU, UNESCO — the seed
-- only says "relevant international organizations"); the heads of France,
-- Indonesia, Ukraine, the organisations and the WEF, the Japanese deputy and
-- all members and staff (placeholder names marked "(illustrative)"); the
-- participants' time zones; the open bilateral requests (JP–UA, FR–DE, GB–ID);
-- the Japanese titles of four plenaries and the description of the first
-- (the seed links a Japanese page but gives no text: our translations),
-- languages en and ja; Japan as the chair (delegation role, from 190 on);
-- the Japanese deputy representing Minister Kono at the DX Summit session
-- he could not attend (the seed: an avatar spoke; from 240 on); the Japanese
-- titles of the seven bilaterals (from 150 on); two interpretation booths in
-- every room and four Japanese–English interpreters of the Japanese
-- delegation in two teams, A on 29 April and B on 30 April, given for the
-- chair's bilaterals, which need ja-en (from 260 on).
--
-- Contents: 2 venues, 6 rooms, 15 delegations, 25 participants (15 heads;
-- from 260 on 29, with 4 interpreters),
-- 18 sessions (6 plenary, 7 bilateral, 3 side_event, 1 working_meal, 1 press),
-- 1 unavailability, 10 bilateral requests (7 scheduled, 1 requested,
-- 2 accepted). All times Asia/Tokyo (+09:00), within 08:00–20:00.

DO $demo$
DECLARE
	c		bigint;
	v_messe		bigint;
	v_theatre	bigint;
	r_plenary	bigint;
	r_press		bigint;
	r_banquet	bigint;
	r_side		bigint;
	jp_head		bigint;
	jp		bigint;
	sid		bigint;
	r		record;
	-- Languages came with 150_languages.sql; the demo loads at any schema
	-- from 010 on (53-bilateral-states.t loads it before 050).
	langs		boolean := EXISTS (SELECT 1 FROM information_schema.columns
			    WHERE table_name = 'sessions' AND column_name = 'titles');
	-- Protocol order came with 190_protocol_order.sql: Japan chairs.
	protocol	boolean := EXISTS (SELECT 1 FROM information_schema.columns
			    WHERE table_name = 'delegations' AND column_name = 'role');
	-- Interpretation came with 260_interpretation.sql: booths in every
	-- room, two ja-en teams for the chair's bilaterals (a new row's fields
	-- reach its INSERT through kaigi.interp, so that the statements below
	-- stay those of every schema).
	interp		boolean := EXISTS (SELECT 1 FROM information_schema.tables
			    WHERE table_name = 'session_interpreters');
	team_a		bigint[];
	team_b		bigint[];
BEGIN
	IF EXISTS (SELECT 1 FROM conferences WHERE slug = 'g7-digital-2023') THEN
		RAISE NOTICE 'demo conference g7-digital-2023 already present: nothing done';
		RETURN;
	END IF;

	IF langs THEN	-- (languages came with 150)
		INSERT INTO conferences (slug, title, timezone, start_date, end_date,
		    location, changeover_minutes, day_start, day_end, languages)
		VALUES ('g7-digital-2023', 'G7 Digital and Tech Ministers'' Meeting',
		    'Asia/Tokyo', '2023-04-28', '2023-04-30', 'Takasaki, Gunma, Japan',
		    10, '08:00', '20:00', '{en,ja}')
		RETURNING id INTO c;
	ELSE
		INSERT INTO conferences (slug, title, timezone, start_date, end_date,
		    location, changeover_minutes, day_start, day_end)
		VALUES ('g7-digital-2023', 'G7 Digital and Tech Ministers'' Meeting',
		    'Asia/Tokyo', '2023-04-28', '2023-04-30', 'Takasaki, Gunma, Japan',
		    10, '08:00', '20:00')
		RETURNING id INTO c;
	END IF;

	-- Venues and rooms (from 260: two interpretation booths each).
	IF interp THEN
		PERFORM set_config('kaigi.interp', '{"key": "new", "booths": 2}', true);
	END IF;
	INSERT INTO venues (conference_id, name, address)
	VALUES (c, 'G Messe Gunma', 'Takasaki, Gunma, Japan')
	RETURNING id INTO v_messe;
	INSERT INTO venues (conference_id, name, address)
	VALUES (c, 'Takasaki City Theatre (illustrative)', 'Takasaki, Gunma, Japan')
	RETURNING id INTO v_theatre;
	INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)
	VALUES (c, v_messe, v_theatre, 15), (c, v_theatre, v_messe, 15);

	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
	VALUES (c, v_messe, 'Plenary Hall', 300, 'plenary')
	RETURNING id INTO r_plenary;
	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind, usable_for_bilaterals)
	VALUES (c, v_messe, 'Bilateral Room A', 16, 'bilateral', true),
	    (c, v_messe, 'Bilateral Room B', 16, 'bilateral', true),
	    (c, v_messe, 'Bilateral Room C', 12, 'bilateral', true);
	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
	VALUES (c, v_messe, 'Press Centre', 200, 'other')
	RETURNING id INTO r_press;
	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
	VALUES (c, v_messe, 'Banquet Room', 80, 'other')
	RETURNING id INTO r_banquet;
	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
	VALUES (c, v_theatre, 'Main Hall', 800, 'side_event')
	RETURNING id INTO r_side;
	PERFORM set_config('kaigi.interp', '', true);

	-- Delegations.
	INSERT INTO delegations (conference_id, code, name, kind)
	SELECT c, d.code, d.name, d.kind FROM (VALUES
	    ('CA', 'Canada', 'member'),
	    ('FR', 'France', 'member'),
	    ('DE', 'Germany', 'member'),
	    ('IT', 'Italy', 'member'),
	    ('JP', 'Japan', 'member'),
	    ('GB', 'United Kingdom', 'member'),
	    ('US', 'United States', 'member'),
	    ('EU', 'European Union', 'member'),
	    ('IN', 'India', 'invited'),
	    ('ID', 'Indonesia', 'invited'),
	    ('UA', 'Ukraine', 'invited'),
	    ('OECD', 'Organisation for Economic Co-operation and Development', 'organization'),
	    ('ITU', 'International Telecommunication Union', 'organization'),
	    ('UNESCO', 'United Nations Educational, Scientific and Cultural Organization', 'organization'),
	    ('WEF', 'World Economic Forum', 'guest')
	) AS d (code, name, kind);
	SELECT id INTO jp FROM delegations WHERE conference_id = c AND code = 'JP';
	IF protocol THEN	-- (came with 190)
		UPDATE delegations SET role = 'chair' WHERE id = jp;
	END IF;

	-- Participants: heads (names and titles from the seed where it gives
	-- them), then deputies, members and staff.
	INSERT INTO participants (conference_id, delegation_id, name, title, role, timezone)
	SELECT c, d.id, p.name, p.title, p.role, p.tz
	FROM (VALUES
	    ('JP', 'Kono Taro', 'Minister for Digital Transformation', 'head', 'Asia/Tokyo'),
	    ('CA', 'Francis Bilodeau', 'Associate Deputy Minister of Innovation, Science and Economic Development', 'head', 'America/Toronto'),
	    ('IT', 'Valentino Valentini', 'Vice Minister of Enterprises and Made in Italy', 'head', 'Europe/Rome'),
	    ('US', 'Nathaniel C. Fick', 'Ambassador at Large for Cyberspace and Digital Policy', 'head', 'America/New_York'),
	    ('EU', 'Margrethe Vestager', 'Executive Vice-President, European Commission', 'head', 'Europe/Brussels'),
	    ('IN', 'Ashwini Vaishnaw', 'Union Cabinet Minister for Electronics & Information Technology; Communications; and Railways', 'head', 'Asia/Kolkata'),
	    ('DE', 'Volker Wissing', 'Federal Minister for Digital and Transport', 'head', 'Europe/Berlin'),
	    ('GB', 'Paul Scully', 'Parliamentary Under Secretary of State (Minister for Tech and the Digital Economy)', 'head', 'Europe/London'),
	    ('FR', 'Head of Delegation, France (illustrative)', 'Minister (illustrative)', 'head', 'Europe/Paris'),
	    ('ID', 'Head of Delegation, Indonesia (illustrative)', 'Minister (illustrative)', 'head', 'Asia/Jakarta'),
	    ('UA', 'Head of Delegation, Ukraine (illustrative)', 'Minister (illustrative)', 'head', 'Europe/Kyiv'),
	    ('OECD', 'Head of Delegation, OECD (illustrative)', 'Director (illustrative)', 'head', 'Europe/Paris'),
	    ('ITU', 'Head of Delegation, ITU (illustrative)', 'Director (illustrative)', 'head', 'Europe/Zurich'),
	    ('UNESCO', 'Head of Delegation, UNESCO (illustrative)', 'Assistant Director-General (illustrative)', 'head', 'Europe/Paris'),
	    ('WEF', 'Head of Delegation, WEF (illustrative)', 'Head, Centre for the Fourth Industrial Revolution Japan (illustrative)', 'head', 'Asia/Tokyo'),
	    ('JP', 'Deputy Head, Japan (illustrative)', 'State Minister for Digital Transformation (illustrative)', 'deputy', 'Asia/Tokyo'),
	    ('JP', 'Liaison Officer, Japan (illustrative)', 'Digital Agency (illustrative)', 'staff', 'Asia/Tokyo'),
	    ('JP', 'Delegate, Japan (illustrative)', 'Ministry of Economy, Trade and Industry (illustrative)', 'member', 'Asia/Tokyo'),
	    ('CA', 'Delegate, Canada (illustrative)', 'Senior Policy Advisor (illustrative)', 'member', 'America/Toronto'),
	    ('US', 'Deputy Head, United States (illustrative)', 'Deputy Ambassador (illustrative)', 'deputy', 'America/New_York'),
	    ('EU', 'Delegate, European Union (illustrative)', 'Member of Cabinet (illustrative)', 'member', 'Europe/Brussels'),
	    ('DE', 'Liaison Officer, Germany (illustrative)', 'Embassy in Tokyo (illustrative)', 'staff', 'Asia/Tokyo'),
	    ('GB', 'Delegate, United Kingdom (illustrative)', 'Private Secretary (illustrative)', 'staff', 'Europe/London'),
	    ('FR', 'Liaison Officer, France (illustrative)', 'Embassy in Tokyo (illustrative)', 'staff', 'Asia/Tokyo'),
	    ('IN', 'Delegate, India (illustrative)', 'Joint Secretary (illustrative)', 'member', 'Asia/Kolkata')
	) AS p (code, name, title, role, tz)
	JOIN delegations d ON d.conference_id = c AND d.code = p.code;
	SELECT id INTO jp_head FROM participants
	WHERE delegation_id = jp AND role = 'head';
	-- Two teams of Japanese–English interpreters provided by the host, one
	-- for each day of the chair's bilaterals (from 260; illustrative).
	IF interp THEN
		INSERT INTO participants (conference_id, delegation_id, name, title,
		    role, timezone, language_pairs)
		SELECT c, jp, n, 'Japanese–English interpreter, Ministry of Foreign Affairs (illustrative)',
		    'interpreter', 'Asia/Tokyo', '{ja-en}'
		FROM unnest(ARRAY['Interpreter A1, Japan (illustrative)',
		    'Interpreter A2, Japan (illustrative)',
		    'Interpreter B1, Japan (illustrative)',
		    'Interpreter B2, Japan (illustrative)']) AS n;
		SELECT array_agg(id ORDER BY name) FILTER (WHERE name < 'Interpreter B'),
		    array_agg(id ORDER BY name) FILTER (WHERE name >= 'Interpreter B')
		INTO team_a, team_b
		FROM participants WHERE delegation_id = jp AND role = 'interpreter';
	END IF;

	-- 28 April: the WEF Public-Private DX Summit (side event, public).
	INSERT INTO unavailability (participant_id, during, reason)
	VALUES (jp_head, tstzrange('2023-04-28 14:30+09:00', '2023-04-28 16:15+09:00', '[)'),
	    'Parliamentary obligations');
	FOR r IN SELECT * FROM (VALUES
	    ('WEF Public-Private DX Summit',
	     'Official public-private event of the G7 Digital and Tech Ministers'' Meeting, organised by the World Economic Forum Centre for the Fourth Industrial Revolution Japan with the Ministry of Economy, Trade and Industry (METI). Opening and panel: Governance Initiatives to Promote DX and Address Challenges.',
	     '2023-04-28 13:00+09:00', '2023-04-28 14:30+09:00', false),
	    ('WEF DX Summit: Digital Infrastructure and Governance',
	     'Session of the DX Summit. Minister Kono cannot attend (parliamentary obligations); a robot avatar modelled after him speaks at its beginning: eliminating analogue regulations such as fax machines and floppy disks, and an international framework to operationalise DFFT.',
	     '2023-04-28 14:45+09:00', '2023-04-28 16:00+09:00', false),
	    ('WEF DX Summit: closing and photo session',
	     'Closing of the DX Summit and photo session with Minister Kono and the avatar robot.',
	     '2023-04-28 16:30+09:00', '2023-04-28 17:00+09:00', true)
	) AS s (title, descr, st, en, kono)
	LOOP
		INSERT INTO sessions (conference_id, kind, title, description, room_id,
		    starts_at, ends_at, status, visibility)
		VALUES (c, 'side_event', r.title, r.descr, r_side, r.st::timestamptz,
		    r.en::timestamptz, 'confirmed', 'public')
		RETURNING id INTO sid;
		INSERT INTO session_delegations (session_id, delegation_id)
		SELECT sid, id FROM delegations WHERE conference_id = c AND code = 'WEF';
		INSERT INTO session_attendees (session_id, participant_id)
		SELECT sid, p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id
		WHERE d.conference_id = c AND d.code = 'WEF' AND p.role = 'head'
		UNION ALL
		SELECT sid, jp_head WHERE r.kono;
	END LOOP;
	-- Minister Kono, away for parliamentary obligations, is represented at
	-- the DX Summit's "Digital Infrastructure and Governance" session (the
	-- seed: an avatar spoke instead of him) by the Japanese deputy
	-- (illustrative): not busy himself, so his unavailability stands.
	-- Representation came with 240_representation.sql.
	IF EXISTS (SELECT 1 FROM information_schema.columns
	    WHERE table_name = 'session_attendees' AND column_name = 'represented_by') THEN
		INSERT INTO session_attendees (session_id, participant_id, mode,
		    represented_by)
		SELECT s.id, jp_head, 'represented', (SELECT id FROM participants
		    WHERE delegation_id = jp AND role = 'deputy' ORDER BY id LIMIT 1)
		FROM sessions s WHERE s.conference_id = c
		    AND s.title = 'WEF DX Summit: Digital Infrastructure and Governance';
	END IF;

	-- 29–30 April: six plenaries, one per agenda item of the declaration,
	-- attended by every head of delegation except the guest (WEF).
	FOR r IN SELECT * FROM (VALUES
	    ('Facilitation of Cross-Border Data Flows and Data Free Flow with Trust',
	     'Agenda item 1. Endorsing the establishment of the Institutional Arrangement for Partnership (IAP) and the Annex on G7 Vision for operationalising DFFT and its priorities.',
	     '2023-04-29 10:00+09:00', '2023-04-29 11:30+09:00',
	     '越境データ流通と信頼性のある自由なデータ流通（DFFT）の促進',
	     '議題1。パートナーシップのための制度的アレンジメント（IAP）の設立を承認する。'),
	    ('Secure and Resilient Digital Infrastructure',
	     'Agenda item 2. G7 Vision of the future network in the Beyond 5G/6G era; G7 Action Plan for building a secure and resilient digital infrastructure.',
	     '2023-04-29 13:40+09:00', '2023-04-29 15:10+09:00',
	     '安全で強靭なデジタルインフラ', NULL),
	    ('Internet Governance',
	     'Agenda item 3. G7 Action Plan for an open, free, global, interoperable, reliable and secure internet.',
	     '2023-04-29 16:00+09:00', '2023-04-29 17:30+09:00',
	     'インターネット・ガバナンス', NULL),
	    ('Emerging and Disruptive Technologies in Innovating Society and Economy',
	     'Agenda item 4. Interoperability of digital infrastructure, countermeasures against software vulnerabilities in the digital supply chain, governance practices friendly to innovation.',
	     '2023-04-30 09:40+09:00', '2023-04-30 11:10+09:00', NULL, NULL),
	    ('Responsible AI and Promoting of AI Governance',
	     'Agenda item 5. G7 Action Plan for enhancing global interoperability of AI governance; G7 discussions on generative AI.',
	     '2023-04-30 12:00+09:00', '2023-04-30 13:30+09:00',
	     '責任あるAIとAIガバナンスの推進', NULL),
	    ('Digital Competition',
	     'Agenda item 6. Sharing issues and challenges in promoting digital competition; a digital competition summit in autumn 2023. Adoption of the Ministerial Declaration.',
	     '2023-04-30 14:20+09:00', '2023-04-30 15:50+09:00', NULL, NULL)
	) AS s (title, descr, st, en, ja_title, ja_descr)
	LOOP
		IF langs THEN
			INSERT INTO sessions (conference_id, kind, title, description, room_id,
			    starts_at, ends_at, status, visibility, titles, descriptions)
			VALUES (c, 'plenary', r.title, r.descr, r_plenary, r.st::timestamptz,
			    r.en::timestamptz, 'confirmed', 'public',
			    jsonb_strip_nulls(jsonb_build_object('ja', r.ja_title)),
			    jsonb_strip_nulls(jsonb_build_object('ja', r.ja_descr)))
			RETURNING id INTO sid;
		ELSE
			INSERT INTO sessions (conference_id, kind, title, description, room_id,
			    starts_at, ends_at, status, visibility)
			VALUES (c, 'plenary', r.title, r.descr, r_plenary, r.st::timestamptz,
			    r.en::timestamptz, 'confirmed', 'public')
			RETURNING id INTO sid;
		END IF;
		INSERT INTO session_attendees (session_id, participant_id)
		SELECT sid, p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id
		WHERE d.conference_id = c AND p.role = 'head' AND d.kind <> 'guest';
	END LOOP;

	-- Working lunch (heads, conference-wide visibility) and the closing press
	-- conference (public).
	INSERT INTO sessions (conference_id, kind, title, description, room_id,
	    starts_at, ends_at, status, visibility)
	VALUES (c, 'working_meal', 'Working lunch of heads of delegation',
	    'Hosted by Minister Kono.', r_banquet, '2023-04-29 12:20+09:00',
	    '2023-04-29 13:30+09:00', 'confirmed', 'conference')
	RETURNING id INTO sid;
	INSERT INTO session_attendees (session_id, participant_id)
	SELECT sid, p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id
	WHERE d.conference_id = c AND p.role = 'head' AND d.kind <> 'guest';

	INSERT INTO sessions (conference_id, kind, title, description, room_id,
	    starts_at, ends_at, status, visibility)
	VALUES (c, 'press', 'Press conference of the chair',
	    'Minister Kono presents the G7 Digital and Tech Ministers'' Declaration.',
	    r_press, '2023-04-30 16:00+09:00', '2023-04-30 16:40+09:00',
	    'confirmed', 'public')
	RETURNING id INTO sid;
	INSERT INTO session_attendees (session_id, participant_id) VALUES (sid, jp_head);
	INSERT INTO session_delegations (session_id, delegation_id) VALUES (sid, jp);

	-- Minister Kono's seven bilaterals (restricted), each with its scheduled
	-- bilateral request (Japan as requester); from 150 with a Japanese
	-- title, from 260 interpreted ja-en by the day's team.
	FOR r IN SELECT * FROM (VALUES
	    ('CA', 'Bilateral Room A', '2023-04-29 11:40+09:00', '2023-04-29 12:10+09:00', 5,
	     'Support for establishing an international framework to operationalise DFFT and partnership after its establishment; generative AI and its ethical use; the government''s role, through dialogue with industry, government and academia, in making emerging technologies safe for all.'),
	    ('IT', 'Bilateral Room A', '2023-04-29 15:20+09:00', '2023-04-29 15:50+09:00', 4,
	     'Support for the DFFT framework; continuing the discussion as next year''s G7 chair to develop specific projects on cross-border data flows; generative AI; possible cooperation with SPID.'),
	    ('US', 'Bilateral Room B', '2023-04-29 17:40+09:00', '2023-04-29 18:10+09:00', 5,
	     'Support for the DFFT framework; developing specific projects and global outreach beyond the G7; emerging technologies including generative AI; multi-stakeholder approaches.'),
	    ('EU', 'Bilateral Room A', '2023-04-29 18:20+09:00', '2023-04-29 18:50+09:00', 5,
	     'Support for the DFFT framework and collaboration on future projects; eID; Peppol for e-invoicing; bridging the digital divide and the role of the digital promotion committee; digital education; technology-based alternatives to labour shortages; AI and other emerging technologies.'),
	    ('IN', 'Bilateral Room A', '2023-04-30 09:00+09:00', '2023-04-30 09:30+09:00', 4,
	     'Collaboration as G7 and G20 chairs; trust in data flows; Japan''s contribution to digital skills; follow-up of the March meeting in Delhi: eID and cashless payment.'),
	    ('DE', 'Bilateral Room B', '2023-04-30 11:20+09:00', '2023-04-30 11:50+09:00', 3,
	     'DFFT: outcomes of the action plan of the 2022 German G7 presidency; Japan–Germany collaboration; involvement of invited countries (Ukraine, Indonesia, India) and cooperation with the G20.'),
	    ('GB', 'Bilateral Room C', '2023-04-30 13:40+09:00', '2023-04-30 14:10+09:00', 3,
	     'DFFT: outcomes of the roadmap of the 2021 UK G7 presidency; digital transformation of government and society, ID systems; the Japan–UK Digital Partnership; Digital Agency and GDS (Government Digital Service).')
	) AS b (code, room, st, en, prio, topics)
	LOOP
		IF interp THEN
			PERFORM set_config('kaigi.interp', json_build_object('key', 'new',
			    'interpretation', ARRAY['ja-en'], 'interpreters',
			    CASE WHEN left(r.st, 10) = '2023-04-29' THEN team_a ELSE team_b END)::text,
			    true);
		END IF;
		IF langs THEN
			INSERT INTO sessions (conference_id, kind, title, description, room_id,
			    starts_at, ends_at, status, visibility, titles)
			SELECT c, 'bilateral', 'Bilateral meeting: Japan – ' || d.name,
			    'Minister Kono Taro (Minister for Digital Transformation) and '
			    || p.name || ' (' || p.title || '). Topics: ' || r.topics,
			    (SELECT id FROM rooms WHERE conference_id = c AND name = r.room),
			    r.st::timestamptz, r.en::timestamptz, 'confirmed', 'restricted',
			    jsonb_build_object('ja', '日本・' || CASE r.code
				WHEN 'CA' THEN 'カナダ' WHEN 'IT' THEN 'イタリア'
				WHEN 'US' THEN '米国' WHEN 'EU' THEN 'EU'
				WHEN 'IN' THEN 'インド' WHEN 'DE' THEN 'ドイツ'
				WHEN 'GB' THEN '英国' END || '二国間会談')
			FROM delegations d JOIN participants p
			    ON p.delegation_id = d.id AND p.role = 'head'
			WHERE d.conference_id = c AND d.code = r.code
			RETURNING id INTO sid;
		ELSE
			INSERT INTO sessions (conference_id, kind, title, description, room_id,
			    starts_at, ends_at, status, visibility)
			SELECT c, 'bilateral', 'Bilateral meeting: Japan – ' || d.name,
			    'Minister Kono Taro (Minister for Digital Transformation) and '
			    || p.name || ' (' || p.title || '). Topics: ' || r.topics,
			    (SELECT id FROM rooms WHERE conference_id = c AND name = r.room),
			    r.st::timestamptz, r.en::timestamptz, 'confirmed', 'restricted'
			FROM delegations d JOIN participants p
			    ON p.delegation_id = d.id AND p.role = 'head'
			WHERE d.conference_id = c AND d.code = r.code
			RETURNING id INTO sid;
		END IF;
		INSERT INTO session_delegations (session_id, delegation_id)
		SELECT sid, id FROM delegations
		WHERE conference_id = c AND code IN ('JP', r.code);
		INSERT INTO session_attendees (session_id, participant_id)
		SELECT sid, p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id
		WHERE d.conference_id = c AND d.code IN ('JP', r.code) AND p.role = 'head';
		INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
		    counterpart_delegation_id, duration_minutes, earliest, latest,
		    priority, level, topics, status, session_id)
		SELECT c, jp, d.id, 30, '2023-04-29 08:00+09:00', '2023-04-30 20:00+09:00',
		    r.prio, 'head', r.topics, 'scheduled', sid
		FROM delegations d WHERE d.conference_id = c AND d.code = r.code;
		PERFORM set_config('kaigi.interp', '', true);
	END LOOP;

	-- Open requests for the web UI and the scheduler (illustrative).
	INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
	    counterpart_delegation_id, duration_minutes, priority, level, topics, status)
	SELECT c, rq.id, cp.id, b.dur, b.prio, 'head', b.topics, b.status
	FROM (VALUES
	    ('JP', 'UA', 30, 5, 'Digital support for Ukraine''s reconstruction; DFFT (illustrative).', 'requested'),
	    ('FR', 'DE', 30, 3, 'Digital competition policy; AI governance (illustrative).', 'accepted'),
	    ('GB', 'ID', 30, 2, 'Digital identity and public digital infrastructure (illustrative).', 'accepted')
	) AS b (rq, cp, dur, prio, topics, status)
	JOIN delegations rq ON rq.conference_id = c AND rq.code = b.rq
	JOIN delegations cp ON cp.conference_id = c AND cp.code = b.cp;
END
$demo$;
