"""Two-step verification against attempts to get around it (SPEC §13, ASVS V6/V7): a TOTP
code replayed, a recovery code reused, the second step skipped, pending sign-ins swapped
between browsers or used after expiry; and the ID token saying how the user signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pyotp
import pytest

from tests.conftest import FakeClock
from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, authorize, callback_params, exchange, form_token, pkce, register, verify

SECRET = re.compile(r"data-totp-secret>([A-Z2-7]+)<")
RECOVERY = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def _password_step(browser: httpx.Client, email: str, next_url: str = "/organizations") -> httpx.Response:
    token = form_token(browser, "/login")
    return browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": next_url})


def _code_step(browser: httpx.Client, code: str) -> httpx.Response:
    token = form_token(browser, "/login")  # the CSRF token is per browser; the page may be gone
    return browser.post("/login/mfa", data={"code": code, "csrf_token": token, "next": "/organizations"})


def _enrolled(browser: httpx.Client, email: str, clock: FakeClock) -> tuple[pyotp.TOTP, list[str]]:
    """Sign in under the ``required`` policy: enrol during sign-in; the authenticator and the codes."""
    assert _password_step(browser, email).headers["location"].startswith("/login/mfa?")
    assert "tenantry_session" not in browser.cookies  # half signed in: no session
    page = browser.get("/login/mfa")
    assert page.status_code == 200
    totp = pyotp.TOTP(SECRET.search(page.text).group(1))  # type: ignore[union-attr]
    done = _code_step(browser, totp.at(clock.now()))
    assert done.status_code == 200, done.text
    assert "tenantry_session" in browser.cookies
    codes = RECOVERY.findall(done.text)
    assert len(codes) == 10
    return totp, codes


@pytest.fixture
def users(site_api: Api) -> Iterator[Api]:
    for email in ("ada@example.com", "eve@example.com"):
        assert site_api.signup(email, PASSWORD, organization={"display_name": email}).status_code == 201
    assert site_api.patch("/api/v1/environment/settings", json={"mfa": "required"}).status_code == 200
    yield site_api


def test_totp_replay_recovery_reuse_and_expiry(site: str, users: Api, clock: FakeClock) -> None:
    with httpx.Client(base_url=site) as ada:
        totp, codes = _enrolled(ada, "ada@example.com", clock)
    used = totp.at(clock.now())
    with httpx.Client(base_url=site) as again:  # the enrolment's code, replayed in the same 30 s
        assert _password_step(again, "ada@example.com").status_code == 303
        refused = _code_step(again, used)
        assert refused.status_code == 400 and "already used" in refused.text
        assert "tenantry_session" not in again.cookies
        clock.advance(seconds=30)
        fresh = totp.at(clock.now())
        assert _code_step(again, fresh).status_code == 303
        assert "tenantry_session" in again.cookies
    with httpx.Client(base_url=site) as third:  # that code once more, still within ±1 step
        _password_step(third, "ada@example.com")
        assert _code_step(third, fresh).status_code == 400
        assert _code_step(third, codes[0].upper()).status_code == 303  # a recovery code, typed loosely
    with httpx.Client(base_url=site) as fourth:  # the recovery code is used up
        _password_step(fourth, "ada@example.com")
        assert _code_step(fourth, codes[0]).status_code == 400
        clock.advance(minutes=11)  # the pending sign-in expired: even a good code is refused
        expired = _code_step(fourth, codes[1])
        assert expired.status_code == 400 and "tenantry_session" not in fourth.cookies
        assert "Sign in again" in expired.text


def test_skipping_the_step_and_swapping_pending_sign_ins(site: str, users: Api, clock: FakeClock) -> None:
    with httpx.Client(base_url=site) as ada, httpx.Client(base_url=site) as eve:
        ada_totp, _ = _enrolled(ada, "ada@example.com", clock)
        eve_totp, _ = _enrolled(eve, "eve@example.com", clock)
        clock.advance(seconds=60)
        # Eve knows Ada's password: the first step gives her a pending sign-in, no session.
        eve.cookies.clear()
        _password_step(eve, "ada@example.com")
        assert "tenantry_session" not in eve.cookies
        for path in ("/organizations", "/profile"):  # skipping the second step leads back to sign-in
            assert eve.get(path).headers["location"].startswith("/login")
        # Her own account's code does not finish Ada's sign-in.
        assert _code_step(eve, eve_totp.at(clock.now())).status_code == 400
        # Eve's pending cookie in Ada's signed-in browser: Ada's session is no second factor for it.
        ada.cookies.set("tenantry_mfa", eve.cookies["tenantry_mfa"])
        assert _code_step(ada, eve_totp.at(clock.now())).status_code == 400
        # The pending cookie is no session cookie either.
        with httpx.Client(base_url=site, cookies={"tenantry_session": eve.cookies["tenantry_mfa"]}) as forged:
            assert forged.get("/profile").headers["location"].startswith("/login")
        # Five wrong codes end the pending sign-in; the password still starts a new one.
        for _ in range(3):
            _code_step(eve, "000000")
        assert "Sign in again" in _code_step(eve, ada_totp.at(clock.now())).text
        eve.cookies.clear()
        assert _password_step(eve, "ada@example.com").status_code == 303


def test_id_token_says_mfa_and_max_age_and_acr_values_ask_again(site: str, site_api: Api, clock: FakeClock) -> None:
    app = register(site_api)
    assert site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
    assert site_api.patch("/api/v1/environment/settings", json={"mfa": "optional"}).status_code == 200
    with httpx.Client(base_url=site) as browser:
        _password_step(browser, "ada@example.com")  # optional and not enrolled: signed in at once
        assert "tenantry_session" in browser.cookies
        verifier, challenge = pkce()
        # The application asks for MFA: the single-factor session steps up (enrolment first here).
        step = authorize(browser, app, challenge, acr_values="mfa")
        assert step.headers["location"].startswith("/login/mfa/step-up?")
        to_code = browser.get(step.headers["location"])
        assert to_code.headers["location"].startswith("/login/mfa?")
        page = browser.get("/login/mfa")
        totp = pyotp.TOTP(SECRET.search(page.text).group(1))  # type: ignore[union-attr]
        assert _code_step(browser, totp.at(clock.now())).status_code == 200
        params = callback_params(authorize(browser, app, challenge, acr_values="mfa"))
        tokens = exchange(browser, app, params["code"], verifier).json()
        claims = verify(browser, tokens["id_token"])
        assert set(claims["amr"]) >= {"pwd", "otp", "mfa"}
        assert claims["acr"] == "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
        # max_age: a session older than that signs in again, second factor included.
        clock.advance(seconds=120)
        again = authorize(browser, app, challenge, max_age="60")
        assert again.headers["location"].startswith("/login?")
        assert _password_step(browser, "ada@example.com").headers["location"].startswith("/login/mfa?")
        assert _code_step(browser, totp.at(clock.now())).status_code == 303
        fresh = callback_params(authorize(browser, app, challenge, max_age="60"))
        claims = verify(browser, exchange(browser, app, fresh["code"], verifier).json()["id_token"])
        assert "mfa" in claims["amr"] and claims["auth_time"] >= int(clock.now().timestamp()) - 1


def test_organization_requirement_and_reset_through_the_sdk(site: str, site_api: Api, clock: FakeClock) -> None:
    from tenantry import Client
    from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET

    ada = site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Strict"}).json()
    assert site_api.signup("eve@example.com", PASSWORD, organization={"display_name": "Lax"}).status_code == 201
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        sdk.settings.update(mfa="optional")
        assert sdk.mfa.update_organization_settings(ada["organization"]["id"], mfa_required=True).mfa_required
        with httpx.Client(base_url=site) as browser:  # Eve's organization does not require it
            assert _password_step(browser, "eve@example.com").headers["location"] == "/organizations"
        with httpx.Client(base_url=site) as browser:  # Ada's does: she enrols while signing in
            _enrolled(browser, "ada@example.com", clock)
        user_id = ada["user"]["id"]
        assert [f.type for f in sdk.mfa.list_factors(user_id)] == ["totp"]
        sdk.mfa.reset(user_id)  # a lost phone
        assert sdk.mfa.list_factors(user_id) == []
        with httpx.Client(base_url=site) as browser:  # required still: the next sign-in enrols afresh
            _enrolled(browser, "ada@example.com", clock)
    events = [e["type"] for e in site_api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert {"user.mfa_enrolled", "user.mfa_removed"} <= set(events)


def test_administrators_must_set_up_totp_then_sign_in_with_it(site: str, site_api: Api, context, clock) -> None:  # type: ignore[no-untyped-def]
    from tenantry.server.services.identity import admins

    admins.create(context, "root@ops.example", PASSWORD)
    assert site_api.patch("/api/v1/environment/settings", json={"admin_mfa_required": True}).status_code == 200

    def sign_in(browser: httpx.Client, code: str = "") -> httpx.Response:
        token = form_token(browser, "/admin/login")
        form = {"email": "root@ops.example", "password": PASSWORD, "code": code, "csrf_token": token}
        return browser.post("/admin/login", data=form)

    with httpx.Client(base_url=site) as browser:
        assert sign_in(browser).status_code == 303
        assert browser.get("/admin/organizations").headers["location"] == "/admin/mfa"  # only the set-up is open
        begun = browser.post("/admin/mfa/begin", data={"csrf_token": form_token(browser, "/admin/mfa")})
        totp = pyotp.TOTP(SECRET.search(begun.text).group(1))  # type: ignore[union-attr]
        token = form_token(browser, "/admin/mfa")
        assert (
            browser.post("/admin/mfa/setup", data={"code": totp.at(clock.now()), "csrf_token": token}).status_code
            == 303
        )
        assert browser.get("/admin/organizations").status_code == 200
    with httpx.Client(base_url=site) as browser:
        assert sign_in(browser).status_code == 401  # the password alone is not enough now
        assert sign_in(browser, totp.at(clock.now())).status_code == 401  # the set-up's code, replayed
        clock.advance(seconds=30)
        assert sign_in(browser, totp.at(clock.now())).status_code == 303
        assert browser.get("/admin/organizations").status_code == 200


def test_password_reset_does_not_skip_the_second_factor(site: str, users: Api, clock: FakeClock) -> None:
    from tests.pages.conftest import latest_email, link_in

    with httpx.Client(base_url=site) as browser:
        _enrolled(browser, "ada@example.com", clock)
    with httpx.Client(base_url=site) as browser:  # someone with the mailbox only
        token = form_token(browser, "/forgot-password")
        browser.post("/forgot-password", data={"email": "ada@example.com", "csrf_token": token})
        link = link_in(latest_email(users, "ada@example.com", "reset_password"))
        reset_token = link.split("token=", 1)[1]
        done = browser.post(
            "/reset-password",
            data={"token": reset_token, "password": "another long passphrase", "csrf_token": form_token(browser, link)},
        )
        assert done.headers["location"].startswith("/login/mfa?")
        assert "tenantry_session" not in browser.cookies


def _log_in(site: str, email: str, password: str) -> tuple[int, str | None, list[str], str]:
    """What a visitor sees for a password log-in: status, destination, cookies set, page."""
    with httpx.Client(base_url=site, timeout=30) as browser:
        data = {"email": email, "password": password, "csrf_token": form_token(browser, "/login")}
        answer = browser.post("/login", data=data)
        page = re.sub(r'name="csrf_token" value="[0-9a-f]+"', "", answer.text).replace(email, "ADDRESS")
        return answer.status_code, answer.headers.get("location"), sorted(answer.cookies.keys()), page


def _squat(browser: httpx.Client, email: str) -> None:
    """Sign ``email`` up on the hosted page, as somebody who does not own it would."""
    data = {"email": email, "password": PASSWORD, "csrf_token": form_token(browser, "/signup")}
    assert browser.post("/signup", data=data).status_code == 303


def test_with_mfa_required_log_in_does_not_tell_addresses_apart(site: str, site_api: Api) -> None:
    """Under the ``required`` policy (and an organization requiring it): an unknown address,
    a wrong password (of an enrolled-to-be account or of an unproved one) answer alike; only
    the right password reaches a second step — the enrolment for a proved address, the
    e-mailed code (as after sign-up) for an unproved one, never its enrolment."""
    ada = site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Strict"}).json()
    strict = f"/api/v1/organizations/{ada['organization']['id']}/settings/mfa"
    assert site_api.patch(strict, json={"settings": {"mfa_required": True}}).status_code == 200
    site_api.settings(mfa="required")
    with httpx.Client(base_url=site, timeout=30) as squatter:
        _squat(squatter, "victim@example.com")

    refused = _log_in(site, "nobody@example.com", "a wrong passphrase")
    assert refused[:3] == (401, None, [])
    assert _log_in(site, "ada@example.com", "a wrong passphrase") == refused
    assert _log_in(site, "victim@example.com", "a wrong passphrase") == refused
    assert _log_in(site, "nobody@example.com", PASSWORD) == refused

    unproved = _log_in(site, "victim@example.com", PASSWORD)
    assert unproved[:3] == (303, "/verify-email?next=/organizations", ["tenantry_signup"])
    enrol = _log_in(site, "ada@example.com", PASSWORD)
    assert enrol[0] == 303 and enrol[1].startswith("/login/mfa?")  # type: ignore[union-attr]
    assert "tenantry_mfa" in enrol[2] and "tenantry_session" not in enrol[2]


def test_proving_the_address_removes_the_squatters_authenticator(
    site: str, site_api: Api, context, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    """A squatter holding a session of an unproved account (from before its password stopped
    opening one) enrolled an authenticator: the owner's proof of address removes it, so it
    neither stands between the owner and the account nor keeps a way in."""
    from tests.pages.conftest import code_in, latest_email
    from tests.security.legacy_sessions import session_from_before

    site_api.settings(mfa="optional")
    with httpx.Client(base_url=site, timeout=30) as squatter:
        _squat(squatter, "victim@example.com")
        squatter.cookies.set("tenantry_session", session_from_before(context, "victim@example.com"), domain="127.0.0.1")
        begun = squatter.post("/profile/mfa/begin", data={"csrf_token": form_token(squatter, "/profile/mfa")})
        totp = pyotp.TOTP(SECRET.search(begun.text).group(1))  # type: ignore[union-attr]
        token = form_token(squatter, "/profile/mfa")
        enrolled = squatter.post("/profile/mfa/setup", data={"code": totp.at(clock.now()), "csrf_token": token})
        assert enrolled.status_code == 200 and RECOVERY.findall(enrolled.text)

    with httpx.Client(base_url=site, timeout=30) as owner:  # the mailbox's owner signs in with an e-mailed code
        owner.post("/login/code", data={"email": "victim@example.com", "csrf_token": form_token(owner, "/login/code")})
        code = code_in(latest_email(site_api, "victim@example.com", "login_code"))
        data = {"email": "victim@example.com", "code": code, "csrf_token": form_token(owner, "/login/code")}
        signed_in = owner.post("/login/code/verify", data=data)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/organizations"  # no second step
        assert "tenantry_session" in owner.cookies
    user_id = site_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    (victim,) = [u["id"] for u in user_id if u["email"] == "victim@example.com"]
    assert site_api.get(f"/api/v1/users/{victim}/mfa/factors").json()["factors"] == []
