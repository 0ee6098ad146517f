-- POST /auth/refresh without ever presenting a token twice: each thread keeps a pool of
-- refresh tokens (its slice of `tokens`, one session each). A request takes one out of
-- the pool; a 200 puts the rotated token back. A token that failed is dropped, so reuse
-- detection never fires; an empty pool sends a token that cannot exist (counted as a
-- 401). Give each thread more sessions than connections.
-- Arguments: path=/api/v1/auth/refresh threads=2 tokens=/file
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")
local path
local pool = {}
local json_headers

setup = common.setup
done = common.done

function init(args)
  local options = common.options(args)
  path = options.path
  json_headers = { ["Content-Type"] = "application/json", ["User-Agent"] = common.USER_AGENT }
  pool = common.slice(common.lines(options.tokens), tonumber(options.threads))
end

function request()
  local token = table.remove(pool) or "pool-exhausted"
  return wrk.format("POST", path, json_headers, '{"refresh_token": "' .. token .. '"}')
end

function response(status, headers, body)
  common.count(status, headers)
  if status == 200 then
    local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      table.insert(pool, token)
    end
  end
end
