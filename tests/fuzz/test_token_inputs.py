"""Property tests through HTTP for every place a token arrives from outside: bearer tokens,
page tokens, invitation tokens, reset-link tokens and sign-in codes. Whatever the text, the
answer is the documented refusal (or success) — never a 5xx, never another error code."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import Api, assert_problem

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# What an HTTP client can put in a header: printable ASCII.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120)
tokenish = st.text(max_size=200) | st.from_regex(r"[A-Za-z0-9_\-]{20,60}", fullmatch=True)


@FAST
@given(scheme=st.sampled_from(["Bearer", "bearer", "Basic", "Token", ""]), value=header_text)
def test_any_authorization_header_is_unauthenticated(http, scheme, value):
    response = http.get("/api/v1/organizations", headers={"Authorization": f"{scheme} {value}".strip()})
    assert_problem(response, 401, "unauthenticated")


@FAST
@given(token=tokenish)
def test_any_page_token_pages_or_is_refused(api: Api, token):
    response = api.get("/api/v1/users", params={"page_token": token})
    if response.status_code != 200:
        body = assert_problem(response, 400, "invalid_argument")
        assert body["details"][0]["field"] == "page_token"


@FAST
@given(token=tokenish)
def test_any_invitation_token_is_invitation_invalid(http, token):
    response = http.post("/api/v1/invitations:accept", json={"token": token, "password": "a long passphrase"})
    if response.status_code == 400 and response.json()["code"] == "invalid_argument":
        return  # e.g. a NUL character or an empty token: refused before the lookup
    assert_problem(response, 400, "invitation_invalid")


@FAST
@given(token=tokenish)
def test_any_reset_link_token_is_refused_on_the_page(http, token):
    page = http.get("/reset-password", params={"token": token})
    assert page.status_code == 400 and "This link has expired" in page.text
    csrf = CSRF.search(http.get("/forgot-password").text).group(1)
    response = http.post(
        "/reset-password", data={"token": token, "password": "a brand new passphrase", "csrf_token": csrf}
    )
    assert response.status_code == 400 and "This link has expired" in response.text


@FAST
@given(code=tokenish)
def test_any_sign_in_code_is_refused(http, code):
    csrf = CSRF.search(http.get("/login/code").text).group(1)
    response = http.post("/login/code/verify", data={"email": "ada@example.com", "code": code, "csrf_token": csrf})
    assert response.status_code == 400 and "not valid or has expired" in response.text
