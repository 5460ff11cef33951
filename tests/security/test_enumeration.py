"""Enumeration: whether an address has an account must not show in what the hosted pages
answer. Sign-up answers alike (status, destination, cookies), and so does logging in after
it with the password just chosen (a pending sign-up stands for the new account); only the
mailbox's owner, with the code e-mailed to it, learns which it was. An organization admin
sees an invitation only as the address they typed, never the account's casing, name or id.
(Timings of forgot-password, code sign-in and sign-up: bench/enumeration_timing.py,
bench/RESULTS.md.)"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from tests.helpers import Api
from tests.pages.conftest import code_in, latest_email

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


def form_token(http: TestClient, path: str) -> str:
    return CSRF.search(http.get(path).text).group(1)  # type: ignore[union-attr]


def sign_up(http: TestClient, email: str, password: str) -> None:
    """A hosted sign-up in a fresh browser, which is then forgotten (cookies cleared)."""
    http.cookies.clear()
    data = {"email": email, "password": password, "csrf_token": form_token(http, "/signup")}
    answer = http.post("/signup", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    http.cookies.clear()


def log_in(http: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password, "csrf_token": form_token(http, "/login")}
    return http.post("/login", data=data, follow_redirects=False)


def test_logging_in_after_signing_up_answers_new_and_registered_addresses_alike(http: TestClient, api: Api):
    """The probe: sign up with an address, then log in (in a fresh browser) with the password
    just chosen. A new address reaches the code step (its sign-up made the account); so must a
    registered one, whose account has another password — before, it answered 401."""
    assert api.signup("taken@example.com", "the owner's own passphrase").status_code == 201

    def journey(email: str) -> list[tuple[object, ...]]:
        sign_up(http, email, PASSWORD)
        seen: list[tuple[object, ...]] = []
        for password in ("not what was chosen", PASSWORD):  # a wrong password, then the chosen one
            http.cookies.clear()
            answer = log_in(http, email, password)
            body = CSRF.sub("", answer.text).replace(email, "ADDRESS")
            seen.append((answer.status_code, answer.headers.get("location"), cookie_shapes(answer), body))
        seen.append((len(http.cookies.get("tenantry_signup", "")),))
        page = http.get("/verify-email")
        seen.append((page.status_code, CSRF.sub("", page.text).replace(email, "ADDRESS")))
        data = {"code": "000000", "csrf_token": CSRF.search(page.text).group(1)}  # type: ignore[union-attr]
        wrong = http.post("/verify-email", data=data, follow_redirects=False)
        seen.append((wrong.status_code, CSRF.sub("", wrong.text).replace(email, "ADDRESS"), cookie_shapes(wrong)))
        return seen

    registered, new = journey("taken@example.com"), journey("fresh@example.com")
    assert registered == new
    assert registered[0][0] == 401  # a wrong password is wrong for both
    assert registered[1][:2] == (303, "/verify-email?next=/organizations")  # the chosen one: the code step
    assert "ADDRESS" in registered[3][1]


def test_the_owner_proving_a_sign_up_with_their_address_keeps_their_account_and_password(
    http: TestClient, api: Api, clock: FakeClock
):
    own, typed = "the owner's own passphrase", "a passphrase typed at sign-up"
    owner = api.signup("owner@example.com", own, organization={"display_name": "Owner's"}).json()["user"]
    before = [e["id"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert before
    sign_up(http, "owner@example.com", typed)
    # Nothing of the new account a sign-up with a new address makes (the stand-in's rows are
    # undone): no user, organization or event.
    assert [e["id"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]] == before
    assert [o["display_name"] for o in api.get("/api/v1/organizations").json()["organizations"]] == ["Owner's"]
    assert log_in(http, "owner@example.com", typed).headers["location"].startswith("/verify-email")

    # The owner is told, with the code: the mail says someone tried to sign up.
    mail = latest_email(api, "owner@example.com", "account_exists")
    assert "tried to sign up" in mail and "Your password has not changed" in mail
    data = {"code": code_in(mail), "csrf_token": form_token(http, "/verify-email")}
    proved = http.post("/verify-email", data=data, follow_redirects=False)
    assert proved.status_code == 303, proved.text
    assert proved.headers["location"] == "/organizations?notice=existing_account"
    switcher = http.get(proved.headers["location"]).text
    assert "You already had an account with this address" in switcher and "Owner&#39;s" in switcher

    # Into the account that existed: no second one, the owner's password unchanged, the one
    # typed at sign-up kept nowhere (its pending sign-up is used up).
    assert [u["id"] for u in api.get("/api/v1/users").json()["users"]] == [owner["id"]]
    assert log_in(http, "owner@example.com", typed).status_code == 401
    http.cookies.clear()
    assert log_in(http, "owner@example.com", own).headers["location"] == "/organizations"

    # A pending sign-up lives a day: after that its password is wrong like any other.
    sign_up(http, "owner@example.com", typed)
    clock.advance(hours=24, seconds=1)
    assert log_in(http, "owner@example.com", typed).status_code == 401


def test_a_run_of_sign_ups_leaves_the_same_passwords_working_for_new_and_registered_addresses(
    http: TestClient, api: Api
):
    """Pending sign-ups are bounded per address (4 passwords, an unverified account's own
    among them); past the bound the newest is replaced, so that five sign-ups in a row leave
    the same passwords reaching the code step whether the first one made the account."""
    assert api.signup("taken@example.com", "the owner's own passphrase").status_code == 201

    def working(email: str) -> list[int]:
        passwords = [f"attempt number {n} passphrase" for n in range(5)]
        for password in passwords:
            sign_up(http, email, password)
        answers = []
        for password in passwords:
            http.cookies.clear()
            answers.append(log_in(http, email, password).status_code)
        return answers

    assert working("taken@example.com") == working("fresh@example.com") == [303, 303, 303, 401, 303]


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
