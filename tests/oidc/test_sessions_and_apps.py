"""Authorization needs a signed-in user who has chosen an organization; logout; keys;
registering applications."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.oidc.conftest import (
    CALLBACK,
    LOGOUT_TARGET,
    authorize,
    callback_params,
    exchange,
    form_token,
    pkce,
    refresh,
    register,
    sign_in,
    verify,
)


def test_without_a_session_the_user_is_sent_to_sign_in_and_back(site_api, browser):
    site_api.signup("ada@example.com", "a long and unusual passphrase")
    app = register(site_api)
    _, challenge = pkce()
    response = authorize(browser, app, challenge, login_hint="ada@example.com")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    query = parse_qs(location.query)
    assert query["login_hint"] == ["ada@example.com"]
    assert query["next"][0].startswith("/oauth/authorize?")
    assert 'value="ada@example.com"' in browser.get(response.headers["location"]).text  # prefilled
    sign_in(browser, "ada@example.com")
    assert "code" in callback_params(browser.get(query["next"][0]))


def test_prompt_values(site_api, browser):
    site_api.signup("bo@example.com", "a long and unusual passphrase")
    app = register(site_api)
    _, challenge = pkce()
    none = callback_params(authorize(browser, app, challenge, prompt="none"))
    assert none["error"] == "login_required" and none["state"] == "st4te"
    create = authorize(browser, app, challenge, prompt="create")
    assert create.status_code == 303 and create.headers["location"].startswith("/signup?next=")
    sign_in(browser, "bo@example.com")
    again = authorize(browser, app, challenge, prompt="login")
    assert again.status_code == 303 and again.headers["location"].startswith("/login?")
    assert "prompt" not in parse_qs(urlsplit(again.headers["location"]).query)["next"][0]


def test_a_member_of_several_organizations_chooses_one_and_the_tokens_name_it(site_api, browser, rp):
    user = site_api.signup(
        "cy@example.com", "a long and unusual passphrase", organization={"display_name": "First"}
    ).json()
    second = site_api.org("Second")["id"]
    site_api.post(
        f"/api/v1/memberships/organizations/{second}/users/{user['user']['id']}",
        params={"send_invitation_email": "false"},
        json={"roles": [{"name": "member"}]},
    )
    app = register(site_api)
    sign_in(browser, "cy@example.com")
    verifier, challenge = pkce()

    chooser = authorize(browser, app, challenge)
    assert chooser.status_code == 303
    assert chooser.headers["location"].startswith("/organizations?next=")
    page = browser.get(chooser.headers["location"]).text
    assert "Choose the organization to continue with" in page and "Second" in page
    next_url = parse_qs(urlsplit(chooser.headers["location"]).query)["next"][0]
    picked = browser.post(
        "/organizations/switch",
        data={"organization_id": second, "next": next_url, "csrf_token": form_token(browser, "/organizations")},
    )
    assert picked.status_code == 303
    assert f"organization_id={second}" in picked.headers["location"]
    tokens = exchange(rp, app, callback_params(browser.get(picked.headers["location"]))["code"], verifier).json()
    assert verify(rp, tokens["access_token"], oid=second)["roles"] == ["member"]
    assert verify(rp, tokens["id_token"])["oid"] == second

    # A hint for an organization the user is in skips the question; select_account asks again.
    first = user["organization"]["id"]
    hinted = exchange(
        rp, app, callback_params(authorize(browser, app, challenge, organization_id=first))["code"], verifier
    ).json()
    assert verify(rp, hinted["access_token"], oid=first)["roles"] == ["admin"]
    asked = authorize(browser, app, challenge, organization_id=first, prompt="select_account")
    assert asked.headers["location"].startswith("/organizations?next=")
    # No page may be shown (silent SSO): the session's current organization (the hinted one).
    silent = callback_params(authorize(browser, app, challenge, prompt="none"))["code"]
    assert verify(rp, exchange(rp, app, silent, verifier).json()["access_token"])["oid"] == first
    # A hint for someone else's organization is answered with an error, never another one.
    stranger = site_api.org("Not yours")["id"]
    refused = callback_params(authorize(browser, app, challenge, organization_id=stranger))
    assert refused["error"] == "access_denied" and refused["state"] == "st4te" and "code" not in refused


def test_rp_initiated_logout_ends_the_session_and_its_refresh_tokens(site_api, browser, rp):
    site_api.signup("di@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "di@example.com")
    verifier, challenge = pkce()
    tokens = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()

    confirm = browser.get(
        "/oidc/logout",
        params={"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_TARGET, "state": "bye"},
    )
    assert confirm.status_code == 200 and "Sign out?" in confirm.text
    assert browser.get("/organizations").status_code == 200  # a GET alone signs nobody out
    done = browser.post(
        "/oidc/logout",
        data={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": LOGOUT_TARGET,
            "state": "bye",
            "csrf_token": form_token(browser, "/oidc/logout"),
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{LOGOUT_TARGET}?state=bye"
    assert browser.get("/organizations").headers["location"].startswith("/login")
    assert refresh(rp, app, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_logout_never_redirects_to_an_unregistered_address(site_api, browser, rp):
    site_api.signup("ed@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "ed@example.com")
    verifier, challenge = pkce()
    tokens = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()
    done = browser.post(
        "/oidc/logout",
        data={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
            "csrf_token": form_token(browser, "/oidc/logout"),
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"


def test_key_rotation_keeps_old_tokens_verifiable(site_api, browser, rp):
    site_api.signup("flo@example.com", "a long and unusual passphrase")
    app = register(site_api)
    sign_in(browser, "flo@example.com")
    verifier, challenge = pkce()
    before = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()
    old_kid = rp.get("/keys").json()["keys"][0]["kid"]

    rotated = site_api.post("/api/v1/signing-keys:rotate")
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    assert {k["kid"] for k in rp.get("/keys").json()["keys"]} == {old_kid, new_kid}
    verify(rp, before["id_token"])  # still verifiable

    after = exchange(rp, app, callback_params(authorize(browser, app, challenge))["code"], verifier).json()
    from joserfc import jws

    assert jws.extract_compact(after["access_token"].encode()).headers()["kid"] == new_kid
    verify(rp, after["access_token"])


def test_registering_applications(site_api, rp):
    for bad in (["http://example.com/cb"], ["https://example.com/cb#frag"], ["not a uri"], []):
        response = site_api.post("/api/v1/applications", json={"name": "X", "redirect_uris": bad})
        assert response.status_code == 400, bad
        assert response.json()["details"][0]["field"].startswith("redirect_uris")
    app = register(site_api, redirect_uris=[CALLBACK, "https://app.example.com/cb", "com.example.app:/cb"])
    listed = site_api.get("/api/v1/applications").json()
    assert listed["total_size"] == 1 and listed["applications"][0]["id"] == app.client_id
    assert "client_secret" not in listed["applications"][0]
    patched = site_api.patch(f"/api/v1/applications/{app.client_id}", json={"name": "Renamed"})
    assert patched.json()["application"]["name"] == "Renamed"
    rotated = site_api.post(f"/api/v1/applications/{app.client_id}:rotate-secret").json()
    assert rotated["client_secret"] and rotated["client_secret"] != app.client_secret
    public = register(site_api, public=True)
    assert (
        site_api.post(f"/api/v1/applications/{public.client_id}:rotate-secret").json()["code"] == "failed_precondition"
    )
    assert site_api.delete(f"/api/v1/applications/{app.client_id}").status_code == 200
    assert site_api.get(f"/api/v1/applications/{app.client_id}").status_code == 404
