#!/usr/bin/env node
/*
 * tests/web/workbench.js — drives the page's workbench (server/web/
 * workbench.js) in Debian's headless Chromium through playwright-core and
 * reports what it saw as one JSON object on stdout, as timetable.js does.
 * tests/integration/83-web-workbench.t starts kaigid on a fresh demo
 * database, runs this script and asserts on the report and the database.
 *
 * Two browser contexts: the secretariat (adds a venue, a room, a
 * delegation and a participant, meets the 409 of a referenced room, issues
 * a liaison token for Ukraine, archives and unarchives), then Ukraine's
 * liaison with that token (its delegation's view only: accepts Japan's
 * request, requests one with Germany, adds and deletes its head's
 * unavailability, creates its feed link). axe-core runs on every screen;
 * screenshots at 1280 and 390 px go to KAIGI_WEB_SHOTS.
 *
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_TOKEN (secretariat of
 * g7-digital-2023), KAIGI_WEB_SHOTS, KAIGI_WEB_CHROMIUM.
 */
"use strict";

const { chromium } = require("playwright-core");
const { out, step, watch, shots, axe, launch, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const TOKEN = process.env.KAIGI_WEB_TOKEN;
const SHOTS = process.env.KAIGI_WEB_SHOTS;

/* Open the page, sign in with a token, wait for the workbench. */
async function open(ctx, label, token) {
	const page = await ctx.newPage();
	watch(page, label);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto(URL + "/");
	await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
	if (label === "secretariat") {
		/* The public page, before signing in: no workbench, and axe-core on it. */
		out.publicWorkbenchHidden = await page.isHidden("#workbench");
		await axe(page, "public timetable");
	}
	await page.fill("#token-input", token);
	await page.press("#token-input", "Enter");
	await page.waitForSelector("#workbench:not([hidden]) #wb-nav button");
	await page.waitForSelector('body[data-busy="0"]');	/* the signed-in load has ended */
	return page;
}

/* Switch the workbench to a screen. */
async function screen(page, key) {
	await page.click('#wb-nav button[data-screen="' + key + '"]');
	await page.waitForSelector('#wb-nav button[data-screen="' + key + '"][aria-pressed="true"]');
}

/* Fill a workbench form (by its aria-label) and submit it; wait for the status text. */
async function submit(page, form, values, status) {
	const f = page.locator('#wb-body form[aria-label="' + form + '"]');
	for (const [name, v] of Object.entries(values)) {
		const el = f.locator('[name="' + name + '"]');
		if (await el.evaluate((e) => e.tagName === "SELECT"))
			await el.selectOption(v);
		else
			await el.fill(String(v));
	}
	await f.locator("button[type=submit]").click();
	await page.waitForFunction((re) => new RegExp(re).test(document.getElementById("status").textContent), status);
}

/* Text of the rows of a workbench table. */
function rows(page, cls) {
	return page.$$eval("#wb-body table." + cls + " tbody tr", (els) => els.map((e) => [...e.cells].slice(0, -1).map((c) => c.textContent)));
}

/* The secretariat sets up through the page. */
async function secretariat(ctx) {
	const page = await open(ctx, "secretariat", TOKEN);
	const r = {};
	await step("secretariat: me", async () => ({ who: await page.textContent("#who-role"), heading: await page.textContent("#wb-heading"),
		screens: await page.$$eval("#wb-nav button", (els) => els.map((e) => e.dataset.screen)), status: await page.textContent("#status") }));
	await step("secretariat: venue and room", async () => {
		await screen(page, "venues");
		await submit(page, "Add a venue", { name: "Sendai Annex", address: "1-1 Aoba, Sendai" }, "Venue Sendai Annex added");
		await submit(page, "Add a room", { venue_id: { label: "Sendai Annex" }, name: "Annex Room 1", capacity: 24, kind: "bilateral" },
			"Room Annex Room 1 added");
		r.venues = await rows(page, "venues");
		r.rooms = await rows(page, "rooms");
		r.overflow = await shots(page, SHOTS, "10-venues");
		r.axe = await axe(page, "venues");
		return r;
	});
	await step("secretariat: referenced room 409", async () => {
		await page.click('#wb-body tr[data-room="Plenary Hall"] button.danger');
		await page.waitForSelector('#wb-body tr[data-room="Plenary Hall"] button.confirm:focus');
		await page.keyboard.press("Enter");
		await page.waitForSelector("#wb-body > .wb-problem:not([hidden]) ul.references li");
		const v = { problem: await page.textContent("#wb-body > .wb-problem"),
			refs: await page.$$eval("#wb-body > .wb-problem ul.references li", (els) => els.map((e) => e.textContent)) };
		v.overflow = await shots(page, SHOTS, "11-room-409");
		v.axe = await axe(page, "room 409");
		return v;
	});
	await step("secretariat: delegation and participant", async () => {
		await screen(page, "people");
		await submit(page, "Add a delegation", { code: "NZ", name: "New Zealand", kind: "guest" }, "Delegation NZ added");
		await submit(page, "Add a participant", { delegation: "NZ", name: "Aroha Test", title: "Minister", role: "head" },
			"Participant Aroha Test added");
		await page.fill("#wb-search", "zealand");
		await page.waitForFunction(() => document.querySelectorAll("#wb-body table.delegations tbody tr").length === 1);
		const v = { filtered: await rows(page, "delegations"), participantsFiltered: await rows(page, "participants") };
		await page.fill("#wb-search", "aroha");
		await page.waitForFunction(() => document.querySelectorAll("#wb-body table.participants tbody tr").length === 1);
		v.byName = await rows(page, "participants");
		/* Edit the participant in the panel (PATCH with If-Match). */
		await page.click('#wb-body table.participants button:has-text("Edit")');
		await page.waitForSelector('#panel:not([hidden]) form[aria-label^="Edit participant"]');
		await page.fill('#panel input[name="title"]', "Minister of Digital");
		await page.click("#panel button[type=submit]");
		await page.waitForSelector("#panel", { state: "hidden" });
		await page.waitForFunction(() => /Minister of Digital/.test(document.querySelector("#wb-body table.participants").textContent));
		v.edited = await rows(page, "participants");
		v.focusAfterEdit = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
		v.overflow = await shots(page, SHOTS, "12-people");
		v.axe = await axe(page, "people");
		await page.fill("#wb-search", "");
		return v;
	});
	let token = null;
	await step("secretariat: issue liaison token", async () => {
		await screen(page, "tokens");
		await submit(page, "Issue a liaison token", { delegation: "UA", label: "Ukraine liaison" }, "Liaison token #\\d+ issued for UA");
		token = (await page.textContent("#wb-issued .wb-token")).trim();
		const v = { token, feed: await page.getAttribute("#wb-issued a.wb-feed", "href"), tokens: await rows(page, "tokens") };
		v.overflow = await shots(page, SHOTS, "13-tokens");
		v.axe = await axe(page, "tokens");
		await screen(page, "venues");
		await screen(page, "tokens");
		v.afterSwitch = await page.$$eval("#wb-issued .wb-token", (els) => els.length);
		return v;
	});
	await step("secretariat: settings and archive", async () => {
		await screen(page, "settings");
		const v = { title: await page.inputValue('#wb-body input[name="title"]') };
		v.axe = await axe(page, "settings");
		v.overflow = await shots(page, SHOTS, "14-settings");
		await page.click("#wb-archive");
		await page.waitForFunction(() => /Conference archived/.test(document.getElementById("status").textContent));
		v.archivedButton = await page.textContent("#wb-archive");
		v.listWhileArchived = await page.evaluate(async (u) => (await (await fetch(u + "/api/v1/conferences")).json()).items.map((c) => c.slug), URL);
		await page.click("#wb-archive");
		await page.waitForFunction(() => /returned to the public list/.test(document.getElementById("status").textContent));
		v.listAfter = await page.evaluate(async (u) => (await (await fetch(u + "/api/v1/conferences")).json()).items.map((c) => c.slug), URL);
		return v;
	});
	return { page, token };
}

/* Ukraine's liaison, in a context of its own. */
async function liaison(ctx, token) {
	const page = await open(ctx, "liaison", token);
	await step("liaison: view", async () => {
		await page.waitForFunction(() => document.querySelectorAll('#days .count').length > 0);
		const v = { who: await page.textContent("#who-role"), heading: await page.textContent("#wb-heading"),
			screens: await page.$$eval("#wb-nav button", (els) => els.map((e) => e.dataset.screen)),
			boardHidden: await page.isHidden("#board-section"), participants: await rows(page, "participants"),
			status: await page.textContent("#status") };
		v.sessions = [];
		for (const d of await page.$$eval('#days [role="tab"]', (els) => els.map((e) => e.dataset.day))) {
			await page.click("#tab-" + d);
			await page.waitForSelector("#tab-" + d + '[aria-selected="true"]');
			v.sessions.push(...await page.$$eval("#grid .session", (els) => els.map((e) => ({ id: Number(e.dataset.sessionId), title: e.dataset.title }))));
		}
		v.overflow = await shots(page, SHOTS, "20-liaison-delegation");
		v.axe = await axe(page, "liaison delegation");
		/* On a phone the grid is a day list; axe-core on it too. */
		await page.setViewportSize({ width: 390, height: 844 });
		await page.waitForSelector("#grid .day-list .session");
		v.phoneListed = await page.$$eval("#grid .day-list .session", (els) => els.length);
		v.axePhone = await axe(page, "liaison phone day list");
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.waitForSelector("#grid .row .track");
		return v;
	});
	await step("liaison: edit participant", async () => {
		await page.click('#wb-body table.participants button:has-text("Edit")');
		await page.waitForSelector('#panel:not([hidden]) form[aria-label^="Edit participant"]');
		await page.fill('#panel input[name="title"]', "Minister of Digital Transformation");
		await page.click("#panel button[type=submit]");
		await page.waitForSelector("#panel", { state: "hidden" });
		await page.waitForFunction(() => /Digital Transformation/.test(document.querySelector("#wb-body table.participants").textContent));
		return { rows: await rows(page, "participants") };
	});
	await step("liaison: unavailability", async () => {
		const day = await page.$eval('#wb-body form[aria-label="Add unavailability"] select[name=day] option:nth-child(2)', (e) => e.value);
		await submit(page, "Add unavailability", { day, from: "06:30", to: "07:45", reason: "Parliament" }, "Unavailability added");
		const v = { day, added: await page.$$eval("#wb-body ul.unavailability li", (els) => els.map((e) => e.textContent)) };
		await submit(page, "Add unavailability", { day, from: "22:00", to: "23:00", reason: "Call home" }, "Unavailability added");
		await page.click('#wb-body ul.unavailability li:has-text("Call home") button');
		await page.waitForFunction(() => /Unavailability deleted/.test(document.getElementById("status").textContent));
		v.after = await page.$$eval("#wb-body ul.unavailability li", (els) => els.map((e) => e.textContent));
		return v;
	});
	await step("liaison: feed link", async () => {
		await page.click("#wb-feed-create");
		await page.waitForSelector("#wb-feed a.wb-feed");
		return { feed: await page.getAttribute("#wb-feed a.wb-feed", "href") };
	});
	await step("liaison: requests", async () => {
		await screen(page, "requests");
		const v = { incoming: await page.$$eval("#wb-body ul.incoming li .pair", (els) => els.map((e) => e.textContent)) };
		v.axeBefore = await axe(page, "liaison requests");
		await page.click('#wb-body ul.incoming li:has-text("JP") button:has-text("Accept")');
		await page.waitForFunction(() => /Accepted/.test(document.getElementById("status").textContent));
		v.afterAccept = await page.$$eval("#wb-body ul.incoming li .pair", (els) => els.map((e) => e.textContent));
		await submit(page, "Request a bilateral", { counterpart: "DE", duration_minutes: 45, priority: "4", topics: "Cyber resilience" },
			"Requested a bilateral with DE");
		v.outgoing = await page.$$eval("#wb-body ul.outgoing li .pair", (els) => els.map((e) => e.textContent));
		await page.click('#wb-body ul.incoming li:has-text("JP") button:has-text("Show slots")');
		await page.waitForSelector("#panel:not([hidden]) ul.slots li, #panel:not([hidden]) #panel-body p + p");
		v.slots = await page.$$eval("#panel ul.slots li", (els) => els.map((e) => e.textContent));
		v.axePanel = await axe(page, "liaison slots");
		await page.keyboard.press("Escape");
		v.overflow = await shots(page, SHOTS, "21-liaison-requests");
		return v;
	});
	return page;
}

/* Everything, in order. */
async function main() {
	const browser = await launch(chromium);
	const opts = { viewport: { width: 1280, height: 800 }, timezoneId: "America/Los_Angeles", locale: "en-US" };
	try {
		const sec = await secretariat(await browser.newContext(opts));
		if (sec.token)
			await liaison(await browser.newContext(opts), sec.token);
	} finally {
		await browser.close();
	}
}

report(main);
