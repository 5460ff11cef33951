-- POST /login on the hosted pages with a right password (argon2id verification, new
-- browser session, 303 to the next page). The CSRF cookie and token are a browser's own.
wrk.method = "POST"
wrk.path = "/login"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "tenantry_csrf=" .. CSRF_COOKIE
wrk.body = "email=" .. EMAIL .. "&password=" .. PASSWORD .. "&csrf_token=" .. CSRF_TOKEN

function response(status, headers, body) count(status, body) end
