"""No input gets a 500: every /api/v1 route from the OpenAPI document, fed malformed and
hostile input, answers with a problem object of the contract's shape."""

from __future__ import annotations

import json

import pytest

from tests.helpers import Api

CODES = {
    400: {"invalid_argument", "invitation_invalid", "invalid_code", "invalid_reset_link"},
    401: {"unauthenticated"},
    403: {"signup_disabled"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    409: {
        "already_exists",
        "organization_user_limit_reached",
        "organization_creation_limit_reached",
        "membership_already_active",
        "incompatible_attribute_values",
        "failed_precondition",
    },
    410: {"invitation_expired"},
}
BODIES = [
    b"",
    b"not json",
    b"[]",
    b'"x"',
    b"null",
    b"123",
    b'{"a":',
    b"{}",
    json.dumps({"unknown_field": 1}).encode(),
    json.dumps({"email": 5, "display_name": [], "roles": "admin", "settings": "x", "token": {}}).encode(),
    json.dumps({"display_name": "x" * 100_000, "email": "a@" + "b" * 400 + ".com"}).encode(),
    json.dumps({"metadata": {"k": "v" * 20_000}, "display_name": "ok"}).encode(),
    json.dumps({"user_profile": {"custom_attributes": {"x": {"y": [1, 2, {"z": None}]}}}, "email": "a@b.co"}).encode(),
    json.dumps({"display_name": "\u0000\ud7ff'; DROP TABLE users; --"}).encode(),
    json.dumps({"settings": {"max_allowed_users": 10**30}}).encode(),
    json.dumps({"invitation_expiry_seconds": 1e308, "max_organizations_per_user": -5}).encode(),
]
QUERIES = [
    {},
    {"page_size": "-1"},
    {"page_size": "abc"},
    {"page_size": str(10**30)},
    {"page_token": "%%%"},
    {"send_invitation_email": "maybe"},
    {"force": "perhaps"},
    {"custom_attributes.nope": "1"},
]


def routes(http) -> list[tuple[str, str]]:
    spec = http.get("/openapi.json").json()
    return [
        (method.upper(), path) for path, item in spec["paths"].items() if path.startswith("/api/v1") for method in item
    ]


def concrete(path: str, ids: dict[str, str]) -> list[str]:
    """The path with unknown ids, and with real ones (so deeper validation runs too)."""
    unknown = path
    real = path
    for name, value in ids.items():
        unknown = unknown.replace("{" + name + "}", "does_not_exist")
        real = real.replace("{" + name + "}", value)
    return sorted({unknown, real})


def assert_problem(response, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) >= {"code", "message", "details"}, (where, body)
        assert isinstance(body["details"], list)
        assert body["code"] in CODES.get(response.status_code, set()), (where, response.status_code, body["code"])


@pytest.fixture
def ids(api: Api) -> dict[str, str]:
    org = api.org("Target", external_id="target")["id"]
    user = api.user_in(org, "target@example.com")
    api.post("/api/v1/user-attributes", json={"key": "dept", "display_name": "Dept", "type": "string"})
    app = api.post("/api/v1/applications", json={"name": "App", "redirect_uris": ["https://app.example/cb"]})
    return {
        "organization_id": org,
        "user_id": user["id"],
        "external_id": "target",
        "key": "dept",
        "application_id": app.json()["application"]["id"],
    }


def test_no_route_answers_bad_input_with_a_server_error(api: Api, ids):
    checked = 0
    for method, path in routes(api.http):
        for url in concrete(path, ids):
            bodies = BODIES if method in ("POST", "PATCH") else [b""]
            cases = [(query, bodies[-1]) for query in QUERIES] + [({}, body) for body in bodies]
            for query, body in cases:
                response = api.http.request(
                    method,
                    url,
                    params=query,
                    content=body,
                    headers={**api.headers, "Content-Type": "application/json"},
                )
                assert_problem(response, f"{method} {url} {query} {body[:40]!r}")
                checked += 1
    assert checked > 500


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke"])
def test_token_endpoints_answer_garbage_cleanly(http, path):
    for data in (
        {},
        {"grant_type": "x"},
        {"grant_type": "authorization_code", "code": "x"},
        {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nope"},
        {"token": "x"},
    ):
        response = http.post(path, data=data)
        assert response.status_code < 500, (path, data, response.text)
    assert (
        http.post(
            path, content=b"\xff\xfe garbage", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ).status_code
        < 500
    )


def test_unknown_paths_and_methods_are_problems_too(http):
    missing = http.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = http.put("/api/v1/environment/settings")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_nul_characters_are_refused_everywhere(api: Api):
    org = api.org("Real")["id"]
    cases = [
        ("POST", "/api/v1/organizations", {"display_name": "a\u0000b"}, "display_name"),
        ("PATCH", f"/api/v1/organizations/{org}", {"metadata": {"k": "v\u0000"}}, "metadata"),
        (
            "POST",
            f"/api/v1/organizations/{org}/users",
            {"email": "n@example.com", "user_profile": {"name": "\u0000"}},
            "user_profile.name",
        ),
    ]
    for method, path, body, field in cases:
        response = api.http.request(method, path, json=body, headers=api.headers)
        assert response.status_code == 400, response.text
        assert response.json()["details"][0]["field"] == field
    for path in ("/api/v1/organizations/a%00b", "/api/v1/users:external/%00", "/api/v1/emails?to=%00"):
        response = api.get(path)
        assert response.status_code in (400, 404), (path, response.text)
        assert response.json()["code"] in ("invalid_argument", "not_found")


def test_page_tokens_that_do_not_point_at_an_id_are_refused(api: Api):
    import base64
    import json as _json

    for pivot in ("a\u0000b", "org_short", 42):
        token = base64.urlsafe_b64encode(_json.dumps({"d": "next", "k": pivot}).encode()).decode().rstrip("=")
        response = api.get("/api/v1/organizations", params={"page_token": token})
        assert response.status_code == 400, pivot
        assert response.json()["details"][0]["field"] == "page_token"


def test_405_names_every_allowed_method(http):
    response = http.put("/api/v1/organizations")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
