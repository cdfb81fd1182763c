-- scripts/bench/booking.lua — wrk script for scripts/bench/booking: each
-- request books a new session that clashes with nothing (its own room and
-- attendee slot). Slot k of thread t: k * threads + t; room and attendee
-- k mod 64; a 20-minute session in the 30-minute block k div 64, so with the
-- 10-minute changeover no room or person is ever double-booked.
-- Arguments (after --): token room_base participant_base threads slot_offset

local counter, tid, nthreads, offset = 0, 0, 1, 0
local token, room_base, part_base
local epoch = 1893456000        -- 2030-01-01T00:00:00Z
local threads = {}

-- Give every thread its id (main Lua state).
function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

-- Per-thread state from the arguments.
function init(args)
	token, room_base, part_base = args[1], tonumber(args[2]), tonumber(args[3])
	nthreads = tonumber(args[4])
	offset = tonumber(args[5] or 0)
	tid = tonumber(wrk.thread:get("tid") or 0)
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["Authorization"] = "Bearer " .. token
end

-- The next booking.
function request()
	local slot = offset + counter * nthreads + tid
	counter = counter + 1
	local room = room_base + slot % 64
	local who = part_base + slot % 64
	local t0 = epoch + math.floor(slot / 64) * 1800
	local body = string.format(
	    '{"kind":"other","title":"wrk %d","room_id":%d,"attendees":[%d],' ..
	    '"start":"%s","end":"%s"}', slot, room, who,
	    os.date("!%Y-%m-%dT%H:%M:%SZ", t0),
	    os.date("!%Y-%m-%dT%H:%M:%SZ", t0 + 1200))
	return wrk.format(nil, nil, nil, body)
end

created, other = 0, 0

-- Count 201 answers and the rest.
function response(status, headers, body)
	if status == 201 then
		created = created + 1
	else
		other = other + 1
	end
end

-- Print the counts over every thread ("status 201: N", "status other: N").
function done(summary, latency, requests)
	local c, o = 0, 0
	for _, t in ipairs(threads) do
		c = c + (t:get("created") or 0)
		o = o + (t:get("other") or 0)
	end
	io.write(string.format("status 201: %d\nstatus other: %d\n", c, o))
end
