-- POST /api/v1/organizations/{id}/users: a new user invited into an organization with a
-- seat limit (seat check, invitation token, e-mail into the outbox), a fresh address each time.
local path = "/api/v1/organizations/" .. ORGANIZATION .. "/users"
local headers = {["Authorization"] = "Bearer " .. TOKEN, ["Content-Type"] = "application/json"}
local n = 0

function request()
  n = n + 1
  local body = string.format('{"email": "inv-%s-%d-%d@example.com"}', RUN, thread_index or 0, n)
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body) count(status, body) end
