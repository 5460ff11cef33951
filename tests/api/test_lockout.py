"""Progressive lock-out of password sign-in: 5 wrong passwords pause it for a minute, each
further pause doubles up to an hour; e-mailed codes and reset links always get the owner in
and clear it; unknown addresses answer exactly like registered ones. Uses the fake clock."""

from __future__ import annotations

import re

import pytest

from tests.helpers import Api
from tests.pages.conftest import code_in, latest_email, link_in

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "the right long passphrase"


@pytest.fixture
def ada(api: Api, http) -> str:
    assert api.signup("ada@example.com", PASSWORD).status_code == 201
    return "ada@example.com"


def login(http, email: str, password: str):
    token = CSRF.search(http.get("/login").text).group(1)
    return http.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)


def guess(http, email: str, times: int) -> list[int]:
    return [login(http, email, f"wrong guess {i}").status_code for i in range(times)]


def assert_paused(response, at_most: int) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= at_most
    assert "password sign-in is paused" in response.text
    assert 'href="/login/code' in response.text and 'href="/forgot-password"' in response.text


def test_five_wrong_passwords_pause_password_sign_in_for_a_minute(http, clock, ada):
    assert guess(http, ada, 4) == [401] * 4
    assert_paused(login(http, ada, "wrong guess 5"), 60)
    assert_paused(login(http, ada, PASSWORD), 60)  # not even the right password is checked now
    clock.advance(seconds=59)
    assert login(http, ada, PASSWORD).status_code == 429
    clock.advance(seconds=2)
    assert login(http, ada, PASSWORD).status_code == 303


def test_pauses_double_up_to_an_hour(http, clock, ada):
    pauses = []
    for _ in range(9):
        guess(http, ada, 4)
        response = login(http, ada, "still wrong")
        assert response.status_code == 429
        pauses.append(int(response.headers["retry-after"]))
        clock.advance(seconds=pauses[-1] + 1)
    assert pauses == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert login(http, ada, PASSWORD).status_code == 303


def test_a_successful_sign_in_clears_the_count(http, clock, ada):
    assert guess(http, ada, 4) == [401] * 4
    assert login(http, ada, PASSWORD).status_code == 303
    assert guess(http, ada, 4) == [401] * 4  # counting starts again


def test_a_quiet_day_forgets_earlier_pauses(http, clock, ada):
    guess(http, ada, 5)
    clock.advance(seconds=61)
    guess(http, ada, 5)
    clock.advance(hours=25)
    guess(http, ada, 4)
    assert int(login(http, ada, "wrong").headers["retry-after"]) == 60


def test_an_emailed_code_gets_the_owner_in_and_clears_the_pause(http, api, clock, ada):
    guess(http, ada, 5)
    token = CSRF.search(http.get("/login/code").text).group(1)
    assert http.post("/login/code", data={"email": ada, "csrf_token": token}).status_code == 200
    code = code_in(latest_email(api, ada, "login_code"))
    response = http.post(
        "/login/code/verify", data={"email": ada, "code": code, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    http.cookies.clear()
    assert login(http, ada, PASSWORD).status_code == 303  # cleared, no need to wait


def test_a_password_reset_gets_the_owner_in_and_clears_the_pause(http, api, clock, ada):
    guess(http, ada, 5)
    token = CSRF.search(http.get("/forgot-password").text).group(1)
    assert http.post("/forgot-password", data={"email": ada, "csrf_token": token}).status_code == 200
    link = link_in(latest_email(api, ada, "reset_password"))
    reset_token = link.split("token=")[1]
    response = http.post(
        "/reset-password",
        data={"token": reset_token, "password": "a brand new passphrase", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    http.cookies.clear()
    assert login(http, ada, "a brand new passphrase").status_code == 303


def test_unknown_addresses_answer_the_same(http, clock, ada):
    known = [login(http, ada, f"wrong {i}") for i in range(6)]
    unknown = [login(http, "nobody@example.com", f"wrong {i}") for i in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 4 + [429] * 2
    assert [r.headers.get("retry-after") for r in known] == [r.headers.get("retry-after") for r in unknown]
    strip = lambda r: CSRF.sub("", r.text).replace(ada, "E").replace("nobody@example.com", "E")  # noqa: E731
    assert [strip(r) for r in known] == [strip(r) for r in unknown]


def test_the_pause_is_per_address_and_case_insensitive(http, clock, api, ada):
    assert api.signup("bob@example.com", PASSWORD).status_code == 201
    guess(http, "ADA@Example.com", 5)
    assert login(http, "ada@example.com", PASSWORD).status_code == 429
    assert login(http, "bob@example.com", PASSWORD).status_code == 303


def test_overlong_and_odd_addresses_are_counted_without_errors(http, clock):
    for address in ("a" * 400 + "@example.com", "not an address", ""):
        assert guess(http, address, 4) == [401] * 4
        assert login(http, address, "wrong").status_code == 429
