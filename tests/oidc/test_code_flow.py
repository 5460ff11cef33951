"""The authorization code flow end to end, as a relying party sees it."""

from __future__ import annotations

from tests.oidc.conftest import (
    CALLBACK,
    authorize,
    callback_params,
    exchange,
    pkce,
    refresh,
    register,
    sign_in,
    verify,
)


def test_discovery_and_keys(rp):
    config = rp.get("/.well-known/openid-configuration").json()
    issuer = config["issuer"]
    assert str(rp.base_url).rstrip("/") == issuer
    assert config["authorization_endpoint"] == f"{issuer}/oauth/authorize"
    assert config["token_endpoint"] == f"{issuer}/oauth/token"
    assert config["jwks_uri"] == f"{issuer}/keys"
    assert config["response_types_supported"] == ["code"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["authorization_response_iss_parameter_supported"] is True
    keys = rp.get("/keys").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0]  # never the private part


def test_a_user_signs_in_and_the_tokens_name_them_their_organization_and_roles(site_api, browser, rp):
    site_api.post("/api/v1/user-attributes", json={"key": "department", "display_name": "Department", "type": "string"})
    user = site_api.signup(
        "ada@example.com",
        "a long and unusual passphrase",
        user_profile={"given_name": "Ada", "family_name": "Lovelace", "custom_attributes": {"department": "Engines"}},
        organization={"display_name": "Analytical"},
    ).json()
    org_id = user["organization"]["id"]
    app = register(site_api)
    sign_in(browser, "ada@example.com")
    verifier, challenge = pkce()

    params = callback_params(authorize(browser, app, challenge, nonce="n0nce"))
    assert params["state"] == "st4te"
    assert params["iss"] == str(rp.base_url).rstrip("/")  # RFC 9207
    tokens = exchange(rp, app, params["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"].lower() == "bearer" and body["expires_in"] == 900
    assert body["refresh_token"]

    id_token = verify(rp, body["id_token"], aud=[app.client_id], nonce="n0nce", sub=user["user"]["id"])
    assert id_token["email"] == "ada@example.com" and id_token["email_verified"] is True
    assert id_token["given_name"] == "Ada" and id_token["name"] == "Ada Lovelace"
    assert id_token["oid"] == org_id and id_token["sid"]
    assert id_token["custom_attributes"] == {"department": "Engines"}

    access = verify(rp, body["access_token"], sub=user["user"]["id"], client_id=app.client_id, oid=org_id)
    assert access["roles"] == ["admin"]
    assert access["sid"] == id_token["sid"]

    info = rp.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    assert info.json()["sub"] == user["user"]["id"]
    assert info.json()["oid"] == org_id
    assert info.json()["email"] == "ada@example.com"
    assert rp.get("/userinfo", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_codes_work_once_and_only_with_their_verifier(site_api, browser, rp):
    site_api.signup("bob@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "bob@example.com")
    verifier, challenge = pkce()

    code = callback_params(authorize(browser, app, challenge))["code"]
    wrong = exchange(rp, app, code, "x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert exchange(rp, app, code, verifier).json()["error"] == "invalid_grant"  # the failed try used it up

    code = callback_params(authorize(browser, app, challenge))["code"]
    assert exchange(rp, app, code, verifier).status_code == 200
    again = exchange(rp, app, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_codes_expire_after_a_minute(site_api, browser, rp, clock):
    site_api.signup("cy@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "cy@example.com")
    verifier, challenge = pkce()
    code = callback_params(authorize(browser, app, challenge))["code"]
    clock.advance(seconds=61)
    assert exchange(rp, app, code, verifier).json()["error"] == "invalid_grant"


def test_public_clients_must_use_pkce_with_s256(site_api, browser, rp):
    site_api.signup("dee@example.com", "a long and unusual passphrase")
    app = register(site_api, public=True)
    assert app.client_secret is None
    sign_in(browser, "dee@example.com")

    refused = callback_params(authorize(browser, app, None))
    assert refused["error"] == "invalid_request" and refused["state"] == "st4te"
    plain = callback_params(authorize(browser, app, None, code_challenge="a" * 43, code_challenge_method="plain"))
    assert plain["error"] == "invalid_request"

    verifier, challenge = pkce()
    code = callback_params(authorize(browser, app, challenge))["code"]
    assert exchange(rp, app, code, None).json()["error"] == "invalid_request"  # no verifier
    code = callback_params(authorize(browser, app, challenge))["code"]
    tokens = exchange(rp, app, code, verifier)
    assert tokens.status_code == 200, tokens.text


def test_redirect_uris_must_match_exactly_and_bad_clients_get_no_redirect(site_api, browser):
    site_api.signup("eve@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "eve@example.com")
    _, challenge = pkce()
    for redirect_uri in (CALLBACK + "/extra", CALLBACK + "?x=1", "https://evil.example/callback"):
        response = authorize(browser, app, challenge, redirect_uri=redirect_uri)
        assert response.status_code == 400  # an error page here, never a redirect to the unknown URI
        assert "location" not in response.headers
    unknown = authorize(browser, type(app)("app_unknown", None), challenge)
    assert unknown.status_code == 400 and "location" not in unknown.headers
    implicit = authorize(browser, app, challenge, response_type="token")
    assert callback_params(implicit)["error"] == "unsupported_response_type"


def test_refresh_tokens_rotate_and_a_replayed_one_revokes_the_family(site_api, browser, rp):
    site_api.signup("fay@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "fay@example.com")
    verifier, challenge = pkce()
    first = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()

    second = refresh(rp, app, first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    third = refresh(rp, app, second["refresh_token"]).json()

    replay = refresh(rp, app, first["refresh_token"])  # stolen and replayed
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert refresh(rp, app, third["refresh_token"]).json()["error"] == "invalid_grant"  # the family is dead

    # A separate sign-in has its own family and is untouched.
    other = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()
    assert refresh(rp, app, other["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token(site_api, browser, rp):
    site_api.signup("gil@example.com", "a long and unusual passphrase")
    app = register(site_api)
    other_app = register(site_api)
    sign_in(browser, "gil@example.com")
    verifier, challenge = pkce()
    tokens = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()
    by_other = rp.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=(other_app.client_id, other_app.client_secret)
    )
    assert by_other.status_code == 400  # not its token
    revoked = rp.post(
        "/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(app.client_id, app.client_secret),
    )
    assert revoked.status_code == 200
    assert refresh(rp, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_wrong_client_secret_is_refused(site_api, browser, rp):
    site_api.signup("hal@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "hal@example.com")
    verifier, challenge = pkce()
    code = callback_params(authorize(browser, app, challenge))["code"]
    app.client_secret = "tas_wrong"
    response = exchange(rp, app, code, verifier)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_replayed_nonce_is_refused(site_api, browser):
    site_api.signup("ivy@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "ivy@example.com")
    _, challenge = pkce()
    assert "code" in callback_params(authorize(browser, app, challenge, nonce="same"))
    assert callback_params(authorize(browser, app, challenge, nonce="same"))["error"] == "invalid_request"
