"""Property tests for the parsers of tokens that arrive from outside: page tokens and HTTP
Basic client credentials. Any input gives a parsed value or the parser's own refusal —
never another exception — and what the server makes parses back to itself."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.pagination import MAX_PAGE_SIZE, encode_token, page_request
from tenantry.server.http.oauth import basic_credentials

ids = st.builds(new_id, st.sampled_from(["usr", "org", "mem", "app"]))
b64 = st.binary(max_size=200).map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("="))
json_tokens = st.dictionaries(st.sampled_from(["d", "k", "x"]), st.none() | st.integers() | st.text(max_size=40)).map(
    lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
)


@settings(deadline=None)
@given(direction=st.sampled_from(["next", "prev"]), pivot=ids, size=st.integers(min_value=1, max_value=1000))
def test_page_tokens_the_server_makes_parse_back(direction, pivot, size):
    request = page_request(size, encode_token(direction, pivot))
    assert (request.direction, request.pivot, request.size) == (direction, pivot, min(size, MAX_PAGE_SIZE))


@settings(max_examples=400, deadline=None)
@given(token=st.text(max_size=300) | b64 | json_tokens, size=st.none() | st.integers())
def test_any_page_token_parses_or_is_refused_with_invalid_argument(token, size):
    try:
        request = page_request(size, token)
    except InvalidArgument as exc:
        assert {detail.field for detail in exc.details} <= {"page_token", "page_size"}
        return
    assert 1 <= request.size <= MAX_PAGE_SIZE
    assert request.pivot is None or request.pivot.isascii()


@settings(deadline=None)
@given(client_id=st.text(max_size=60), secret=st.text(max_size=60))
def test_basic_credentials_round_trip(client_id, secret):
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    header = "Basic " + base64.b64encode(raw).decode()
    assert basic_credentials(header) == (client_id, secret)


@settings(max_examples=400, deadline=None)
@given(header=st.none() | st.text(max_size=200) | b64.map(lambda token: f"Basic {token}"))
def test_any_authorization_header_parses_or_is_ignored(header):
    parsed = basic_credentials(header)
    assert parsed is None or (isinstance(parsed, tuple) and all(isinstance(part, str) for part in parsed))
