"""The profile page's recent sessions at the HTTP level (SPEC §13, §3 token truth): each
browser a user signed in with is listed in words, and signing one out from another browser
kills its cookie and the refresh tokens applications got through it; "all other sessions"
and "everywhere"; CSRF; and the management API's view (and revocation) of the same sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, App, authorize, callback_params, exchange, pkce, refresh, register, sign_in

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
ENDS = re.compile(r'action="/profile/sessions/(ses_[^"/]+)/end"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def browser(site: str, agent: str, email: str = "ada@example.com") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site, timeout=30, headers={"User-Agent": agent}) as client:
        sign_in(client, email)
        yield client


def profile(client: httpx.Client) -> str:
    page = client.get("/profile")
    assert page.status_code == 200, page.status_code
    return page.text


def post(client: httpx.Client, path: str) -> httpx.Response:
    token = CSRF.search(profile(client)).group(1)  # type: ignore[union-attr]
    return client.post(path, data={"csrf_token": token})


def refresh_token(client: httpx.Client, app: App) -> str:
    verifier, challenge = pkce()
    code = callback_params(authorize(client, app, challenge))["code"]
    return str(exchange(client, app, code, verifier).json()["refresh_token"])


def user_of(api: Api, email: str) -> str:
    found = api.get("/api/v1/users:search", params={"query": email}).json()["users"]
    return str(found[0]["id"])


def sessions_of(api: Api, user_id: str) -> list[dict[str, object]]:
    return list(api.get(f"/api/v1/users/{user_id}/sessions").json()["sessions"])


def signed_out(client: httpx.Client) -> bool:
    answer = client.get("/profile")
    return answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_signing_a_session_out_from_another_browser_ends_its_cookie_and_refresh_tokens(
    site: str, site_api: Api
) -> None:
    assert site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
    assert site_api.signup("bob@example.com", PASSWORD, organization={"display_name": "Bob's"}).status_code == 201
    app = register(site_api)
    with (
        browser(site, MAC_CHROME) as laptop,
        browser(site, IPHONE) as phone,
        browser(site, "", "bob@example.com") as bob,
    ):
        phone_refresh = refresh_token(phone, app)
        laptop_refresh = refresh_token(laptop, app)
        page = profile(laptop)
        assert "Chrome on macOS" in page and "Mobile Safari on iOS" in page
        assert page.count("This session") == 1 and page.count("from 127.0.0.1") == 2
        assert page.count('class="hint">Password') == 2
        (phone_id,) = ENDS.findall(page)  # no "Sign out" for this session: the page's own sign-out
        user_id = user_of(site_api, "ada@example.com")
        listed = sessions_of(site_api, user_id)
        assert phone_id in {s["session_id"] for s in listed} and len(listed) == 2  # the API's view, the same

        # Without the form's token: refused, nothing ends.
        assert laptop.post(f"/profile/sessions/{phone_id}/end", data={}).status_code == 403
        # Another user's session: not theirs to end.
        (bob_session,) = sessions_of(site_api, user_of(site_api, "bob@example.com"))
        refused = post(laptop, f"/profile/sessions/{bob_session['session_id']}/end")
        assert refused.headers["location"] == "/profile?sessions_problem=not_found#sessions"
        assert not signed_out(bob)

        ended = post(laptop, f"/profile/sessions/{phone_id}/end")
        assert ended.status_code == 303 and ended.headers["location"] == "/profile?sessions=ended#sessions"
        assert signed_out(phone)
        assert refresh(phone, app, phone_refresh).json()["error"] == "invalid_grant"
        assert refresh(laptop, app, laptop_refresh).status_code == 200  # the laptop's own application stays
        assert "Session signed out." in laptop.get(ended.headers["location"]).text
        assert ENDS.findall(profile(laptop)) == []

        # The management API ends the same sessions the page lists, through the same service.
        sign_in(phone, "ada@example.com")
        (phone_id,) = ENDS.findall(profile(laptop))
        assert site_api.post(f"/api/v1/sessions/{phone_id}/revoke").status_code == 200
        assert signed_out(phone) and ENDS.findall(profile(laptop)) == []

        # "All other sessions": the phone signs in again, and is signed out with it; the laptop stays.
        sign_in(phone, "ada@example.com")
        assert post(laptop, "/profile/sessions/others/end").headers["location"] == "/profile?sessions=others#sessions"
        assert signed_out(phone) and not signed_out(laptop)

        # "Everywhere": this browser too, and every application's refresh token.
        sign_in(phone, "ada@example.com")
        everywhere = post(laptop, "/profile/sessions/end")
        assert everywhere.headers["location"] == "/login"
        assert signed_out(laptop) and signed_out(phone) and not signed_out(bob)
        assert sessions_of(site_api, user_id) == []
    logouts = site_api.get("/api/v1/events", params={"type": "user.logout", "user_id": user_id}).json()["events"]
    # Five here, and the sign-out that ends the address confirmation of Api.signup.
    assert len(logouts) == 6 and {e["actor"]["type"] for e in logouts} == {"USER", "API_CLIENT"}
    assert phone_id in {e["data"]["session_id"] for e in logouts}  # the one the API revoked
