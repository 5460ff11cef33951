-- POST /api/auth/organization/invite-member on better-auth (bench/node/better_auth/server.mjs):
-- the organization owner's session cookie (COOKIE) invites a fresh address each time as a
-- member of ORGANIZATION. ORIGIN is the server's own origin, as a browser sends it (better-auth
-- refuses a cookie-authenticated POST without it). Done work is a 200 with the invitation.
local path = "/api/auth/organization/invite-member"
local headers = {["Cookie"] = COOKIE, ["Origin"] = ORIGIN, ["Content-Type"] = "application/json"}
local n = 0

function request()
  n = n + 1
  local body = string.format(
    '{"email": "inv-%s-%d-%d@example.com", "role": "member", "organizationId": "%s"}',
    RUN, thread_index or 0, n, ORGANIZATION)
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body) count(status, body) end
