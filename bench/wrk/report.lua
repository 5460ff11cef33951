
-- Appended to every scenario: counts responses by status per thread, and prints one
-- machine-readable summary line. Scenarios call count(status, body) from response().
local threads = {}
ok, bad, first_bad = 0, 0, ""

function setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

function count(status, body)
  if status == EXPECT then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
    if sample == "" then sample = thread:get("first_bad") end
  end
  local errors = summary.errors
  sample = string.gsub(string.gsub(sample, '\\', '\\\\'), '"', '\\"')
  sample = string.gsub(sample, '[%c]', ' ')
  io.write(string.format(
    'WRKJSON {"duration_us": %d, "ok": %d, "bad": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, "first_bad": "%s"}\n',
    summary.duration, total_ok, total_bad, latency:percentile(50), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, sample))
end
