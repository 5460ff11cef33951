-- GET /api/v1/organizations/{id}/users: a page of the organization's 10 members.
wrk.method = "GET"
wrk.path = "/api/v1/organizations/" .. ORGANIZATION .. "/users?page_size=10"
wrk.headers["Authorization"] = "Bearer " .. TOKEN

function response(status, headers, body) count(status, body) end
