-- POST /oauth/token, grant_type=client_credentials (a new management API token each time).
wrk.method = "POST"
wrk.path = "/oauth/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&client_id=" .. CLIENT_ID .. "&client_secret=" .. CLIENT_SECRET

function response(status, headers, body) count(status, body) end
