#!/usr/bin/env node
/*
 * tests/web/since.js — "changes since your last visit" in Debian's headless
 * Chromium (playwright-core); one JSON report for 86-web-since.t.
 *
 * The demo conference publishes releases. An anonymous reader's first
 * visit only remembers release 1; the secretariat (through the API, from
 * this script) moves a public session, retitles another and moves the
 * restricted Japan–Canada bilateral, then publishes release 2; the
 * reader's next visit lists the two public changes and not the bilateral,
 * and the visit after that lists nothing. Canada's liaison, in a context
 * of its own, sees the bilateral's move. axe-core on the notice;
 * screenshots at 1280 and 390 px.
 *
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_TOKEN (secretariat), KAIGI_WEB_CA
 * (Canada's liaison), KAIGI_WEB_SHOTS, KAIGI_WEB_CHROMIUM, KAIGI_WEB_IDS
 * (JSON {public, other, bilateral}: session ids).
 */
"use strict";

const { chromium } = require("playwright-core");
const { step, shots, axe, watch, launch, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const IDS = JSON.parse(process.env.KAIGI_WEB_IDS);
const C = URL + "/api/v1/conferences/g7-digital-2023";

/* A call of the API as the secretariat; its JSON. */
async function sec(method, path, body) {
	const r = await fetch(path.startsWith("http") ? path : URL + "/api/v1" + path, { method,
		headers: { Authorization: "Bearer " + process.env.KAIGI_WEB_TOKEN, "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body) });
	if (!r.ok)
		throw new Error(method + " " + path + ": " + r.status + " " + await r.text());
	return r.json();
}

/* Open (or reload) the page; what the notice says. */
async function visit(page, reload) {
	if (reload)
		await page.reload();
	else
		await page.goto(URL + "/");
	await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });	/* after sinceVisit() */
	return { hidden: await page.isHidden("#since-visit"),
		items: await page.$$eval("#since-visit li", (els) => els.map((e) => ({ change: e.dataset.change, text: e.textContent }))) };
}

/* The secretariat changes three sessions and publishes release 2. */
async function changes() {
	const pub = await sec("GET", "/sessions/" + IDS.public);
	await sec("PATCH", "/sessions/" + IDS.public, { start: pub.start.replace("T16:30", "T17:30"), end: pub.end.replace("T17:00", "T18:00") });
	await sec("PATCH", "/sessions/" + IDS.other, { title: "WEF DX Summit: Digital Transformation (renamed)" });
	const bil = await sec("GET", "/sessions/" + IDS.bilateral);
	await sec("PATCH", "/sessions/" + IDS.bilateral, { start: bil.start.replace("T11:40", "T07:00"), end: bil.end.replace("T12:10", "T07:30") });
	return sec("POST", C + "/releases", { name: "Second" });
}

async function main() {
	const browser = await launch(chromium);
	const opts = { viewport: { width: 1280, height: 800 }, timezoneId: "America/Los_Angeles", locale: "en-US" };
	try {
		const page = await (await browser.newContext(opts)).newPage();
		watch(page, "public");
		const ca = await (await browser.newContext(opts)).newPage();
		watch(ca, "liaison");
		await step("first visit", () => visit(page, false));
		await step("liaison's first visit", async () => {
			await ca.goto(URL + "/");
			await ca.waitForSelector('body[data-ready="1"]');
			await ca.fill("#token-input", process.env.KAIGI_WEB_CA);
			await ca.press("#token-input", "Enter");
			await ca.waitForSelector("#workbench:not([hidden])");
			await ca.waitForFunction(() => localStorage.length > 0);	/* signIn awaits sinceVisit() */
			return { hidden: await ca.isHidden("#since-visit") };
		});
		await step("release 2", changes);
		await step("next visit", async () => {
			const v = await visit(page, true);
			await page.waitForSelector("#since-visit:not([hidden]) li");
			v.items = await page.$$eval("#since-visit li", (els) => els.map((e) => ({ change: e.dataset.change, text: e.textContent })));
			v.axe = await axe(page, "changes since the last visit");
			v.overflow = await shots(page, process.env.KAIGI_WEB_SHOTS, "70-since-visit");
			return v;
		});
		await step("visit after", () => visit(page, true));
		await step("liaison's next visit", async () => {
			await ca.reload();
			await ca.waitForSelector('body[data-ready="1"]');
			await ca.waitForSelector("#since-visit:not([hidden]) li");
			return { items: await ca.$$eval("#since-visit li", (els) => els.map((e) => ({ change: e.dataset.change, text: e.textContent }))) };
		});
	} finally {
		await browser.close();
	}
}

report(main);
