-- Shared by every workload script: key=value arguments, per-thread slices of a file,
-- per-thread status counts, and one JSON line ("BENCH_JSON {...}") when wrk is done.
-- Each wrk thread runs its own Lua state: `counts` and `retry_after` are globals there,
-- read back by done() through thread:get().

local M = {}
local threads = {}

-- Real clients name themselves; sign-in parses it into the device session.
M.USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

counts = {}
retry_after = 0

function M.setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function M.options(args)
  local found = {}
  for _, arg in pairs(args) do
    local key, value = string.match(arg, "^([%w_]+)=(.*)$")
    if key then
      found[key] = value
    end
  end
  return found
end

function M.lines(path)
  local items = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(items, line)
    end
  end
  return items
end

-- The items this thread owns: every n-th one, starting at its own id, so two threads
-- never share a refresh token and logins rotate over disjoint users.
function M.slice(items, n)
  local mine = {}
  for i = id + 1, #items, n do
    table.insert(mine, items[i])
  end
  if #mine == 0 then
    error("thread " .. id .. " got no items: give at least one per thread")
  end
  return mine
end

function M.count(status, headers)
  counts[status] = (counts[status] or 0) + 1
  if status >= 300 and (headers["Retry-After"] or headers["retry-after"]) then
    retry_after = retry_after + 1
  end
end

local function encode(map)
  local parts = {}
  for key, value in pairs(map) do
    if value ~= value then
      value = "null" -- NaN, e.g. the mean latency of a run that completed nothing
    end
    table.insert(parts, string.format('"%s": %s', tostring(key), tostring(value)))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function M.done(summary, latency, requests)
  local statuses, retried = {}, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts") or {}) do
      statuses[status] = (statuses[status] or 0) + n
    end
    retried = retried + (thread:get("retry_after") or 0)
  end
  local errors = summary.errors
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    connect_errors = errors.connect,
    read_errors = errors.read,
    write_errors = errors.write,
    timeouts = errors.timeout,
    non_2xx_3xx = errors.status,
    p50_us = latency:percentile(50),
    p90_us = latency:percentile(90),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    mean_us = latency.mean,
    retry_after = retried,
    statuses = encode(statuses),
  }
  io.write("BENCH_JSON " .. encode(result) .. "\n")
end

return M
