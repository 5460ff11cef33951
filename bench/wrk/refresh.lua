-- POST /oauth/token, grant_type=refresh_token. Refresh tokens rotate: every answer carries
-- the next token of its family, which goes back into the queue for a later request.
-- REFRESH_TOKENS holds the starting tokens: more than one per connection, because wrk asks
-- for a new request (and so takes a token that is then never sent) when a connection was
-- not writable yet; those unsent tokens are simply not used.
local queue, head, tail = {}, 1, 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic " .. BASIC}

function init(args)
  for _, token in ipairs(REFRESH_TOKENS) do
    tail = tail + 1
    queue[tail] = token
  end
end

function request()
  local token = queue[head] or "chain-broken"  -- a failed answer ends its family; this one fails too
  queue[head] = nil
  if head <= tail then head = head + 1 end
  return wrk.format("POST", "/oauth/token", headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  count(status, body)
  local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    tail = tail + 1
    queue[tail] = token
  end
end
