-- cop-feeds.lua — wrk script of scripts/bench/cop: every request asks for
-- the feed of a token drawn at random from WRK_TOKENS (one "token etag" a
-- line). WRK_MODE=get: a plain GET, which must be 200 with a body that
-- starts with BEGIN:VCALENDAR; WRK_MODE=inm: GET with If-None-Match the
-- token's ETag, which must be 304 with no body. A 503 (the server says it
-- is busy) is counted on its own; anything else, and socket errors, are
-- counted as bad; done() prints them on one WRKRESULT line:
-- requests duration_us p50_us p99_us socket_errors non_2xx_3xx good bad bytes busy
-- WRK_CHECK=0: no body is looked at (wrk then hands none to Lua, which at
-- 2.3 MB an answer costs more CPU than the server's work): an answer is
-- as expected when wrk counts it 2xx/3xx, and bytes are wrk's own count.
-- WRK_ORDER=each: every token once, in file order, spread over the threads
-- (thread t of T asks the t-th, (t+T)-th, ...); a thread that has asked
-- for all of its own writes the file WRK_DONE..t and goes on from its
-- first again, until the caller stops wrk (SIGINT: wrk then reports).
local mode = os.getenv("WRK_MODE") or "get"
local check = os.getenv("WRK_CHECK") ~= "0"
local each = os.getenv("WRK_ORDER") == "each"
local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
local next_i = nil
local threads = {}
local n = 0
paths, etags = {}, {}
good, bad, bytes, busy = 0, 0, 0, 0

setup = function(thread)
  n = n + 1
  thread:set("tid", n)
  table.insert(threads, thread)
end

init = function(args)
  for line in io.lines(os.getenv("WRK_TOKENS")) do
    local tok, etag = line:match("^(%S+)%s*(.*)$")
    if tok then
      table.insert(paths, "/feeds/" .. tok .. ".ics")
      table.insert(etags, etag)
    end
  end
  math.randomseed(os.time() * 1000 + tid)
end

request = function()
  local i
  if each then
    next_i = next_i or tid
    if next_i > #paths then
      local f = io.open(os.getenv("WRK_DONE") .. tid, "w")
      if f then f:close() end
      next_i = tid
    end
    i = next_i
    next_i = next_i + nthreads
  else
    i = math.random(#paths)
  end
  if mode == "inm" then
    return wrk.format("GET", paths[i], { ["If-None-Match"] = etags[i] })
  end
  return wrk.format("GET", paths[i])
end

local check_response = function(status, headers, body)
  local fine
  if mode == "inm" then
    fine = status == 304 and #body == 0
  else
    fine = status == 200 and body:sub(1, 15) == "BEGIN:VCALENDAR"
  end
  if fine then good = good + 1
  elseif status == 503 then busy = busy + 1
  else bad = bad + 1 end
  bytes = bytes + #body
end

if check then response = check_response end

done = function(summary, latency, requests)
  local e = summary.errors
  local g, b, by, bu = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad"); by = by + t:get("bytes")
    bu = bu + t:get("busy")
  end
  if not check then
    g, by = summary.requests - e.status, summary.bytes
  end
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, g, b, by, bu))
end
