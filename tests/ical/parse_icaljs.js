#!/usr/bin/env node
/*
 * parse_icaljs.js — read a kaigi feed with Mozilla's ical.js (the parser
 * inside Thunderbird), installed in tests/node_modules by
 * `npm ci --prefix tests` (scripts/deps does it).
 *
 *     node tests/ical/parse_icaljs.js FILE-or-URL
 *
 * Fails (exit 1, message on stderr) on any parse error, on a missing calendar
 * or event property that the feed contract (shared/API.md, Feeds) requires,
 * and on a TZID without its VTIMEZONE. Otherwise prints the events as a JSON
 * array sorted by UID: {uid, start_utc, end_utc, summary, status, sequence,
 * categories, location}, and with --languages (after the source) also
 * summary_language and description_language (the LANGUAGE parameters, null
 * when absent; issue 17). ical.js carries no zone data of its own: the feed's
 * VTIMEZONEs are registered with ICAL.TimezoneService and are the only way
 * local times become UTC.
 */
'use strict';

const fs = require('fs');
const path = require('path');
/* Resolve from tests/ (its node_modules), through the package's CommonJS export. */
const ICAL = require(require.resolve('ical.js',
    { paths: [path.join(__dirname, '..')] }));

const CAL_REQUIRED = ['prodid', 'version', 'calscale', 'method', 'name',
	'x-wr-calname', 'x-wr-timezone', 'refresh-interval', 'x-published-ttl'];
const EVENT_REQUIRED = ['uid', 'dtstamp', 'dtstart', 'dtend', 'summary',
	'status', 'sequence', 'created', 'last-modified'];

/* Print why the feed is refused and exit 1. */
function fail(msg) {
	process.stderr.write('parse_icaljs: ' + msg + '\n');
	process.exit(1);
}

/* The text of a file path or an http(s) URL. */
async function read(src) {
	if (/^https?:\/\//.test(src)) {
		const r = await fetch(src);
		if (r.status !== 200)
			fail(src + ': HTTP ' + r.status);
		return await r.text();
	}
	return fs.readFileSync(src, 'utf8');
}

/* The calendar-level properties the contract requires. */
function checkCalendar(cal) {
	if (cal.name !== 'vcalendar')
		fail('top-level component is ' + cal.name);
	for (const name of CAL_REQUIRED)
		if (cal.getAllProperties(name).length !== 1)
			fail('calendar lacks ' + name.toUpperCase());
	if (cal.getFirstPropertyValue('version') !== '2.0')
		fail('VERSION is not 2.0');
	if (String(cal.getFirstPropertyValue('method')).toUpperCase() !== 'PUBLISH')
		fail('METHOD is not PUBLISH');
	const ri = cal.getFirstProperty('refresh-interval');
	/* ical.js turns the VALUE parameter into the property's type. */
	if (ri.type !== 'duration' || !(ri.getFirstValue() instanceof ICAL.Duration))
		fail('REFRESH-INTERVAL is not VALUE=DURATION');
}

/* Register every VTIMEZONE of the feed; returns the set of TZIDs. */
function registerZones(cal) {
	const tzids = new Set();
	for (const vtz of cal.getAllSubcomponents('vtimezone')) {
		const tz = new ICAL.Timezone(vtz);
		if (!tz.tzid || tzids.has(tz.tzid))
			fail('VTIMEZONE without TZID or twice: ' + tz.tzid);
		ICAL.TimezoneService.register(tz);
		tzids.add(tz.tzid);
	}
	if (tzids.size === 0)
		fail('no VTIMEZONE');
	return tzids;
}

/* A DTSTART/DTEND property as an ISO 8601 UTC string, via its VTIMEZONE. */
function toUtc(ev, name, tzids, uid) {
	const prop = ev.getFirstProperty(name);
	const tzid = prop.getParameter('tzid');
	if (!tzid)
		fail(uid + ' ' + name + ' without TZID');
	if (!tzids.has(tzid))
		fail(uid + ' ' + name + ': TZID ' + tzid + ' has no VTIMEZONE');
	const t = prop.getFirstValue();
	if (!(t instanceof ICAL.Time) || t.isDate || !t.zone || t.zone.tzid !== tzid)
		fail(uid + ' ' + name + ' not read in zone ' + tzid);
	const u = t.convertToZone(ICAL.Timezone.utcTimezone);
	return new Date(u.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z');
}

/* One VEVENT as the normalised object. */
function event(ev, tzids) {
	for (const name of EVENT_REQUIRED)
		if (ev.getAllProperties(name).length !== 1)
			fail('event ' + ev.getFirstPropertyValue('uid') + ' lacks ' +
			    name.toUpperCase());
	const uid = ev.getFirstPropertyValue('uid');
	const cats = [];
	for (const p of ev.getAllProperties('categories'))
		cats.push(...p.getValues().map(String));
	const loc = ev.getFirstPropertyValue('location');
	return {
		uid: uid,
		start_utc: toUtc(ev, 'dtstart', tzids, uid),
		end_utc: toUtc(ev, 'dtend', tzids, uid),
		summary: String(ev.getFirstPropertyValue('summary')),
		status: String(ev.getFirstPropertyValue('status')).toUpperCase(),
		sequence: Number(ev.getFirstPropertyValue('sequence')),
		categories: cats,
		location: loc === null ? null : String(loc),
	};
}

/* Same key order as Python's json.dumps(sort_keys=True), for easy diffs. */
function sorted(o) {
	const out = {};
	for (const k of Object.keys(o).sort())
		out[k] = o[k];
	return out;
}

async function main() {
	const langs = process.argv[3] === '--languages';
	if (process.argv.length !== 3 && !(process.argv.length === 4 && langs))
		fail('usage: parse_icaljs.js FILE-or-URL [--languages]');
	const text = await read(process.argv[2]);
	let cal;
	try {
		const jcal = ICAL.parse(text);
		if (!Array.isArray(jcal) || typeof jcal[0] !== 'string')
			fail('not exactly one top-level component');
		cal = new ICAL.Component(jcal);
	} catch (e) {
		fail('cannot parse: ' + e.message);
	}
	checkCalendar(cal);
	const tzids = registerZones(cal);
	/* The VTIMEZONEs are registered first, so events parse in their zone. */
	const events = cal.getAllSubcomponents('vevent').map(e => {
		const d = event(e, tzids);
		if (langs)
			for (const prop of ['summary', 'description']) {
				const p = e.getFirstProperty(prop);
				d[prop + '_language'] = p === null ? null :
				    (p.getParameter('language') || null);
			}
		return d;
	});
	if (new Set(events.map(e => e.uid)).size !== events.length)
		fail('duplicate UID');
	events.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
	process.stdout.write(JSON.stringify(events.map(sorted), null, 1) + '\n');
}

main().catch(e => fail(e.stack || String(e)));
