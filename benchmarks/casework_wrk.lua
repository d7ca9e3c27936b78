-- wrk script of benchmarks/bench_casework.py: signed-in GET requests to the casework API.
--
-- Configured by environment variables (the Python script sets them):
--   BENCH_TOKENS  file of bearer tokens, one a line; each request uses one at random
--   BENCH_PATHS   file of request paths, one a line, picked at random; or, when unset,
--   BENCH_MAX_ID  record views: /api/v1/intelligence/<random id in 1..BENCH_MAX_ID>
--   BENCH_SEED    seeds each thread's random numbers (with the thread's number)
--   BENCH_THINK_MS  when above 0, each connection waits a random time (exponential, this
--                   mean, in ms) before its next request; 0: no think time (a closed loop)
--
-- Every response's status is counted (so a non-2xx answer is reported, never hidden), and
-- done() prints one line, "BENCH_RESULT {json}", with the latency percentiles in
-- microseconds, the requests sent and answered, the duration, wrk's socket errors and the
-- statuses. A request still unanswered when the run ends is in "sent" only: wrk drops it.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local function read_lines(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then
      found[#found + 1] = line
    end
  end
  if #found == 0 then
    error("no lines in " .. path)
  end
  return found
end

function init(args)
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "1") * 1000 + thread_number)
  authorizations = {}
  for _, token in ipairs(read_lines(os.getenv("BENCH_TOKENS"))) do
    authorizations[#authorizations + 1] = "Bearer " .. token
  end
  local paths_file = os.getenv("BENCH_PATHS")
  if paths_file and paths_file ~= "" then
    paths = read_lines(paths_file)
  else
    max_id = tonumber(os.getenv("BENCH_MAX_ID"))
  end
  statuses = {}
  sent = 0
end

function request()
  sent = sent + 1
  local path
  if paths then
    path = paths[math.random(#paths)]
  else
    path = "/api/v1/intelligence/" .. math.random(max_id)
  end
  local headers = {}
  headers["Authorization"] = authorizations[math.random(#authorizations)]
  return wrk.format("GET", path, headers)
end

local think_ms = tonumber(os.getenv("BENCH_THINK_MS") or "0") or 0
if think_ms > 0 then
  function delay()
    return math.floor(-think_ms * math.log(1 - math.random()))
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  local sent_total = 0
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"sent": %d, "requests": %d, "duration_us": %d, "p50_us": %.0f, "p95_us": %.0f, '
      .. '"p99_us": %.0f, "max_us": %.0f, "mean_us": %.0f, "errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d}, "statuses": {%s}}\n',
    sent_total, summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status,
    e.timeout, table.concat(parts, ", ")
  ))
end
