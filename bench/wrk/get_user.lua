-- GET /api/v1/users/{id} with a management API token.
wrk.method = "GET"
wrk.path = "/api/v1/users/" .. USER
wrk.headers["Authorization"] = "Bearer " .. TOKEN

function response(status, headers, body) count(status, body) end
