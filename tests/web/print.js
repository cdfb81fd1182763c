#!/usr/bin/env node
/*
 * tests/web/print.js — the timetable page (server/web/) opened and printed
 * in Debian's headless Chromium through playwright-core; reports what it
 * saw as one JSON object on stdout (tests/integration/81-web-print.t starts
 * kaigid, sets the data up, runs this script and judges the report; this
 * script judges nothing, except that a step that throws is reported with
 * its error).
 *
 *   node tests/web/print.js opening   which conference the page opens on
 *   node tests/web/print.js print     the page in print media, and its PDF
 *
 * Environment (set by 81-web-print.t):
 *   KAIGI_WEB_URL        base URL of the running kaigid
 *   KAIGI_WEB_TOKEN      a secretariat token of g7-digital-2023
 *   KAIGI_WEB_SHOTS      directory for screenshots and Chromium's PDFs
 *   KAIGI_WEB_PROFILE    a new, empty Chromium user-data directory
 *   KAIGI_WEB_CHROMIUM   Chromium binary (default /usr/bin/chromium)
 *   KAIGI_WEB_LABEL      prefix of the files saved (default the mode)
 *   KAIGI_WEB_SEC_SESSIONS  how many sessions the secretariat sees (print)
 *
 * Screenshots at 1280 and 390 px wide; Chromium's own PDF of the page
 * (page.pdf(), A4 landscape) for pdftotext.
 */
"use strict";

const path = require("path");
const { chromium } = require("playwright-core");
const { out, step, watch, launchProfile, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const TOKEN = process.env.KAIGI_WEB_TOKEN;
const SHOTS = process.env.KAIGI_WEB_SHOTS;
const LABEL = process.env.KAIGI_WEB_LABEL || process.argv[2];
const SLUG = "g7-digital-2023";

/* Save a screenshot under SHOTS. */
async function shot(page, name, full) {
	const file = path.join(SHOTS, LABEL + "-" + name + ".png");
	await page.screenshot({ path: file, fullPage: !!full });
	out.shots.push(file);
	return file;
}

/* Open a page of the site and wait until it has loaded. */
async function open(ctx, label, query, width) {
	const page = await ctx.newPage();
	watch(page, label);
	await page.setViewportSize({ width, height: 800 });
	await page.goto(URL + "/" + query);
	await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
	return page;
}

/* Which conference the page opens on, at 1280 and 390 px. */
async function opening(ctx) {
	for (const width of [1280, 390]) {
		await step("opening " + width, async () => {
			const page = await open(ctx, "opening-" + width, "", width);
			const r = {
				title: await page.textContent("#conf-title"),
				selected: await page.$eval("#conf-select", (e) => e.value),
				options: await page.$$eval("#conf-select option", (els) => els.map((e) => e.value)),
				day: await page.$eval('#days [aria-selected="true"]', (e) => e.dataset.day).catch(() => null),
				notice: await page.isVisible("#notice"),
			};
			r.shot = await shot(page, "opening-" + width, true);
			await page.close();
			return r;
		});
	}
}

/* What print media shows: the days, the grids' geometry, the controls. */
function printState(page) {
	return page.evaluate(() => {
		const visible = (sel) => [...document.querySelectorAll(sel)].some((e) =>
			e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden");
		const days = [...document.querySelectorAll("#print-days .print-day")].map((d) => {
			const grid = d.querySelector(".grid").getBoundingClientRect();
			const blocks = [...d.querySelectorAll(".session")];
			return {
				day: d.dataset.day, heading: d.querySelector("h3").textContent,
				gridLeft: grid.left, gridRight: grid.right, gridWidth: grid.width,
				scrollWidth: d.querySelector(".grid").scrollWidth,
				ids: blocks.map((b) => Number(b.dataset.sessionId)),
				maxRight: Math.max(0, ...blocks.map((b) => b.getBoundingClientRect().right)),
				hours: [...d.querySelectorAll(".hour")].map((e) => e.textContent),
			};
		});
		return {
			days,
			signIn: visible("#token-form") || visible("#token-input") || visible("#who"),
			tabs: visible("#days"), screenGrid: visible("#grid-scroll"),
			board: visible("#board-section"), subscribe: visible("#subscribe"),
		};
	});
}

/* One reader's page in print media, its screenshots and Chromium's PDF. */
async function printAs(ctx, who, token) {
	return step("print: " + who, async () => {
		const page = await open(ctx, "print-" + who, "?c=" + SLUG, 1280);
		const r = { screenSignIn: await page.isVisible("#token-form") };
		if (token) {
			await page.fill("#token-input", token);
			await page.press("#token-input", "Enter");
			await page.waitForSelector("#who:not([hidden])");
			await page.waitForSelector("#board-section:not([hidden])");
			/* Signed in, the sessions are loaded again: wait until the tabs count them all. */
			await page.waitForFunction((n) => [...document.querySelectorAll("#days .count")]
				.reduce((a, e) => a + Number(e.textContent.replace(/\D/g, "")), 0) === n,
			Number(process.env.KAIGI_WEB_SEC_SESSIONS), { timeout: 15000 });
		}
		r.screenDays = await page.$$eval('#days [role="tab"]', (els) => els.map((e) => e.dataset.day));
		await page.emulateMedia({ media: "print" });
		await page.waitForFunction((n) => document.querySelectorAll("#print-days .print-day").length === n,
			r.screenDays.length, { timeout: 10000 });
		r.print = await printState(page);
		r.shot = await shot(page, who + "-print-1280", true);
		r.pdf = path.join(SHOTS, LABEL + "-" + who + ".pdf");
		await page.pdf({ path: r.pdf, format: "A4", landscape: true, printBackground: true });
		await page.setViewportSize({ width: 390, height: 800 });
		r.shot390 = await shot(page, who + "-print-390", true);
		await page.emulateMedia({ media: "screen" });
		r.afterPrint = await page.$$eval("#print-days .print-day", (els) => els.length);
		await page.close();
		return r;
	});
}

/* Everything of a mode. */
async function main() {
	const browser = await launchProfile(chromium);
	try {
		for (const p of browser.pages())
			await p.close();
		if (process.argv[2] === "opening")
			await opening(browser);
		else {
			await printAs(browser, "anonymous", null);
			await printAs(browser, "secretariat", TOKEN);
		}
	} finally {
		await browser.close();
	}
}

report(main);
