/*
 * app.js — kaigi's timetable page. Talks only to the JSON API (/api/v1).
 *
 * Without a token: the public programme of a conference as a grid per day
 * (rooms down the side, hours across, in the conference's time zone) and a
 * webcal:// link to the public feed. With an API token pasted (kept in this
 * tab's sessionStorage only): every session the token may see, a details
 * panel to move (form or drag) or cancel a session, and for the secretariat
 * the bilateral board (accept, decline, suggest slots, auto-schedule).
 * Live: follows GET /conferences/{slug}/changes (Server-Sent Events) and
 * reloads what changed; when the stream is not there the page still works.
 */
"use strict";

const API = "/api/v1";
const TOKEN_KEY = "kaigi.token";
const KINDS = ["plenary", "bilateral", "side_event", "working_meal", "press", "other"];
const KIND_LABEL = {
	plenary: "Plenary", bilateral: "Bilateral", side_event: "Side event",
	working_meal: "Working meal", press: "Press", other: "Other",
};
const COLUMNS = [
	{ key: "requested", label: "requested", has: ["requested"] },
	{ key: "accepted", label: "accepted", has: ["accepted"] },
	{ key: "scheduled", label: "scheduled", has: ["scheduled"] },
	{ key: "declined", label: "declined / withdrawn", has: ["declined", "withdrawn", "cancelled"] },
];
const LANE_H = 52;

const S = {
	slug: null, conf: null, tz: "UTC", conferences: [],
	rooms: [], sessions: [], delegations: new Map(), participants: new Map(),
	bilaterals: null, token: null, role: "public",
	day: null, days: [], hourW: 90,
	live: null, reloadTimer: null, lastFocus: null, fresh: new Set(),
	panelKind: null, panelId: null, sessionsSeq: 0, bilateralsSeq: 0,
	lang: null,	/* the language titles are shown in (issue 17); null: the default */
};

/* ------------------------------------------------------------ helpers */

/* Create an element: h("div", {class: "x", onclick: f}, child, "text"...). */
function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k.startsWith("on"))
			el.addEventListener(k.slice(2), v);
		else if (k === "dataset")
			Object.assign(el.dataset, v);
		else
			el.setAttribute(k, v === true ? "" : String(v));
	}
	for (const c of children.flat()) {
		if (c !== null && c !== undefined && c !== false)
			el.append(c instanceof Node ? c : String(c));
	}
	return el;
}

/* The element with this id. */
function $(id) {
	return document.getElementById(id);
}

/* An error from the API: status plus the problem document. */
class ApiError extends Error {
	constructor(status, problem) {
		super((problem && (problem.title || problem.detail)) || "HTTP " + status);
		this.status = status;
		this.problem = problem || {};
	}
}

/* Call the API; resolves to {status, data, etag}, rejects with ApiError. */
async function api(method, path, opts = {}) {
	const headers = { Accept: "application/json" };
	if (S.token && opts.auth !== false)
		headers.Authorization = "Bearer " + S.token;
	if (opts.body !== undefined)
		headers["Content-Type"] = "application/json";
	if (opts.data !== undefined)	/* a raw body (a CSV file) of type opts.type */
		headers["Content-Type"] = opts.type;
	if (opts.ifMatch !== undefined)
		headers["If-Match"] = '"' + opts.ifMatch + '"';
	let res;
	try {
		res = await fetch(API + path, {
			method, headers, cache: "no-store",
			body: opts.data !== undefined ? opts.data : opts.body === undefined ? undefined : JSON.stringify(opts.body),
		});
	} catch (e) {
		throw new ApiError(0, { title: "Network error", detail: "The server could not be reached (" + e.message + ")." });
	}
	let data = null;
	const text = await res.text();
	if (opts.raw && res.ok)	/* not JSON (an SVG): the text as it came */
		return { status: res.status, text };
	if (text) {
		try { data = JSON.parse(text); } catch (e) { data = { title: "Unreadable answer", detail: text.slice(0, 200) }; }
	}
	if (!res.ok)
		throw new ApiError(res.status, data || { title: res.statusText });
	return { status: res.status, data, etag: res.headers.get("ETag") };
}

/*
 * Every item of a paged list, pageSize at a time, however many pages it
 * takes (a COP's participants are more than a hundred pages of a thousand:
 * a cap here dropped the rest without a word). A cursor that comes back
 * a second time would loop forever, so it is an error instead.
 */
async function apiList(path, pageSize = 1000) {
	const items = [];
	const seenCursors = new Set();
	const sep = path.includes("?") ? "&" : "?";
	let cursor = null;
	for (;;) {
		const r = await api("GET", path + sep + "limit=" + pageSize + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
		items.push(...((r.data && r.data.items) || []));
		cursor = r.data && r.data.next;
		if (!cursor)
			return items;
		if (seenCursors.has(cursor))
			throw new Error("the list " + path + " gave the same page twice (cursor " + cursor + ")");
		seenCursors.add(cursor);
	}
}

/* ------------------------------------------------------------ time */

let zoneFmt = null;

/* Wall-clock parts of an instant in the conference's zone. */
function zparts(instant) {
	const d = instant instanceof Date ? instant : new Date(instant);
	const p = {};
	for (const x of zoneFmt.formatToParts(d))
		p[x.type] = x.value;
	return {
		y: +p.year, m: +p.month, d: +p.day, h: +p.hour % 24, mi: +p.minute,
		date: p.year + "-" + p.month + "-" + p.day,
		min: (+p.hour % 24) * 60 + +p.minute,
	};
}

/* Set up the formatter for the conference's zone (UTC if the browser does not know it). */
function zoneInit(tz) {
	try {
		zoneFmt = new Intl.DateTimeFormat("en-CA", {
			timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
			hour: "2-digit", minute: "2-digit", hourCycle: "h23",
		});
		S.tz = tz;
	} catch (e) {
		zoneFmt = new Intl.DateTimeFormat("en-CA", {
			timeZone: "UTC", year: "numeric", month: "2-digit", day: "2-digit",
			hour: "2-digit", minute: "2-digit", hourCycle: "h23",
		});
		S.tz = "UTC";
	}
}

/* "10:00" from minutes of the day. */
function hhmm(min) {
	const hh = Math.floor(min / 60), mm = min % 60;
	return String(hh).padStart(2, "0") + ":" + String(mm).padStart(2, "0");
}

/* "Sat 29 Apr" for a YYYY-MM-DD date. */
function dayLabel(date, long) {
	const [y, m, d] = date.split("-").map(Number);
	return new Intl.DateTimeFormat("en-GB", {
		timeZone: "UTC", weekday: long ? "long" : "short", day: "numeric",
		month: long ? "long" : "short",
	}).format(new Date(Date.UTC(y, m - 1, d, 12)));
}

/* "Sat 29 Apr, 10:00–11:30" in the conference's zone. */
function span(start, end) {
	const a = zparts(start), b = zparts(end);
	let s = dayLabel(a.date) + ", " + hhmm(a.min) + "–" + hhmm(b.min);
	if (b.date !== a.date)
		s += " (" + dayLabel(b.date) + ")";
	return s;
}

/* "Fri 28 Apr 08:00 – Sun 30 Apr 20:00" (a request's window). */
function windowText(from, to) {
	const a = zparts(from), b = zparts(to);
	if (a.date === b.date)
		return span(from, to);
	return dayLabel(a.date) + " " + hhmm(a.min) + " – " + dayLabel(b.date) + " " + hhmm(b.min);
}

/* RFC 3339 with offset for a wall time (date "YYYY-MM-DD", time "HH:MM") in the conference's zone. */
function zonedIso(date, time) {
	const [y, m, d] = date.split("-").map(Number);
	const [hh, mm] = time.split(":").map(Number);
	const wall = Date.UTC(y, m - 1, d, hh, mm);
	let t = wall;
	for (let i = 0; i < 3; i++) {
		const p = zparts(new Date(t));
		t += wall - Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi);
	}
	const off = Math.round((wall - t) / 60000), a = Math.abs(off);
	return date + "T" + time + ":00" + (off < 0 ? "-" : "+") +
	    String(Math.floor(a / 60)).padStart(2, "0") + ":" + String(a % 60).padStart(2, "0");
}

/* Dates from first to last inclusive. */
function dateRange(first, last) {
	const out = [];
	const [y, m, d] = first.split("-").map(Number);
	for (let t = Date.UTC(y, m - 1, d); out.length < 60; t += 86400000) {
		const s = new Date(t).toISOString().slice(0, 10);
		if (s > last)
			break;
		out.push(s);
	}
	return out;
}

/* ------------------------------------------------------------ messages */

/* A problem document as readable elements: title, detail, conflicts, field errors. */
function problemNodes(err) {
	const p = err.problem || {};
	const nodes = [h("strong", {}, p.title || err.message || "Error"), p.detail ? h("span", {}, p.detail) : null];
	if (Array.isArray(p.conflicts) && p.conflicts.length) {
		nodes.push(h("ul", { class: "conflicts" }, p.conflicts.map(conflictText).map((t) => h("li", {}, t))));
	}
	if (p.errors && typeof p.errors === "object") {
		const list = Array.isArray(p.errors) ? p.errors : Object.entries(p.errors).map(([f, m]) => ({ field: f, message: m }));
		nodes.push(h("ul", {}, list.map((e) => h("li", {}, (e.field ? e.field + ": " : "") + (e.message || e.detail || JSON.stringify(e))))));
	}
	if (err.status === 412)
		nodes.push(h("span", {}, " Someone changed it meanwhile: the latest version is shown now."));
	return nodes;
}

/* One conflict of a 409 as a sentence. */
function conflictText(c) {
	const what = c.resource === "room" ? "Room " + roomName(c.room_id) + " is taken"
	    : c.resource === "participant" ? participantName(c.participant_id) + " is busy"
	    : c.resource === "unavailability" ? participantName(c.participant_id) + " is unavailable"
	    : "Clash (" + (c.resource || "?") + ")";
	const when = c.start && c.end ? ", " + span(c.start, c.end) : "";
	return what + ": " + (c.title || "another session") + when;
}

/* Show a problem in the panel (when open) or at the top of the page. */
function showProblem(err, where) {
	const box = where || (!$("panel").hidden ? $("panel-problem") : $("notice"));
	box.replaceChildren(...problemNodes(err));
	box.hidden = false;
}

/* Hide problem boxes. */
function clearProblems() {
	$("notice").hidden = true;
	$("panel-problem").hidden = true;
}

/* A short success message. */
function say(text) {
	$("status").textContent = text;
}

/* ------------------------------------------------------------ lookups */

/* Room name by id. */
function roomName(id) {
	const r = S.rooms.find((x) => x.id === id);
	return r ? r.name : id ? "#" + id : "—";
}

/* Participant name by id (from sessions' attendee lists). */
function participantName(id) {
	return S.participants.get(id) || (id ? "Participant #" + id : "Someone");
}

/* Delegation name by code (or the code). */
function delegationName(code) {
	if (code && typeof code === "object")
		return code.name || code.code || "?";
	return S.delegations.get(code) || code || "?";
}

/* Delegation code of a request side (string or object). */
function delegationCode(x) {
	return x && typeof x === "object" ? x.code || x.name : x;
}

/* Is the caller allowed to change things (secretariat or admin)? */
function canEdit() {
	return S.role === "secretariat";
}

/* ------------------------------------------------------------ loading */

/* Today's date (YYYY-MM-DD) in a time zone (UTC if the browser does not know it). */
function todayIn(tz) {
	try {
		return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric",
			month: "2-digit", day: "2-digit" }).format(new Date());
	} catch (e) {
		return new Date().toISOString().slice(0, 10);
	}
}

/*
 * The conference to open on: the one under way today (in its own zone),
 * else the next to begin, else the one that ended last. Archived ones are
 * never chosen (GET /conferences leaves them out; the flag is honoured too).
 */
function openingConference(list) {
	const live = list.filter((c) => !c.archived);
	const today = (c) => todayIn(c.timezone || c.time_zone || "UTC");
	const byStart = (a, b) => (a.start_date < b.start_date ? -1 : a.start_date > b.start_date ? 1 : 0);
	const current = live.filter((c) => c.start_date <= today(c) && today(c) <= c.end_date).sort(byStart);
	const next = live.filter((c) => c.start_date > today(c)).sort(byStart);
	const past = live.slice().sort((a, b) => (a.end_date < b.end_date ? 1 : a.end_date > b.end_date ? -1 : 0));
	return current[0] || next[0] || past[0] || null;
}

/* Choose the conference from ?c=, else the current or next one. */
async function loadConferences() {
	const list = (await apiList("/conferences")).filter((c) => !c.archived);
	S.conferences = list;
	const want = new URLSearchParams(location.search).get("c");
	const pick = list.find((c) => c.slug === want) || openingConference(list);
	if (!pick)
		throw new ApiError(404, { title: "No conference", detail: "The server has no conference yet." });
	S.slug = pick.slug;
	const sel = $("conf-select");
	sel.replaceChildren(...list.map((c) => h("option", { value: c.slug, selected: c.slug === S.slug }, c.title)));
	$("conf-pick").hidden = list.length < 2;
}

/* The conference, its rooms and delegations. */
async function loadConference() {
	const slug = encodeURIComponent(S.slug);
	const [conf, rooms, dels] = await Promise.all([
		api("GET", "/conferences/" + slug),
		apiList("/conferences/" + slug + "/rooms"),
		apiList("/conferences/" + slug + "/delegations"),
	]);
	S.conf = conf.data;
	S.rooms = rooms.sort((a, b) => a.id - b.id);
	S.delegations = new Map(dels.map((d) => [d.code, d.name]));
	zoneInit(S.conf.timezone || S.conf.time_zone || "UTC");
	renderHeader();
}

/* Every session the caller may see. */
async function loadSessions() {
	const seq = ++S.sessionsSeq;
	const list = await apiList("/conferences/" + encodeURIComponent(S.slug) + "/sessions");
	if (seq !== S.sessionsSeq)
		return;	/* a newer load is under way: this answer may be older than a change */
	S.sessions = list;
	for (const s of S.sessions) {
		for (const a of s.attendees || [])
			S.participants.set(a.id, a.name);
	}
	S.days = conferenceDays();
	if (!S.day || !S.days.includes(S.day))
		S.day = pickDay();
	renderDays();
	renderGrid();
	if (S.panelKind === "session")
		refreshSessionPanel();
}

/* The bilateral requests (secretariat); null when the API has none. */
async function loadBilaterals() {
	if (!canEdit()) {
		S.bilaterals = null;
		renderBoard();
		return;
	}
	const seq = ++S.bilateralsSeq;
	try {
		const list = await apiList("/conferences/" + encodeURIComponent(S.slug) + "/bilaterals");
		if (seq !== S.bilateralsSeq)
			return;
		S.bilaterals = list;
	} catch (e) {
		if (seq !== S.bilateralsSeq)
			return;
		S.bilaterals = null;
		if (e.status !== 404)
			showProblem(e, $("notice"));
	}
	renderBoard();
}

/* Reload sessions and requests (after a change here or elsewhere). */
async function reloadAll() {
	busy(1);
	try {
		await loadSessions();
		await loadBilaterals();
		await wbReload();
	} catch (e) {
		showProblem(e, $("notice"));
	} finally {
		busy(-1);
	}
}

/*
 * Count the loads under way: while any runs, <main> is aria-busy (a screen
 * reader waits for the whole update) and body[data-busy] says how many, so
 * that what is on screen can be told apart from what is on its way (after a
 * sign-in, the public grid stays until the signed-in one replaces it).
 */
function busy(d) {
	S.busy = (S.busy || 0) + d;
	document.body.dataset.busy = String(S.busy);
	document.querySelector("main").setAttribute("aria-busy", S.busy > 0 ? "true" : "false");
}

/* ------------------------------------------------------------ header */

/* Title, dates, zone, subscribe link. */
function renderHeader() {
	const c = S.conf;
	$("conf-title").textContent = c.title;
	document.title = c.title + " — kaigi";
	const dates = c.start_date === c.end_date ? dayLabel(c.start_date, true)
	    : dayLabel(c.start_date) + " – " + dayLabel(c.end_date);
	$("conf-meta").textContent = [dates, c.location].filter(Boolean).join(" · ");
	$("tt-zone").textContent = "Times in " + S.tz + " (the conference's time zone)";
	renderLangPick(c);
	const sub = $("subscribe");
	sub.href = "webcal://" + location.host + API + "/conferences/" + encodeURIComponent(S.slug) + "/calendar.ics" +
	    (S.lang ? "?lang=" + encodeURIComponent(S.lang) : "");
	sub.title = "Subscribe to the public programme in your calendar app (" + sub.href + ")";
}

/* The language picker, when the conference has more than one language;
 * ?lang= in the page's URL chooses one at load. */
function renderLangPick(c) {
	const langs = Array.isArray(c.languages) ? c.languages : [];
	const asked = new URLSearchParams(location.search).get("lang");
	if (S.lang === null && asked && langs.includes(asked) && asked !== langs[0])
		S.lang = asked;
	if (S.lang && !langs.includes(S.lang))
		S.lang = null;
	$("lang-pick").hidden = langs.length < 2;
	$("lang-select").replaceChildren(...langs.map((l) => h("option", { value: l, selected: l === (S.lang || langs[0]) }, l)));
}

/* A session's title in the chosen language, else the default's. */
function titleIn(s) {
	return (S.lang && s.titles && s.titles[S.lang]) || s.title;
}

/* Signed-in state in the header. */
function renderWho() {
	const signed = !!S.token;
	$("token-form").hidden = signed;
	$("who").hidden = !signed;
	$("who-role").textContent = { secretariat: "Secretariat", liaison: "Liaison", token: "Signed in (read-only)", public: "" }[S.role] || "";
	$("board-section").hidden = !canEdit();
}

/* ------------------------------------------------------------ days */

/* The conference's days plus any other day that has a session. */
function conferenceDays() {
	const days = new Set(dateRange(S.conf.start_date, S.conf.end_date));
	for (const s of S.sessions)
		days.add(zparts(s.start).date);
	return [...days].sort();
}

/* Day from the URL hash, else today (while the conference runs), else the first with sessions. */
function pickDay() {
	const m = /day=(\d{4}-\d{2}-\d{2})/.exec(location.hash);
	if (m && S.days.includes(m[1]))
		return m[1];
	const today = todayIn(S.tz);
	if (S.days.includes(today))
		return today;
	const busy = S.days.find((d) => sessionsOn(d).length > 0);
	return busy || S.days[0];
}

/* Sessions that start on a day. */
function sessionsOn(day) {
	return S.sessions.filter((s) => zparts(s.start).date === day);
}

/* The tab list of days. */
function renderDays() {
	const tabs = S.days.map((d) => {
		const n = sessionsOn(d).length;
		return h("button", {
			type: "button", role: "tab", id: "tab-" + d, "aria-controls": "grid",
			"aria-selected": d === S.day ? "true" : "false", tabindex: d === S.day ? "0" : "-1",
			dataset: { day: d }, onclick: () => selectDay(d, false),
		}, dayLabel(d), " ", h("span", { class: "count" }, "(" + n + ")"));
	});
	$("days").replaceChildren(...tabs);
	$("grid").setAttribute("aria-labelledby", "tab-" + S.day);
}

/* Show another day (focus its tab when asked). */
function selectDay(day, focus) {
	S.day = day;
	history.replaceState(null, "", location.pathname + location.search + "#day=" + day);
	renderDays();
	renderGrid();
	scrollToFirst();
	if (focus)
		$("tab-" + day).focus();
}

/* Scroll the grid sideways to the day's first session (useful on narrow screens). */
function scrollToFirst() {
	const box = $("grid-scroll");
	const lefts = [...box.querySelectorAll(".session")].map((e) => e.offsetLeft);
	box.scrollLeft = lefts.length ? Math.max(0, Math.min(...lefts) - 24) : 0;
}

/* Arrow keys, Home and End move between day tabs. */
function onDayKey(ev) {
	const i = S.days.indexOf(S.day);
	let j = null;
	if (ev.key === "ArrowRight") j = (i + 1) % S.days.length;
	else if (ev.key === "ArrowLeft") j = (i - 1 + S.days.length) % S.days.length;
	else if (ev.key === "Home") j = 0;
	else if (ev.key === "End") j = S.days.length - 1;
	if (j === null)
		return;
	ev.preventDefault();
	selectDay(S.days[j], true);
}

/* ------------------------------------------------------------ grid */

/* First and last minute shown on a day: the day hours, widened to fit its sessions. */
function dayWindow(list) {
	const toMin = (s) => { const [a, b] = (s || "").split(":").map(Number); return a * 60 + (b || 0); };
	let from = Number.isFinite(toMin(S.conf.day_start)) ? toMin(S.conf.day_start) : 8 * 60;
	let to = Number.isFinite(toMin(S.conf.day_end)) ? toMin(S.conf.day_end) : 20 * 60;
	for (const s of list) {
		const a = zparts(s.start), b = zparts(s.end);
		from = Math.min(from, a.min);
		to = Math.max(to, b.date === a.date ? b.min : 24 * 60);
	}
	return { from: Math.floor(from / 60) * 60, to: Math.min(24 * 60, Math.ceil(to / 60) * 60) };
}

/* Pixel width of an hour: fit the day into the box, but wide enough for a 30-minute block's label (the box scrolls). */
function hourWidth(hours) {
	const box = $("grid-scroll").clientWidth || 1000;
	const label = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--label-w")) || 150;
	return Math.max(box < 600 ? 100 : 72, Math.floor((box - label - 2) / hours));
}

/* Lanes inside a room's row so that overlapping (e.g. cancelled) sessions do not hide each other. */
function lanes(list) {
	const ends = [];
	const placed = list.slice().sort((a, b) => new Date(a.start) - new Date(b.start)).map((s) => {
		const st = new Date(s.start).getTime();
		let lane = ends.findIndex((e) => e <= st);
		if (lane < 0) { lane = ends.length; ends.push(0); }
		ends[lane] = new Date(s.end).getTime();
		return { s, lane };
	});
	return { placed, count: Math.max(1, ends.length) };
}

/* The grid of the selected day. */
function renderGrid() {
	const grid = $("grid");
	if (held("grid"))
		return;
	if (!S.day) {
		grid.replaceChildren(h("p", { class: "empty" }, "No days to show."));
		return;
	}
	const list = sessionsOn(S.day);
	grid.classList.toggle("as-list", phoneScreen());
	if (phoneScreen()) {
		grid.replaceChildren(dayList(list));
		return;
	}
	const win = dayWindow(list);
	const hours = (win.to - win.from) / 60;
	S.hourW = hourWidth(hours);
	S.win = win;
	grid.style.setProperty("--hour-w", S.hourW + "px");
	const width = hours * S.hourW;
	const rows = [hourRow(win, width)];
	const rooms = S.rooms.slice();
	if (list.some((s) => !s.room_id))
		rooms.push({ id: null, name: "No room", venue: "" });
	for (const room of rooms)
		rows.push(roomRow(room, list.filter((s) => (s.room_id || null) === room.id), win, width));
	if (!list.length)
		rows.push(h("p", { class: "empty" }, "Nothing visible on " + dayLabel(S.day, true) + "."));
	gridSwap(grid, rows);
}

/* Under 600 px the grid becomes a day list. */
function phoneScreen() {
	return window.matchMedia("(max-width: 600px)").matches;
}

/* The day's sessions as a list by start time: time, title, room (for a phone). */
function dayList(list) {
	if (!list.length)
		return h("p", { class: "empty" }, "Nothing visible on " + dayLabel(S.day, true) + ".");
	const sorted = list.slice().sort((a, b) => new Date(a.start) - new Date(b.start) || roomName(a.room_id).localeCompare(roomName(b.room_id)));
	return h("ol", { class: "day-list", "aria-label": dayLabel(S.day, true) }, sorted.map((s) => {
		const a = zparts(s.start), b = zparts(s.end);
		const kind = KINDS.includes(s.kind) ? s.kind : "other";
		const where = [s.room, s.venue].filter(Boolean).join(", ") || "No room";
		return h("li", {}, h("button", {
			type: "button", class: "session listed kind-" + kind + " " + (s.status || ""),
			dataset: { sessionId: s.id, kind, status: s.status || "", title: s.title, room: s.room || "" },
			onclick: (ev) => openSession(s.id, ev.currentTarget),
		}, h("span", { class: "w" }, hhmm(a.min) + "–" + hhmm(b.min)), h("span", { class: "t", lang: S.lang && s.titles && s.titles[S.lang] ? S.lang : null }, titleIn(s)),
		h("span", { class: "where" }, where + " · " + KIND_LABEL[kind] + (s.status === "cancelled" ? " · cancelled" : ""))));
	}));
}

/* The header row with the hours. */
function hourRow(win, width) {
	const track = h("div", { class: "track" });
	track.style.width = width + "px";
	for (let m = win.from; m < win.to; m += 60) {
		const t = h("span", { class: "hour" }, hhmm(m));
		t.style.left = ((m - win.from) / 60) * S.hourW + "px";
		track.append(t);
	}
	return h("div", { class: "row hours", "aria-hidden": "true" }, h("div", { class: "room-label" }, "Room"), track);
}

/* One room's row with its sessions. */
function roomRow(room, list, win, width) {
	const { placed, count } = lanes(list);
	const track = h("div", { class: "track", dataset: { roomId: room.id === null ? "" : room.id } });
	track.style.width = width + "px";
	track.style.minHeight = count * LANE_H + "px";
	for (const { s, lane } of placed)
		track.append(sessionBlock(s, lane, win));
	if (canEdit() && room.id !== null)
		dropTarget(track, room);
	return h("div", { class: "row", dataset: { room: room.name } },
		h("div", { class: "room-label" }, room.name, room.venue ? h("small", {}, room.venue) : null), track);
}

/* Short text for a session block: the two parties for a bilateral, else the title. */
function shortTitle(s) {
	if (s.kind === "bilateral" && Array.isArray(s.delegations) && s.delegations.length === 2)
		return s.delegations.join(" – ");
	return titleIn(s);
}

/*
 * Put the grid's rows in, the focus back on the block of the session that
 * had it. The change stream redraws the grid at any moment; a redraw while
 * a pointer is pressed on it waits until just after the release, so the
 * press and the release meet the same block and the click lands.
 */
function gridSwap(grid, rows) {
	const had = document.activeElement;
	const id = had && grid.contains(had) && had.classList.contains("session") ? had.dataset.sessionId : null;
	grid.replaceChildren(...rows);
	const again = id ? grid.querySelector('.session[data-session-id="' + id + '"]') : null;
	if (again)
		again.focus({ preventScroll: true });
}

/*
 * Hold the redraws of the grid, the board and the workbench while a pointer
 * is pressed on one of them (see gridSwap: a redraw between press and
 * release swallows the click); what waited is redrawn just after the click.
 * A <select> is left out: its list may take the release, which the page
 * would then never see (its "change" releases too, to be sure).
 */
function pressHold() {
	for (const id of ["grid", "board", "workbench"])
		$(id).addEventListener("pointerdown", (ev) => {
			if (!(ev.target instanceof Element && ev.target.closest("select")))
				S.pressed = true;
		});
	const release = () => {
		if (!S.pressed)
			return;
		S.pressed = false;
		/* After the click that this release makes (dispatched in the same task). */
		setTimeout(() => {
			const waited = S.waiting || {};
			S.waiting = {};
			if (waited.grid && !S.pressed)
				renderGrid();
			if (waited.board && !S.pressed)
				renderBoard();
			if (waited.wb && !S.pressed)
				wbRender();
		}, 0);
	};
	for (const ev of ["pointerup", "pointercancel", "dragend", "change"])
		document.addEventListener(ev, release, true);
}

/* Must this redraw wait for a release (pressHold)? Then it is noted. */
function held(what) {
	if (!S.pressed)
		return false;
	S.waiting = Object.assign(S.waiting || {}, { [what]: true });
	return true;
}

/* A session as a button placed in its room's track. */
function sessionBlock(s, lane, win) {
	const a = zparts(s.start), b = zparts(s.end);
	const endMin = b.date === a.date ? b.min : 24 * 60;
	const kind = KINDS.includes(s.kind) ? s.kind : "other";
	const label = titleIn(s) + ", " + KIND_LABEL[kind] + ", " + hhmm(a.min) + "–" + hhmm(b.min) +
	    (s.room ? ", " + s.room : "") + (s.status === "cancelled" ? ", cancelled" : "");
	const el = h("button", {
		type: "button", class: "session kind-" + kind + " " + (s.status || ""),
		title: label,
		dataset: { sessionId: s.id, kind, status: s.status || "", title: s.title },
		onclick: (ev) => openSession(s.id, ev.currentTarget),
	});
	const width = Math.max(18, ((endMin - a.min) / 60) * S.hourW - 3);
	if (width < 80) {
		/* Too narrow for a title: the parties (or the title's start), one per line, and the start time. */
		el.classList.add("narrow");
		const parts = s.kind === "bilateral" && Array.isArray(s.delegations) && s.delegations.length === 2 ? s.delegations : [titleIn(s)];
		el.append(h("span", { class: "t" }, parts.map((p) => h("span", { class: "l" }, p))), h("span", { class: "w" }, hhmm(a.min)));
	} else
		el.append(h("span", { class: "t" }, shortTitle(s)), h("span", { class: "w" }, hhmm(a.min) + "–" + hhmm(b.min)));
	el.append(h("span", { class: "sr" }, ", " + label));	/* the full description, after the visible text (the accessible name starts with what is seen) */
	el.style.left = ((a.min - win.from) / 60) * S.hourW + 1 + "px";
	el.style.width = width + "px";
	el.style.top = lane * LANE_H + "px";
	if (S.fresh.has(s.id))
		el.classList.add("fresh");
	if (S.panelKind === "session" && S.panelId === s.id)
		el.classList.add("selected");
	if (canEdit() && s.status !== "cancelled") {
		el.draggable = true;
		el.addEventListener("dragstart", (ev) => {
			ev.dataTransfer.setData("text/x-kaigi-session", String(s.id));
			ev.dataTransfer.effectAllowed = "move";
		});
	}
	return el;
}

/* Let sessions be dropped on a room's track: same duration, start snapped to 5 minutes. */
function dropTarget(track, room) {
	track.addEventListener("dragover", (ev) => {
		if (ev.dataTransfer.types.includes("text/x-kaigi-session")) {
			ev.preventDefault();
			track.classList.add("drop-ok");
		}
	});
	track.addEventListener("dragleave", () => track.classList.remove("drop-ok"));
	track.addEventListener("drop", (ev) => {
		ev.preventDefault();
		track.classList.remove("drop-ok");
		const id = Number(ev.dataTransfer.getData("text/x-kaigi-session"));
		const s = S.sessions.find((x) => x.id === id);
		if (!s)
			return;
		const x = ev.clientX - track.getBoundingClientRect().left;
		const min = Math.round((S.win.from + (x / S.hourW) * 60) / 5) * 5;
		const dur = (new Date(s.end) - new Date(s.start)) / 60000;
		moveSession(s, S.day, hhmm(min), hhmm(Math.min(min + dur, 24 * 60 - 5)), room.id);
	});
}

/* ------------------------------------------------------------ panel */

/* Open the side panel with a title and content. */
function openPanel(kind, id, title, nodes, opener) {
	if ($("panel").hidden)
		S.lastFocus = opener || document.activeElement;
	S.panelKind = kind;
	S.panelId = id;
	$("panel-title").textContent = title;
	$("panel-problem").hidden = true;
	$("panel-body").replaceChildren(...nodes);
	$("panel").hidden = false;
	$("panel-title").focus();
}

/* Close the panel and give focus back to what opened it. */
function closePanel() {
	if ($("panel").hidden)
		return;
	$("panel").hidden = true;
	S.panelKind = S.panelId = null;
	document.querySelectorAll(".session.selected").forEach((e) => e.classList.remove("selected"));
	const back = S.lastFocus;
	S.lastFocus = null;
	if (back && document.contains(back))
		back.focus();
}

/* Details of a session (and, for the secretariat, the move and cancel forms). */
function openSession(id, opener) {
	const s = S.sessions.find((x) => x.id === id);
	if (!s)
		return;
	openPanel("session", id, s.title, sessionDetails(s), opener);
	S.panelVersion = s.version;
	document.querySelectorAll(".session.selected").forEach((e) => e.classList.remove("selected"));
	document.querySelectorAll('.session[data-session-id="' + id + '"]').forEach((e) => e.classList.add("selected"));
}

/* Re-render an open session panel after a reload (or close it if the session vanished). */
function refreshSessionPanel() {
	const s = S.sessions.find((x) => x.id === S.panelId);
	if (!s) {
		closePanel();
		return;
	}
	if (S.panelVersion === s.version)
		return;
	const form = $("panel-body").querySelector("form.move");
	if (form && form.dataset.dirty) {
		/* Never pull the form from under someone editing it; Save will meet a 412 and say so. */
		S.panelVersion = s.version;
		say("“" + s.title + "” was changed meanwhile; saving your edit will show the latest version.");
		return;
	}
	S.panelVersion = s.version;
	$("panel-title").textContent = s.title;
	$("panel-body").replaceChildren(...sessionDetails(s));
}

/* An attendee as the panel names them: delegation, and how they attend. */
function attendeeText(a) {
	let t = a.name + (a.delegation ? " (" + a.delegation + ")" : "");
	if (a.mode === "represented")
		t += ", represented by " + (a.represented_by_name || participantName(a.represented_by));
	else if (a.mode === "remote")
		t += ", remote";
	return t;
}

/* A session's pairs with the interpreters assigned to each ("" for none). */
function interpretationText(s) {
	return (s.interpretation || []).map((pair) => {
		const names = (s.interpreters || []).filter((i) => i.pair === pair).map((i) => i.name);
		return pair + ": " + (names.length ? names.join(", ") : "no interpreter assigned");
	}).join("; ");
}

/* The facts of a session as a definition list, plus forms. */
function sessionDetails(s) {
	const kind = KINDS.includes(s.kind) ? s.kind : "other";
	const row = (k, v) => (v ? [h("dt", {}, k), h("dd", {}, v)] : []);
	const people = (s.attendees || []).map(attendeeText).join("; ");
	const out = [
		h("dl", {},
			row("When", span(s.start, s.end)),
			row("Where", [s.room, s.venue].filter(Boolean).join(", ") || "No room"),
			row("Kind", KIND_LABEL[kind]),
			row("Status", s.status),
			row("Visibility", s.visibility),
			row("Delegations", (s.delegations || []).map((c) => delegationName(c) + " (" + c + ")").join(", ")),
			row("Attendees", people),
			row("Interpretation", interpretationText(s)),
			row("Version", s.version !== undefined ? s.version + " (sequence " + (s.sequence || 0) + ")" : "")),
		s.description ? h("p", { class: "desc" }, s.description) : null,
	];
	if (canEdit() && s.status !== "cancelled")
		out.push(moveForm(s), cancelBox(s));
	return out.filter(Boolean);
}

/* The move form: day, start, end, room. */
function moveForm(s) {
	const a = zparts(s.start), b = zparts(s.end);
	const day = h("select", { name: "day" }, S.days.map((d) => h("option", { value: d, selected: d === a.date }, dayLabel(d))));
	const start = h("input", { type: "time", name: "start", step: "300", value: hhmm(a.min), required: true });
	const end = h("input", { type: "time", name: "end", step: "300", value: hhmm(b.min), required: true });
	const room = h("select", { name: "room" }, S.rooms.map((r) => h("option", { value: r.id, selected: r.id === s.room_id }, r.name)));
	const form = h("form", { class: "move", "aria-label": "Move this session" },
		h("h3", {}, "Move"),
		h("label", {}, "Day", day), h("label", {}, "Start", start), h("label", {}, "End", end), h("label", {}, "Room", room),
		h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save")));
	const dirty = () => { form.dataset.dirty = "1"; };
	form.addEventListener("input", dirty);
	form.addEventListener("change", dirty);
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		moveSession(s, day.value, start.value, end.value, Number(room.value));
	});
	return form;
}

/* The cancel button, with a confirmation step. */
function cancelBox(s) {
	const box = h("div", { class: "buttons" });
	const ask = h("button", { type: "button", class: "danger", onclick: () => {
		box.replaceChildren(h("span", {}, "Cancel “" + s.title + "”? "),
			h("button", { type: "button", class: "danger", onclick: () => cancelSession(s) }, "Yes, cancel it"),
			h("button", { type: "button", onclick: () => { box.replaceChildren(ask); ask.focus(); } }, "No"));
		box.querySelector("button").focus();
	} }, "Cancel session…");
	box.append(ask);
	return box;
}

/* Let the next reload re-render the session panel (the edit is done or void). */
function panelClean() {
	const f = $("panel-body").querySelector("form.move");
	if (f)
		delete f.dataset.dirty;
	S.panelVersion = null;
}

/* PATCH a session's time and room (If-Match its version); 409 lists the clashes. */
async function moveSession(s, day, start, end, roomId) {
	clearProblems();
	const body = { start: zonedIso(day, start), end: zonedIso(day, end), room_id: roomId };
	try {
		const r = await api("PATCH", "/sessions/" + s.id, { body, ifMatch: s.version });
		say("Moved “" + s.title + "” to " + span(r.data.start, r.data.end) + ", " + (r.data.room || roomName(r.data.room_id)) + ".");
		S.fresh = new Set([s.id]);
		S.day = zparts(r.data.start).date;
		panelClean();
		await reloadAll();
	} catch (e) {
		if ($("panel").hidden)
			openSession(s.id);
		showProblem(e, $("panel-problem"));
		if (e.status === 409)
			offerRepair(s, body, e);
		if (e.status === 412) {
			panelClean();
			await reloadAll();
		}
	}
}

/* ------------------------------------------------------------ move with repair */

/* The scheduled bilaterals a 409's conflicts name, or null when something else clashes too. */
function bumpedBilaterals(e) {
	const ids = new Set();
	for (const c of (e.problem && e.problem.conflicts) || []) {
		const b = c.session_id && (S.bilaterals || []).find((x) => x.session_id === c.session_id && x.status === "scheduled");
		if (!b)
			return null;
		ids.add(b.id);
	}
	return ids.size ? ids : null;
}

/* On a clash with bilaterals only: offer to move and re-place them (dry run first). */
function offerRepair(s, body, e) {
	const bumped = bumpedBilaterals(e);
	if (!bumped)
		return;
	const n = bumped.size;
	const box = $("panel-problem");
	box.append(h("div", { class: "buttons repair" }, h("button", { type: "button", class: "primary",
		onclick: () => repairPlan(s, body) }, "Move and re-place the " + n + " bilateral" + (n === 1 ? "" : "s") + " it bumps…")));
}

/* "Sat 29 Apr 17:40–18:10, Bilateral Room A" of a plan's place. */
function placeText(p) {
	return span(p.start, p.end) + ", " + (p.room || roomName(p.room_id));
}

/* Dry run of the move with repair: show the plan with Commit / Keep as is. */
async function repairPlan(s, body) {
	const box = $("panel-problem");
	try {
		const r = await api("POST", "/sessions/" + s.id + "/move", { body: { ...body, repair: true, dry_run: true }, ifMatch: s.version });
		const plan = r.data;
		const rows = plan.replaced.map((x) => h("li", { class: x.bumped === false ? "also" : "bumped" },
			h("strong", {}, x.title || "Bilateral " + x.bilateral_id), x.bumped === false ? " (also moves, to make room)" : "", ": ",
			placeText(x.from), " → ", placeText(x.to)));
		const unplaced = plan.unplaced.map((u) => h("li", {}, "Bilateral " + u.bilateral_id + " cannot be re-placed: " + u.reason));
		const commit = h("button", { type: "button", class: "primary", disabled: unplaced.length > 0,
			onclick: () => repairCommit(s, { ...body, expect: plan.plan_id }) }, "Commit this plan");
		const keep = h("button", { type: "button", onclick: () => { clearProblems(); } }, "Keep as is");
		box.replaceChildren(h("section", { class: "plan", "aria-label": "Plan of the move" },
			h("strong", {}, "Plan: “" + s.title + "” to " + span(plan.moved.start, plan.moved.end)),
			h("ul", { class: "replaced" }, rows), unplaced.length ? h("ul", { class: "unplaced" }, unplaced) : null,
			h("div", { class: "buttons" }, commit, keep)));
		box.hidden = false;
		(unplaced.length ? keep : commit).focus();
	} catch (err) {
		showProblem(err, box);
	}
}

/* Commit the move with repair (one transaction on the server); body.expect,
 * the dry run's plan_id, makes it a 409 if the plan is no longer that one. */
async function repairCommit(s, body) {
	try {
		const r = await api("POST", "/sessions/" + s.id + "/move", { body: { ...body, repair: true }, ifMatch: s.version });
		clearProblems();
		const n = r.data.replaced.length;
		const also = r.data.replaced.filter((x) => x.bumped === false).length;
		say("Moved “" + s.title + "” to " + span(r.data.moved.start, r.data.moved.end) + " and re-placed " + n + " bilateral" + (n === 1 ? "" : "s") +
			(also ? " (" + also + " of them to make room)" : "") + ".");
		S.fresh = new Set([s.id, ...r.data.replaced.map((x) => x.session_id)]);
		S.day = zparts(r.data.moved.start).date;
		panelClean();
		await reloadAll();
	} catch (err) {
		showProblem(err, $("panel-problem"));
		if (err.status === 412 || err.status === 409) {
			panelClean();
			await reloadAll();
		}
	}
}

/* POST cancel. */
async function cancelSession(s) {
	clearProblems();
	try {
		await api("POST", "/sessions/" + s.id + "/cancel", { body: {}, ifMatch: s.version });
		say("Cancelled “" + s.title + "”.");
		await reloadAll();
		$("panel-title").focus();
	} catch (e) {
		showProblem(e, $("panel-problem"));
		if (e.status === 412)
			await reloadAll();
	}
}

/* ------------------------------------------------------------ board */

/* The four columns of bilateral requests. */
function renderBoard() {
	const board = $("board");
	if (!canEdit() || held("board"))
		return;
	if (S.bilaterals === null) {
		board.replaceChildren(h("p", { class: "empty" }, "Bilateral requests are not available from this server."));
		$("auto-schedule").disabled = true;
		return;
	}
	$("auto-schedule").disabled = false;
	board.replaceChildren(...COLUMNS.map((col) => {
		const when = (b) => { const se = placedSession(b); return se ? new Date(se.start).getTime() : Infinity; };
		const items = S.bilaterals.filter((b) => col.has.includes(b.status))
		    .sort(col.key === "scheduled" ? (x, y) => when(x) - when(y) || x.id - y.id
			: (x, y) => (y.priority || 0) - (x.priority || 0) || x.id - y.id);
		return h("section", { class: "column", dataset: { status: col.key }, "aria-label": col.label },
			h("h3", {}, col.label, " ", h("span", { class: "count" }, "(" + items.length + ")")),
			items.map(requestCard));
	}));
}

/* The session a scheduled request was placed in, if the grid has it. */
function placedSession(b) {
	return b.session_id ? S.sessions.find((x) => x.id === b.session_id) : null;
}

/* "Japan → Ukraine" for a request. */
function pairText(b) {
	return delegationName(delegationCode(b.requester)) + " → " + delegationName(delegationCode(b.counterpart));
}

/* One request as a card with the actions its status allows. */
function requestCard(b) {
	const facts = [b.duration_minutes + " min", "priority " + (b.priority ?? 3), (b.level || "head") === "head" ? "heads" : "deputies"];
	const actions = [];
	if (b.status === "requested") {
		actions.push(h("button", { type: "button", class: "primary", onclick: () => transition(b, "accept") }, "Accept"),
			h("button", { type: "button", class: "danger", onclick: () => transition(b, "decline") }, "Decline"));
	} else if (b.status === "accepted") {
		actions.push(h("button", { type: "button", onclick: (ev) => suggestSlots(b, ev.currentTarget) }, "Suggest slots"),
			h("button", { type: "button", class: "danger", onclick: () => transition(b, "decline") }, "Decline"));
	} else if (b.status === "scheduled" && b.session_id) {
		actions.push(h("button", { type: "button", onclick: (ev) => showSession(b.session_id, ev.currentTarget) }, "Show in grid"));
	}
	if ((b.status === "requested" || b.status === "accepted") && typeof wbEditBilateral === "function")
		actions.push(h("button", { type: "button", "aria-label": "Edit request " + pairText(b),
			onclick: (ev) => wbEditBilateral(b, ev.currentTarget) }, "Edit"));
	return h("article", { class: "card", dataset: { bilateralId: b.id, status: b.status }, "aria-label": pairText(b) + ", " + b.status },
		h("div", { class: "pair" }, delegationCode(b.requester), " → ", delegationCode(b.counterpart),
			" ", h("span", { class: "tag" }, b.status)),
		h("div", { class: "facts" }, pairText(b)),
		h("div", { class: "facts" }, facts.join(" · ")),
		placedSession(b) ? h("div", { class: "placed" }, span(placedSession(b).start, placedSession(b).end) + ", " + (placedSession(b).room || "no room")) : null,
		b.earliest && b.latest ? h("div", { class: "facts" }, "Window: " + windowText(b.earliest, b.latest)) : null,
		b.topics ? h("div", { class: "topics", title: b.topics }, b.topics) : null,
		actions.length ? h("div", { class: "actions" }, actions) : null);
}

/* Accept or decline a request. */
async function transition(b, action) {
	clearProblems();
	try {
		await api("POST", "/bilaterals/" + b.id + "/" + action, { body: {} });
		say((action === "accept" ? "Accepted " : "Declined ") + pairText(b) + ".");
		await loadBilaterals();
		const card = document.querySelector('.card[data-bilateral-id="' + b.id + '"] button');
		if (card)
			card.focus();
	} catch (e) {
		showProblem(e, $("notice"));
	}
}

/* Jump to a session in the grid and open it. */
function showSession(id, opener) {
	const s = S.sessions.find((x) => x.id === id);
	if (!s)
		return;
	selectDay(zparts(s.start).date, false);
	const el = document.querySelector('.session[data-session-id="' + id + '"]');
	if (el)
		el.scrollIntoView({ block: "nearest", inline: "center" });
	openSession(id, opener);
}

/* List the API's candidate slots for an accepted request; one click places it. */
async function suggestSlots(b, opener) {
	clearProblems();
	openPanel("slots", b.id, "Slots for " + pairText(b), [h("p", {}, "Looking for free slots…")], opener);
	try {
		const r = await api("GET", "/bilaterals/" + b.id + "/slots?limit=8");
		const slots = Array.isArray(r.data) ? r.data : (r.data && r.data.items) || [];
		const list = slots.length ? h("ul", { class: "slots" }, slots.map((sl) => h("li", {},
			span(sl.start, sl.end) + ", " + roomName(sl.room_id),
			h("button", { type: "button", class: "primary", onclick: () => place(b, sl) }, "Place here"))))
		    : h("p", {}, "No feasible slot in the request's window.");
		$("panel-body").replaceChildren(h("p", {}, "Best first. " + b.duration_minutes + " minutes, " + (b.level || "head") + " level."), list);
	} catch (e) {
		$("panel-body").replaceChildren();
		showProblem(e, $("panel-problem"));
	}
}

/* POST schedule with a chosen slot. */
async function place(b, slot) {
	clearProblems();
	try {
		const r = await api("POST", "/bilaterals/" + b.id + "/schedule", { body: { start: slot.start, room_id: slot.room_id } });
		const sid = r.data && (r.data.id || r.data.session_id);
		S.fresh = new Set(sid ? [sid] : []);
		say("Placed " + pairText(b) + ": " + span(slot.start, slot.end) + ", " + roomName(slot.room_id) + ".");
		closePanel();
		S.day = zparts(slot.start).date;
		await reloadAll();
		selectDay(S.day, false);
	} catch (e) {
		showProblem(e, $("panel-problem"));
	}
}

/* A plan entry as text. */
function planText(p) {
	const b = (S.bilaterals || []).find((x) => x.id === p.bilateral_id);
	const who = b ? pairText(b) : "Request #" + p.bilateral_id;
	return p.start ? who + ": " + span(p.start, p.end) + ", " + roomName(p.room_id) : who + ": " + (p.reason || "not placed");
}

/* Dry run of the auto-scheduler; show the plan and commit it on confirmation. */
async function autoSchedule(ev) {
	clearProblems();
	openPanel("plan", null, "Auto-schedule", [wbProgress("Planning the bilaterals…")], ev && ev.currentTarget);
	let plan;
	try {
		plan = (await api("POST", "/conferences/" + encodeURIComponent(S.slug) + "/schedule", { body: { dry_run: true } })).data;
	} catch (e) {
		$("panel-body").replaceChildren();
		showProblem(e, $("panel-problem"));
		return;
	}
	const placed = plan.placed || [], unplaced = plan.unplaced || [];
	const commit = h("button", { type: "button", class: "primary", id: "commit-plan", disabled: !placed.length,
		onclick: () => commitPlan(placed) }, "Commit this plan");
	$("panel-body").replaceChildren(...[
		h("p", {}, "Dry run: nothing has been written yet."),
		h("h3", {}, "Placed (" + placed.length + ")"),
		placed.length ? h("ul", { class: "plan placed" }, placed.map((p) => h("li", {}, planText(p)))) : h("p", {}, "Nothing to place."),
		unplaced.length ? [h("h3", {}, "Not placed (" + unplaced.length + ")"),
			h("ul", { class: "plan unplaced" }, unplaced.map((p) => h("li", {}, planText(p))))] : null,
		h("div", { class: "buttons" }, commit, h("button", { type: "button", onclick: closePanel }, "Discard")),
	].flat().filter(Boolean));
	commit.focus();
}

/* Run the scheduler for real; say what it placed. */
async function commitPlan(planned) {
	clearProblems();
	const btn = $("commit-plan");
	if (btn) {
		btn.disabled = true;
		btn.parentNode.after(wbProgress("Placing the bilaterals…"));
	}
	try {
		const r = await api("POST", "/conferences/" + encodeURIComponent(S.slug) + "/schedule", { body: { dry_run: false } });
		const placed = (r.data && r.data.placed) || [];
		const same = placed.length === planned.length && placed.every((p, i) => p.bilateral_id === planned[i].bilateral_id && p.start === planned[i].start);
		S.fresh = new Set(placed.map((p) => p.session_id).filter(Boolean));
		say("Auto-schedule placed " + placed.length + " bilateral" + (placed.length === 1 ? "" : "s") +
		    (same ? "." : " (data had changed: this is the plan as committed)."));
		await reloadAll();
		for (const p of placed) {
			const s = S.sessions.find((x) => x.start === p.start && x.room_id === p.room_id && x.kind === "bilateral");
			if (s)
				S.fresh.add(s.id);
		}
		closePanel();
		if (placed.length)
			selectDay(zparts(placed[0].start).date, false);
	} catch (e) {
		if (btn)
			btn.disabled = false;
		showProblem(e, $("panel-problem"));
	}
}

/* ------------------------------------------------------------ live */

/* Show the state of the change stream. */
function liveState(state, text) {
	const el = $("live");
	el.dataset.state = state;
	el.textContent = text;
}

/*
 * A change event arrived. Its data ({id, change, session_id, session}) is
 * applied to the grid at once; then everything is reloaded soon after
 * (changes come in bursts, and a placed bilateral also changes the board).
 */
function changed(ev) {
	let d = null;
	try { d = ev && ev.data ? JSON.parse(ev.data) : null; } catch (e) { d = null; }
	if (d && d.session_id) {
		const i = S.sessions.findIndex((x) => x.id === d.session_id);
		if (d.session && i >= 0)
			S.sessions[i] = d.session;
		else if (d.session)
			S.sessions.push(d.session);
		else if (i >= 0)
			S.sessions.splice(i, 1);
		if (S.conf) {
			renderDays();
			renderGrid();
		}
	}
	clearTimeout(S.reloadTimer);
	S.reloadTimer = setTimeout(reloadAll, 400);
}

/* Stop following the change stream. */
function liveStop() {
	if (S.live) {
		S.live.stop();
		S.live = null;
	}
	liveState("off", "Live updates off");
}

/* Follow the change stream: EventSource anonymously, fetch streaming with the token. */
function liveStart() {
	liveStop();
	const url = API + "/conferences/" + encodeURIComponent(S.slug) + "/changes";
	S.live = S.token ? liveFetch(url, S.token) : liveEventSource(url);
}

/* Anonymous: the browser's EventSource (it reconnects by itself, with Last-Event-ID). */
function liveEventSource(url) {
	const es = new EventSource(url);
	const names = ["message", "change", "changes", "session", "created", "updated", "moved", "cancelled", "deleted",
		"session.created", "session.updated", "session.moved", "session.cancelled", "session.deleted", "released"];
	for (const n of names)
		es.addEventListener(n, changed);
	es.onopen = () => liveState("on", "Live");
	es.onerror = () => {
		if (es.readyState === EventSource.CLOSED) {
			liveState("off", "Live updates unavailable");
			es.close();
		} else
			liveState("retry", "Reconnecting…");
	};
	return { stop: () => es.close() };
}

/* With a token: fetch with the Authorization header, parse the SSE stream, reconnect with Last-Event-ID. */
function liveFetch(url, token) {
	const ctl = { stopped: false, abort: null, lastId: null, delay: 1000 };
	const run = async () => {
		while (!ctl.stopped) {
			const ac = new AbortController();
			ctl.abort = ac;
			try {
				const headers = { Authorization: "Bearer " + token, Accept: "text/event-stream" };
				if (ctl.lastId)
					headers["Last-Event-ID"] = ctl.lastId;
				const res = await fetch(url, { headers, signal: ac.signal, cache: "no-store" });
				if (res.status === 404 || res.status === 405 || res.status === 401 || res.status === 403) {
					liveState("off", "Live updates unavailable");
					return;
				}
				if (!res.ok || !res.body)
					throw new Error("HTTP " + res.status);
				liveState("on", "Live");
				ctl.delay = 1000;
				await readSse(res.body, ctl);
			} catch (e) {
				if (ctl.stopped)
					return;
			}
			if (ctl.stopped)
				return;
			liveState("retry", "Reconnecting…");
			await new Promise((ok) => setTimeout(ok, ctl.delay));
			ctl.delay = Math.min(ctl.delay * 2, 30000);
		}
	};
	run();
	return { stop: () => { ctl.stopped = true; if (ctl.abort) ctl.abort.abort(); } };
}

/* Read Server-Sent Events from a body stream; every event with data means "something changed". */
async function readSse(body, ctl) {
	const reader = body.pipeThrough(new TextDecoderStream()).getReader();
	let buf = "";
	for (;;) {
		const { value, done } = await reader.read();
		if (done)
			return;
		buf += value.replace(/\r\n?/g, "\n");
		let i;
		while ((i = buf.indexOf("\n\n")) >= 0) {
			const block = buf.slice(0, i);
			buf = buf.slice(i + 2);
			let data = null;
			for (const line of block.split("\n")) {
				if (line.startsWith("id:"))
					ctl.lastId = line.slice(3).trim();
				else if (line.startsWith("data:"))
					data = (data === null ? "" : data + "\n") + line.slice(5).replace(/^ /, "");
			}
			if (data !== null)
				changed({ data });
		}
	}
}

/* ------------------------------------------------------------ sign-in */

/* Find out what a token may do: GET /me (workbench.js). */
async function probeRole() {
	return wbRole();
}

/* Use a token: check it, then reload everything as its holder. */
async function signIn(token) {
	busy(1);
	try {
		await signInAs(token);
	} finally {
		busy(-1);
	}
}

/* signIn's steps: the role, then everything again as its holder. */
async function signInAs(token) {
	clearProblems();
	S.token = token;
	try {
		S.role = await probeRole();
	} catch (e) {
		S.token = null;
		S.role = "public";
		sessionStorage.removeItem(TOKEN_KEY);
		showProblem(e, $("notice"));
		return;
	}
	sessionStorage.setItem(TOKEN_KEY, token);
	renderWho();
	say(S.role === "secretariat" ? "Signed in as the secretariat."
	    : S.role === "liaison" ? "Signed in as the liaison of " + (WB.me.delegation_name || WB.me.delegation) + "." : "Signed in.");
	await reloadAll();
	liveStart();
	await sinceVisit();
}

/* Forget the token. */
async function signOut() {
	sessionStorage.removeItem(TOKEN_KEY);
	S.token = null;
	S.role = "public";
	S.bilaterals = null;
	closePanel();
	renderWho();
	say("Signed out: the public programme is shown.");
	await reloadAll();
	liveStart();
	$("token-input").focus();
}

/* ------------------------------------------------------------ print */

/* A4 landscape less the print margins of app.css (10 mm each side), in CSS px; the room labels' width there. */
const PRINT_WIDTH = 1040, PRINT_LABEL = 110;

/* One day for print: its heading and its grid, as wide as the page. */
function printDay(day) {
	const list = sessionsOn(day);
	const win = dayWindow(list);
	const hours = (win.to - win.from) / 60;
	S.hourW = Math.floor((PRINT_WIDTH - PRINT_LABEL - 2) / hours);
	const width = hours * S.hourW;
	const rows = [hourRow(win, width)];
	const rooms = S.rooms.slice();
	if (list.some((s) => !s.room_id))
		rooms.push({ id: null, name: "No room", venue: "" });
	for (const room of rooms)
		rows.push(roomRow(room, list.filter((s) => (s.room_id || null) === room.id), win, width));
	const grid = h("div", { class: "grid" }, rows);
	grid.style.setProperty("--hour-w", S.hourW + "px");
	return h("section", { class: "print-day", dataset: { day } },
		h("h3", {}, dayLabel(day, true) + " " + day.slice(0, 4)), grid);
}

/* Every day's grid for printing (the screen shows one day at a time). */
function renderPrint() {
	if (!S.conf)
		return;
	let box = $("print-days");
	if (!box) {
		box = h("div", { id: "print-days", class: "print-days" });
		$("timetable").append(box);
	}
	const screen = S.hourW;
	box.replaceChildren(...S.days.map(printDay));
	S.hourW = screen;
}

/* Drop the print copy once printing is over. */
function clearPrint() {
	const box = $("print-days");
	if (box)
		box.replaceChildren();
}

/* Render every day for print (Ctrl+P, or print media emulated), drop it after. */
function wirePrint() {
	window.addEventListener("beforeprint", renderPrint);
	window.addEventListener("afterprint", clearPrint);
	matchMedia("print").addEventListener("change", (ev) => (ev.matches ? renderPrint() : clearPrint()));
}

/* ------------------------------------------------------------ start */

/* Wire the static parts of the page. */
function wire() {
	$("days").addEventListener("keydown", onDayKey);
	pressHold();
	$("panel-close").addEventListener("click", closePanel);
	$("auto-schedule").addEventListener("click", autoSchedule);
	$("sign-out").addEventListener("click", signOut);
	$("token-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		const t = $("token-input").value.trim();
		$("token-input").value = "";
		if (t)
			signIn(t);
	});
	$("conf-select").addEventListener("change", (ev) => {
		location.search = "?c=" + encodeURIComponent(ev.target.value);
	});
	$("lang-select").addEventListener("change", (ev) => {
		S.lang = ev.target.value === (S.conf.languages || [])[0] ? null : ev.target.value;
		renderHeader();
		renderGrid();
	});
	document.addEventListener("keydown", (ev) => {
		if (ev.key === "Escape" && !$("panel").hidden) {
			ev.preventDefault();
			closePanel();
		}
	});
	let t = null;
	window.addEventListener("resize", () => {
		clearTimeout(t);
		t = setTimeout(() => S.conf && renderGrid(), 150);
	});
}

/* Legend of kinds. */
function renderLegend() {
	$("legend").replaceChildren(...KINDS.map((k) => h("li", { class: "kind-" + k }, KIND_LABEL[k])),
		h("li", { class: "kind-other struck" }, h("s", {}, "Cancelled")));
}

/* Load the page. */
async function main() {
	wire();
	wirePrint();
	renderLegend();
	try {
		await loadConferences();
		await loadConference();
		const saved = sessionStorage.getItem(TOKEN_KEY);
		if (saved) {
			await signIn(saved);
		} else {
			renderWho();
			await reloadAll();
			liveStart();
			await sinceVisit();
		}
	} catch (e) {
		showProblem(e, $("notice"));
	}
	scrollToFirst();
	document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", main);
