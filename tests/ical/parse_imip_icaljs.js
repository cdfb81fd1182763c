#!/usr/bin/env node
/*
 * parse_imip_icaljs.js — read an iMIP object (the text/calendar part of a
 * kaigi change mail, RFC 6047) with Mozilla's ical.js.
 *
 *     node tests/ical/parse_imip_icaljs.js FILE
 *
 * Fails (exit 1, message on stderr) on a parse error, a METHOD other than
 * REQUEST or CANCEL, an event without UID, SEQUENCE, DTSTART, ORGANIZER or
 * ATTENDEE, or a TZID without its VTIMEZONE. Otherwise prints
 * {method, events: [{uid, sequence, status, start_utc, organizer,
 * attendee}]} sorted by UID; local times become UTC only through the
 * object's own VTIMEZONEs.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const ICAL = require(require.resolve('ical.js',
    { paths: [path.join(__dirname, '..')] }));

function fail(msg) {
	process.stderr.write('parse_imip_icaljs: ' + msg + '\n');
	process.exit(1);
}

/* One VEVENT as a plain object. */
function event(ev) {
	for (const name of ['uid', 'sequence', 'dtstart', 'organizer', 'attendee'])
		if (ev.getAllProperties(name).length !== 1)
			fail('event lacks ' + name.toUpperCase());
	const t = ev.getFirstPropertyValue('dtstart');
	const tzid = ev.getFirstProperty('dtstart').getParameter('tzid');
	if (!t.zone || t.zone.tzid !== tzid)
		fail('DTSTART not read in zone ' + tzid);
	const u = t.convertToZone(ICAL.Timezone.utcTimezone);
	return {
		uid: ev.getFirstPropertyValue('uid'),
		sequence: ev.getFirstPropertyValue('sequence'),
		status: ev.getFirstPropertyValue('status'),
		start_utc: new Date(u.toUnixTime() * 1000).toISOString().replace('.000Z', 'Z'),
		organizer: ev.getFirstPropertyValue('organizer'),
		attendee: ev.getFirstPropertyValue('attendee'),
	};
}

function main() {
	let cal;
	try {
		cal = new ICAL.Component(ICAL.parse(fs.readFileSync(process.argv[2], 'utf8')));
	} catch (e) {
		fail('parse error: ' + e.message);
	}
	const method = String(cal.getFirstPropertyValue('method')).toUpperCase();
	if (method !== 'REQUEST' && method !== 'CANCEL')
		fail('METHOD is ' + method);
	for (const vtz of cal.getAllSubcomponents('vtimezone'))
		ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
	const events = cal.getAllSubcomponents('vevent').map(event);
	events.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
	process.stdout.write(JSON.stringify({ method, events }) + '\n');
}

main();
