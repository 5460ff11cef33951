"""Every bad request gets a contract problem object, never a 5xx (API.md "Errors").

Table-driven: each case names the request, the status it must get, and, where the contract
fixes it, the field a ``details`` entry must name. Every answer is checked for the problem
shape ``{code, message, details: [...]}`` and for a code the contract allows for its status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

# API.md "Errors": the codes the contract fixes, by status.
CONTRACT_CODES: dict[int, set[str]] = {
    400: {"invalid_argument", "invitation_invalid"},
    401: {"unauthenticated"},
    403: {"signup_disabled"},
    404: {"not_found"},
    409: {"already_exists", "organization_user_limit_reached", "organization_creation_limit_reached"},
    410: {"invitation_expired"},
}
UNKNOWN_ORG = "org_00000000000000000000000000"
UNKNOWN_USER = "usr_00000000000000000000000000"


def assert_problem_shape(response, where: str = "") -> dict:
    assert response.status_code < 500, (where, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), (where, response.headers)
    body = response.json()
    assert isinstance(body, dict), (where, body)
    assert {"code", "message", "details"} <= set(body), (where, body)
    assert isinstance(body["code"], str) and body["code"], (where, body)
    assert isinstance(body["message"], str) and body["message"], (where, body)
    assert isinstance(body["details"], list), (where, body)
    for detail in body["details"]:
        assert set(detail) >= {"field", "code", "message"}, (where, detail)
        assert all(isinstance(detail[k], str) for k in ("field", "code", "message")), (where, detail)
    return body


def assert_contract_problem(response, status: int, where: str = "", field_name: str | None = None) -> dict:
    body = assert_problem_shape(response, where)
    assert response.status_code == status, (where, response.status_code, response.text[:300])
    assert body["code"] in CONTRACT_CODES[status], (where, status, body["code"])
    if field_name is not None:
        assert field_name in [d["field"] for d in body["details"]], (where, body["details"])
    return body


@pytest.fixture
def world(api) -> dict[str, str]:
    """Real ids, for the cases whose input is bad but whose resources exist."""
    org = api.org("Target", external_id="target-org")
    # pending, so that resending its invitation is a valid request
    user = api.user_in(org["id"], "target@example.com", external_id="target-user")
    response = api.post("/api/v1/user-attributes", json={"key": "dept", "display_name": "Dept", "type": "string"})
    assert response.status_code == 201, response.text
    return {"org": org["id"], "user": user["id"], "key": "dept"}


# --- routes that take a JSON body, with ids that exist (so only the body can be wrong) --------

BODY_ROUTES = [
    ("PATCH", "/api/v1/environment/settings"),
    ("POST", "/api/v1/organizations"),
    ("PATCH", "/api/v1/organizations/{org}"),
    ("PATCH", "/api/v1/organizations/{org}/settings/usermanagement"),
    ("POST", "/api/v1/organizations/{org}/users"),
    ("PATCH", "/api/v1/users/{user}"),
    ("POST", "/api/v1/memberships/organizations/{org}/users/{user}"),
    ("PATCH", "/api/v1/memberships/organizations/{org}/users/{user}"),
    ("POST", "/api/v1/user-attributes"),
    ("PATCH", "/api/v1/user-attributes/{key}"),
    ("POST", "/api/v1/invitations:accept"),
    ("POST", "/api/v1/signup"),
]

NOT_AN_OBJECT = {
    "array": b"[]",
    "array_of_objects": b'[{"display_name": "x"}]',
    "string": b'"x"',
    "number": b"123",
    "true": b"true",
    "truncated": b'{"a":',
    "not_json": b"not json",
    "trailing_garbage": b'{"display_name": "x"} trailing',
    "single_quotes": b"{'display_name': 'x'}",
}
# Bodies the JSON parser itself gives up on (recursion limit, bytes that are not UTF-8).
UNREADABLE = {
    "deeply_nested": b"[" * 100_000 + b"]" * 100_000,
    "invalid_utf8": b'{"display_name": "\xff\xfe"}',
    "lone_utf8_byte": b"\xff",
}


def send_raw(api, method: str, url: str, content: bytes):
    return api.http.request(method, url, content=content, headers={**api.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("body_name", sorted(NOT_AN_OBJECT))
def test_bodies_that_are_not_json_objects_are_400_invalid_argument(api, world, method, path, body_name):
    url = path.format(**world)
    response = send_raw(api, method, url, NOT_AN_OBJECT[body_name])
    body = assert_contract_problem(response, 400, f"{method} {url} {body_name}")
    assert body["code"] == "invalid_argument", (method, url, body_name, body)


@pytest.mark.parametrize("body_name", sorted(UNREADABLE))
def test_bodies_the_json_parser_cannot_read_are_400_invalid_argument(api, world, body_name):
    wrong = []
    for method, path in BODY_ROUTES:
        url = path.format(**world)
        response = send_raw(api, method, url, UNREADABLE[body_name])
        body = assert_problem_shape(response, f"{method} {url} {body_name}")
        if (response.status_code, body["code"]) != (400, "invalid_argument"):
            wrong.append((method, path, response.status_code, body["code"]))
    assert wrong == [], wrong


@pytest.mark.parametrize(
    ("method", "path"),
    [r for r in BODY_ROUTES if r[1] != "/api/v1/memberships/organizations/{org}/users/{user}" or r[0] != "POST"],
)
def test_a_missing_body_is_400_where_one_is_required(api, world, method, path):
    url = path.format(**world)
    response = api.http.request(method, url, headers={**api.headers, "Content-Type": "application/json"})
    body = assert_contract_problem(response, 400, f"{method} {url}")
    assert body["code"] == "invalid_argument"


# --- one table of specific bad requests -------------------------------------------------------

LONG = "x" * 100_000


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)
    field: str | None = None
    code: str | None = None  # when more exact than "a contract code of this status"


CASES = [
    # -- environment settings
    Case(
        "settings wrong type",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"signup_enabled": "maybe"},
        field="signup_enabled",
    ),
    Case(
        "settings expiry string",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"invitation_expiry_seconds": "1d"},
        field="invitation_expiry_seconds",
    ),
    Case(
        "settings expiry huge",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"invitation_expiry_seconds": 10**30},
        field="invitation_expiry_seconds",
    ),
    Case(
        "settings expiry float",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"invitation_expiry_seconds": 1e308},
        field="invitation_expiry_seconds",
    ),
    Case(
        "settings nested type",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"organization_meta_name": "Team"},
        field="organization_meta_name",
    ),
    Case(
        "settings app name long",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"branding": {"app_name": LONG}},
        field="branding.app_name",
    ),
    Case(
        "settings meta name long",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"organization_meta_name": {"singular": "x" * 41}},
        field="organization_meta_name.singular",
    ),
    Case(
        "settings logo not url",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"branding": {"logo_url": "javascript:alert(1)"}},
        field="branding.logo_url",
    ),
    Case(
        "settings logo long",
        "PATCH",
        "/api/v1/environment/settings",
        400,
        {"branding": {"logo_url": "https://a.example/" + LONG}},
        field="branding.logo_url",
    ),
    # -- organizations
    Case("org missing name", "POST", "/api/v1/organizations", 400, {}, field="display_name"),
    Case("org name null", "POST", "/api/v1/organizations", 400, {"display_name": None}, field="display_name"),
    Case("org name number", "POST", "/api/v1/organizations", 400, {"display_name": 5}, field="display_name"),
    Case("org name list", "POST", "/api/v1/organizations", 400, {"display_name": ["a"]}, field="display_name"),
    Case("org name huge", "POST", "/api/v1/organizations", 400, {"display_name": LONG}, field="display_name"),
    Case(
        "org external id huge",
        "POST",
        "/api/v1/organizations",
        400,
        {"display_name": "a", "external_id": LONG},
        field="external_id",
    ),
    Case(
        "org external id number",
        "POST",
        "/api/v1/organizations",
        400,
        {"display_name": "a", "external_id": 7},
        field="external_id",
    ),
    Case(
        "org metadata list",
        "POST",
        "/api/v1/organizations",
        400,
        {"display_name": "a", "metadata": [1]},
        field="metadata",
    ),
    Case(
        "org metadata huge",
        "POST",
        "/api/v1/organizations",
        400,
        {"display_name": "a", "metadata": {"k": LONG}},
        field="metadata",
    ),
    Case(
        "org creator number",
        "POST",
        "/api/v1/organizations",
        400,
        {"display_name": "a", "created_by_user_id": 1},
        field="created_by_user_id",
    ),
    Case("org unknown field", "POST", "/api/v1/organizations", 400, {"display_name": "a", "name": "b"}, field="name"),
    Case(
        "org creator unknown",
        "POST",
        "/api/v1/organizations",
        404,
        {"display_name": "a", "created_by_user_id": UNKNOWN_USER},
        code="not_found",
    ),
    Case(
        "org duplicate external id",
        "POST",
        "/api/v1/organizations",
        409,
        {"display_name": "a", "external_id": "target-org"},
        code="already_exists",
    ),
    Case(
        "org patch name null", "PATCH", "/api/v1/organizations/{org}", 400, {"display_name": None}, field="display_name"
    ),
    Case(
        "org patch name huge", "PATCH", "/api/v1/organizations/{org}", 400, {"display_name": LONG}, field="display_name"
    ),
    Case(
        "org patch unknown",
        "PATCH",
        f"/api/v1/organizations/{UNKNOWN_ORG}",
        404,
        {"display_name": "a"},
        code="not_found",
    ),
    Case("org get unknown", "GET", f"/api/v1/organizations/{UNKNOWN_ORG}", 404, code="not_found"),
    Case("org get garbage id", "GET", "/api/v1/organizations/" + "z" * 2000, 404, code="not_found"),
    Case("org delete unknown", "DELETE", f"/api/v1/organizations/{UNKNOWN_ORG}", 404, code="not_found"),
    Case("org external unknown", "GET", "/api/v1/organizations:external/nope", 404, code="not_found"),
    Case("org list page_size abc", "GET", "/api/v1/organizations", 400, params={"page_size": "abc"}, field="page_size"),
    Case(
        "org list page_size float", "GET", "/api/v1/organizations", 400, params={"page_size": "1.5"}, field="page_size"
    ),
    Case(
        "org list page_size negative",
        "GET",
        "/api/v1/organizations",
        400,
        params={"page_size": "-1"},
        field="page_size",
    ),
    Case("org list bad token", "GET", "/api/v1/organizations", 400, params={"page_token": "!!"}, field="page_token"),
    # -- seat limit settings
    Case(
        "seats missing settings",
        "PATCH",
        "/api/v1/organizations/{org}/settings/usermanagement",
        400,
        {},
        field="settings",
    ),
    Case(
        "seats wrong type",
        "PATCH",
        "/api/v1/organizations/{org}/settings/usermanagement",
        400,
        {"settings": {"max_allowed_users": "x"}},
        field="settings.max_allowed_users",
    ),
    Case(
        "seats negative",
        "PATCH",
        "/api/v1/organizations/{org}/settings/usermanagement",
        400,
        {"settings": {"max_allowed_users": -1}},
        field="settings.max_allowed_users",
    ),
    Case(
        "seats huge",
        "PATCH",
        "/api/v1/organizations/{org}/settings/usermanagement",
        400,
        {"settings": {"max_allowed_users": 10**30}},
        field="settings.max_allowed_users",
    ),
    Case(
        "seats settings list",
        "PATCH",
        "/api/v1/organizations/{org}/settings/usermanagement",
        400,
        {"settings": []},
        field="settings",
    ),
    Case(
        "seats unknown org",
        "GET",
        f"/api/v1/organizations/{UNKNOWN_ORG}/settings/usermanagement",
        404,
        code="not_found",
    ),
    # -- users in an organization
    Case("user missing email", "POST", "/api/v1/organizations/{org}/users", 400, {}, field="email"),
    Case("user email number", "POST", "/api/v1/organizations/{org}/users", 400, {"email": 5}, field="email"),
    Case("user email invalid", "POST", "/api/v1/organizations/{org}/users", 400, {"email": "nobody"}, field="email"),
    Case(
        "user email huge",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "a@" + "b" * 400 + ".com"},
        field="email",
    ),
    Case(
        "user given name huge",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "user_profile": {"given_name": LONG}},
        field="user_profile.given_name",
    ),
    Case(
        "user profile list",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "user_profile": []},
        field="user_profile",
    ),
    Case(
        "user roles string",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "membership": {"roles": "admin"}},
        field="membership.roles",
    ),
    Case(
        "user role unknown",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "membership": {"roles": [{"name": "root"}]}},
        field="membership.roles",
    ),
    Case(
        "user role name huge",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "membership": {"roles": [{"name": LONG}]}},
        field="membership.roles.0.name",
    ),
    Case(
        "user custom attr unknown",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "user_profile": {"custom_attributes": {"nope": "x"}}},
        field="user_profile.custom_attributes.nope",
    ),
    Case(
        "user custom attrs list",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com", "user_profile": {"custom_attributes": ["x"]}},
        field="user_profile.custom_attributes",
    ),
    Case(
        "user send maybe",
        "POST",
        "/api/v1/organizations/{org}/users",
        400,
        {"email": "n@example.com"},
        params={"send_invitation_email": "maybe"},
        field="send_invitation_email",
    ),
    Case(
        "user duplicate",
        "POST",
        "/api/v1/organizations/{org}/users",
        409,
        {"email": "TARGET@example.com"},
        code="already_exists",
    ),
    Case(
        "user duplicate external id",
        "POST",
        "/api/v1/organizations/{org}/users",
        409,
        {"email": "new@example.com", "external_id": "target-user"},
        code="already_exists",
    ),
    Case(
        "user unknown org",
        "POST",
        f"/api/v1/organizations/{UNKNOWN_ORG}/users",
        404,
        {"email": "n@example.com"},
        code="not_found",
    ),
    Case("org users unknown org", "GET", f"/api/v1/organizations/{UNKNOWN_ORG}/users", 404, code="not_found"),
    Case(
        "org users page_size abc",
        "GET",
        "/api/v1/organizations/{org}/users",
        400,
        params={"page_size": "abc"},
        field="page_size",
    ),
    # -- users
    Case("users page_size abc", "GET", "/api/v1/users", 400, params={"page_size": "abc"}, field="page_size"),
    Case("users bad token", "GET", "/api/v1/users", 400, params={"page_token": "garbage"}, field="page_token"),
    Case(
        "users filter unknown attr",
        "GET",
        "/api/v1/users",
        400,
        params={"custom_attributes.nope": "1"},
        field="custom_attributes.nope",
    ),
    Case("user get unknown", "GET", f"/api/v1/users/{UNKNOWN_USER}", 404, code="not_found"),
    Case("user delete unknown", "DELETE", f"/api/v1/users/{UNKNOWN_USER}", 404, code="not_found"),
    Case("user patch unknown", "PATCH", f"/api/v1/users/{UNKNOWN_USER}", 404, {"metadata": {}}, code="not_found"),
    Case("user external unknown", "GET", "/api/v1/users:external/nope", 404, code="not_found"),
    Case("user patch email", "PATCH", "/api/v1/users/{user}", 400, {"email": "x@example.com"}, field="email"),
    Case("user patch metadata string", "PATCH", "/api/v1/users/{user}", 400, {"metadata": "x"}, field="metadata"),
    Case(
        "user patch external id huge", "PATCH", "/api/v1/users/{user}", 400, {"external_id": LONG}, field="external_id"
    ),
    Case(
        "user patch phone",
        "PATCH",
        "/api/v1/users/{user}",
        400,
        {"user_profile": {"phone_number": "call me"}},
        field="user_profile.phone_number",
    ),
    Case(
        "user patch custom attr",
        "PATCH",
        "/api/v1/users/{user}",
        400,
        {"user_profile": {"custom_attributes": {"nope": 1}}},
        field="user_profile.custom_attributes.nope",
    ),
    # -- memberships
    Case(
        "membership send maybe",
        "POST",
        f"/api/v1/memberships/organizations/{{org}}/users/{UNKNOWN_USER}",
        400,
        {"roles": [{"name": "member"}]},
        params={"send_invitation_email": "maybe"},
        field="send_invitation_email",
    ),
    Case(
        "membership roles string",
        "POST",
        "/api/v1/memberships/organizations/{org}/users/{user}",
        400,
        {"roles": "admin"},
        field="roles",
    ),
    Case(
        "membership exists",
        "POST",
        "/api/v1/memberships/organizations/{org}/users/{user}",
        409,
        {"roles": [{"name": "member"}]},
        code="already_exists",
    ),
    Case(
        "membership unknown user",
        "POST",
        f"/api/v1/memberships/organizations/{{org}}/users/{UNKNOWN_USER}",
        404,
        {"roles": [{"name": "member"}]},
        code="not_found",
    ),
    Case(
        "membership unknown org",
        "POST",
        f"/api/v1/memberships/organizations/{UNKNOWN_ORG}/users/{{user}}",
        404,
        {"roles": [{"name": "member"}]},
        code="not_found",
    ),
    Case(
        "membership patch missing roles",
        "PATCH",
        "/api/v1/memberships/organizations/{org}/users/{user}",
        400,
        {},
        field="roles",
    ),
    Case(
        "membership patch empty roles",
        "PATCH",
        "/api/v1/memberships/organizations/{org}/users/{user}",
        400,
        {"roles": []},
        field="roles",
    ),
    Case(
        "membership patch role number",
        "PATCH",
        "/api/v1/memberships/organizations/{org}/users/{user}",
        400,
        {"roles": [{"name": 1}]},
        field="roles.0.name",
    ),
    Case(
        "membership patch unknown",
        "PATCH",
        f"/api/v1/memberships/organizations/{UNKNOWN_ORG}/users/{{user}}",
        404,
        {"roles": [{"name": "admin"}]},
        code="not_found",
    ),
    Case(
        "membership delete unknown",
        "DELETE",
        f"/api/v1/memberships/organizations/{{org}}/users/{UNKNOWN_USER}",
        404,
        code="not_found",
    ),
    # -- invitations
    Case(
        "resend unknown",
        "PATCH",
        f"/api/v1/invites/organizations/{UNKNOWN_ORG}/users/{UNKNOWN_USER}/resend",
        404,
        code="not_found",
    ),
    Case("accept missing token", "POST", "/api/v1/invitations:accept", 400, {}, field="token", code="invalid_argument"),
    Case(
        "accept token number",
        "POST",
        "/api/v1/invitations:accept",
        400,
        {"token": 5},
        field="token",
        code="invalid_argument",
    ),
    Case(
        "accept token huge",
        "POST",
        "/api/v1/invitations:accept",
        400,
        {"token": LONG},
        field="token",
        code="invalid_argument",
    ),
    Case(
        "accept unknown token", "POST", "/api/v1/invitations:accept", 400, {"token": "nope"}, code="invitation_invalid"
    ),
    # -- custom attribute definitions
    Case("attribute missing fields", "POST", "/api/v1/user-attributes", 400, {}, field="key"),
    Case(
        "attribute bad type",
        "POST",
        "/api/v1/user-attributes",
        400,
        {"key": "k", "display_name": "K", "type": "colour"},
        field="type",
    ),
    Case(
        "attribute duplicate",
        "POST",
        "/api/v1/user-attributes",
        409,
        {"key": "dept", "display_name": "D", "type": "string"},
        code="already_exists",
    ),
    Case("attribute unknown", "GET", "/api/v1/user-attributes/nope", 404, code="not_found"),
    Case(
        "attribute patch unknown", "PATCH", "/api/v1/user-attributes/nope", 404, {"display_name": "x"}, code="not_found"
    ),
    Case("attribute delete unknown", "DELETE", "/api/v1/user-attributes/nope", 404, code="not_found"),
    Case(
        "attribute force perhaps",
        "PATCH",
        "/api/v1/user-attributes/{key}",
        400,
        {"display_name": "x"},
        params={"force": "perhaps"},
        field="force",
    ),
    # -- sign-up
    Case("signup missing", "POST", "/api/v1/signup", 400, {}, field="email", code="invalid_argument"),
    Case(
        "signup email list",
        "POST",
        "/api/v1/signup",
        400,
        {"email": ["a@b.co"], "password": "long enough pw 1"},
        field="email",
    ),
    Case(
        "signup password huge",
        "POST",
        "/api/v1/signup",
        400,
        {"email": "s@example.com", "password": LONG},
        field="password",
    ),
    Case(
        "signup org name huge",
        "POST",
        "/api/v1/signup",
        400,
        {"email": "s@example.com", "password": "long enough pw 1", "organization": {"display_name": LONG}},
        field="organization.display_name",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_request_table(api, world, case: Case):
    url = case.path.format(**world)
    kwargs: dict[str, Any] = {"params": case.params}
    if case.json is not None:
        kwargs["json"] = case.json
    before = api.get("/api/v1/organizations").json()["total_size"], api.get("/api/v1/users").json()["total_size"]
    response = api.http.request(case.method, url, headers=api.headers, **kwargs)
    body = assert_contract_problem(response, case.status, case.name, case.field)
    if case.code is not None:
        assert body["code"] == case.code, (case.name, body)
    elif case.status == 400:
        assert body["code"] == "invalid_argument", (case.name, body)
    after = api.get("/api/v1/organizations").json()["total_size"], api.get("/api/v1/users").json()["total_size"]
    assert after == before, case.name  # a refused request writes nothing


# --- every route, every kind of garbage: never a 5xx, always a contract problem --------------

ROUTES = [
    ("GET", "/api/v1/environment/settings"),
    ("PATCH", "/api/v1/environment/settings"),
    ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations"),
    ("GET", "/api/v1/organizations/{org}"),
    ("PATCH", "/api/v1/organizations/{org}"),
    ("DELETE", "/api/v1/organizations/{org}"),
    ("GET", "/api/v1/organizations:external/{ext}"),
    ("GET", "/api/v1/organizations/{org}/settings/usermanagement"),
    ("PATCH", "/api/v1/organizations/{org}/settings/usermanagement"),
    ("GET", "/api/v1/organizations/{org}/users"),
    ("POST", "/api/v1/organizations/{org}/users"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/{user}"),
    ("PATCH", "/api/v1/users/{user}"),
    ("DELETE", "/api/v1/users/{user}"),
    ("GET", "/api/v1/users:external/{ext}"),
    ("POST", "/api/v1/memberships/organizations/{org}/users/{user}"),
    ("PATCH", "/api/v1/memberships/organizations/{org}/users/{user}"),
    ("DELETE", "/api/v1/memberships/organizations/{org}/users/{user}"),
    ("PATCH", "/api/v1/invites/organizations/{org}/users/{user}/resend"),
    ("GET", "/api/v1/user-attributes"),
    ("POST", "/api/v1/user-attributes"),
    ("GET", "/api/v1/user-attributes/{key}"),
    ("PATCH", "/api/v1/user-attributes/{key}"),
    ("DELETE", "/api/v1/user-attributes/{key}"),
    ("POST", "/api/v1/invitations:accept"),
    ("POST", "/api/v1/signup"),
]
GARBAGE_IDS = [
    "does_not_exist",
    "org_" + "0" * 26,
    "usr_" + "z" * 300,
    "%20",
    "a'b\"c;--",
    "%E2%98%83",
    "..%2F..%2Fetc",
]
GARBAGE_BODIES = [
    *NOT_AN_OBJECT.values(),
    b"{}",
    b"null",
    json.dumps({"unknown_field": 1}).encode(),
    json.dumps({"email": 5, "display_name": [], "roles": "admin", "settings": "x", "token": {}, "key": 1}).encode(),
    json.dumps({"display_name": LONG, "email": LONG, "token": LONG, "key": LONG, "password": LONG}).encode(),
    json.dumps({"metadata": {"k": LONG}, "user_profile": {"custom_attributes": {"x": [1, {"y": None}]}}}).encode(),
    json.dumps({"settings": {"max_allowed_users": 10**40}, "invitation_expiry_seconds": -(10**40)}).encode(),
]
GARBAGE_QUERIES = [
    {"page_size": "abc"},
    {"page_size": "-5"},
    {"page_size": "9" * 50},
    {"page_token": "%%%"},
    {"page_token": LONG[:5000]},
    {"send_invitation_email": "maybe"},
    {"force": "perhaps"},
    {"custom_attributes.dept": LONG[:3000]},
]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_no_route_answers_garbage_with_a_server_error(api, world, method, path):
    targets = [dict(world, ext="target-org")] + [
        {"org": bad, "user": bad, "key": bad, "ext": bad} for bad in GARBAGE_IDS
    ]
    checked = 0
    for ids in targets:
        url = path.format(**ids)
        bodies = GARBAGE_BODIES if method in ("POST", "PATCH") else [b""]
        requests = [({}, body) for body in bodies] + [(query, bodies[-1]) for query in GARBAGE_QUERIES]
        for query, content in requests:
            response = api.http.request(
                method, url, params=query, content=content, headers={**api.headers, "Content-Type": "application/json"}
            )
            where = f"{method} {url[:80]} {query} {content[:40]!r}"
            assert response.status_code < 500, (where, response.text[:300])
            if response.status_code >= 400:
                body = assert_problem_shape(response, where)
                assert body["code"] in CONTRACT_CODES.get(response.status_code, set()), (
                    where,
                    response.status_code,
                    body,
                )
            checked += 1
    assert checked >= 8 * 9


# --- unknown paths, wrong methods, missing tokens ----------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here", "/api/v1/organizations/x/y/z", "/api/v2/organizations", "/api/v1/users:externals/x"],
)
def test_unknown_path_is_a_404_problem(api, path):
    response = api.get(path)
    body = assert_contract_problem(response, 404, path)
    assert body["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/organizations", {"GET", "POST"}),
        ("DELETE", "/api/v1/environment/settings", {"GET", "PATCH"}),
        ("POST", "/api/v1/users/{user}", {"GET", "PATCH", "DELETE"}),
        ("GET", "/api/v1/invitations:accept", {"POST"}),
        ("PUT", "/api/v1/memberships/organizations/{org}/users/{user}", {"POST", "PATCH", "DELETE"}),
    ],
)
def test_wrong_method_is_a_405_problem(api, world, method, path, allowed):
    response = api.http.request(method, path.format(**world), headers=api.headers, json={})
    assert response.status_code == 405, response.text
    body = assert_problem_shape(response, path)
    assert body["code"] == "method_not_allowed"
    assert body["details"] == []
    advertised = {m.strip() for m in response.headers["allow"].split(",")}
    assert advertised and advertised <= allowed, advertised


@pytest.mark.parametrize(
    ("method", "path"), [r for r in ROUTES if r[1] not in ("/api/v1/invitations:accept", "/api/v1/signup")]
)
def test_protected_routes_without_a_token_are_401_problems(http, method, path):
    url = path.format(org=UNKNOWN_ORG, user=UNKNOWN_USER, key="k", ext="e")
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Token abc"}):
        response = http.request(method, url, headers=headers, json={})
        body = assert_contract_problem(response, 401, f"{method} {url} {headers}")
        assert body["code"] == "unauthenticated"
