#!/usr/bin/env node
/*
 * tests/web/journey.js — a new meeting set up and scheduled entirely
 * through the page, in Debian's headless Chromium (playwright-core); one
 * JSON report on stdout for tests/integration/85-web-journey.t.
 *
 * The secretariat of an empty conference adds a venue and three rooms,
 * imports delegations and participants from CSV files (one bad row fixed in
 * the preview), adds a plenary and two bilateral requests, accepts one and
 * issues Germany's liaison token. Germany's liaison, in a second browser
 * context with that token, accepts France's request, records its head's
 * unavailability and creates its feed link. The secretariat auto-schedules
 * and commits, then prints the page. Screenshots at 1280 and 390 px after
 * every step; axe-core on each.
 *
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_TOKEN (secretariat of the empty
 * conference), KAIGI_WEB_SHOTS, KAIGI_WEB_CHROMIUM, KAIGI_WEB_PDF (where
 * the printed page goes).
 */
"use strict";

const { chromium } = require("playwright-core");
const { step, shots, axe, signIn, screen, status, launch, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const SHOTS = process.env.KAIGI_WEB_SHOTS;
const DELEGATIONS = "code;name;kind\nFR;France;member\nDE;Germany;member\nJP;Japan;member\nIT;Italy;member\n";
const PARTICIPANTS = "delegation,name,role,email\n" +
	"FR,Claire Martin,head,claire@example.org\nDE,Jonas Weber,head,jonas@example.org\n" +
	"JP,Sato Hana,head,hana@example.org\nIT,Luca Rossi,haed,luca@example.org\n";

/* Fill a workbench form (by aria-label, within scope) and submit it; wait for the status. */
async function submit(page, form, values, said, scope) {
	const f = page.locator((scope || "#wb-body") + ' form[aria-label="' + form + '"]');
	for (const [name, v] of Object.entries(values)) {
		const el = f.locator('[name="' + name + '"]');
		if (await el.evaluate((e) => e.tagName === "SELECT"))
			await el.selectOption(v);
		else
			await el.fill(String(v));
	}
	await f.locator("button[type=submit]").click();
	await status(page, said);
}

/* Screenshots and axe-core after a step; what they found. */
async function look(page, name) {
	return { axe: await axe(page, name), overflow: await shots(page, SHOTS, name) };
}

/* Import a CSV file through the preview; fix(page) mends what it marked. */
async function importFile(page, kind, name, text, fix) {
	await screen(page, "import");
	await page.selectOption('#wb-body select[name="kind"]', kind);
	await page.setInputFiles("#imp-file", { name, mimeType: "text/csv", buffer: Buffer.from(text) });
	await page.waitForSelector("#wb-body .imp-ok, #wb-body .imp-bad");
	const v = { marked: await page.$$eval('#wb-body input[aria-invalid="true"]', (els) => els.map((e) => e.getAttribute("aria-label"))) };
	if (fix) {
		Object.assign(v, await look(page, "41-import-" + kind + "-preview"));
		await fix(page);
		await page.click("#imp-check");
		await page.waitForSelector("#wb-body .imp-ok");
	}
	await page.click("#imp-commit");
	await page.waitForSelector("#wb-body .imp-done, #wb-body .wb-problem:not([hidden])");
	const problem = await page.$eval("#wb-body", (e) => (e.querySelector(".wb-problem:not([hidden])") || {}).textContent);
	if (problem)
		throw new Error("the import was refused: " + problem);
	await status(page, "imported: \\d+ created");
	v.done = await page.textContent("#wb-body .imp-done");
	return v;
}

/* The secretariat: venue, rooms, people, a plenary, two requests, a liaison token. */
async function setUp(page) {
	const out = {};
	await step("venue and rooms", async () => {
		await screen(page, "venues");
		await submit(page, "Add a venue", { name: "Palais Lumière", address: "Quai Albert Besson, Évian" }, "Venue Palais Lumière added");
		for (const [name, cap, kind] of [["Salle Plénière", 200, "plenary"], ["Salon A", 10, "bilateral"], ["Salon B", 10, "bilateral"]])
			await submit(page, "Add a room", { venue_id: { label: "Palais Lumière" }, name, capacity: cap, kind }, "Room " + name + " added");
		return look(page, "40-venue-rooms");
	});
	await step("delegations from CSV", () => importFile(page, "delegations", "delegations.csv", DELEGATIONS, null));
	await step("participants from CSV, one row fixed", () => importFile(page, "participants", "participants.csv", PARTICIPANTS,
		(p) => p.fill('#wb-body input[aria-label="Row 5, role"]', "head").then(() => p.press('#wb-body input[aria-label="Row 5, role"]', "Tab"))));
	await step("a plenary", async () => {
		await screen(page, "sessions");
		const day = await page.$eval('#wb-body form[aria-label="Add a session"] select[name=day] option', (e) => e.value);
		await submit(page, "Add a session", { kind: "plenary", title: "Opening plenary", day, from: "09:00", to: "10:30",
			room_id: { label: "Salle Plénière (Palais Lumière)" }, delegations: "FR, DE, JP, IT" }, "Session Opening plenary added");
		await page.waitForSelector('#grid .session[data-title="Opening plenary"]');
		return Object.assign({ day }, await look(page, "42-plenary"));
	});
	await step("two bilateral requests", async () => {
		await submit(page, "Add a bilateral request", { requester: "FR", counterpart: "DE", duration_minutes: 30, topics: "Data flows" },
			"Requested a bilateral FR → DE");
		await submit(page, "Add a bilateral request", { requester: "JP", counterpart: "IT", duration_minutes: 45, priority: "4", topics: "AI governance" },
			"Requested a bilateral JP → IT");
		await page.click('#board .card[aria-label^="Japan → Italy"] button:has-text("Accept")');
		await status(page, "Accepted Japan → Italy");
		return Object.assign({ cards: await page.$$eval("#board .card", (els) => els.map((e) => e.getAttribute("aria-label"))) },
			await look(page, "43-requests"));
	});
	await step("liaison token for Germany", async () => {
		await screen(page, "tokens");
		await submit(page, "Issue a liaison token", { delegation: "DE", label: "Germany" }, "Liaison token #\\d+ issued for DE");
		out.token = (await page.textContent("#wb-issued .wb-token")).trim();
		await page.waitForSelector('#wb-issued img.wb-qr[src^="data:"]');
		return Object.assign({ feed: await page.getAttribute("#wb-issued a.wb-feed", "href") }, await look(page, "44-token"));
	});
	return out;
}

/* Germany's liaison: accept France's request, the head's unavailability, the feed. */
async function liaison(ctx, token) {
	const page = await signIn(ctx, URL, "liaison", token);
	await step("liaison journey", async () => {
		const v = { heading: await page.textContent("#wb-heading"),
			participants: await page.$$eval("#wb-body table.participants tbody tr td:first-child", (els) => els.map((e) => e.textContent)) };
		const day = await page.$eval('#wb-body form[aria-label="Add unavailability"] select[name=day] option:nth-child(2)', (e) => e.value);
		await submit(page, "Add unavailability", { day, from: "08:00", to: "12:00", reason: "Bundestag" }, "Unavailability added");
		v.day = day;
		v.strip = await page.$$eval("#wb-body .wb-strip", (els) => els.map((e) => e.getAttribute("aria-label")));
		await page.click("#wb-feed-create");
		await page.waitForSelector("#wb-feed a.wb-feed");
		v.feed = await page.getAttribute("#wb-feed a.wb-feed", "href");
		Object.assign(v, await look(page, "50-liaison-delegation"));
		await screen(page, "requests");
		/* Pressed, then the workbench redrawn (as a change event does at any moment), then
		 * released: the click must still land on Accept. */
		const accept = page.locator('#wb-body ul.incoming li:has-text("FR") button:has-text("Accept")');
		await accept.hover();	/* scrolled to, and still: the mouse is on its middle */
		await page.evaluate(() => document.addEventListener("pointerdown", (ev) => {
			window.pressedOn = ev.target instanceof Element && ev.target.closest("button") ? ev.target.closest("button").textContent : null;
		}, { capture: true, once: true }));
		await page.mouse.down();
		v.pressedOn = await page.evaluate(() => window.pressedOn);
		await page.evaluate(() => wbRender());
		await page.mouse.up();
		v.acceptedAcrossRedraw = await status(page, "Accepted").then(() => true, () => false);
		v.incoming = await page.$$eval("#wb-body ul.incoming li", (els) => els.map((e) => e.dataset.status));
		v.axe2 = await axe(page, "51-liaison-requests");
		return v;
	});
	return page;
}

/* The secretariat schedules what was accepted and prints the page. */
async function schedule(page) {
	await step("auto-schedule and commit", async () => {
		await page.evaluate(() => reloadAll());
		await page.waitForSelector('#board section[data-status="accepted"] .card >> nth=1');
		await page.click("#auto-schedule");
		await page.waitForSelector("#commit-plan");
		const v = { plan: await page.$$eval("#panel ul.plan.placed li", (els) => els.map((e) => e.textContent)) };
		v.axe = await axe(page, "60-plan");
		await page.click("#commit-plan");
		await status(page, "Auto-schedule placed 2 bilaterals");
		Object.assign(v, await look(page, "61-scheduled"));
		return v;
	});
	await step("printed page", async () => {
		await page.emulateMedia({ media: "print" });
		await page.pdf({ path: process.env.KAIGI_WEB_PDF, format: "A4", landscape: true, printBackground: true });
		await page.emulateMedia({ media: "screen" });
		return { pdf: process.env.KAIGI_WEB_PDF };
	});
}

async function main() {
	const browser = await launch(chromium);
	const opts = { viewport: { width: 1280, height: 800 }, timezoneId: "America/Los_Angeles", locale: "en-US" };
	try {
		const page = await signIn(await browser.newContext(opts), URL, "secretariat", process.env.KAIGI_WEB_TOKEN);
		const { token } = await setUp(page);
		if (token)
			await liaison(await browser.newContext(opts), token);
		await schedule(page);
	} finally {
		await browser.close();
	}
}

report(main);
