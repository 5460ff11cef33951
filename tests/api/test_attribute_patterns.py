"""Administrators' attribute patterns run on anonymous input with a linear-time engine (RE2,
issue 15 item 8): a pattern that backtracks exponentially in Python's ``re`` answers at once,
and patterns RE2 cannot run (back-references, look-around) are refused when defined."""

from __future__ import annotations

import time

import pytest

from tests.helpers import Api, assert_problem

PASSWORD = "a long and unusual passphrase"


def test_a_catastrophic_pattern_is_checked_in_linear_time_on_public_sign_up(api: Api, http):
    definition = {
        "key": "code",
        "display_name": "Code",
        "type": "string",
        "pattern": "(a+)+b",
        "collect_on_signup": True,
    }
    assert api.post("/api/v1/user-attributes", json=definition).status_code == 201
    evil = "a" * 26 + "c"  # Python's re needs about 2^26 steps to give up on this (minutes)
    began = time.monotonic()
    response = http.post(
        "/api/v1/signup",
        json={"email": "x@example.com", "password": PASSWORD, "user_profile": {"custom_attributes": {"code": evil}}},
    )
    elapsed = time.monotonic() - began
    body = assert_problem(response, 400, "invalid_argument")
    assert body["details"][0]["code"] == "pattern_mismatch"
    assert elapsed < 5, f"{elapsed:.1f} s"  # a safety property with a wide margin, not a timing target
    ok = {"email": "y@example.com", "password": PASSWORD, "user_profile": {"custom_attributes": {"code": "aaab"}}}
    assert http.post("/api/v1/signup", json=ok).status_code == 201


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!x)y", r"a++"])
def test_patterns_re2_cannot_run_are_refused_with_a_clear_error(api: Api, pattern: str):
    response = api.post(
        "/api/v1/user-attributes", json={"key": "code", "display_name": "Code", "type": "string", "pattern": pattern}
    )
    body = assert_problem(response, 400, "invalid_argument")
    (detail,) = body["details"]
    assert detail["field"] == "pattern" and detail["code"] == "invalid_pattern"
    assert "not supported" in detail["message"]
