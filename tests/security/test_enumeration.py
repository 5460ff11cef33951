"""Enumeration: whether an address has an account must not show in what the hosted pages
answer. Sign-up answers alike (status, destination, cookies); an organization admin sees
an invitation only as the address they typed, never the account's casing, name or id.
(Forgot-password and code sign-in timings: bench/enumeration_timing.py, bench/RESULTS.md.)"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.helpers import Api

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "a long enough passphrase"


def cookie_shapes(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(name, attributes) of every cookie set, without the values."""
    shapes = []
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        attributes = ";".join(sorted(part.strip().lower() for part in rest.split(";")[1:]))
        shapes.append((name, attributes))
    return sorted(shapes)


def test_sign_up_answers_new_and_registered_addresses_alike(http: TestClient, api: Api):
    assert api.signup("taken@example.com", PASSWORD).status_code == 201

    def journey(email: str) -> list[tuple[object, ...]]:
        """What a visitor sees after signing up with ``email``: the answer, then every page
        someone probing would open next (the code page, a page that needs a session, a wrong
        code, asking for another code), with the address itself taken out."""
        http.cookies.clear()
        token = CSRF.search(http.get("/signup").text).group(1)  # type: ignore[union-attr]
        answer = http.post(
            "/signup", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        seen: list[tuple[object, ...]] = [(answer.status_code, answer.headers["location"], cookie_shapes(answer))]
        seen.append((len(answer.cookies.get("tenantry_signup", "")),))  # sealed: the same length
        for method, path, data in (
            ("GET", "/verify-email", None),
            ("GET", "/organizations", None),
            ("GET", "/profile", None),
            ("POST", "/verify-email", {"code": "000000"}),
            ("POST", "/verify-email/resend", {}),
        ):
            page = http.get("/signup") if data is not None else None
            form = {**(data or {}), "csrf_token": CSRF.search(page.text).group(1)} if page else None  # type: ignore[union-attr]
            response = http.request(method, path, data=form, follow_redirects=False)
            body = CSRF.sub("", response.text).replace(email, "ADDRESS")
            seen.append((method, path, response.status_code, response.headers.get("location"), body))
        return seen

    registered, new = journey("taken@example.com"), journey("fresh@example.com")
    assert registered == new
    assert "ADDRESS" in registered[2][-1]  # the code page names the address typed, for both
    assert {name for name, _ in registered[0][2]} == {"tenantry_signup"}  # no session for either yet


def test_the_members_page_shows_an_invitation_only_as_typed(http: TestClient, api: Api):
    ada = api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).json()
    org = ada["organization"]["id"]
    bob = api.signup("Bob.Smith@Example.COM", PASSWORD, user_profile={"given_name": "Robert"}).json()["user"]

    token = CSRF.search(http.get("/login").text).group(1)  # type: ignore[union-attr]
    http.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token})
    token = CSRF.search(http.get(f"/organizations/{org}/members").text).group(1)  # type: ignore[union-attr]
    invited = http.post(
        f"/organizations/{org}/members/invite",
        data={"email": "bob.smith@example.com", "role": "member", "csrf_token": token},
    )
    assert invited.status_code == 200, invited.text
    page = http.get(f"/organizations/{org}/members").text

    assert "bob.smith@example.com" in page
    assert "Bob.Smith" not in page and "Robert" not in page  # nothing of the existing account
    assert bob["id"] not in page
    assert not re.search(r"usr_[A-Za-z0-9]+", page)  # no user id of anybody

    # The invitation is still managed from the page: resend, then revoke.
    revoke = re.search(rf'action="(/organizations/{org}/members/[^"/]+/revoke)"', page).group(1)  # type: ignore[union-attr]
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    assert http.post(revoke, data={"csrf_token": token}).status_code == 200
    memberships = api.get(f"/api/v1/users/{bob['id']}").json()["user"]["memberships"]
    assert org not in [m["organization_id"] for m in memberships]
