/*
 * workbench.js — the page's working screens (issue 16), beside the
 * timetable of app.js and through the same JSON API (its api(), apiList(),
 * h() and S). Loaded after app.js; app.js calls wbReload() whenever it
 * reloads, and wbRole() when it signs a token in.
 *
 * Who may do what comes from GET /api/v1/me, never from probing a 403:
 * - a liaison gets its delegation's screen: its participants, its head's
 *   unavailability (add, delete), its bilateral requests (request, accept
 *   or decline incoming ones, withdraw its own, slots of accepted ones) and
 *   its delegation feed link;
 * - the secretariat gets the set-up screens: venues and rooms, delegations
 *   and participants (a searchable table), liaison tokens (shown once with
 *   their feed link) and the conference's settings with archive. A refused
 *   delete (409) lists what still refers to the row; each participant's
 *   unavailability on a day strip; a CSV import with a preview (import.js);
 *   editing a bilateral request that is not scheduled yet.
 *
 * Feed links are shown once, as text and as a QR code (POST /qr: the
 * secret travels in a body, never in an image URL). Long work shows an
 * indeterminate progress bar with the seconds it has taken.
 */
"use strict";

const WB = { me: null, screen: null, venues: [], rooms: [], dels: [], parts: [], tokens: [], bils: [], filter: "" };

/* ------------------------------------------------------------ who */

/* Ask /me what the token is; app.js's role names: "secretariat", "liaison" or "token". */
async function wbRole() {
	const r = await api("GET", "/me");
	WB.me = r.data || {};
	if (WB.me.conference && WB.me.conference !== S.slug) {
		S.slug = WB.me.conference;	/* the token's own conference */
		await loadConference();
	}
	if (WB.me.role === "admin" || WB.me.role === "secretariat")
		return "secretariat";
	return WB.me.role === "liaison" ? "liaison" : "token";
}

/* The slug path of the conference shown. */
function wbConf() {
	return "/conferences/" + encodeURIComponent(S.slug);
}

/* ------------------------------------------------------------ building blocks */

/* A labelled form field. */
function wbField(label, input) {
	return h("label", { class: "wb-field" }, label, input);
}

/* A text input. */
function wbInput(name, value, attrs) {
	return h("input", Object.assign({ name, value: value ?? "", autocomplete: "off" }, attrs || {}));
}

/* A select of [value, label] pairs. */
function wbSelect(name, pairs, value) {
	return h("select", { name }, pairs.map(([v, l]) => h("option", { value: v, selected: String(v) === String(value) }, l)));
}

/* A problem box of a screen (role alert), hidden until used. */
function wbProblemBox() {
	return h("div", { class: "problem wb-problem", role: "alert", hidden: true });
}

/* What a refused delete still refers to, from the 409's references. */
function wbRefNodes(refs) {
	const out = [];
	for (const [kind, list] of Object.entries(refs || {})) {
		if (!Array.isArray(list) || !list.length)
			continue;
		out.push(h("li", {}, kind.replace(/_/g, " ") + ": ",
			list.map((x) => x.title ? x.title + (x.start && x.end ? " (" + span(x.start, x.end) + ")" : "")
			    : x.name || x.label || (x.status ? "#" + x.id + " " + x.status : "#" + x.id)).join("; ")));
	}
	return out.length ? [h("p", {}, "Still referred to by:"), h("ul", { class: "references" }, out)] : [];
}

/* Show an API error in a box: the problem, and for a 409 the references. */
function wbShow(box, err) {
	box.replaceChildren(...problemNodes(err), ...wbRefNodes(err.problem && err.problem.references));
	box.hidden = false;
}

/* Run an API change; on success say so and reload the screen, on failure show it in box. */
async function wbDo(box, fn, done) {
	box.hidden = true;
	try {
		await fn();
		await wbReload();
		if (done)
			say(done);	/* after the reload: what it says is on the screen */
		return true;
	} catch (e) {
		wbShow(box, e);
		if (e.status === 412)
			await wbReload(true);
		return false;
	}
}

/* The values of a form's named fields, empty ones left out. */
function wbValues(form) {
	const v = {};
	for (const el of form.elements) {
		if (el.name && el.value !== "")
			v[el.name] = el.type === "number" ? Number(el.value) : el.value;
	}
	return v;
}

/* A form that calls submit(values) and keeps its own problem box. */
function wbForm(label, fields, button, submit) {
	const box = wbProblemBox();
	const form = h("form", { class: "wb-form", "aria-label": label }, fields,
		h("button", { type: "submit", class: "primary" }, button), box);
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		if (await submit(wbValues(form), box))
			form.reset();
	});
	return form;
}

/* A table with a caption, head and rows. */
function wbTable(caption, heads, rows, cls) {
	return h("table", { class: "wb-table " + (cls || "") }, h("caption", {}, caption),
		h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x)))),
		h("tbody", {}, rows));
}

/* Edit and Delete buttons of a row (Delete when onDelete is given, after a confirmation); edit opens the row's form in the panel.
 * onAvailability adds an "Availability" button (participants). */
function wbRowActions(what, name, onEdit, onDelete, onAvailability) {
	const td = h("td", { class: "wb-actions" });
	const edit = h("button", { type: "button", onclick: (ev) => onEdit(ev.currentTarget), "aria-label": "Edit " + what + " " + name }, "Edit");
	const del = onDelete ? h("button", { type: "button", class: "danger", "aria-label": "Delete " + what + " " + name, onclick: () => {
		const before = [...td.childNodes];
		const no = h("button", { type: "button", onclick: () => { td.replaceChildren(...before); del.focus(); } }, "No");
		td.replaceChildren(h("span", {}, "Delete " + name + "? "),
			h("button", { type: "button", class: "danger confirm", onclick: onDelete }, "Yes, delete"), no);
		td.querySelector("button.confirm").focus();
	} }, "Delete") : null;
	const avail = onAvailability ? h("button", { type: "button", onclick: (ev) => onAvailability(ev.currentTarget),
		"aria-label": "Availability of " + name }, "Availability") : null;
	td.append(...[edit, avail, del].filter(Boolean));
	return td;
}

/* Edit a row in the side panel: PATCH with If-Match its version. */
function wbEdit(title, path, row, fields, opener) {
	const box = $("panel-problem");
	const form = h("form", { class: "wb-form", "aria-label": title }, fields,
		h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const ok = await wbDo(box, () => api("PATCH", path, { body: wbValues(form), ifMatch: row.version }), "Saved.");
		if (ok)
			closePanel();
	});
	openPanel("edit", row.id, title, [form], opener);
}

/* DELETE with If-Match; a 409 lists the references in the screen's box. */
function wbDelete(box, path, row, what) {
	return wbDo(box, () => api("DELETE", path, { ifMatch: row.version }), "Deleted " + what + ".");
}

/* Long work under way: a progress bar and the seconds it has taken so far. */
function wbProgress(text) {
	const secs = h("span", { class: "secs" });
	const t0 = Date.now();
	const node = h("div", { class: "wb-progress", role: "status" }, h("progress", { "aria-label": text }), " " + text + " ", secs);
	let seen = false;
	const timer = setInterval(() => {
		if (node.isConnected)
			seen = true;
		else if (seen)
			clearInterval(timer);
		secs.textContent = Math.round((Date.now() - t0) / 1000) + " s";
	}, 500);
	return node;
}

/* A link as a QR code to scan with a phone, drawn by the server (POST /qr). */
function wbQr(url, what) {
	const img = h("img", { class: "wb-qr", alt: "QR code of " + what, width: 176, height: 176 });
	api("POST", "/qr", { body: { text: url }, raw: true })
		.then((r) => { img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.text); })
		.catch(() => img.replaceWith(h("p", {}, "(The QR code could not be drawn; the link above works.)")));
	return img;
}

/* ------------------------------------------------------------ loading */

/* Reload the data of the workbench and draw it (after any change). */
async function wbReload() {
	const sec = $("workbench");
	if (!sec)
		return;
	if (S.role !== "secretariat" && S.role !== "liaison") {
		sec.hidden = true;
		WB.issued = null;	/* signed out: a token shown once is gone */
		$("wb-body").replaceChildren();
		return;
	}
	try {
		await (S.role === "liaison" ? wbLoadLiaison() : wbLoadSecretariat());
	} catch (e) {
		showProblem(e, $("notice"));
	}
	sec.hidden = false;
	wbRender();
}

/* The liaison's data: participants, requests. */
async function wbLoadLiaison() {
	const [parts, bils, dels] = await Promise.all([apiList(wbConf() + "/participants"), apiList(wbConf() + "/bilaterals"),
		apiList(wbConf() + "/delegations")]);
	WB.parts = parts.filter((p) => wbCode(p.delegation) === WB.me.delegation);
	WB.bils = bils;
	WB.dels = dels;
	const head = WB.parts.find((p) => p.role === "head");
	WB.unav = head ? await apiList("/participants/" + head.id + "/unavailability") : [];
	WB.head = head || null;
}

/* The secretariat's data: venues, rooms, delegations, participants, tokens. */
async function wbLoadSecretariat() {
	const c = wbConf();
	const [venues, rooms, dels, parts, tokens, conf, travel] = await Promise.all([apiList(c + "/venues"), apiList(c + "/rooms"),
		apiList(c + "/delegations"), apiList(c + "/participants"), apiList(c + "/tokens"), api("GET", c), api("GET", c + "/travel-times")]);
	Object.assign(WB, { venues, rooms, dels, parts, tokens, conf: conf.data, travel: travel.data || { items: [] } });
	/* The timetable and the board name rooms and delegations too: a room or delegation added here shows there at once. */
	S.rooms = rooms.slice().sort((a, b) => a.id - b.id);
	S.delegations = new Map(dels.map((d) => [d.code, d.name]));
	renderGrid();
	renderBoard();
}

/* A delegation code from a string or an object. */
function wbCode(d) {
	return d && typeof d === "object" ? d.code : d;
}

/* ------------------------------------------------------------ screens */

/* Screens by role: [key, label, draw]. */
function wbScreens() {
	if (S.role === "liaison")
		return [["delegation", "My delegation", wbDelegationScreen], ["requests", "Bilateral requests", wbRequestsScreen]];
	return [["venues", "Venues and rooms", wbVenuesScreen], ["people", "Delegations and participants", wbPeopleScreen],
		["import", "Import", wbImportScreen], ["sessions", "Sessions and requests", wbSessionsScreen], ["tokens", "Tokens", wbTokensScreen], ["settings", "Conference settings", wbSettingsScreen]];
}

/* The screen switcher and the current screen. */
function wbRender() {
	if (held("wb"))
		return;
	const screens = wbScreens();
	if (!screens.some(([k]) => k === WB.screen))
		WB.screen = screens[0][0];
	$("wb-heading").textContent = S.role === "liaison" ? "Delegation " + (WB.me.delegation_name || WB.me.delegation) : "Set-up";
	$("wb-nav").replaceChildren(...screens.map(([k, l]) => h("button", {
		type: "button", "aria-pressed": k === WB.screen ? "true" : "false", dataset: { screen: k },
		onclick: () => { WB.screen = k; WB.issued = null; wbRender(); $("wb-nav").querySelector('[data-screen="' + k + '"]').focus(); },
	}, l)));
	const [, , draw] = screens.find(([k]) => k === WB.screen);
	$("wb-body").replaceChildren(...[draw()].flat().filter(Boolean));
}

/* ---- secretariat: venues and rooms */

function wbVenuesScreen() {
	const box = wbProblemBox();
	const c = wbConf();
	const venueRows = WB.venues.map((v) => h("tr", { dataset: { venueId: v.id } }, h("td", {}, v.name), h("td", {}, v.address || ""),
		wbRowActions("venue", v.name,
			(op) => wbEdit("Edit venue " + v.name, "/venues/" + v.id, v, [wbField("Name", wbInput("name", v.name, { required: true })),
				wbField("Address", wbInput("address", v.address))], op),
			() => wbDelete(box, "/venues/" + v.id, v, "venue " + v.name))));
	const venuePairs = WB.venues.map((v) => [v.id, v.name]);
	const kinds = ["plenary", "bilateral", "side_event", "other"].map((k) => [k, k.replace("_", " ")]);
	const roomRows = WB.rooms.map((r) => h("tr", { dataset: { roomId: r.id, room: r.name } }, h("td", {}, r.name),
		h("td", {}, r.venue || (WB.venues.find((v) => v.id === r.venue_id) || {}).name || ""), h("td", {}, r.capacity ?? ""),
		h("td", {}, r.kind || ""),
		wbRowActions("room", r.name,
			(op) => wbEdit("Edit room " + r.name, "/rooms/" + r.id, r, [wbField("Name", wbInput("name", r.name, { required: true })),
				wbField("Capacity", wbInput("capacity", r.capacity, { type: "number", min: 1 })),
				wbField("Kind", wbSelect("kind", kinds, r.kind))], op),
			() => wbDelete(box, "/rooms/" + r.id, r, "room " + r.name))));
	return [box,
		wbTable("Venues", ["Name", "Address", "Actions"], venueRows, "venues"),
		wbForm("Add a venue", [wbField("Name", wbInput("name", "", { required: true })), wbField("Address", wbInput("address", ""))],
			"Add venue", (v, b) => wbDo(b, () => api("POST", c + "/venues", { body: v }), "Venue " + v.name + " added.")),
		wbTravelForm(),
		wbTable("Rooms", ["Name", "Venue", "Capacity", "Kind", "Actions"], roomRows, "rooms"),
		wbForm("Add a room", [wbField("Venue", wbSelect("venue_id", venuePairs)), wbField("Name", wbInput("name", "", { required: true })),
			wbField("Capacity", wbInput("capacity", "", { type: "number", min: 1, required: true })), wbField("Kind", wbSelect("kind", kinds, "bilateral"))],
			"Add room", (v, b) => wbDo(b, () => api("POST", c + "/rooms", { body: Object.assign(v, { venue_id: Number(v.venue_id) }) }),
				"Room " + v.name + " added."))];
}

/* The travel-time matrix: minutes from each venue (row) to each other (column); an empty cell is no entry. */
function wbTravelForm() {
	if (WB.venues.length < 2)
		return h("p", {}, "Travel times need two venues or more.");
	const have = new Map((WB.travel.items || []).map((t) => [t.from_venue_id + "-" + t.to_venue_id, t.minutes]));
	const cell = (a, b) => a.id === b.id ? h("td", {}, "—") : h("td", {}, wbInput("t-" + a.id + "-" + b.id, have.get(a.id + "-" + b.id),
		{ type: "number", min: 0, max: 1440, "aria-label": "Minutes from " + a.name + " to " + b.name, class: "wb-minutes" }));
	const rows = WB.venues.map((a) => h("tr", {}, h("th", { scope: "row" }, a.name), WB.venues.map((b) => cell(a, b))));
	const box = wbProblemBox();
	const form = h("form", { class: "wb-travel", "aria-label": "Travel times" },
		wbTable("Travel times (minutes; empty for none)", ["From \\ to"].concat(WB.venues.map((v) => v.name)), rows, "travel"),
		h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save travel times")), box);
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		wbDo(box, () => wbTravelSave(form, have), "Travel times saved.");
	});
	return form;
}

/* PATCH the cells that changed, DELETE the ones emptied; If-Match the version shown on the first change. */
async function wbTravelSave(form, have) {
	const c = wbConf() + "/travel-times";
	const set = [], gone = [];
	for (const el of form.querySelectorAll("input.wb-minutes")) {
		const [, a, b] = el.name.split("-").map(Number);
		const was = have.get(a + "-" + b);
		if (el.value === "" && was !== undefined && !gone.some(([x, y]) => x === b && y === a))
			gone.push([a, b]);
		else if (el.value !== "" && Number(el.value) !== was)
			set.push({ from_venue_id: a, to_venue_id: b, minutes: Number(el.value) });
	}
	let ifMatch = WB.travel.version;
	for (const [a, b] of gone) {
		await api("DELETE", c + "/" + a + "/" + b, ifMatch === undefined ? {} : { ifMatch });
		ifMatch = undefined;
	}
	if (set.length)
		await api("PATCH", c, ifMatch === undefined ? { body: set } : { body: set, ifMatch });
}

/* ---- secretariat: delegations and participants */

const WB_DKINDS = ["member", "invited", "organization", "guest"].map((k) => [k, k]);
const WB_ROLES = ["head", "deputy", "member", "staff", "interpreter"].map((k) => [k, k]);

function wbPeopleScreen() {
	const box = wbProblemBox();
	const c = wbConf();
	const q = WB.filter.toLowerCase();
	const match = (...xs) => !q || xs.some((x) => String(x || "").toLowerCase().includes(q));
	const search = h("input", { type: "search", id: "wb-search", value: WB.filter, "aria-label": "Search delegations and participants",
		placeholder: "Search by code or name" });
	search.addEventListener("input", () => {
		WB.filter = search.value;
		wbRender();
		const s = $("wb-search");
		s.focus();
		s.setSelectionRange(s.value.length, s.value.length);
	});
	const delRows = WB.dels.filter((d) => match(d.code, d.name, d.kind)).map((d) => h("tr", { dataset: { code: d.code } },
		h("td", {}, d.code), h("td", {}, d.name), h("td", {}, d.kind || ""),
		wbRowActions("delegation", d.code,
			(op) => wbEdit("Edit delegation " + d.code, "/delegations/" + d.id, d, [wbField("Name", wbInput("name", d.name, { required: true })),
				wbField("Kind", wbSelect("kind", WB_DKINDS, d.kind))], op),
			() => wbDelete(box, "/delegations/" + d.id, d, "delegation " + d.code))));
	const partRows = WB.parts.filter((p) => match(p.name, wbCode(p.delegation), p.role, p.title)).map((p) => h("tr", { dataset: { participantId: p.id } },
		h("td", {}, p.name), h("td", {}, wbCode(p.delegation)), h("td", {}, p.role || ""), h("td", {}, p.title || ""),
		wbRowActions("participant", p.name,
			(op) => wbEdit("Edit participant " + p.name, "/participants/" + p.id, p, [wbField("Name", wbInput("name", p.name, { required: true })),
				wbField("Title", wbInput("title", p.title)), wbField("Role", wbSelect("role", WB_ROLES, p.role)),
				wbField("E-mail", wbInput("email", p.email, { type: "email" }))], op),
			() => wbDelete(box, "/participants/" + p.id, p, "participant " + p.name),
			(op) => wbAvailability(p, op))));
	return [h("div", { class: "wb-search" }, search), box,
		wbTable("Delegations", ["Code", "Name", "Kind", "Actions"], delRows, "delegations"),
		wbForm("Add a delegation", [wbField("Code", wbInput("code", "", { required: true, size: 6 })), wbField("Name", wbInput("name", "", { required: true })),
			wbField("Kind", wbSelect("kind", WB_DKINDS))],
			"Add delegation", (v, b) => wbDo(b, () => api("POST", c + "/delegations", { body: v }), "Delegation " + v.code + " added.")),
		wbTable("Participants", ["Name", "Delegation", "Role", "Title", "Actions"], partRows, "participants"),
		wbForm("Add a participant", [wbField("Delegation", wbSelect("delegation", WB.dels.map((d) => [d.code, d.code + " — " + d.name]))),
			wbField("Name", wbInput("name", "", { required: true })), wbField("Title", wbInput("title", "")),
			wbField("Role", wbSelect("role", WB_ROLES, "member")), wbField("E-mail", wbInput("email", "", { type: "email" }))],
			"Add participant", (v, b) => wbDo(b, () => api("POST", c + "/participants", { body: v }), "Participant " + v.name + " added."))];
}

/* ---- secretariat: tokens */

function wbTokensScreen() {
	const box = wbProblemBox();
	const live = WB.tokens.filter((t) => !t.revoked_at);
	const rows = live.map((t) => h("tr", { dataset: { tokenId: t.id } }, h("td", {}, "#" + t.id), h("td", {}, t.role), h("td", {}, t.delegation || ""),
		h("td", {}, t.label || ""), h("td", {}, t.created_at ? t.created_at.slice(0, 16).replace("T", " ") : ""),
		h("td", {}, t.id === WB.me.token_id ? "this page's token" : h("button", { type: "button", class: "danger", "aria-label": "Revoke token #" + t.id,
			onclick: () => wbDo(box, () => api("DELETE", "/tokens/" + t.id), "Token #" + t.id + " revoked.") }, "Revoke"))));
	const shown = h("div", { id: "wb-issued", class: "wb-issued", "aria-live": "polite" }, wbIssuedNodes());
	const form = wbForm("Issue a liaison token", [wbField("Delegation", wbSelect("delegation", WB.dels.map((d) => [d.code, d.code + " — " + d.name]))),
		wbField("Label", wbInput("label", ""))], "Issue liaison token", (v, b) => wbIssue(v, b));
	return [box, form, shown, wbTable("Live tokens", ["Id", "Role", "Delegation", "Label", "Created", "Actions"], rows, "tokens")];
}

/* Issue a liaison token and a delegation feed token; show both once. */
async function wbIssue(v, box) {
	box.hidden = true;
	try {
		const t = (await api("POST", wbConf() + "/tokens", { body: Object.assign({ role: "liaison" }, v) })).data;
		const f = (await api("POST", wbConf() + "/feed-tokens", { body: { delegation: v.delegation } })).data;
		WB.issued = { token: t.token, id: t.id, delegation: v.delegation, feed: f.webcal_url || f.url, feedHttp: f.url };
		await wbReload();
		say("Liaison token #" + t.id + " issued for " + v.delegation + ".");
		return true;
	} catch (e) {
		wbShow(box, e);
		return false;
	}
}

/* The token just issued, once: switching screens forgets it. */
function wbIssuedNodes() {
	const i = WB.issued;
	if (!i)
		return [];
	return [h("h3", {}, "Token #" + i.id + " for " + i.delegation + " (shown once: copy it now)"),
		h("p", {}, "API token: ", h("code", { class: "wb-token" }, i.token)),
		h("p", {}, "Calendar feed: ", h("a", { class: "wb-feed", href: i.feed }, i.feed)), wbQr(i.feed, "the calendar feed link")];
}

/* ---- secretariat: conference settings */

function wbSettingsScreen() {
	const c = WB.conf || S.conf;
	const box = wbProblemBox();
	const form = h("form", { class: "wb-form", "aria-label": "Conference settings" },
		wbField("Title", wbInput("title", c.title, { required: true })), wbField("Time zone", wbInput("timezone", c.timezone)),
		wbField("First day", wbInput("start_date", c.start_date, { type: "date" })), wbField("Last day", wbInput("end_date", c.end_date, { type: "date" })),
		wbField("Day starts", wbInput("day_start", (c.day_start || "").slice(0, 5), { type: "time" })),
		wbField("Day ends", wbInput("day_end", (c.day_end || "").slice(0, 5), { type: "time" })),
		wbField("Changeover (minutes)", wbInput("changeover_minutes", c.changeover_minutes, { type: "number", min: 0 })),
		h("button", { type: "submit", class: "primary" }, "Save settings"), box);
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		wbDo(box, () => api("PATCH", wbConf(), { body: wbValues(form), ifMatch: c.version }), "Settings saved.");
	});
	const archived = !!(c.archived || c.archived_at);
	const abox = wbProblemBox();
	const arch = h("div", { class: "wb-archive" }, h("h3", {}, "Archive"),
		h("p", {}, archived ? "This conference is archived: it is hidden from the public list." : "Archiving hides the conference from the public list."),
		h("button", { type: "button", class: archived ? "" : "danger", id: "wb-archive",
			onclick: () => wbDo(abox, () => api("POST", wbConf() + (archived ? "/unarchive" : "/archive"), { body: {} }),
				archived ? "Conference returned to the public list." : "Conference archived.") },
		archived ? "Unarchive" : "Archive this conference"), abox);
	return [form, arch];
}

/* ---- liaison: its delegation */

function wbDelegationScreen() {
	const rows = WB.parts.map((p) => h("tr", { dataset: { participantId: p.id } }, h("td", {}, p.name), h("td", {}, p.role || ""), h("td", {}, p.title || ""),
		wbRowActions("participant", p.name, (op) => wbEdit("Edit participant " + p.name, "/participants/" + p.id, p,
			[wbField("Name", wbInput("name", p.name, { required: true })), wbField("Title", wbInput("title", p.title)),
				wbField("E-mail", wbInput("email", p.email, { type: "email" }))], op))));
	const out = [wbTable("Participants of " + WB.me.delegation, ["Name", "Role", "Title", "Actions"], rows, "participants")];
	out.push(wbUnavailability());
	const fbox = wbProblemBox();
	const feed = h("div", { id: "wb-feed", "aria-live": "polite" });
	out.push(h("h3", {}, "Calendar feed"), h("p", {}, "A private feed of everything your delegation may see, for a calendar app."),
		h("button", { type: "button", id: "wb-feed-create", onclick: () => wbFeed(feed, fbox) }, "Create feed link"), feed, fbox);
	return out;
}

/* The head's unavailability (the liaison's screen). */
function wbUnavailability() {
	const head = WB.head;
	if (!head)
		return h("p", {}, "The delegation has no head yet.");
	return wbUnavSection(head, WB.unav, " (head)", null);
}

/* A person's unavailability: the day strip, the list (delete), the add form; after() runs after a change. */
function wbUnavSection(person, list, suffix, after) {
	const box = wbProblemBox();
	const path = "/participants/" + person.id + "/unavailability";
	const change = async (fn, done) => {	/* the panel redrawn before the status says so */
		if (!await wbDo(box, fn, null))
			return;
		if (after)
			await after();
		say(done);
	};
	const items = list.map((u) => h("li", { dataset: { unavailabilityId: u.id } }, span(u.start, u.end) + (u.reason ? " — " + u.reason : "") + " ",
		h("button", { type: "button", class: "danger", "aria-label": "Delete unavailability " + span(u.start, u.end),
			onclick: () => change(() => api("DELETE", path + "/" + u.id, u.version !== undefined ? { ifMatch: u.version } : {}),
				"Unavailability deleted.") }, "Delete")));
	const days = S.days.map((d) => [d, dayLabel(d)]);
	const form = wbForm("Add unavailability", [wbField("Day", wbSelect("day", days)),
		wbField("From", wbInput("from", "08:00", { type: "time", required: true })), wbField("To", wbInput("to", "12:00", { type: "time", required: true })),
		wbField("Reason", wbInput("reason", ""))], "Add unavailability",
		(v, b) => wbUnavAdd(b, path, { start: zonedIso(v.day, v.from), end: zonedIso(v.day, v.to), reason: v.reason }, after));
	return h("section", { class: "wb-unav", "aria-label": "Unavailability of " + person.name },
		h("h3", {}, "Unavailability of " + person.name + (suffix || "")), wbDayStrip(list),
		items.length ? h("ul", { class: "unavailability" }, items) : h("p", {}, "None recorded."), box, form);
}

/* Add an unavailability; on a clash the secretariat is offered the repair. */
async function wbUnavAdd(box, path, body, after) {
	box.hidden = true;
	try {
		await api("POST", path, { body });
	} catch (e) {
		wbShow(box, e);
		if (e.status === 409 && S.role === "secretariat" && ((e.problem && e.problem.conflicts) || []).some((c) => c.session_id))
			box.append(h("button", { type: "button", class: "primary wb-unav-repair", onclick: () => wbUnavRepair(box, path, body, after) },
				"Add it and re-place the bilaterals in the way…"));
		return false;
	}
	await wbReload();
	if (after)
		await after();
	say("Unavailability added.");	/* last: what it says is on the screen */
	return true;
}

/* The repair's plan (a dry run), then its commit on confirmation. */
async function wbUnavRepair(box, path, body, after) {
	let plan;
	try {
		plan = (await api("POST", path, { body: Object.assign({}, body, { repair: true, dry_run: true }) })).data;
	} catch (e) {
		wbShow(box, e);
		return;
	}
	const moves = plan.replaced.map((x) => h("li", {}, x.title + (x.bumped === false ? " (also moves, to make room)" : "") + ": " +
		span(x.from.start, x.from.end) + " → " + span(x.to.start, x.to.end) + (x.to.room ? ", " + x.to.room : "")));
	const commit = h("button", { type: "button", class: "primary", id: "wb-unav-commit", onclick: async () => {
		commit.disabled = true;
		try {
			const r = (await api("POST", path, { body: Object.assign({}, body, { repair: true, expect: plan.plan_id }) })).data;
			await wbReload();
			await reloadAll();
			if (after)
				await after();
			say("Unavailability added; " + r.replaced.length + " bilateral(s) re-placed.");	/* last */
		} catch (e) {
			wbShow(box, e);
		}
	} }, "Commit this plan");
	const also = plan.replaced.filter((x) => x.bumped === false).length;
	box.replaceChildren(h("p", {}, "Plan: " + plan.replaced.length + " bilateral(s) move" +
		(also ? " (" + also + " of them to make room for the others)" : "") + "; nothing else changes."),
		h("ul", { class: "plan" }, moves), commit);
	box.hidden = false;
	commit.focus();
}

/* Minutes of the day of an "HH:MM[:SS]" clock, or NaN. */
function wbClock(t) {
	const [a, b] = String(t || "").split(":").map(Number);
	return a * 60 + b;
}

/* The part [from, to) in minutes of block u that falls on day d, or null. */
function wbOnDay(u, d) {
	const a = zparts(u.start), b = zparts(u.end);
	if (a.date > d || b.date < d)
		return null;
	const from = a.date < d ? 0 : a.min, to = b.date > d ? 1440 : b.min;
	return to > from ? [from, to] : null;
}

/* A block of a day strip, placed through the CSSOM (the page's CSP forbids style attributes). */
function wbBlock(title, left, width) {
	const el = h("span", { class: "wb-strip-block", title });
	el.style.left = left;
	el.style.width = width;
	return el;
}

/* Unavailability on a strip per conference day, between the day's hours. */
function wbDayStrip(list) {
	const c = S.conf || {};
	const lo = Number.isFinite(wbClock(c.day_start)) ? wbClock(c.day_start) : 8 * 60;
	const hi = Number.isFinite(wbClock(c.day_end)) && wbClock(c.day_end) > lo ? wbClock(c.day_end) : 20 * 60;
	const pct = (m) => (100 * (Math.min(hi, Math.max(lo, m)) - lo) / (hi - lo)).toFixed(2) + "%";
	return h("div", { class: "wb-strips" }, S.days.map((d) => {
		const parts = list.map((u) => [u, wbOnDay(u, d)]).filter(([, x]) => x && x[1] > lo && x[0] < hi);
		const said = parts.map(([u, x]) => hhmm(Math.max(lo, x[0])) + "–" + hhmm(Math.min(hi, x[1])) + (u.reason ? " (" + u.reason + ")" : ""));
		return h("div", { class: "wb-strip-day", dataset: { day: d } }, h("span", { class: "wb-strip-label" }, dayLabel(d)),
			h("div", { class: "wb-strip", role: "img", "aria-label": dayLabel(d, true) + ": " + (said.length ? "unavailable " + said.join(", ") : "available " + hhmm(lo) + "–" + hhmm(hi)) },
				h("span", { class: "wb-strip-hours", "aria-hidden": "true" }, hhmm(lo)),
				parts.map(([u, x], i) => wbBlock(said[i], pct(x[0]), "calc(" + pct(x[1]) + " - " + pct(x[0]) + ")")),
				h("span", { class: "wb-strip-hours end", "aria-hidden": "true" }, hhmm(hi))));
	}));
}

/* The secretariat's view of one participant's unavailability, in the side panel. */
async function wbAvailability(p, opener) {
	try {
		const list = await apiList("/participants/" + p.id + "/unavailability");
		openPanel("availability", p.id, "Availability of " + p.name, [wbUnavSection(p, list, "", () => wbAvailability(p))], opener);
	} catch (e) {
		showProblem(e, $("notice"));
	}
}

/* Edit a bilateral request that is not scheduled yet (the board's Edit). */
function wbEditBilateral(b, opener) {
	const d = (x) => x ? zparts(x).date : S.days[0];
	const t = (x, dflt) => x ? hhmm(zparts(x).min) : dflt;
	const days = S.days.map((x) => [x, dayLabel(x)]);
	const form = h("form", { class: "wb-form", "aria-label": "Edit request " + pairText(b) },
		wbField("Minutes", wbInput("duration_minutes", b.duration_minutes, { type: "number", min: 5, step: 5, required: true })),
		wbField("Priority", wbSelect("priority", [1, 2, 3, 4, 5].map((x) => [x, String(x)]), b.priority ?? 3)),
		wbField("Level", wbSelect("level", [["head", "heads"], ["deputy", "deputies"]], b.level || "head")),
		wbField("Topics", wbInput("topics", b.topics)),
		wbField("Window from", wbSelect("from_day", days, d(b.earliest))), wbField("at", wbInput("from", t(b.earliest, "08:00"), { type: "time" })),
		wbField("Window to", wbSelect("to_day", days, d(b.latest || b.earliest))), wbField("at", wbInput("to", t(b.latest, "20:00"), { type: "time" })),
		h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Save request")));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const v = wbValues(form);
		const body = { duration_minutes: v.duration_minutes, priority: Number(v.priority), level: v.level, topics: v.topics || "",
			earliest: zonedIso(v.from_day, v.from), latest: zonedIso(v.to_day, v.to) };
		clearProblems();
		try {
			await api("PATCH", "/bilaterals/" + b.id, { body, ifMatch: b.version });
			closePanel();
			await loadBilaterals();
			say("Saved the request " + pairText(b) + ".");	/* after the reload: the board shows it */
		} catch (e) {
			showProblem(e, $("panel-problem"));
		}
	});
	openPanel("edit-bilateral", b.id, "Edit request " + pairText(b), [form], opener);
}

/* Create a delegation feed token; show its link once. */
async function wbFeed(where, box) {
	box.hidden = true;
	try {
		const f = (await api("POST", wbConf() + "/feed-tokens", { body: { delegation: WB.me.delegation } })).data;
		const url = f.webcal_url || f.url;
		where.replaceChildren(h("p", {}, "Your feed (shown once): ", h("a", { class: "wb-feed", href: url }, url)),
			wbQr(url, "your calendar feed link"));
		say("Feed link created.");
	} catch (e) {
		wbShow(box, e);
	}
}

/* ---- liaison: bilateral requests */

function wbRequestsScreen() {
	const me = WB.me.delegation;
	const box = wbProblemBox();
	const incoming = WB.bils.filter((b) => wbCode(b.counterpart) === me);
	const outgoing = WB.bils.filter((b) => wbCode(b.requester) === me);
	const card = (b, mine) => {
		const acts = [];
		const act = (a, cls, label) => h("button", { type: "button", class: cls, onclick: () => wbDo(box,
			() => api("POST", "/bilaterals/" + b.id + "/" + a, { body: {} }), label + " " + pairText(b) + ".") }, a[0].toUpperCase() + a.slice(1));
		if (!mine && b.status === "requested")
			acts.push(act("accept", "primary", "Accepted"), act("decline", "danger", "Declined"));
		if (mine && (b.status === "requested" || b.status === "accepted"))
			acts.push(act("withdraw", "danger", "Withdrew"));
		if (b.status === "accepted")
			acts.push(h("button", { type: "button", onclick: (ev) => wbSlots(b, ev.currentTarget) }, "Show slots"));
		return h("li", { class: "card", dataset: { bilateralId: b.id, status: b.status } },
			h("div", { class: "pair" }, wbCode(b.requester), " → ", wbCode(b.counterpart), " ", h("span", { class: "tag" }, b.status)),
			h("div", { class: "facts" }, pairText(b) + " · " + b.duration_minutes + " min"),
			b.topics ? h("div", { class: "topics" }, b.topics) : null, acts.length ? h("div", { class: "actions" }, acts) : null);
	};
	const others = WB.dels.filter((d) => d.code !== me).map((d) => [d.code, d.code + " — " + d.name]);
	const form = wbForm("Request a bilateral", [wbField("With", wbSelect("counterpart", others)),
		wbField("Minutes", wbInput("duration_minutes", "30", { type: "number", min: 10, step: 5, required: true })),
		wbField("Priority", wbSelect("priority", [1, 2, 3, 4, 5].map((p) => [p, String(p)]), 3)),
		wbField("Level", wbSelect("level", [["head", "heads"], ["deputy", "deputies"]])), wbField("Topics", wbInput("topics", ""))],
		"Request bilateral", (v, b) => wbDo(b, () => api("POST", wbConf() + "/bilaterals",
			{ body: Object.assign(v, { requester: me, priority: Number(v.priority) }) }), "Requested a bilateral with " + v.counterpart + "."));
	return [box, h("h3", {}, "Incoming (" + incoming.length + ")"), h("ul", { class: "wb-cards incoming" }, incoming.map((b) => card(b, false))),
		h("h3", {}, "Requested by us (" + outgoing.length + ")"), h("ul", { class: "wb-cards outgoing" }, outgoing.map((b) => card(b, true))),
		h("h3", {}, "Request a bilateral"), form];
}

/* The feasible slots of an accepted request (the secretariat places it). */
async function wbSlots(b, opener) {
	openPanel("slots", b.id, "Slots for " + pairText(b), [h("p", {}, "Looking for free slots…")], opener);
	try {
		const r = await api("GET", "/bilaterals/" + b.id + "/slots?limit=8");
		const slots = Array.isArray(r.data) ? r.data : (r.data && r.data.items) || [];
		$("panel-body").replaceChildren(h("p", {}, "Best first; the secretariat places the meeting."),
			slots.length ? h("ul", { class: "slots" }, slots.map((sl) => h("li", {}, span(sl.start, sl.end) + ", " + roomName(sl.room_id))))
			    : h("p", {}, "No feasible slot in the request's window."));
	} catch (e) {
		$("panel-body").replaceChildren();
		showProblem(e, $("panel-problem"));
	}
}
