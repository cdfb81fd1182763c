#!/usr/bin/env node
/*
 * tests/web/setup.js — the workbench's set-up tools in Debian's headless
 * Chromium (playwright-core), reported as one JSON line on stdout for
 * tests/integration/84-web-setup.t, which checks the report against the
 * database and decodes the QR code:
 *
 * - the travel-time matrix edited on the venues screen;
 * - a CSV of participants with one bad row: the preview marks the cell,
 *   nothing is stored; the cell fixed in the preview, checked again, then
 *   imported;
 * - a liaison token issued: its feed link as text and as a QR code;
 * - a participant's availability: a day strip, an unavailability added;
 * - an unavailability that clashes with a bilateral: the repair offered,
 *   its plan shown, then committed;
 * - a bilateral request edited on the board (PATCH with If-Match);
 * - an auto-schedule: progress is shown while it plans.
 *
 * axe-core on each screen; screenshots at 1280 and 390 px in KAIGI_WEB_SHOTS.
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_TOKEN (secretariat), KAIGI_WEB_SHOTS,
 * KAIGI_WEB_CHROMIUM.
 */
"use strict";

const { chromium } = require("playwright-core");
const { step, shots, axe, signIn, screen, status, launch, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;
const SHOTS = process.env.KAIGI_WEB_SHOTS;
const CSV = "delegation,name,role,email\n" +
	"JP,Sato Import,staff,sato.import@example.org\n" +
	"XX,Dupont Import,staff,dupont.import@example.org\n" +
	"CA,Tremblay Import,staff,tremblay.import@example.org\n";

/* The CSV import with a bad row fixed in the preview. */
async function importStep(page) {
	await screen(page, "import");
	await page.selectOption('#wb-body select[name="kind"]', "participants");
	await page.setInputFiles("#imp-file", { name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) });
	await page.waitForSelector("#wb-body table.imp-preview tbody tr");
	const v = {
		summary: await page.textContent("#wb-body .imp-bad"),
		bad: await page.$$eval('#wb-body table.imp-preview input[aria-invalid="true"]', (els) => els.map((e) => e.getAttribute("aria-label"))),
		messages: await page.$$eval("#wb-body .imp-msg", (els) => els.map((e) => e.textContent)),
		commitDisabled: await page.isDisabled("#imp-commit"),
	};
	v.axe = await axe(page, "import preview");
	v.overflow = await shots(page, SHOTS, "30-import-preview");
	v.storedBefore = await page.evaluate(() => WB.parts.filter((p) => / Import$/.test(p.name)).length);
	await page.fill('#wb-body input[aria-label="Row 3, delegation"]', "FR");
	await page.press('#wb-body input[aria-label="Row 3, delegation"]', "Tab");
	await page.click("#imp-check");
	await page.waitForSelector("#wb-body .imp-ok");
	v.commitEnabled = !(await page.isDisabled("#imp-commit"));
	await page.click("#imp-commit");
	await status(page, "imported: 3 created");
	v.done = await page.textContent("#wb-body .imp-done");
	return v;
}

/* The travel-time matrix: two cells changed and saved (If-Match). */
async function travelStep(page) {
	await screen(page, "venues");
	const v = { before: await page.inputValue('#wb-body input[aria-label="Minutes from G Messe Gunma to Takasaki City Theatre (illustrative)"]') };
	await page.fill('#wb-body input[aria-label="Minutes from G Messe Gunma to Takasaki City Theatre (illustrative)"]', "25");
	await page.fill('#wb-body input[aria-label="Minutes from Takasaki City Theatre (illustrative) to G Messe Gunma"]', "30");
	await page.click('#wb-body form[aria-label="Travel times"] button[type=submit]');
	await status(page, "Travel times saved");
	v.after = await page.inputValue('#wb-body input[aria-label="Minutes from G Messe Gunma to Takasaki City Theatre (illustrative)"]');
	v.axe = await axe(page, "venues with travel times");
	return v;
}

/* A liaison token issued: feed link as text and as a QR code. */
async function qrStep(page) {
	await screen(page, "tokens");
	const f = page.locator('#wb-body form[aria-label="Issue a liaison token"]');
	await f.locator('[name="delegation"]').selectOption("FR");
	await f.locator("button[type=submit]").click();
	await page.waitForSelector('#wb-issued img.wb-qr[src^="data:image/svg+xml"]');
	const v = { feed: await page.getAttribute("#wb-issued a.wb-feed", "href"),
		qr: await page.getAttribute("#wb-issued img.wb-qr", "src"), alt: await page.getAttribute("#wb-issued img.wb-qr", "alt") };
	v.width = await page.$eval("#wb-issued img.wb-qr", (e) => e.naturalWidth);
	v.axe = await axe(page, "token with QR code");
	v.overflow = await shots(page, SHOTS, "31-token-qr");
	return v;
}

/* A participant's availability on a day strip; one block added. */
async function availabilityStep(page) {
	await screen(page, "people");
	await page.fill("#wb-search", "Sato Import");
	await page.waitForFunction(() => document.querySelectorAll("#wb-body table.participants tbody tr").length === 1);
	await page.click('#wb-body button[aria-label="Availability of Sato Import"]');
	await page.waitForSelector("#panel:not([hidden]) .wb-strips .wb-strip");
	const v = { before: await page.$$eval("#panel .wb-strip", (els) => els.map((e) => e.getAttribute("aria-label"))) };
	const day = await page.$eval('#panel form[aria-label="Add unavailability"] select[name=day] option:nth-child(2)', (e) => e.value);
	const f = page.locator('#panel form[aria-label="Add unavailability"]');
	await f.locator('[name="day"]').selectOption(day);
	await f.locator('[name="from"]').fill("09:00");
	await f.locator('[name="to"]').fill("12:30");
	await f.locator('[name="reason"]').fill("Parliament");
	await f.locator("button[type=submit]").click();
	await page.waitForSelector('#panel .wb-strip-day[data-day="' + day + '"] .wb-strip-block');
	v.day = day;
	v.after = await page.$$eval("#panel .wb-strip", (els) => els.map((e) => e.getAttribute("aria-label")));
	v.blocks = await page.$$eval("#panel .wb-strip-block", (els) => els.map((e) => ({ left: e.style.left, width: e.getBoundingClientRect().width })));
	v.axe = await axe(page, "availability panel");
	v.overflow = await shots(page, SHOTS, "32-availability");
	await page.keyboard.press("Escape");
	await page.waitForSelector("#panel", { state: "hidden" });
	await page.fill("#wb-search", "");
	return v;
}

/* Kono's morning of 30 April: the clash, the repair's plan, its commit. */
async function repairStep(page) {
	await screen(page, "people");
	await page.fill("#wb-search", "Kono");
	await page.waitForFunction(() => document.querySelectorAll("#wb-body table.participants tbody tr").length === 1);
	await page.click('#wb-body button[aria-label="Availability of Kono Taro"]');
	const f = page.locator('#panel form[aria-label="Add unavailability"]');
	await f.locator('[name="day"]').selectOption("2023-04-30");
	await f.locator('[name="from"]').fill("08:00");
	await f.locator('[name="to"]').fill("09:35");
	await f.locator('[name="reason"]').fill("Parliamentary obligations");
	await f.locator("button[type=submit]").click();
	await page.waitForSelector("#panel button.wb-unav-repair");
	const v = { problem: await page.textContent("#panel form .wb-problem") };
	await page.click("#panel button.wb-unav-repair");
	await page.waitForSelector("#wb-unav-commit");
	v.plan = await page.$$eval("#panel ul.plan li", (els) => els.map((e) => e.textContent));
	v.axe = await axe(page, "unavailability repair plan");
	await page.click("#wb-unav-commit");
	await status(page, "re-placed");
	v.status = await page.textContent("#status");
	await page.keyboard.press("Escape");
	await page.waitForSelector("#panel", { state: "hidden" });
	await page.fill("#wb-search", "");
	return v;
}

/* A requested bilateral edited from the board. */
async function bilateralStep(page) {
	const card = page.locator('#board .card[data-status="requested"]').first();
	const id = Number(await card.getAttribute("data-bilateral-id"));
	await card.locator('button:has-text("Edit")').click();
	await page.waitForSelector('#panel:not([hidden]) form[aria-label^="Edit request"]');
	const v = { id, axe: await axe(page, "bilateral edit") };
	await page.fill('#panel input[name="duration_minutes"]', "45");
	await page.selectOption('#panel select[name="priority"]', "5");
	await page.fill('#panel input[name="topics"]', "Edited on the page");
	await page.fill('#panel input[name="from"]', "09:00");
	await page.fill('#panel input[name="to"]', "17:00");
	await page.click("#panel button[type=submit]");
	await status(page, "Saved the request");
	v.card = await page.textContent('#board .card[data-bilateral-id="' + id + '"]');
	return v;
}

/* Auto-schedule: a progress bar while it plans. */
async function progressStep(page) {
	await page.evaluate(() => {
		window.__progress = [];
		new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
			if (n.nodeType === 1 && (n.matches(".wb-progress") || n.querySelector(".wb-progress")))
				window.__progress.push((n.matches(".wb-progress") ? n : n.querySelector(".wb-progress")).textContent);
		}))).observe(document.body, { childList: true, subtree: true });
	});
	await page.click("#auto-schedule");
	await page.waitForSelector("#commit-plan");
	const v = { seen: await page.evaluate(() => window.__progress) };
	await page.keyboard.press("Escape");
	return v;
}

async function main() {
	const browser = await launch(chromium);
	try {
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "America/Los_Angeles", locale: "en-US" });
		const page = await signIn(ctx, URL, "secretariat", process.env.KAIGI_WEB_TOKEN);
		await step("travel times", () => travelStep(page));
		await step("import with preview", () => importStep(page));
		await step("token QR code", () => qrStep(page));
		await step("availability day strip", () => availabilityStep(page));
		await step("unavailability with repair", () => repairStep(page));
		await step("bilateral edit", () => bilateralStep(page));
		await step("auto-schedule progress", () => progressStep(page));
	} finally {
		await browser.close();
	}
}

report(main);
