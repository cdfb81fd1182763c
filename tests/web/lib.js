/*
 * tests/web/lib.js — what the browser scripts share: named steps whose
 * results or errors go into one JSON report, console and page-error
 * capture, screenshots at 1280 and 390 px, axe-core runs, and signing in.
 * Used by every script here.
 */
"use strict";

const fs = require("fs");
const path = require("path");

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const out = { console: [], pageErrors: [], steps: {}, shots: [], axe: {} };

/* Run one named step; record its result or its error. */
async function step(name, fn) {
	const t0 = Date.now();
	try {
		out.steps[name] = { ok: true, value: await fn(), ms: Date.now() - t0 };
	} catch (e) {
		out.steps[name] = { ok: false, error: String(e && e.stack || e), ms: Date.now() - t0,
			seen: await seen() };
	}
	return out.steps[name];
}

/* What the pages showed when a step failed: the status line, problems, the panel. */
let pages = [];
function seen() {
	return Promise.all(pages.map((p) => p.evaluate(() => ({
		status: (document.getElementById("status") || {}).textContent,
		notice: (document.getElementById("notice") || {}).textContent,
		problems: [...document.querySelectorAll(".wb-problem:not([hidden]), .problem:not([hidden])")].map((e) => e.textContent),
		panel: (document.getElementById("panel") || {}).hidden === false ? document.getElementById("panel").textContent.slice(0, 300) : null,
	})).catch((e) => String(e))));
}

/* Record console messages and page errors of a page. */
function watch(page, label) {
	pages.push(page);
	page.on("console", (m) => {
		const loc = m.location() || {};
		out.console.push({ page: label, type: m.type(), text: m.text(), url: loc.url || "" });
	});
	page.on("pageerror", (e) => out.pageErrors.push({ page: label, message: String(e && e.message || e) }));
}

/* Screenshots at 1280 and 390 px (full page) into dir; the widest element at 390 px. */
async function shots(page, dir, name) {
	let overflow = 0;
	for (const w of [1280, 390]) {
		await page.setViewportSize({ width: w, height: w === 390 ? 844 : 800 });
		await page.waitForSelector(w === 390 ? "#grid.as-list" : "#grid:not(.as-list) .row");
		const file = path.join(dir, name + "-" + w + ".png");
		await page.screenshot({ path: file, fullPage: true });
		out.shots.push(file);
		if (w === 390)
			overflow = await page.evaluate(() => document.documentElement.scrollWidth);
	}
	/* Back at 1280 px, and wait for the grid's redraw that the resize sets off
	 * (150 ms later): until then the list's height moves everything below it,
	 * and a press aimed at a button found before would land elsewhere. */
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.waitForSelector("#grid:not(.as-list) .row");
	return overflow;
}

/* axe-core on the page as it is now: the serious and critical violations. */
async function axe(page, name) {
	if (!(await page.evaluate(() => typeof window.axe === "object")))
		await page.evaluate(AXE);	/* through the DevTools protocol: the page's CSP stays on */
	const r = await page.evaluate(async () => {
		const res = await window.axe.run(document, { resultTypes: ["violations"] });
		return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
	});
	out.axe[name] = r.filter((v) => v.impact === "serious" || v.impact === "critical");
	out.axe[name + " (minor)"] = r.filter((v) => v.impact !== "serious" && v.impact !== "critical").map((v) => v.id);
	return out.axe[name];
}

/* Open url, sign in with a token, wait for the workbench. */
async function signIn(ctx, url, label, token) {
	const page = await ctx.newPage();
	watch(page, label);
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.goto(url + "/");
	await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
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

/* Wait until the status line says something matching re. */
function status(page, re) {
	return page.waitForFunction((x) => new RegExp(x).test(document.getElementById("status").textContent), re);
}

/* How Debian's Chromium is started: headless, quiet, no network of its own. */
const CHROMIUM = {
	executablePath: process.env.KAIGI_WEB_CHROMIUM || "/usr/bin/chromium",
	headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/* Launch Debian's Chromium headless. */
function launch(chromium) {
	return chromium.launch(CHROMIUM);
}

/*
 * Launch it with the profile KAIGI_WEB_PROFILE as one context at 1280 px,
 * far from Tokyo (times must still show in the conference's zone).
 */
function launchProfile(chromium) {
	return chromium.launchPersistentContext(process.env.KAIGI_WEB_PROFILE, {
		...CHROMIUM,
		viewport: { width: 1280, height: 800 },
		timezoneId: "America/Los_Angeles",
		locale: "en-US",
	});
}

/* Run main() and print the report as one JSON line. */
function report(main) {
	main().then(() => process.stdout.write(JSON.stringify(out) + "\n"), (e) => {
		out.fatal = String(e && e.stack || e);
		process.stdout.write(JSON.stringify(out) + "\n");
		process.exitCode = 1;
	});
}

module.exports = { out, step, watch, shots, axe, signIn, screen, status, launch, launchProfile, report };
