#!/usr/bin/env node
/*
 * tests/web/timetable.js — drives kaigi's timetable page (server/web/) in
 * Debian's headless Chromium through playwright-core, and reports what it
 * saw as one JSON object on stdout. tests/integration/80-web.t starts kaigid
 * on a fresh demo database, runs this script, and asserts on the report and
 * on the database; this script makes no judgement of its own except that a
 * step that throws is reported with its error.
 *
 * Environment (set by 80-web.t):
 *   KAIGI_WEB_URL        base URL of the running kaigid
 *   KAIGI_WEB_TOKEN      a secretariat token of g7-digital-2023
 *   KAIGI_WEB_SHOTS      directory for screenshots
 *   KAIGI_WEB_PROFILE    a new, empty Chromium user-data directory
 *   KAIGI_WEB_CHROMIUM   Chromium binary (default /usr/bin/chromium)
 *
 * Every step runs: the change stream and the bilateral API are part of
 * the contract, so their steps are not left out for any server.
 *
 * Every console message and page error is recorded (with the URL it is
 * about, so that the caller can tell an HTTP answer the scenario provokes on
 * purpose, e.g. a 409, from a real error).
 */
"use strict";

const path = require("path");
const { chromium } = require("playwright-core");
const { out, step, watch, launchProfile, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const TOKEN = process.env.KAIGI_WEB_TOKEN;
const SHOTS = process.env.KAIGI_WEB_SHOTS;
const DAYS = ["2023-04-28", "2023-04-29", "2023-04-30"];

/* Save a screenshot under SHOTS. */
async function shot(page, name, full) {
	const file = path.join(SHOTS, name + ".png");
	await page.screenshot({ path: file, fullPage: !!full });
	out.shots.push(file);
	return file;
}

/* The session blocks of the day shown. */
function blocks(page) {
	return page.$$eval("#grid .session", (els) => els.map((e) => ({
		id: Number(e.dataset.sessionId), kind: e.dataset.kind, status: e.dataset.status,
		title: e.dataset.title, text: e.textContent,
		room: e.closest(".row") && e.closest(".row").dataset.room,
		struck: getComputedStyle(e.querySelector(".t")).textDecorationLine,
	})));
}

/* A locator's box, once it can be measured: a live redraw may replace the
 * element between finding and measuring it (null then). */
async function boxOf(page, loc) {
	let last = null;
	for (let i = 0; i < 300; i++) {
		try {
			await loc.scrollIntoViewIfNeeded({ timeout: 2000 });
			const box = await loc.boundingBox({ timeout: 2000 });
			if (box !== null)
				return box;
		} catch (e) {
			last = e;	/* detached by a redraw meanwhile: again */
		}
		await page.waitForTimeout(100);
	}
	throw new Error("never measured: " + loc + (last ? " (" + last.message.split("\n")[0] + ")" : ""));
}

/* Show a day by clicking its tab; the blocks on it. A redraw of the tabs
 * (the change stream after a write) can land between Playwright's finding
 * the tab and its click, which then reaches no tab: click again. */
async function day(page, d) {
	for (let i = 0; ; i++) {
		await page.click("#tab-" + d);
		try {
			await page.waitForSelector("#tab-" + d + '[aria-selected="true"]', { timeout: 5000 });
			break;
		} catch (e) {
			if (i >= 4)
				throw e;
		}
	}
	return blocks(page);
}

/* Every block of every day, with its day. */
async function allBlocks(page) {
	const all = [];
	for (const d of DAYS)
		for (const b of await day(page, d))
			all.push({ ...b, day: d });
	return all;
}

/* Open the page anonymously and wait until it has loaded. */
async function open(ctx, label, viewport) {
	const page = await ctx.newPage();
	watch(page, label);
	await page.setViewportSize(viewport);
	await page.goto(URL + "/");
	await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
	return page;
}

/* Public view: what an anonymous visitor sees, keyboard use, the details panel. */
async function anonymous(ctx) {
	const page = await open(ctx, "anonymous", { width: 1280, height: 800 });
	const r = {};
	await step("anonymous: grid", async () => {
		r.title = await page.textContent("#conf-title");
		r.subscribe = await page.getAttribute("#subscribe", "href");
		r.tabs = await page.$$eval('#days [role="tab"]', (els) => els.map((e) => e.dataset.day));
		r.sessions = await allBlocks(page);
		r.text = await page.textContent("body");
		r.boardHidden = await page.isHidden("#board-section");
		await day(page, "2023-04-29");
		r.shot = await shot(page, "01-public-29apr");
		return r;
	});
	await step("anonymous: keyboard", async () => {
		const k = {};
		await page.focus("#tab-2023-04-29");
		await page.keyboard.press("ArrowRight");
		k.afterRight = await page.$eval('#days [aria-selected="true"]', (e) => e.dataset.day);
		k.focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.day);
		await page.keyboard.press("Home");
		k.afterHome = await page.$eval('#days [aria-selected="true"]', (e) => e.dataset.day);
		await page.keyboard.press("ArrowLeft");
		k.afterLeft = await page.$eval('#days [aria-selected="true"]', (e) => e.dataset.day);
		await day(page, "2023-04-29");
		const plenary = page.locator('#grid .session[data-kind="plenary"]').first();
		await plenary.focus();
		await page.keyboard.press("Enter");
		await page.waitForSelector("#panel:not([hidden])");
		k.panelTitle = await page.textContent("#panel-title");
		k.panelText = await page.textContent("#panel-body");
		k.panelHasForm = (await page.$("#panel form.move")) !== null;
		k.browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
		await shot(page, "02-public-details");
		await page.keyboard.press("Escape");
		k.panelHidden = await page.isHidden("#panel");
		k.focusBack = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("session"));
		return k;
	});
	await page.close();
}

/* A phone-sized screen: no sideways overflow of the page; the grid scrolls in its box. */
async function phone(ctx, token) {
	const page = await open(ctx, token ? "phone-secretariat" : "phone", { width: 390, height: 844 });
	return step(token ? "phone: secretariat" : "phone: public", async () => {
		if (token) {
			await page.fill("#token-input", token);
			await page.press("#token-input", "Enter");
			await signedIn(page);
		}
		await day(page, "2023-04-29");
		const m = await page.evaluate(() => ({
			viewport: window.innerWidth,
			docScroll: document.documentElement.scrollWidth,
			bodyScroll: document.body.scrollWidth,
			gridBox: document.getElementById("grid-scroll").clientWidth,
			gridContent: document.getElementById("grid-scroll").scrollWidth,
			listed: [...document.querySelectorAll("#grid .day-list .session")].map((e) => ({
				id: Number(e.dataset.sessionId), text: e.textContent })),
			gridRows: document.querySelectorAll("#grid .row").length,
		}));
		/* The day list is sorted by start; a tap opens the details. */
		if (m.listed.length) {
			await page.click("#grid .day-list .session >> nth=0");
			await page.waitForSelector("#panel:not([hidden])");
			m.panelTitle = await page.textContent("#panel-title");
			await page.keyboard.press("Escape");
		}
		m.shot = await shot(page, token ? "08-phone-secretariat" : "03-public-phone", !!token);
		await page.close();
		return m;
	});
}

/*
 * After the sign-in was asked for: wait until the page has loaded as the
 * token's holder. The header changes before the grid does, and until the
 * signed-in load ends the public grid is still on screen (body[data-busy]
 * counts the loads under way).
 */
async function signedIn(page) {
	await page.waitForSelector("#who:not([hidden])");
	await page.waitForSelector("#board-section:not([hidden])");
	await page.waitForSelector('body[data-busy="0"]');
}

/* Sign in with the token; the grid shows everything the secretariat may see. */
async function signIn(page) {
	return step("secretariat: sign in", async () => {
		/* The signed-in list of sessions is held back a second on its way to the page, so the
		 * public grid is still on screen when the header already says "Secretariat": the page
		 * must say it is still loading (body[data-busy], <main aria-busy>) until it is not. */
		let slowing = true;	/* for this sign-in only; the route stays (unrouting could cut a held request) */
		const slow = async (route) => {
			if (slowing && route.request().headers().authorization)
				await new Promise((ok) => setTimeout(ok, 1000));
			await route.continue();
		};
		await page.route(/\/api\/v1\/conferences\/[^/]+\/sessions(\?|$)/, slow);
		await page.fill("#token-input", TOKEN);
		await page.click("#token-form button[type=submit]");
		await page.waitForSelector("#who:not([hidden])");
		const r = { busyMeanwhile: await page.evaluate(() => [document.body.dataset.busy,
			document.querySelector("main").getAttribute("aria-busy")]) };
		await signedIn(page);
		slowing = false;
		r.busyAfter = await page.evaluate(() => document.querySelector("main").getAttribute("aria-busy"));
		r.stored = await page.evaluate(() => sessionStorage.getItem("kaigi.token") !== null);
		r.local = await page.evaluate(() => localStorage.length);
		r.sessions = await allBlocks(page);
		await day(page, "2023-04-29");
		r.shot = await shot(page, "04-secretariat-29apr");
		return r;
	});
}

/* The panel's facts of a session, as [term, value] pairs; the panel closed again. */
async function panelFacts(page, d, title) {
	await day(page, d);
	await page.click('#grid .session[data-title="' + title + '"]');
	await page.waitForSelector("#panel:not([hidden]) #panel-body dl");
	const facts = await page.$$eval("#panel-body dt", (els) => els.map((e) => [e.textContent, e.nextElementSibling.textContent]));
	await page.keyboard.press("Escape");
	await page.waitForSelector("#panel", { state: "hidden" });
	return facts;
}

/* The summit's facts in the panel: a bilateral's interpreters per pair, and who represents an absent head. */
async function summitFacts(page) {
	await step("secretariat: summit facts", async () => ({
		bilateral: await panelFacts(page, "2023-04-29", "Bilateral meeting: Japan – Canada"),
		represented: await panelFacts(page, "2023-04-28", "WEF DX Summit: Digital Infrastructure and Governance"),
	}));
}

/* Move a session through the form, then try a move that clashes (409 with conflicts). */
async function moves(page) {
	await step("secretariat: move by form", async () => {
		await day(page, "2023-04-29");
		await page.click('#grid .session[data-title="Bilateral meeting: Japan – Canada"]');
		await page.waitForSelector("#panel form.move");
		await page.selectOption("#panel form.move select[name=room]", { label: "Bilateral Room C" });
		await page.click("#panel form.move button[type=submit]");
		await page.waitForSelector('.row[data-room="Bilateral Room C"] .session[data-title="Bilateral meeting: Japan – Canada"]');
		return { status: await page.textContent("#status") };
	});
	await step("secretariat: clash shows conflicts", async () => {
		await day(page, "2023-04-29");
		await page.click('#grid .session[data-title="Bilateral meeting: Japan – Canada"]');
		await page.waitForSelector("#panel form.move");
		await page.selectOption("#panel form.move select[name=room]", { label: "Plenary Hall" });
		await page.fill("#panel form.move input[name=start]", "10:00");
		await page.fill("#panel form.move input[name=end]", "10:30");
		await page.click("#panel form.move button[type=submit]");
		await page.waitForSelector("#panel-problem:not([hidden]) ul.conflicts li");
		const r = {
			problem: await page.textContent("#panel-problem strong"),
			items: await page.$$eval("#panel-problem ul.conflicts li", (els) => els.map((e) => e.textContent)),
		};
		r.shot = await shot(page, "05-secretariat-conflicts");
		await page.keyboard.press("Escape");
		return r;
	});
	await step("secretariat: move by drag", async () => {
		await day(page, "2023-04-29");
		const src = page.locator('#grid .session[data-title="Bilateral meeting: Japan – Italy"]');
		const track = page.locator('.row[data-room="Bilateral Room B"] .track');
		/* The grid may be redrawn by a live update right after the tab
		 * switch: wait until both boxes can be measured. */
		let box = null, tbox = null;
		for (let i = 0; i < 20 && (box === null || tbox === null); i++) {
			await src.waitFor({ state: "visible" });
			await track.waitFor({ state: "visible" });
			box = await src.boundingBox();
			tbox = await track.boundingBox();
			if (box === null || tbox === null)
				await page.waitForTimeout(100);
		}
		/* Drop where the block's left edge is now: same start, Room B. */
		await src.dragTo(track, { sourcePosition: { x: 2, y: 5 }, targetPosition: { x: box.x - tbox.x + 2, y: 10 } });
		await page.waitForSelector('.row[data-room="Bilateral Room B"] .session[data-title="Bilateral meeting: Japan – Italy"]');
		return { status: await page.textContent("#status") };
	});
	await step("secretariat: stale edit meets 412", async () => {
		await day(page, "2023-04-30");
		const sel = '#grid .session[data-title="Bilateral meeting: Japan – Germany"]';
		const id = await page.$eval(sel, (e) => Number(e.dataset.sessionId));
		await page.click(sel);
		await page.waitForSelector("#panel form.move");
		await page.fill("#panel form.move input[name=end]", "12:00");
		/* Meanwhile someone else retitles it (straight through the API). */
		const auth = { Authorization: "Bearer " + TOKEN, "Content-Type": "application/json" };
		const cur = await (await fetch(URL + "/api/v1/sessions/" + id, { headers: auth })).json();
		const res = await fetch(URL + "/api/v1/sessions/" + id, {
			method: "PATCH", headers: { ...auth, "If-Match": '"' + cur.version + '"' },
			body: JSON.stringify({ title: "Bilateral meeting: Japan – Germany (DFFT)" }),
		});
		await page.click("#panel form.move button[type=submit]");
		await page.waitForSelector("#panel-problem:not([hidden])");
		const problem = await page.textContent("#panel-problem");
		await page.waitForFunction(() => /\(DFFT\)/.test(document.getElementById("panel-title").textContent));
		const r = { patch: res.status, problem, title: await page.textContent("#panel-title"),
			end: await page.inputValue("#panel form.move input[name=end]") };
		await page.keyboard.press("Escape");
		return r;
	});
	await step("secretariat: a click across a redraw", async () => {
		/* The change stream redraws the grid at any moment: a block pressed before a redraw and
		 * released after it still opens, and a focused block keeps the focus. */
		await day(page, "2023-04-30");
		const sel = '#grid .session[data-title="Press conference of the chair"]';
		const box = await boxOf(page, page.locator(sel));
		await page.mouse.move(box.x + 4, box.y + 4);
		await page.mouse.down();
		await page.evaluate(() => renderGrid());
		await page.mouse.up();
		const opened = await page.waitForFunction(() => !document.getElementById("panel").hidden &&
		    document.getElementById("panel-title").textContent === "Press conference of the chair", null,
		    { timeout: 3000 }).then(() => true).catch(() => false);
		await page.keyboard.press("Escape");
		/* A press on a <select> does not hold redraws (its list may take the release, and
		 * the page would never see it); a press on a workbench button does until released. */
		const held = await page.evaluate(() => {
			const at = (el, type) => el.dispatchEvent(new PointerEvent(type, { bubbles: true }));
			const out = {};
			at(document.querySelector("#workbench select"), "pointerdown");
			out.select = S.pressed;
			at(document.querySelector("#workbench button"), "pointerdown");
			out.button = S.pressed;
			at(document.querySelector("#workbench button"), "pointerup");
			out.released = S.pressed;
			return out;
		});
		await page.focus(sel);
		await page.evaluate(() => renderGrid());
		const focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset &&
		    document.activeElement.dataset.title);
		return { opened, focused, held };
	});
	await step("secretariat: cancel", async () => {
		await day(page, "2023-04-30");
		await page.click('#grid .session[data-title="Press conference of the chair"]');
		await page.click("#panel button.danger");
		await page.click("#panel button.danger >> text=Yes, cancel it");
		await page.waitForSelector('#grid .session.cancelled[data-title="Press conference of the chair"]');
		await page.keyboard.press("Escape");
		/* The grid is redrawn whenever the change stream reports a change: read the block in the
		 * same turn that finds it struck (a redraw cannot come between), or say what was there. */
		const struck = () => {
			const e = document.querySelector('#grid .session.cancelled[data-title="Press conference of the chair"]');
			const t = e && e.querySelector(".t");
			return t && getComputedStyle(t).textDecorationLine.includes("line-through")
			    ? { id: Number(e.dataset.sessionId), status: e.dataset.status, title: e.dataset.title,
				struck: getComputedStyle(t).textDecorationLine } : null;
		};
		const b = await page.waitForFunction(struck, null, { polling: 100 }).then((h) => h.jsonValue()).catch(async (e) => {
			const seen = (await blocks(page)).filter((x) => /Press conference/.test(x.title));
			throw new Error("the cancelled session was never seen struck through: " + e.message.split("\n")[0] +
			    "; press conference blocks now: " + JSON.stringify(seen));
		});
		return { block: b };
	});
}

/* The bilateral board: accept the pending request, auto-schedule, the new session appears. */
async function board(page) {
	await step("board: columns", async () => {
		const cols = await page.$$eval("#board .column", (els) => Object.fromEntries(els.map((c) => [c.dataset.status,
			[...c.querySelectorAll(".card")].map((k) => k.querySelector(".pair").textContent)])));
		await page.locator("#board-section").scrollIntoViewIfNeeded();
		return { columns: cols, shot: await shot(page, "06-board", true) };
	});
	await step("board: accept", async () => {
		const card = page.locator('#board .column[data-status="requested"] .card', { hasText: "JP → UA" });
		/* The board is redrawn on every change too: pressed before a redraw, released after it. */
		const box = await boxOf(page, card.getByRole("button", { name: "Accept" }));
		await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await page.mouse.down();
		await page.evaluate(() => renderBoard());
		await page.mouse.up();
		await page.waitForSelector('#board .column[data-status="accepted"] .card >> text=JP → UA');
		return { status: await page.textContent("#status") };
	});
	await step("board: suggest slots and place", async () => {
		const card = page.locator('#board .column[data-status="accepted"] .card', { hasText: "FR → DE" });
		await card.getByRole("button", { name: "Suggest slots" }).click();
		await page.waitForSelector("#panel ul.slots li button");
		const slots = await page.$$eval("#panel ul.slots li", (els) => els.map((e) => e.firstChild.textContent));
		const shotFile = await shot(page, "07-slots");
		await page.click("#panel ul.slots li button >> nth=0");
		await page.waitForSelector('#board .column[data-status="scheduled"] .card >> text=FR → DE');
		const placed = (await blocks(page)).filter((b) => b.title.includes("France"));
		return { slots, shot: shotFile, placed, status: await page.textContent("#status") };
	});
	await step("board: auto-schedule", async () => {
		const before = (await allBlocks(page)).map((b) => b.id);
		await page.click("#auto-schedule");
		await page.waitForSelector("#commit-plan");
		const plan = await page.$$eval("#panel ul.plan.placed li", (els) => els.map((e) => e.textContent));
		const planShot = await shot(page, "07-plan-dry-run");
		await page.click("#commit-plan");
		await page.waitForSelector("#panel", { state: "hidden" });
		await page.waitForFunction(() => /Auto-schedule placed/.test(document.getElementById("status").textContent));
		const after = await allBlocks(page);
		const added = after.filter((b) => !before.includes(b.id));
		const ua = added.find((b) => /Ukraine/.test(b.title));
		if (ua)
			await day(page, ua.day);
		const finalShot = await shot(page, "09-after-auto-schedule", true);
		return { plan, planShot, added, status: await page.textContent("#status"), finalShot };
	});
}

/*
 * A change made elsewhere (here: straight through the API) shows up without
 * reload, both in the secretariat's page (fetch stream with the token) and
 * in an anonymous one (EventSource).
 */
async function live(ctx, page) {
	await step("live: change without reload", async () => {
		const anon = await open(ctx, "anonymous-live", { width: 1280, height: 800 });
		await day(anon, "2023-04-29");
		await anon.waitForSelector('#live[data-state="on"]', { timeout: 10000 });
		await day(page, "2023-04-29");
		await page.waitForSelector('#live[data-state="on"]', { timeout: 10000 });
		await page.evaluate(() => { window.kaigiNoReload = performance.timeOrigin; });
		const id = await page.$eval('#grid .session[data-title="Internet Governance"]', (e) => Number(e.dataset.sessionId));
		const auth = { Authorization: "Bearer " + TOKEN, "Content-Type": "application/json" };
		const cur = await (await fetch(URL + "/api/v1/sessions/" + id, { headers: auth })).json();
		const res = await fetch(URL + "/api/v1/sessions/" + id, {
			method: "PATCH", headers: { ...auth, "If-Match": '"' + cur.version + '"' },
			body: JSON.stringify({ title: "Internet Governance (moved online)" }),
		});
		await page.waitForSelector('#grid .session[data-title="Internet Governance (moved online)"]', { timeout: 10000 });
		await anon.waitForSelector('#grid .session[data-title="Internet Governance (moved online)"]', { timeout: 10000 });
		const sameDocument = await page.evaluate(() => window.kaigiNoReload === performance.timeOrigin);
		await anon.close();
		return { patch: res.status, sameDocument };
	});
}

/* Everything, in order. */
/*
 * A list of more than a hundred pages, read by the page's own apiList one
 * item a page: 120 participants more for Ukraine (one import), then every
 * participant of the conference. apiList once stopped after a hundred
 * pages and dropped the rest without a word.
 */
async function longList(page) {
	await step("secretariat: a list of more than a hundred pages", async () => {
		const rows = [];
		for (let i = 0; i < 120; i++)
			rows.push({ delegation: "UA", name: "Paging participant " + String(i).padStart(3, "0"), role: "member" });
		return page.evaluate(async (rows) => {
			const c = "/conferences/" + encodeURIComponent(S.slug);
			await api("POST", c + "/import?kind=participants", { body: rows });
			const got = await apiList(c + "/participants", 1);
			return { ids: got.map((p) => p.id) };
		}, rows);
	});
}

async function main() {
	const browser = await launchProfile(chromium);
	try {
		for (const p of browser.pages())
			await p.close();
		await anonymous(browser);
		await phone(browser, null);
		const page = await open(browser, "secretariat", { width: 1280, height: 800 });
		await signIn(page);
		await summitFacts(page);
		await moves(page);
		await live(browser, page);
		await board(page);
		await longList(page);
		await page.close();
		await phone(browser, TOKEN);
	} finally {
		await browser.close();
	}
}

report(main);
