/*
 * sessions.js — the secretariat's "Sessions and requests" screen (issue
 * 16): a session (a plenary, a side event...) and a bilateral request added
 * through the page, with the same JSON API as everything else. Times are
 * wall times in the conference's zone (zonedIso); the timetable and the
 * bilateral board above show the result at once. Loaded after workbench.js.
 */
"use strict";

const SES_KINDS = [["plenary", "plenary"], ["side_event", "side event"], ["working_meal", "working meal"], ["press", "press"],
	["bilateral", "bilateral"], ["other", "other"]];
const SES_VIS = [["public", "public"], ["conference", "conference (signed-in delegates)"], ["restricted", "restricted (its delegations)"],
	["confidential", "confidential (its delegations; others see busy)"]];

/* "JP, CA ca" → ["JP", "CA", "CA"]: codes as people type them. */
function sesCodes(text) {
	return String(text || "").split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());
}

/* After a change: the timetable and the board too. */
async function sesDone(box, fn, done) {
	if (await wbDo(box, fn, null)) {
		await reloadAll();
		say(done);
		return true;
	}
	return false;
}

/* The body of a new session from the form's values. */
function sesBody(v) {
	const body = { kind: v.kind, title: v.title, start: zonedIso(v.day, v.from), end: zonedIso(v.day, v.to), visibility: v.visibility };
	if (v.room_id)
		body.room_id = Number(v.room_id);
	if (v.description)
		body.description = v.description;
	if (v.delegations)
		body.delegations = sesCodes(v.delegations);
	return body;
}

/* The body of a new bilateral request from the form's values. */
function sesRequestBody(v) {
	const body = { requester: v.requester, counterpart: v.counterpart, duration_minutes: v.duration_minutes,
		priority: Number(v.priority), level: v.level };
	if (v.topics)
		body.topics = v.topics;
	if (v.from_day && v.from)
		body.earliest = zonedIso(v.from_day, v.from);
	if (v.to_day && v.to)
		body.latest = zonedIso(v.to_day, v.to);
	return body;
}

/* The form that adds a session. */
function sesSessionForm() {
	const days = S.days.map((d) => [d, dayLabel(d)]);
	const rooms = [["", "no room"]].concat(WB.rooms.map((r) => [r.id, r.name + (r.venue ? " (" + r.venue + ")" : "")]));
	return wbForm("Add a session", [wbField("Kind", wbSelect("kind", SES_KINDS, "plenary")),
		wbField("Title", wbInput("title", "", { required: true })), wbField("Day", wbSelect("day", days)),
		wbField("From", wbInput("from", "10:00", { type: "time", required: true })), wbField("To", wbInput("to", "11:00", { type: "time", required: true })),
		wbField("Room", wbSelect("room_id", rooms)), wbField("Visibility", wbSelect("visibility", SES_VIS, "public")),
		wbField("Delegations (codes)", wbInput("delegations", "", { placeholder: "e.g. JP, CA" })),
		wbField("Description", wbInput("description", ""))], "Add session",
		(v, b) => sesDone(b, () => api("POST", wbConf() + "/sessions", { body: sesBody(v) }), "Session " + v.title + " added."));
}

/* The form that adds a bilateral request (between any two delegations). */
function sesRequestForm() {
	const dels = WB.dels.map((d) => [d.code, d.code + " — " + d.name]);
	const days = [["", "—"]].concat(S.days.map((d) => [d, dayLabel(d)]));
	return wbForm("Add a bilateral request", [wbField("Requester", wbSelect("requester", dels)),
		wbField("Counterpart", wbSelect("counterpart", dels, (WB.dels[1] || {}).code)),
		wbField("Minutes", wbInput("duration_minutes", "30", { type: "number", min: 5, step: 5, required: true })),
		wbField("Priority", wbSelect("priority", [1, 2, 3, 4, 5].map((p) => [p, String(p)]), 3)),
		wbField("Level", wbSelect("level", [["head", "heads"], ["deputy", "deputies"]])), wbField("Topics", wbInput("topics", "")),
		wbField("Window from", wbSelect("from_day", days, "")), wbField("at", wbInput("from", "", { type: "time" })),
		wbField("Window to", wbSelect("to_day", days, "")), wbField("at", wbInput("to", "", { type: "time" }))], "Add request",
		(v, b) => sesDone(b, () => api("POST", wbConf() + "/bilaterals", { body: sesRequestBody(v) }),
			"Requested a bilateral " + v.requester + " → " + v.counterpart + "."));
}

/* The screen. */
function wbSessionsScreen() {
	return [h("p", {}, "Sessions appear in the timetable above; requests on the bilateral board, where the auto-scheduler places them."),
		h("h3", {}, "Add a session"), sesSessionForm(), h("h3", {}, "Add a bilateral request"), sesRequestForm()];
}
