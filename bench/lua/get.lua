-- GET `path`, with a bearer token taken round-robin from `tokens` (one per line) when
-- that file is given. Arguments: path=/api/v1/me threads=2 [tokens=/file]
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
local prepared = {}
local next_one = 0

setup = common.setup
done = common.done
response = common.count

function init(args)
  local options = common.options(args)
  if options.tokens then
    for _, token in ipairs(common.slice(common.lines(options.tokens), tonumber(options.threads))) do
      local headers = { Authorization = "Bearer " .. token, ["User-Agent"] = common.USER_AGENT }
      table.insert(prepared, wrk.format("GET", options.path, headers))
    end
  else
    table.insert(prepared, wrk.format("GET", options.path, { ["User-Agent"] = common.USER_AGENT }))
  end
end

function request()
  next_one = next_one % #prepared + 1
  return prepared[next_one]
end
