"""Unlinking a social identity from the profile page (SPEC §13): the linked provider is
listed with the address it vouched for; unlinking the user's last way to sign in is refused
with a clear message, and otherwise it goes, with an event."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import Api, confirm_address
from tests.sso.fake_oidc import FakeOidc
from tests.sso.test_social import EMAIL, events, google, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
UNLINK = re.compile(r'action="(/profile/sign-in-methods/idn_[^"/]+/unlink)"')


def unlink(http: TestClient) -> tuple[str, str]:
    """Press the profile page's only Unlink button; the page it comes back to, and where."""
    page = http.get("/profile").text
    (action,) = UNLINK.findall(page)
    answer = http.post(action, data={"csrf_token": CSRF.search(page).group(1)}, follow_redirects=False)  # type: ignore[union-attr]
    assert answer.status_code == 303, answer.text
    return http.get(answer.headers["location"]).text, answer.headers["location"]


def test_the_last_way_to_sign_in_cannot_be_unlinked_and_another_can(
    api: Api, http: TestClient, fake_oidc: FakeOidc
) -> None:
    connection = google(api, fake_oidc)
    fake_oidc.user = {"sub": "g-new", "email": "newcomer@gmail.example", "email_verified": True}
    assert sign_in(http, connection["id"]).status_code == 303  # a new account: Google is its only way in
    page = http.get("/profile").text
    assert "Google</strong> · newcomer@gmail.example" in page
    refused, where = unlink(http)
    assert where == "/profile?methods_problem=failed_precondition#methods"
    assert "This is the only way you sign in." in refused and len(UNLINK.findall(refused)) == 1
    assert events(api, "user.social_identity_unlinked") == []

    http.cookies.clear()
    assert api.signup(EMAIL).status_code == 201  # an account with a password, then linked
    confirm_address(http, api, EMAIL, "correct horse battery")
    fake_oidc.user = {"sub": "g-alice", "email": EMAIL, "email_verified": True}
    assert sign_in(http, connection["id"]).status_code == 303
    done, where = unlink(http)
    assert where == "/profile?methods=unlinked#methods"
    assert "Sign-in method unlinked." in done and "No other accounts are linked." in done
    (unlinked,) = events(api, "user.social_identity_unlinked")
    assert unlinked["data"]["user"]["email"] == EMAIL and unlinked["actor"]["type"] == "USER"
    assert unlinked["data"]["social_identity"]["provider"] == "GOOGLE"
