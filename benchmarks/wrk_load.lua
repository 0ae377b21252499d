-- wrk script used by benchmarks/submit_load.py (not meant to be run by hand, but it can be):
--
--   wrk -t2 -c32 -d35s --timeout 5s -s benchmarks/wrk_load.lua URL -- \
--       METHOD PATH BODY_FILE|- OUT_DIR SECONDS NONCE CONNECTIONS_PER_THREAD
--
-- For SECONDS each connection sends METHOD PATH (POSTs carry BODY_FILE as JSON and a unique
-- Idempotency-Key NONCE-THREAD-N). After SECONDS no connection starts a new request (delay()
-- parks it); each thread stops once all its connections are parked, that is once its last
-- request has been answered, so no request is abandoned in flight
-- and the server's stored rows can be compared exactly with the 201s seen here. The -d given
-- to wrk is only a safety cap. Per thread, receipts of 201 answers go to OUT_DIR/receipts-N.txt;
-- the main thread writes OUT_DIR/summary.json (statuses, socket errors, latency in µs).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } dudao_timespec;
int clock_gettime(int clk_id, dudao_timespec *tp);
]]
local ts = ffi.new("dudao_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

-- main thread ---------------------------------------------------------------------------------
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- worker threads ------------------------------------------------------------------------------
function init(args)
  method, path, body_file, out_dir = args[1], args[2], args[3], args[4]
  seconds, nonce, per_thread = tonumber(args[5]), args[6], tonumber(args[7])
  body = nil
  if body_file ~= "-" then
    local f = assert(io.open(body_file, "rb"))
    body = f:read("*a")
    f:close()
  end
  sent, parked, stopped = 0, 0, false
  statuses = {}
  receipts = assert(io.open(out_dir .. "/receipts-" .. id .. ".txt", "w"))
  started = now()
  deadline = started + seconds
  finished_at = 0
end

function delay()
  -- Called before each request of a connection, once its previous answer has arrived.
  if now() >= deadline then
    parked = parked + 1
    if parked >= per_thread and not stopped then
      stopped = true
      finished_at = now()
      receipts:flush()
      wrk.thread:stop()
    end
    return 3600000 -- never: this connection is done
  end
  return 0
end

function request()
  -- (wrk 4.1 calls this once more per thread at start-up without sending it.)
  sent = sent + 1
  if method == "POST" then
    local headers = {["Content-Type"] = "application/json",
                     ["Idempotency-Key"] = nonce .. "-" .. id .. "-" .. sent}
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format(method, path)
end

function response(status, headers, response_body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 201 and response_body then
    local receipt = string.match(response_body, '"receipt"%s*:%s*"([^"]+)"')
    if receipt then receipts:write(receipt, "\n") end
  end
end

-- main thread, at the end ---------------------------------------------------------------------
local function json_table(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local statuses, sent, cleanly = {}, 0, 0
  local first, last = nil, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do
      statuses[k] = (statuses[k] or 0) + v
    end
    sent = sent + t:get("sent")
    if t:get("stopped") then cleanly = cleanly + 1 end
    local s, f = t:get("started"), t:get("finished_at")
    if first == nil or s < first then first = s end
    if f > last then last = f end
  end
  local out_dir = threads[1]:get("out_dir")
  local e = summary.errors
  local pct = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9}) do
    table.insert(pct, string.format('"%s": %d', tostring(p), latency:percentile(p)))
  end
  local f = assert(io.open(out_dir .. "/summary.json", "w"))
  f:write(string.format(
    '{"duration_us": %d, "window_s": %.6f, "requests": %d, "sent": %d, "threads_stopped_cleanly": %d, ' ..
    '"threads": %d, "statuses": %s, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "stdev": %.1f, "max": %d, ' ..
    '"percentiles": {%s}}}\n',
    summary.duration, (last > 0 and first) and (last - first) or 0, summary.requests, sent,
    cleanly, #threads, json_table(statuses), e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.max, table.concat(pct, ", ")))
  f:close()
end
