-- The ceiling: a route that answers a constant JSON object, on the same server stack.
wrk.method = "GET"
wrk.path = "/healthz"

function response(status, headers, body) count(status, body) end
