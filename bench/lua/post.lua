-- POST a JSON body to `path`, bodies taken round-robin from `bodies` (one per line), each
-- `{seq}` in a body replaced by a run-unique number (thread id and counter), optionally
-- with a bearer token round-robin from `tokens`.
-- With polite=1 a 429 or 503 is followed by a pause of its Retry-After, as a real client
-- would (without it, wrk would resend at once and the refusals themselves would eat the
-- CPU the admitted sign-ins need).
-- Arguments: path=/api/v1/... threads=2 bodies=/file [tokens=/file] [polite=1]
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
local path
local bodies, headers = {}, {}
local sent = 0
local polite, pause_ms = false, 0

setup = common.setup
done = common.done

function response(status, headers, body)
  common.count(status, headers)
  if polite and (status == 429 or status == 503) then
    pause_ms = 1000 * (tonumber(headers["Retry-After"] or headers["retry-after"]) or 1)
  end
end

function delay()
  local ms = pause_ms
  pause_ms = 0
  return ms
end

function init(args)
  local options = common.options(args)
  path = options.path
  polite = options.polite == "1"
  local threads = tonumber(options.threads)
  bodies = common.slice(common.lines(options.bodies), threads)
  if options.tokens then
    for _, token in ipairs(common.slice(common.lines(options.tokens), threads)) do
      table.insert(headers, { ["Content-Type"] = "application/json",
                              ["User-Agent"] = common.USER_AGENT,
                              Authorization = "Bearer " .. token })
    end
  else
    headers = { { ["Content-Type"] = "application/json", ["User-Agent"] = common.USER_AGENT } }
  end
end

function request()
  sent = sent + 1
  local body = bodies[(sent - 1) % #bodies + 1]
  if string.find(body, "{seq}", 1, true) then
    body = string.gsub(body, "{seq}", id .. "-" .. sent)
  end
  return wrk.format("POST", path, headers[(sent - 1) % #headers + 1], body)
end
