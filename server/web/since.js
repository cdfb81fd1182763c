/*
 * since.js — "changes since your last visit" (issue 18): when the shown
 * conference publishes releases, the page remembers (in this browser) the
 * last release its reader saw and, on the next visit, lists what later
 * releases changed as that reader sees them: added, moved, re-roomed,
 * retitled, cancelled (GET /releases/{n}/changes; a liaison's list is its
 * delegation's, anyone else's the public one). The first visit only
 * remembers. Loaded after app.js, which calls sinceVisit() once the
 * conference and the reader are known.
 */
"use strict";

const SINCE_MAX = 10;	/* releases read back at most */

/* Where this browser keeps the last release seen, per conference and reader. */
function sinceKey(who) {
	return "kaigi-seen-" + S.slug + "-" + (who || "public");
}

/* One change in words: "Moved: Title, Sat 29 Apr, 10:00–11:30 → Sat 29 Apr, 15:00–16:30". */
function sinceText(x) {
	const b = x.before, a = x.after;
	const when = (s) => s ? span(s.start, s.end) + (s.room ? ", " + s.room : "") : "";
	switch (x.change) {
	case "added": return "Added: " + x.title + ", " + when(a);
	case "cancelled": return "Cancelled: " + x.title + " (was " + when(b) + ")";
	case "retitled": return "Renamed: “" + (b && b.title) + "” is now “" + (a && a.title) + "”";
	default: return (x.change === "moved" ? "Moved: " : "New room: ") + x.title + ", " + when(b) + " → " + when(a);
	}
}

/* The changes of releases from+1 .. to, as the reader sees them. */
async function sinceChanges(from, to, who) {
	const q = who ? "?delegation=" + encodeURIComponent(who) : "";
	const out = [];
	for (let n = Math.max(from + 1, to - SINCE_MAX + 1); n <= to; n++) {
		const r = await api("GET", "/conferences/" + encodeURIComponent(S.slug) + "/releases/" + n + "/changes" + q);
		out.push(...((r.data && r.data.items) || []));
	}
	return out;
}

/* Show what changed since this reader's last visit (release mode only). */
async function sinceVisit() {
	const box = $("since-visit");
	box.hidden = true;
	if (!S.conf || S.conf.publish !== "release" || S.role === "secretariat")
		return;	/* the secretariat works on the draft */
	const who = S.role === "liaison" && typeof WB === "object" && WB.me ? WB.me.delegation : null;
	try {
		const list = await apiList("/conferences/" + encodeURIComponent(S.slug) + "/releases");
		const last = list.reduce((m, r) => Math.max(m, r.n), 0);
		const key = sinceKey(who), seen = Number(localStorage.getItem(key) || "0");
		localStorage.setItem(key, String(last));
		if (!last || !seen || seen >= last)
			return;
		const items = await sinceChanges(seen, last, who);
		box.replaceChildren(h("h2", {}, "Changes since your last visit"),
			h("p", {}, items.length ? "Release " + last + " (you last saw release " + seen + "):" : "Nothing you can see changed."),
			items.length ? h("ul", {}, items.map((x) => h("li", { dataset: { change: x.change, sessionId: x.session_id } }, sinceText(x)))) : null,
			h("button", { type: "button", onclick: () => { box.hidden = true; } }, "Dismiss"));
		box.hidden = false;
	} catch (e) {
		showProblem(e, $("notice"));
	}
}
