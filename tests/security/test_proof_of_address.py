"""Pre-account hijack (SPEC §3 "Proof of address"): somebody registers victim@corp and never
verifies it; the application later invites that address. The squatter must not be able to
join without the link, and when the mailbox's owner proves the address, the squatter's
password, sessions and refresh tokens must die."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tenantry.server.context import Context
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
from tests.security.legacy_sessions import session_from_before

VICTIM = "victim@corp.example"
SQUATTER_PASSWORD = "the squatter's own passphrase"
OWNER_PASSWORD = "the real owner's passphrase"
CODE = re.compile(r"\b(\d{6})\b")
TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")
LINK = re.compile(r"https?://[^/\s]+(/login/link\?token=[A-Za-z0-9_\-]+)")


@pytest.fixture
def rp(site: str) -> Iterator[httpx.Client]:
    """The application's back end (no cookies of anybody)."""
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


def _sign_up(browser: httpx.Client, email: str = VICTIM) -> httpx.Response:
    data = {"email": email, "password": SQUATTER_PASSWORD, "csrf_token": form_token(browser, "/signup")}
    return browser.post("/signup", data=data)


@pytest.fixture
def squatter(site: str, context: Context) -> Iterator[httpx.Client]:
    """A browser that signed up as VICTIM through the hosted page (never verified); its
    password opens no session, so it holds one from before that rule."""
    with httpx.Client(base_url=site, timeout=30) as browser:
        assert _sign_up(browser).status_code == 303
        browser.cookies.set("tenantry_session", session_from_before(context, VICTIM), domain="127.0.0.1")
        assert browser.get("/organizations").status_code == 200
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


def _log_in(browser: httpx.Client, email: str, password: str, next_url: str = "") -> httpx.Response:
    data = {"email": email, "password": password, "csrf_token": form_token(browser, "/login"), "next": next_url}
    return browser.post("/login", data=data)


def _page(response: httpx.Response) -> str:
    """A page without what differs per browser (its CSRF token)."""
    return re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", response.text)


def test_a_password_alone_never_signs_an_unproved_address_in(site, site_api: Api, rp: httpx.Client):
    """The squatter's password leads to the code step of a sign-up (the code goes to the
    mailbox), never to a session or an application's tokens; the code then signs in."""
    app = register(site_api)
    with httpx.Client(base_url=site, timeout=30) as squatter:
        assert _sign_up(squatter).status_code == 303
        after_sign_up = _page(squatter.get("/verify-email"))
    verifier, challenge = pkce()
    with httpx.Client(base_url=site, timeout=30) as browser:
        to_login = authorize(browser, app, challenge)  # an application's sign-in request
        assert to_login.headers["location"].startswith("/login?")
        next_url = parse_qs(urlsplit(to_login.headers["location"]).query)["next"][0]

        answer = _log_in(browser, VICTIM, SQUATTER_PASSWORD, next_url)

        assert answer.status_code == 303 and answer.headers["location"].startswith("/verify-email?")
        assert "tenantry_session" not in browser.cookies and "tenantry_mfa" not in browser.cookies
        assert _page(browser.get("/verify-email")) == after_sign_up  # the sign-up's page, word for word
        assert browser.get("/organizations").headers["location"].startswith("/login")
        assert authorize(browser, app, challenge).headers["location"].startswith("/login?")  # no code
        # whoever reads the mailbox finishes it, and the application's request goes on
        code = CODE.search(_newest(site_api, "verify_email")).group(1)  # type: ignore[union-attr]
        done = browser.post(
            "/verify-email", data={"code": code, "next": next_url, "csrf_token": form_token(browser, "/verify-email")}
        )
        assert done.status_code == 303 and done.headers["location"] == next_url
        tokens = exchange(rp, app, callback_params(browser.get(next_url))["code"], verifier)
        assert tokens.status_code == 200, tokens.text
    assert _password_login(site, SQUATTER_PASSWORD) == 303  # password and mailbox proved together: kept


def test_log_in_answers_do_not_tell_an_unproved_account_from_an_unknown_address(site, site_api: Api):
    """Wrong passwords (of a verified or an unproved account) and unknown addresses answer
    alike; the right password of an unproved account answers as a sign-up does (whether the
    address was new or registered), with the same cookies."""
    assert site_api.signup("known@corp.example", OWNER_PASSWORD).status_code == 201
    with httpx.Client(base_url=site, timeout=30) as browser:
        assert _sign_up(browser).status_code == 303

    def refused(email: str, password: str) -> tuple[int, str]:
        with httpx.Client(base_url=site, timeout=30) as browser:
            answer = _log_in(browser, email, password)
            return answer.status_code, _page(answer).replace(email, "EMAIL")

    wrong = refused("known@corp.example", "not the password at all")
    assert wrong[0] == 401
    assert refused(VICTIM, "not the password at all") == wrong
    assert refused("nobody@corp.example", "not the password at all") == wrong
    assert refused("nobody@corp.example", SQUATTER_PASSWORD) == wrong

    def continued(step: Callable[[httpx.Client], httpx.Response]) -> tuple[int, str, set[str]]:
        with httpx.Client(base_url=site, timeout=30) as browser:
            answer = step(browser)
            return answer.status_code, answer.headers["location"], set(answer.cookies.keys())

    signed_up = continued(lambda b: _sign_up(b, "known@corp.example"))  # a registered address: no account made
    assert signed_up == (303, "/verify-email?next=/organizations", {"tenantry_signup"})
    assert continued(lambda b: _log_in(b, VICTIM, SQUATTER_PASSWORD)) == signed_up


def test_opening_a_magic_link_ends_the_squatters_access(site, site_api: Api, squatter: httpx.Client, rp: httpx.Client):
    app = register(site_api)
    stolen_refresh = _refresh_token(squatter, rp, app)
    site_api.settings(sign_in_methods={"magic_link": True, "magic_link_lifetime_seconds": 300})

    with httpx.Client(base_url=site, timeout=30) as owner:
        owner.post("/login/code", data={"email": VICTIM, "csrf_token": form_token(owner, "/login/code")})
        link = LINK.search(_newest(site_api, "login_code")).group(1)  # type: ignore[union-attr]
        assert owner.get(link).status_code == 303
        assert owner.get("/organizations").status_code == 200

    _assert_squatter_is_out(site, squatter, rp, app, stolen_refresh)
