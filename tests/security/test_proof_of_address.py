"""Pre-account hijack (SPEC §3 "Proof of address"): somebody registers victim@corp and never
verifies it; the application later invites that address. The squatter must not be able to
join without the link, and when the mailbox's owner proves the address, the squatter's
password, sessions and refresh tokens must die."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import Api
from tests.oidc.conftest import (
    App,
    authorize,
    callback_params,
    exchange,
    form_token,
    pkce,
    refresh,
    register,
)

VICTIM = "victim@corp.example"
SQUATTER_PASSWORD = "the squatter's own passphrase"
OWNER_PASSWORD = "the real owner's passphrase"
CODE = re.compile(r"\b(\d{6})\b")
TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


@pytest.fixture
def rp(site: str) -> Iterator[httpx.Client]:
    """The application's back end (no cookies of anybody)."""
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


@pytest.fixture
def squatter(site: str) -> Iterator[httpx.Client]:
    """A browser that signed up as VICTIM through the hosted page (never verified), and is
    signed in with the password it chose (sign-up itself opens no session before the code)."""
    with httpx.Client(base_url=site, timeout=30) as browser:
        response = browser.post(
            "/signup",
            data={"email": VICTIM, "password": SQUATTER_PASSWORD, "csrf_token": form_token(browser, "/signup")},
        )
        assert response.status_code == 303, response.text
        response = browser.post(
            "/login",
            data={"email": VICTIM, "password": SQUATTER_PASSWORD, "csrf_token": form_token(browser, "/login")},
        )
        assert response.status_code == 303, response.text
        assert "tenantry_session" in browser.cookies
        yield browser


def _refresh_token(browser: httpx.Client, rp: httpx.Client, app: App) -> str:
    verifier, challenge = pkce()
    code = callback_params(authorize(browser, app, challenge))["code"]
    tokens = exchange(rp, app, code, verifier)
    assert tokens.status_code == 200, tokens.text
    return str(tokens.json()["refresh_token"])


def _password_login(site: str, password: str) -> int:
    with httpx.Client(base_url=site, timeout=30) as browser:
        return browser.post(
            "/login", data={"email": VICTIM, "password": password, "csrf_token": form_token(browser, "/login")}
        ).status_code


def _newest(api: Api, kind: str) -> str:
    emails = [e for e in api.get("/api/v1/emails", params={"to": VICTIM}).json()["emails"] if e["kind"] == kind]
    assert emails, kind
    return str(emails[-1]["text"])


def _assert_squatter_is_out(site: str, squatter: httpx.Client, rp: httpx.Client, app: App, refresh_token: str) -> None:
    page = squatter.get("/organizations", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert _password_login(site, SQUATTER_PASSWORD) == 401
    assert refresh(rp, app, refresh_token).status_code == 400


def test_an_unverified_account_cannot_join_from_the_switcher(site, site_api: Api, squatter: httpx.Client):
    org = site_api.org("Corp")
    user = site_api.user_in(org["id"], VICTIM, membership={"roles": [{"name": "admin"}]})
    switcher = squatter.get("/organizations")
    assert f"/organizations/{org['id']}/join" in switcher.text  # the invitation is listed ...
    assert "To join, confirm your e-mail address first" in switcher.text  # ... with what it takes

    response = squatter.post(
        f"/organizations/{org['id']}/join", data={"csrf_token": form_token(squatter, "/organizations")}
    )

    assert response.status_code == 403
    assert "Confirm your e-mail address" in response.text and "invitation link" in response.text
    assert site_api.membership(user, org["id"])["membership_status"] == "PENDING_INVITE"


def test_accepting_the_link_ends_the_squatters_password_sessions_and_tokens(
    site, site_api: Api, squatter: httpx.Client, rp: httpx.Client
):
    app = register(site_api)
    stolen_refresh = _refresh_token(squatter, rp, app)
    org = site_api.org("Corp")
    site_api.user_in(org["id"], VICTIM, membership={"roles": [{"name": "admin"}]})
    token = site_api.invitation_token(VICTIM)

    with httpx.Client(base_url=site, timeout=30) as owner:
        page = owner.get("/invitations/accept", params={"token": token})
        assert 'name="password"' in page.text  # the owner chooses the password, not the squatter
        response = owner.post(
            "/invitations/accept",
            data={"token": token, "password": OWNER_PASSWORD, "csrf_token": form_token(owner, "/login")},
        )
        assert response.status_code == 303, response.text
        assert owner.get("/organizations").status_code == 200

    _assert_squatter_is_out(site, squatter, rp, app, stolen_refresh)
    assert _password_login(site, OWNER_PASSWORD) == 303


def test_signing_in_with_an_emailed_code_ends_the_squatters_access(
    site, site_api: Api, squatter: httpx.Client, rp: httpx.Client
):
    app = register(site_api)
    stolen_refresh = _refresh_token(squatter, rp, app)

    with httpx.Client(base_url=site, timeout=30) as owner:
        owner.post("/login/code", data={"email": VICTIM, "csrf_token": form_token(owner, "/login/code")})
        code = CODE.search(_newest(site_api, "login_code")).group(1)  # type: ignore[union-attr]
        response = owner.post(
            "/login/code/verify",
            data={"email": VICTIM, "code": code, "csrf_token": form_token(owner, "/login/code")},
        )
        assert response.status_code == 303, response.text
        assert owner.get("/organizations").status_code == 200

    _assert_squatter_is_out(site, squatter, rp, app, stolen_refresh)


def test_a_password_reset_ends_the_squatters_tokens(site, site_api: Api, squatter: httpx.Client, rp: httpx.Client):
    app = register(site_api)
    stolen_refresh = _refresh_token(squatter, rp, app)

    with httpx.Client(base_url=site, timeout=30) as owner:
        owner.post("/forgot-password", data={"email": VICTIM, "csrf_token": form_token(owner, "/forgot-password")})
        token = TOKEN.search(_newest(site_api, "reset_password")).group(1)  # type: ignore[union-attr]
        response = owner.post(
            "/reset-password",
            data={"token": token, "password": OWNER_PASSWORD, "csrf_token": form_token(owner, "/forgot-password")},
        )
        assert response.status_code == 303, response.text

    _assert_squatter_is_out(site, squatter, rp, app, stolen_refresh)
    assert _password_login(site, OWNER_PASSWORD) == 303


def test_confirming_ones_own_sign_up_keeps_the_password_and_session(site, site_api: Api, squatter: httpx.Client):
    """The code typed in the account's own session proves both the password and the mailbox."""
    code = CODE.search(_newest(site_api, "verify_email")).group(1)  # type: ignore[union-attr]
    response = squatter.post("/verify-email", data={"code": code, "csrf_token": form_token(squatter, "/verify-email")})
    assert response.status_code == 303, response.text
    assert squatter.get("/organizations").status_code == 200
    assert _password_login(site, SQUATTER_PASSWORD) == 303
