#!/usr/bin/env node
/*
 * tests/web/move-repair.js — a move with repair in the page (server/web/
 * app.js), driven in Debian's headless Chromium through playwright-core:
 * the secretariat moves the plenary "Internet Governance" onto two of
 * Minister Kono's bilaterals, gets the 409 with the clashes and the offer
 * "Move and re-place the 2 bilaterals it bumps…", sees the dry run's plan
 * and commits it. axe-core and screenshots (1280 and 390 px) at each
 * stage. Reports what it saw as one JSON object on stdout;
 * tests/integration/84-web-move-repair.t judges it and checks the database.
 * The same steps serve its second case, a repair that also moves another
 * bilateral to make room (the plan marks it "also moves").
 *
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_TOKEN (a secretariat token),
 * KAIGI_WEB_SHOTS (directory), KAIGI_WEB_PROFILE (empty directory),
 * KAIGI_WEB_CHROMIUM (default /usr/bin/chromium); the move:
 * KAIGI_WEB_DAY (2023-04-29), KAIGI_WEB_TITLE (Internet Governance),
 * KAIGI_WEB_START and KAIGI_WEB_END (17:40, 19:10).
 */
"use strict";

const path = require("path");
const { chromium } = require("playwright-core");
const { out, step, watch, axe, launchProfile, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const TOKEN = process.env.KAIGI_WEB_TOKEN;
const SHOTS = process.env.KAIGI_WEB_SHOTS;
const DAY = process.env.KAIGI_WEB_DAY || "2023-04-29";
const TITLE = process.env.KAIGI_WEB_TITLE || "Internet Governance";
const START = process.env.KAIGI_WEB_START || "17:40";
const END = process.env.KAIGI_WEB_END || "19:10";

/* Screenshots of the page at 1280 and at 390 px wide; back to 1280. */
async function shots(page, name) {
	for (const width of [1280, 390]) {
		await page.setViewportSize({ width, height: width > 600 ? 800 : 844 });
		const file = path.join(SHOTS, name + "-" + width + ".png");
		await page.screenshot({ path: file, fullPage: width < 600 });
		out.shots.push(file);
	}
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.waitForSelector("#grid:not(.as-list) .row");	/* the resize's redraw, 150 ms on */
}

/* Sign in and show the day (29 April). */
async function signIn(page) {
	await page.goto(URL + "/");
	await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
	await page.fill("#token-input", TOKEN);
	await page.click("#token-form button[type=submit]");
	await page.waitForSelector("#who:not([hidden])");
	await page.waitForSelector("#board-section:not([hidden])");
	await page.waitForSelector('body[data-busy="0"]');	/* the signed-in grid, not the public one */
	await page.click("#tab-" + DAY);
	await page.waitForSelector("#tab-" + DAY + '[aria-selected="true"]');
}

/* The move that clashes: the 409, its conflicts and the offer. */
async function clash(page) {
	await page.click('#grid .session[data-title="' + TITLE + '"]');
	await page.waitForSelector("#panel form.move");
	await page.fill("#panel form.move input[name=start]", START);
	await page.fill("#panel form.move input[name=end]", END);
	await page.click("#panel form.move button[type=submit]");
	await page.waitForSelector("#panel-problem .repair button");
	const r = {
		conflicts: await page.$$eval("#panel-problem ul.conflicts li", (els) => els.map((e) => e.textContent)),
		offer: await page.textContent("#panel-problem .repair button"),
	};
	await axe(page, "clash");
	await shots(page, "01-clash");
	return r;
}

/* The dry run's plan. */
async function plan(page) {
	await page.click("#panel-problem .repair button");
	await page.waitForSelector("#panel-problem section.plan ul.replaced li");
	const r = {
		heading: await page.textContent("#panel-problem section.plan strong"),
		replaced: await page.$$eval("#panel-problem ul.replaced li", (els) => els.map((e) => e.textContent)),
		also: await page.$$eval("#panel-problem ul.replaced li.also", (els) => els.map((e) => e.textContent)),
		focused: await page.evaluate(() => document.activeElement && document.activeElement.textContent),
	};
	await axe(page, "plan");
	await shots(page, "02-plan");
	return r;
}

/* Commit; the status line and the grid after the reload. */
async function commit(page) {
	await page.click("#panel-problem section.plan button.primary");
	await page.waitForFunction(() => /re-placed/.test(document.getElementById("status").textContent));
	/* After the reload the open panel shows the plenary's new time. */
	await page.waitForFunction((start) => ((document.querySelector("#panel-body dd") || {}).textContent || "").includes(start), START);
	const r = { status: await page.textContent("#status"), when: await page.textContent("#panel-body dd") };
	await axe(page, "committed");
	await shots(page, "03-committed");
	return r;
}

/* Everything, in order. */
async function main() {
	const browser = await launchProfile(chromium);
	try {
		const page = browser.pages()[0] || await browser.newPage();
		watch(page, "secretariat");
		if ((await step("sign in", () => signIn(page))).ok &&
		    (await step("clash", () => clash(page))).ok &&
		    (await step("plan", () => plan(page))).ok)
			await step("commit", () => commit(page));
	} finally {
		await browser.close();
	}
}

report(main);
