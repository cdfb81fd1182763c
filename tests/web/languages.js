#!/usr/bin/env node
/*
 * tests/web/languages.js — the page's language picker (issue 17) in
 * Debian's headless Chromium: run by tests/integration/43-languages.t on
 * the demo (languages en and ja), it reports as one JSON line what the
 * 29 April timetable shows before and after choosing ja, and the
 * Subscribe link. It makes no judgement of its own.
 *
 * Environment: KAIGI_WEB_URL, KAIGI_WEB_CHROMIUM (default /usr/bin/chromium).
 */
"use strict";

const { chromium } = require("playwright-core");
const { step, watch, launch, report } = require("./lib.js");

const URL = process.env.KAIGI_WEB_URL;

/* The texts of the session blocks shown, and the Subscribe link. */
function seen(page) {
	return page.evaluate(() => ({
		picker: !document.getElementById("lang-pick").hidden,
		options: [...document.querySelectorAll("#lang-select option")].map((o) => o.value),
		texts: [...document.querySelectorAll("#grid .session")].map((e) => e.textContent),
		subscribe: document.getElementById("subscribe").getAttribute("href"),
	}));
}

async function main() {
	const browser = await launch(chromium);
	try {
		const page = await browser.newPage();
		watch(page, "languages");
		await page.setViewportSize({ width: 1280, height: 800 });
		await step("load", async () => {
			await page.goto(URL + "/?c=g7-digital-2023");
			await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
			await page.click("#tab-2023-04-29");
			await page.waitForSelector('#tab-2023-04-29[aria-selected="true"]');
			return seen(page);
		});
		await step("ja", async () => {
			await page.selectOption("#lang-select", "ja");
			await page.waitForFunction(() => /インターネット/.test(document.getElementById("grid").textContent));
			return seen(page);
		});
		await step("en again", async () => {
			await page.selectOption("#lang-select", "en");
			await page.waitForFunction(() => /Internet Governance/.test(document.getElementById("grid").textContent));
			return seen(page);
		});
	} finally {
		await browser.close();
	}
}

report(main);
