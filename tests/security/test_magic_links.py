"""Magic links (SPEC §13) at the HTTP level: the link signs in only the browser that asked
for it, once, while it lives (``sign_in_methods.magic_link_lifetime_seconds``); opened in
another browser it signs nobody in and shows the code to type where it was asked for; and
failed links count against the same per-address limit as codes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.helpers import Api

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CODE = re.compile(r"sign-in code: (\d{6})")
LINK = re.compile(r"https?://[^/\s]+(/login/link\?token=[A-Za-z0-9_\-]+)")
SHOWN = re.compile(r'class="code-display"[^>]*>(\d{6})<')
EMAIL = "ada@example.com"


def ask(browser: TestClient, api: Api) -> tuple[str, str]:
    """Ask for a code in ``browser``; the (code, link path) e-mailed."""
    token = CSRF.search(browser.get("/login/code").text).group(1)  # type: ignore[union-attr]
    page = browser.post("/login/code", data={"email": EMAIL, "csrf_token": token})
    assert page.status_code == 200 and "a sign-in link and a 6-digit code" in page.text
    emails = api.get("/api/v1/emails", params={"to": EMAIL, "page_size": 100}).json()["emails"]
    text = [e["text"] for e in emails if e["kind"] == "login_code"][-1]
    return CODE.search(text).group(1), LINK.search(text).group(1)  # type: ignore[union-attr]


def type_code(browser: TestClient, code: str) -> int:
    token = CSRF.search(browser.get("/login/code").text).group(1)  # type: ignore[union-attr]
    data = {"email": EMAIL, "code": code, "csrf_token": token}
    return browser.post("/login/code/verify", data=data).status_code


def browsers(http: TestClient, api: Api) -> tuple[TestClient, TestClient]:
    assert api.signup(EMAIL, "a long and unusual passphrase", organization={"display_name": "Ada's"}).status_code == 201
    api.settings(sign_in_methods={"magic_link": True, "magic_link_lifetime_seconds": 300})
    http.follow_redirects = False
    return http, TestClient(http.app, follow_redirects=False)


def test_a_link_signs_in_the_browser_that_asked_once(http: TestClient, api: Api):
    asking, other = browsers(http, api)
    code, link = ask(asking, api)

    shown = other.get(link)  # another browser (or a mail scanner): the code, and no session
    assert shown.status_code == 200 and SHOWN.search(shown.text).group(1) == code  # type: ignore[union-attr]
    assert shown.headers["cache-control"] == "no-store"
    assert "tenantry_session" not in other.cookies

    signed_in = asking.get(link)
    assert signed_in.status_code == 303 and "tenantry_session" in asking.cookies
    assert asking.get("/profile").status_code == 200
    assert asking.get(link).status_code == 400  # used
    assert other.get(link).status_code == 400
    assert type_code(other, code) == 400  # the code travelled with it: used too
    events = [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert "user.magic_link_login" in events


def test_another_browser_falls_back_to_the_code_and_links_expire(http: TestClient, api: Api, clock):
    asking, other = browsers(http, api)
    code, link = ask(asking, api)
    assert SHOWN.search(other.get(link).text).group(1) == code  # type: ignore[union-attr]
    assert type_code(asking, code) == 303  # typed where it was asked for
    assert asking.get(link).status_code == 400  # and the link went with the code

    asking.cookies.clear()
    _, link = ask(asking, api)
    clock.advance(seconds=301)
    expired = asking.get(link)
    assert expired.status_code == 400 and "not valid any more" in expired.text
    assert "tenantry_session" not in asking.cookies


def test_failed_links_count_against_the_code_limit(settings, clock, engine):
    served = settings.model_copy(update={"rate_limits_enabled": True})
    with TestClient(create_app(context=build_context(served, clock, engine=engine))) as browser:
        statuses = [browser.get("/login/link", params={"token": f"guess-{n}"}).status_code for n in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
