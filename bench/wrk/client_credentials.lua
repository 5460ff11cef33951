-- POST /oauth/token, grant_type=client_credentials (a new management API token each time).
-- Credentials in the form (CLIENT_ID, CLIENT_SECRET) or, when BASIC is set (base64 of
-- "id:secret"), in HTTP Basic: the request bench/ceilings.py sends Tenantry and oidc-provider alike.
wrk.method = "POST"
wrk.path = "/oauth/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
if BASIC then
  wrk.headers["Authorization"] = "Basic " .. BASIC
  wrk.body = "grant_type=client_credentials"
else
  wrk.body = "grant_type=client_credentials&client_id=" .. CLIENT_ID .. "&client_secret=" .. CLIENT_SECRET
end

function response(status, headers, body) count(status, body) end
