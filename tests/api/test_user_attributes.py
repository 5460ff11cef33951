"""Custom user attributes (SPEC §4, API.md "Custom user attributes"), through the HTTP API:
definitions, the one validator on every write path, definition changes, and filtering."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import Api

ATTRS = "/api/v1/user-attributes"
PREFIX = "user_profile.custom_attributes."


# --- helpers ------------------------------------------------------------------------------


def define(api: Api, key: str, type_: str, **fields: Any) -> dict[str, Any]:
    body = {"key": key, "display_name": key.replace("_", " ").title(), "type": type_, **fields}
    response = api.post(ATTRS, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["user_attribute"])


def problems(response: httpx.Response, status: int = 400, code: str = "invalid_argument") -> dict[str, str]:
    """``{field: code}`` of a refusal, after checking its status and top-level code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    return {detail["field"]: detail["code"] for detail in body.get("details") or []}


def attribute_problems(response: httpx.Response) -> dict[str, str]:
    """``{key: code}`` for the custom-attribute details of a 400 invalid_argument."""
    return {field.removeprefix(PREFIX): code for field, code in problems(response).items() if field.startswith(PREFIX)}


def profile(**custom: Any) -> dict[str, Any]:
    return {"custom_attributes": custom}


def add_active(api: Api, org_id: str, email: str, **custom: Any) -> httpx.Response:
    return api.add_user(org_id, email, invite=False, user_profile=profile(**custom))


def active(api: Api, org_id: str, email: str, **custom: Any) -> dict[str, Any]:
    response = add_active(api, org_id, email, **custom)
    assert response.status_code == 201, response.text
    return dict(response.json()["user"])


def stored(api: Api, user_id: str) -> dict[str, Any]:
    response = api.get(f"/api/v1/users/{user_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["user"]["user_profile"]["custom_attributes"])


def patch_user(api: Api, user_id: str, **body: Any) -> httpx.Response:
    return api.patch(f"/api/v1/users/{user_id}", json=body)


def emails(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {user["email"] for user in response.json()["users"]}


def user_emails(api: Api, path: str = "/api/v1/users", **filters: str) -> set[str]:
    params = {f"custom_attributes.{key}": value for key, value in filters.items()}
    return emails(api.get(path, params={**params, "page_size": 100}))


def total_users(api: Api) -> int:
    return int(api.get("/api/v1/users").json()["total_size"])


# --- definitions: CRUD and validation ------------------------------------------------------


def test_definition_crud_round_trip(api: Api):
    created = define(
        api,
        "cost_center",
        "string",
        display_name="Cost center",
        description="Where the bills go",
        required=True,
        collect_on_signup=True,
        user_editable=False,
        min_length=2,
        max_length=10,
        pattern="[A-Z0-9]+",
    )
    assert created["key"] == "cost_center"
    assert created["display_name"] == "Cost center"
    assert created["description"] == "Where the bills go"
    assert created["type"] == "string"
    assert (created["required"], created["collect_on_signup"], created["user_editable"]) == (True, True, False)
    assert (created["min_length"], created["max_length"], created["pattern"]) == (2, 10, "[A-Z0-9]+")
    assert created["options"] is None and created["minimum"] is None and created["maximum"] is None
    assert created["position"] == 0
    assert created["create_time"] and created["update_time"]

    got = api.get(f"{ATTRS}/cost_center")
    assert got.status_code == 200
    assert got.json()["user_attribute"] == created

    listing = api.get(ATTRS).json()
    assert listing["total_size"] == 1
    assert [a["key"] for a in listing["user_attributes"]] == ["cost_center"]
    assert "next_page_token" in listing and "prev_page_token" in listing

    changed = api.patch(f"{ATTRS}/cost_center", json={"display_name": "Cost centre", "max_length": 20})
    assert changed.status_code == 200, changed.text
    assert changed.json()["values_cleared"] == 0
    after = changed.json()["user_attribute"]
    assert after["display_name"] == "Cost centre" and after["max_length"] == 20
    # Partial: everything not sent stays.
    for name in ("description", "type", "required", "collect_on_signup", "user_editable", "min_length", "pattern"):
        assert after[name] == created[name], name
    assert api.get(f"{ATTRS}/cost_center").json()["user_attribute"]["display_name"] == "Cost centre"

    deleted = api.delete(f"{ATTRS}/cost_center")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"values_removed": 0}
    assert problems(api.get(f"{ATTRS}/cost_center"), 404, "not_found") is not None
    assert api.get(ATTRS).json()["total_size"] == 0


def test_defaults_of_a_minimal_definition(api: Api):
    created = define(api, "nickname", "string")
    assert created["description"] == ""
    assert (created["required"], created["collect_on_signup"], created["user_editable"]) == (False, False, True)


def test_duplicate_key_is_409_already_exists(api: Api):
    define(api, "department", "string")
    response = api.post(ATTRS, json={"key": "department", "display_name": "Again", "type": "integer"})
    problems(response, 409, "already_exists")
    assert api.get(f"{ATTRS}/department").json()["user_attribute"]["type"] == "string"


@pytest.mark.parametrize("key", ["Department", "1st", "_x", "has-dash", "has space", "", "a" * 65, "é"])
def test_malformed_keys_are_refused(api: Api, key: str):
    response = api.post(ATTRS, json={"key": key, "display_name": "X", "type": "string"})
    problems(response)
    assert api.get(ATTRS).json()["total_size"] == 0


def test_longest_key_is_accepted(api: Api):
    key = "a" + "b_9" * 21  # 64 characters
    assert define(api, key, "boolean")["key"] == key


def test_unknown_type_and_unknown_field_are_refused(api: Api):
    problems(api.post(ATTRS, json={"key": "x", "display_name": "X", "type": "color"}))
    problems(api.post(ATTRS, json={"key": "x", "display_name": "X", "type": "string", "colour": "red"}))
    problems(api.post(ATTRS, json={"key": "x", "type": "string"}))  # display_name is required
    assert api.get(ATTRS).json()["total_size"] == 0


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"type": "enum"}, "options", "required"),
        ({"type": "enum", "options": []}, "options", "required"),
        ({"type": "enum", "options": ["a", "a"]}, "options", "duplicate"),
        ({"type": "string", "options": ["a"]}, "options", "not_applicable"),
        ({"type": "number", "min_length": 1}, "min_length", "not_applicable"),
        ({"type": "boolean", "max_length": 1}, "max_length", "not_applicable"),
        ({"type": "string", "minimum": 1}, "minimum", "not_applicable"),
        ({"type": "date", "maximum": 1}, "maximum", "not_applicable"),
        ({"type": "string", "min_length": 5, "max_length": 4}, "min_length", "out_of_range"),
        ({"type": "integer", "minimum": 10, "maximum": 1}, "minimum", "out_of_range"),
        ({"type": "string", "pattern": "[a-z"}, "pattern", "invalid_pattern"),
        ({"type": "integer", "pattern": "[0-9]+"}, "pattern", "not_applicable"),
    ],
)
def test_inconsistent_definitions_are_refused_per_field(api: Api, fields: dict[str, Any], field: str, code: str):
    response = api.post(ATTRS, json={"key": "thing", "display_name": "Thing", **fields})
    assert problems(response).get(field) == code, response.text
    assert api.get(ATTRS).json()["total_size"] == 0


def test_several_definition_problems_are_reported_together(api: Api):
    response = api.post(
        ATTRS,
        json={"key": "age", "display_name": "Age", "type": "integer", "options": ["x"], "min_length": 1},
    )
    assert problems(response) == {"options": "not_applicable", "min_length": "not_applicable"}


def test_patch_refuses_key_unknown_definitions_and_inconsistent_results(api: Api):
    define(api, "level", "integer", minimum=1, maximum=10)
    problems(api.patch(f"{ATTRS}/level", json={"key": "grade"}))
    problems(api.patch(f"{ATTRS}/level", json={"display_name": None}))
    assert problems(api.patch(f"{ATTRS}/level", json={"minimum": 20})).get("minimum") == "out_of_range"
    assert problems(api.patch(f"{ATTRS}/level", json={"max_length": 3})).get("max_length") == "not_applicable"
    unchanged = api.get(f"{ATTRS}/level").json()["user_attribute"]
    assert (unchanged["key"], unchanged["minimum"], unchanged["maximum"], unchanged["max_length"]) == (
        "level",
        1,
        10,
        None,
    )
    assert api.get(f"{ATTRS}/grade").status_code == 404
    problems(api.patch(f"{ATTRS}/nope", json={"display_name": "Nope"}), 404, "not_found")
    problems(api.delete(f"{ATTRS}/nope"), 404, "not_found")


def test_patch_null_clears_an_optional_constraint(api: Api):
    define(api, "level", "integer", minimum=1, maximum=10)
    org = api.org()["id"]
    assert attribute_problems(add_active(api, org, "a@example.com", level=50)) == {"level": "out_of_range"}
    response = api.patch(f"{ATTRS}/level", json={"maximum": None})
    assert response.status_code == 200, response.text
    assert response.json()["user_attribute"]["maximum"] is None
    assert response.json()["user_attribute"]["minimum"] == 1
    assert stored(api, active(api, org, "a@example.com", level=50)["id"]) == {"level": 50}


def test_definitions_are_listed_in_position_order(api: Api):
    assert define(api, "zulu", "string")["position"] == 0
    assert define(api, "alpha", "string")["position"] == 1  # appended, not sorted by key
    assert define(api, "mike", "string", position=5)["position"] == 5
    assert define(api, "bravo", "string")["position"] == 6  # after the last one
    assert [a["key"] for a in api.get(ATTRS).json()["user_attributes"]] == ["zulu", "alpha", "mike", "bravo"]

    moved = api.patch(f"{ATTRS}/zulu", json={"position": 10})
    assert moved.status_code == 200 and moved.json()["user_attribute"]["position"] == 10
    listing = api.get(ATTRS).json()
    assert [a["key"] for a in listing["user_attributes"]] == ["alpha", "mike", "bravo", "zulu"]
    assert listing["total_size"] == 4
    assert define(api, "yankee", "string")["position"] == 11


# --- every type: normalised values and refusals --------------------------------------------

VALID = [
    # (type, constraints, sent, stored)
    ("string", {}, "  Sales team  ", "Sales team"),
    ("string", {"min_length": 2, "max_length": 4}, "abcd", "abcd"),
    ("string", {"min_length": 2, "max_length": 4}, "ab", "ab"),
    ("string", {"pattern": "E-[0-9]{4}"}, " E-0042 ", "E-0042"),
    ("number", {}, 12.5, 12.5),
    ("number", {}, "12.5", 12.5),
    ("number", {}, 7, 7),
    ("number", {}, "-3", -3),
    ("number", {"minimum": 0, "maximum": 1}, 0, 0),
    ("number", {"minimum": 0, "maximum": 1}, 1.0, 1.0),
    ("integer", {}, 7, 7),
    ("integer", {}, "7", 7),
    ("integer", {}, " -12 ", -12),
    ("integer", {}, 7.0, 7),
    ("integer", {"minimum": 1, "maximum": 5}, 5, 5),
    ("boolean", {}, True, True),
    ("boolean", {}, False, False),
    ("boolean", {}, "true", True),
    ("boolean", {}, "YES", True),
    ("boolean", {}, "on", True),
    ("boolean", {}, "1", True),
    ("boolean", {}, "false", False),
    ("boolean", {}, "0", False),
    ("date", {}, "2024-02-29", "2024-02-29"),
    ("date", {}, " 1999-12-31 ", "1999-12-31"),
    ("email", {}, "Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
    ("url", {}, "https://example.com/team?id=1", "https://example.com/team?id=1"),
    ("url", {}, "http://intranet.example.org", "http://intranet.example.org"),
    ("phone", {}, "+1 650 253 0000", "+16502530000"),
    ("phone", {}, "+44 (20) 7946-0018", "+442079460018"),
    ("enum", {"options": ["sales", "engineering"]}, "engineering", "engineering"),
]


@pytest.mark.parametrize(("type_", "constraints", "sent", "expected"), VALID)
def test_valid_values_are_stored_normalised(
    api: Api, type_: str, constraints: dict[str, Any], sent: Any, expected: Any
):
    define(api, "field", type_, **constraints)
    org = api.org()["id"]
    user = active(api, org, "ada@example.com", field=sent)
    assert user["user_profile"]["custom_attributes"] == {"field": expected}
    value = stored(api, user["id"])["field"]
    assert value == expected and type(value) is type(expected), (value, expected)


INVALID = [
    # (type, constraints, sent, code)
    ("string", {}, 42, "wrong_type"),
    ("string", {}, ["a"], "wrong_type"),
    ("string", {}, {"a": 1}, "wrong_type"),
    ("string", {}, True, "wrong_type"),
    ("string", {"max_length": 4}, "abcde", "too_long"),
    ("string", {"min_length": 3}, "ab", "too_short"),
    ("string", {"min_length": 3}, "  ab  ", "too_short"),  # counted after trimming
    ("string", {}, "x" * 5000, "too_long"),
    ("string", {"pattern": "E-[0-9]{4}"}, "E-42", "pattern_mismatch"),
    ("string", {"pattern": "E-[0-9]{4}"}, "xE-0042", "pattern_mismatch"),  # the whole value must match
    ("number", {}, "twelve", "wrong_type"),
    ("number", {}, True, "wrong_type"),
    ("number", {}, [1], "wrong_type"),
    ("number", {}, "NaN", "wrong_type"),
    ("number", {}, "inf", "wrong_type"),
    ("number", {"minimum": 0}, -0.5, "out_of_range"),
    ("number", {"maximum": 1}, "1.5", "out_of_range"),
    ("integer", {}, 1.5, "wrong_type"),
    ("integer", {}, "1.5", "wrong_type"),
    ("integer", {}, "seven", "wrong_type"),
    ("integer", {}, False, "wrong_type"),
    ("integer", {}, 2**60, "out_of_range"),
    ("integer", {"minimum": 1, "maximum": 5}, 0, "out_of_range"),
    ("integer", {"minimum": 1, "maximum": 5}, "6", "out_of_range"),
    ("boolean", {}, "maybe", "wrong_type"),
    ("boolean", {}, 1, "wrong_type"),
    ("boolean", {}, [True], "wrong_type"),
    ("date", {}, "2023-02-29", "invalid_format"),
    ("date", {}, "2024-13-01", "invalid_format"),
    ("date", {}, "31/12/2024", "invalid_format"),
    ("date", {}, "2024-12-31T10:00:00Z", "invalid_format"),
    ("date", {}, "20241231", "invalid_format"),
    ("date", {}, 20241231, "wrong_type"),
    ("email", {}, "not-an-address", "invalid_format"),
    ("email", {}, "a@b@c.com", "invalid_format"),
    ("email", {}, 5, "wrong_type"),
    ("url", {}, "example.com/page", "invalid_format"),
    ("url", {}, "ftp://example.com/file", "invalid_format"),
    ("url", {}, "javascript:alert(1)", "invalid_format"),
    ("url", {}, "https://exa mple.com", "invalid_format"),
    ("url", {}, 3, "wrong_type"),
    ("phone", {}, "call me maybe", "invalid_format"),
    ("phone", {}, "12", "invalid_format"),
    ("phone", {}, "+1 650 253 0000 ext. 5", "invalid_format"),
    ("phone", {}, 16502530000, "wrong_type"),
    ("enum", {"options": ["sales", "engineering"]}, "marketing", "not_in_options"),
    ("enum", {"options": ["sales", "engineering"]}, "Sales", "not_in_options"),
    ("enum", {"options": ["sales", "engineering"]}, 1, "wrong_type"),
    ("enum", {"options": ["sales", "engineering"]}, ["sales"], "wrong_type"),
]


@pytest.mark.parametrize(("type_", "constraints", "sent", "code"), INVALID)
def test_invalid_values_are_refused_with_a_per_field_code(
    api: Api, type_: str, constraints: dict[str, Any], sent: Any, code: str
):
    define(api, "field", type_, **constraints)
    org = api.org()["id"]
    response = add_active(api, org, "ada@example.com", field=sent)
    assert attribute_problems(response) == {"field": code}
    assert total_users(api) == 0  # nothing written


def test_every_bad_attribute_gets_its_own_detail(api: Api):
    define(api, "age", "integer", minimum=0)
    define(api, "start", "date")
    define(api, "team", "enum", options=["a", "b"])
    define(api, "nickname", "string")
    org = api.org()["id"]
    response = add_active(api, org, "ada@example.com", age=-1, start="tomorrow", team="c", nickname="ok", ghost=1)
    assert attribute_problems(response) == {
        "age": "out_of_range",
        "start": "invalid_format",
        "team": "not_in_options",
        "ghost": "unknown_attribute",
    }
    assert total_users(api) == 0


def test_unknown_attribute_keys_are_refused_on_every_path(api: Api):
    define(api, "department", "string")
    org = api.org()["id"]
    assert attribute_problems(add_active(api, org, "a@example.com", favourite_color="red")) == {
        "favourite_color": "unknown_attribute"
    }
    invited = api.add_user(org, "b@example.com", user_profile=profile(favourite_color="red"))
    assert attribute_problems(invited) == {"favourite_color": "unknown_attribute"}
    assert attribute_problems(api.signup("c@example.com", user_profile=profile(favourite_color="red"))) == {
        "favourite_color": "unknown_attribute"
    }
    assert total_users(api) == 0

    user = active(api, org, "d@example.com", department="ops")
    assert attribute_problems(patch_user(api, user["id"], user_profile=profile(favourite_color="red"))) == {
        "favourite_color": "unknown_attribute"
    }
    api.user_in(org, "e@example.com")
    token = api.invitation_token("e@example.com")
    assert attribute_problems(api.accept(token, user_profile=profile(favourite_color="red"))) == {
        "favourite_color": "unknown_attribute"
    }
    assert stored(api, user["id"]) == {"department": "ops"}


def test_null_or_empty_value_removes_the_attribute(api: Api):
    define(api, "nickname", "string")
    define(api, "level", "integer")
    define(api, "badge", "string")
    org = api.org()["id"]
    user = active(api, org, "ada@example.com", nickname="Countess", level=3, badge="gold")
    response = patch_user(api, user["id"], user_profile=profile(nickname=None, level=""))
    assert response.status_code == 200, response.text
    assert response.json()["user"]["user_profile"]["custom_attributes"] == {"badge": "gold"}
    assert stored(api, user["id"]) == {"badge": "gold"}


def test_a_blank_string_does_not_satisfy_a_required_attribute(api: Api):
    """Strings are trimmed and "" means "no value", so "   " must not count as a value."""
    define(api, "nickname", "string", required=True)
    org = api.org()["id"]
    assert attribute_problems(add_active(api, org, "ada@example.com", nickname="   ")) == {"nickname": "required"}
    assert total_users(api) == 0


# --- write paths and the required attributes each demands ----------------------------------


@pytest.fixture
def required_pair(api: Api) -> None:
    """``department`` is required and collected on sign-up; ``badge`` is required but only
    the application or an administrator sets it."""
    define(api, "department", "enum", options=["sales", "engineering"], required=True, collect_on_signup=True)
    define(api, "badge", "string", required=True)
    define(api, "nickname", "string")


@pytest.mark.usefixtures("required_pair")
def test_creating_an_active_user_demands_every_required_attribute(api: Api):
    org = api.org()["id"]
    assert attribute_problems(add_active(api, org, "ada@example.com")) == {
        "department": "required",
        "badge": "required",
    }
    assert attribute_problems(add_active(api, org, "ada@example.com", department="sales")) == {"badge": "required"}
    assert total_users(api) == 0
    user = active(api, org, "ada@example.com", department="sales", badge=" B-1 ")
    assert stored(api, user["id"]) == {"department": "sales", "badge": "B-1"}


@pytest.mark.usefixtures("required_pair")
def test_creating_an_invited_user_demands_none_but_checks_what_is_sent(api: Api):
    org = api.org()["id"]
    response = api.add_user(org, "ada@example.com")
    assert response.status_code == 201, response.text
    assert response.json()["user"]["user_profile"]["custom_attributes"] == {}

    refused = api.add_user(org, "bob@example.com", user_profile=profile(department="marketing"))
    assert attribute_problems(refused) == {"department": "not_in_options"}
    assert total_users(api) == 1

    with_badge = api.add_user(org, "bob@example.com", user_profile=profile(badge="B-7"))
    assert with_badge.status_code == 201, with_badge.text
    assert stored(api, with_badge.json()["user"]["id"]) == {"badge": "B-7"}


@pytest.mark.usefixtures("required_pair")
def test_sign_up_demands_the_required_attributes_collected_there(api: Api):
    refused = api.signup("ada@example.com")
    assert attribute_problems(refused) == {"department": "required"}  # badge is not collected on sign-up
    bad = api.signup("ada@example.com", user_profile=profile(department="hr", nickname=5))
    assert attribute_problems(bad) == {"department": "not_in_options", "nickname": "wrong_type"}
    assert total_users(api) == 0
    assert api.get("/api/v1/organizations").json()["total_size"] == 0

    response = api.signup("ada@example.com", user_profile=profile(department="engineering", nickname=" Ada "))
    assert response.status_code == 201, response.text
    user = response.json()["user"]
    assert stored(api, user["id"]) == {"department": "engineering", "nickname": "Ada"}


@pytest.mark.usefixtures("required_pair")
def test_accepting_an_invitation_demands_the_collected_required_attributes(api: Api):
    org = api.org()["id"]
    invited = api.user_in(org, "ada@example.com")
    token = api.invitation_token("ada@example.com")

    assert attribute_problems(api.accept(token, password="a long enough passphrase")) == {"department": "required"}
    bad = api.accept(token, user_profile=profile(department="Sales"))
    assert attribute_problems(bad) == {"department": "not_in_options"}
    # Nothing was written: still pending, no values, and the token still works.
    assert api.membership(invited, org)["membership_status"] == "PENDING_INVITE"
    assert stored(api, invited["id"]) == {}

    accepted = api.accept(token, user_profile=profile(department="sales", nickname="  Ada  "))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["user"]["user_profile"]["custom_attributes"] == {"department": "sales", "nickname": "Ada"}
    assert api.membership(invited, org)["membership_status"] == "ACTIVE"
    assert stored(api, invited["id"]) == {"department": "sales", "nickname": "Ada"}


@pytest.mark.usefixtures("required_pair")
def test_accepting_keeps_values_the_administrator_set_at_invitation(api: Api):
    org = api.org()["id"]
    invited = api.user_in(org, "ada@example.com", user_profile=profile(department="sales", badge="B-1"))
    accepted = api.accept(api.invitation_token("ada@example.com"))
    assert accepted.status_code == 200, accepted.text
    assert stored(api, invited["id"]) == {"department": "sales", "badge": "B-1"}


def test_profile_update_demands_required_attributes_merged_with_stored_ones(api: Api):
    define(api, "nickname", "string")
    org = api.org()["id"]
    user = active(api, org, "ada@example.com", nickname="Countess")
    define(api, "badge", "string", required=True)  # became required after the user was created

    # Reading and listing still work; the old profile is untouched.
    assert stored(api, user["id"]) == {"nickname": "Countess"}
    assert user_emails(api) == {"ada@example.com"}

    # Not a profile write: allowed.
    meta = patch_user(api, user["id"], metadata={"plan": "pro"})
    assert meta.status_code == 200, meta.text

    # A profile write, even without custom attributes, must supply it.
    assert attribute_problems(patch_user(api, user["id"], user_profile={"given_name": "Ada"})) == {"badge": "required"}
    assert attribute_problems(patch_user(api, user["id"], user_profile=profile(nickname="Ada"))) == {
        "badge": "required"
    }
    after = api.get(f"/api/v1/users/{user['id']}").json()["user"]
    assert after["user_profile"]["custom_attributes"] == {"nickname": "Countess"}
    assert after["user_profile"]["given_name"] != "Ada"

    ok = patch_user(api, user["id"], user_profile=profile(badge="B-1"))
    assert ok.status_code == 200, ok.text
    assert stored(api, user["id"]) == {"nickname": "Countess", "badge": "B-1"}  # merged, not replaced

    # Once stored, later profile writes need not repeat it; removing it is refused.
    assert patch_user(api, user["id"], user_profile={"given_name": "Ada"}).status_code == 200
    assert attribute_problems(patch_user(api, user["id"], user_profile=profile(badge=None))) == {"badge": "required"}
    assert stored(api, user["id"]) == {"nickname": "Countess", "badge": "B-1"}


def test_profile_update_refuses_bad_values_and_writes_nothing(api: Api):
    define(api, "level", "integer", maximum=10)
    define(api, "nickname", "string")
    org = api.org()["id"]
    user = active(api, org, "ada@example.com", level=1)
    response = patch_user(api, user["id"], user_profile={"given_name": "Ada", **profile(level=11, nickname="A")})
    assert attribute_problems(response) == {"level": "out_of_range"}
    after = api.get(f"/api/v1/users/{user['id']}").json()["user"]
    assert after["user_profile"]["custom_attributes"] == {"level": 1}
    assert after["user_profile"]["given_name"] != "Ada"
    assert stored(api, patch_user(api, user["id"], user_profile=profile(level="10")).json()["user"]["id"]) == {
        "level": 10
    }


def test_adding_an_existing_user_to_another_organization_refuses_bad_values(api: Api):
    """Every API path that receives custom attributes refuses bad ones: also when the e-mail
    already belongs to a user, who is then only added to the organization."""
    define(api, "level", "integer")
    first, second = api.org("First")["id"], api.org("Second")["id"]
    user = active(api, first, "ada@example.com", level=1)
    response = add_active(api, second, "ada@example.com", level="high", ghost=1)
    assert attribute_problems(response) == {"level": "wrong_type", "ghost": "unknown_attribute"}
    assert stored(api, user["id"]) == {"level": 1}


# --- the "Done when" scenario ------------------------------------------------------


def test_done_when_department_and_employee_id_end_to_end(api: Api):
    define(
        api, "department", "enum", options=["sales", "engineering", "support"], required=True, collect_on_signup=True
    )
    define(api, "employee_id", "string", pattern="E[0-9]{5}")
    org = api.org()["id"]
    bad = {"department": "marketing", "employee_id": "12345"}
    codes = {"department": "not_in_options", "employee_id": "pattern_mismatch"}

    # Create (active): refused per field, then stored normalised.
    assert attribute_problems(add_active(api, org, "ann@example.com", **bad)) == codes
    assert attribute_problems(add_active(api, org, "ann@example.com", employee_id="E00001")) == {
        "department": "required"
    }
    ann = active(api, org, "ann@example.com", department="sales", employee_id="  E00001 ")
    assert stored(api, ann["id"]) == {"department": "sales", "employee_id": "E00001"}

    # Create (invited) and accept.
    assert attribute_problems(api.add_user(org, "ben@example.com", user_profile=profile(**bad))) == codes
    ben = api.user_in(org, "ben@example.com")
    token = api.invitation_token("ben@example.com")
    assert attribute_problems(api.accept(token, user_profile=profile(**bad))) == codes
    assert attribute_problems(api.accept(token, user_profile=profile(employee_id="E00002"))) == {
        "department": "required"
    }
    accepted = api.accept(token, user_profile=profile(department="engineering", employee_id="E00002 "))
    assert accepted.status_code == 200, accepted.text
    assert stored(api, ben["id"]) == {"department": "engineering", "employee_id": "E00002"}

    # Sign-up.
    assert attribute_problems(api.signup("cat@example.com", user_profile=profile(**bad))) == codes
    assert attribute_problems(api.signup("cat@example.com")) == {"department": "required"}
    signed = api.signup("cat@example.com", user_profile=profile(department="support"))
    assert signed.status_code == 201, signed.text
    cat = signed.json()["user"]
    assert stored(api, cat["id"]) == {"department": "support"}

    # Update.
    assert attribute_problems(patch_user(api, cat["id"], user_profile=profile(**bad))) == codes
    updated = patch_user(api, cat["id"], user_profile=profile(employee_id=" E00003"))
    assert updated.status_code == 200, updated.text
    assert stored(api, cat["id"]) == {"department": "support", "employee_id": "E00003"}

    assert total_users(api) == 3
    assert user_emails(api, department="sales") == {"ann@example.com"}

    # Deleting the definitions leaves no trace in any profile.
    removed = api.delete(f"{ATTRS}/employee_id")
    assert removed.status_code == 200 and removed.json() == {"values_removed": 3}
    for user, left in [
        (ann, {"department": "sales"}),
        (ben, {"department": "engineering"}),
        (cat, {"department": "support"}),
    ]:
        assert stored(api, user["id"]) == left
    assert api.delete(f"{ATTRS}/department").json() == {"values_removed": 3}
    for user in (ann, ben, cat):
        assert stored(api, user["id"]) == {}
    listed = api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    assert len(listed) == 3
    assert all(u["user_profile"]["custom_attributes"] == {} for u in listed)

    # The keys are unknown again; a new definition with the same key starts empty.
    assert attribute_problems(patch_user(api, ann["id"], user_profile=profile(department="sales"))) == {
        "department": "unknown_attribute"
    }
    define(api, "department", "string")
    for user in (ann, ben, cat):
        assert stored(api, user["id"]) == {}
    assert user_emails(api, department="sales") == set()


# --- definition changes ----------------------------------------------------------------------


def test_deleting_a_definition_removes_only_its_values(api: Api):
    define(api, "team", "string")
    define(api, "level", "integer")
    org = api.org()["id"]
    a = active(api, org, "a@example.com", team="red", level=1)
    b = active(api, org, "b@example.com", team="blue")
    c = active(api, org, "c@example.com", level=3)
    invited = api.user_in(org, "d@example.com", user_profile=profile(team="green"))
    response = api.delete(f"{ATTRS}/team")
    assert response.status_code == 200 and response.json() == {"values_removed": 3}
    assert stored(api, a["id"]) == {"level": 1}
    assert stored(api, b["id"]) == {}
    assert stored(api, c["id"]) == {"level": 3}
    assert stored(api, invited["id"]) == {}
    problems(api.get("/api/v1/users", params={"custom_attributes.team": "red"}))


def test_making_an_attribute_required_does_not_invalidate_existing_users(api: Api):
    define(api, "department", "string")
    org = api.org()["id"]
    with_value = active(api, org, "a@example.com", department="sales")
    without = active(api, org, "b@example.com")
    response = api.patch(f"{ATTRS}/department", json={"required": True})
    assert response.status_code == 200, response.text
    assert response.json()["values_cleared"] == 0
    assert response.json()["user_attribute"]["required"] is True

    assert stored(api, with_value["id"]) == {"department": "sales"}
    assert stored(api, without["id"]) == {}
    assert user_emails(api) == {"a@example.com", "b@example.com"}
    assert user_emails(api, f"/api/v1/organizations/{org}/users") == {"a@example.com", "b@example.com"}
    assert user_emails(api, department="sales") == {"a@example.com"}
    # New active users need it now.
    assert attribute_problems(add_active(api, org, "c@example.com")) == {"department": "required"}


def test_type_change_with_incompatible_values_is_refused_then_forced(api: Api):
    define(api, "code", "string")
    define(api, "nickname", "string")
    org = api.org()["id"]
    forty_two = active(api, org, "a@example.com", code="42")
    seven = active(api, org, "b@example.com", code=" 7 ")
    word = active(api, org, "c@example.com", code="abc", nickname="Cee")
    word2 = active(api, org, "d@example.com", code="x1")
    nothing = active(api, org, "e@example.com", nickname="Ee")

    refused = api.patch(f"{ATTRS}/code", json={"type": "integer"})
    problems(refused, 409, "incompatible_attribute_values")
    assert "2" in refused.json()["message"]  # says how many users hold incompatible values
    assert api.get(f"{ATTRS}/code").json()["user_attribute"]["type"] == "string"
    assert stored(api, forty_two["id"]) == {"code": "42"}
    assert stored(api, word["id"]) == {"code": "abc", "nickname": "Cee"}

    forced = api.patch(f"{ATTRS}/code", params={"force": "true"}, json={"type": "integer"})
    assert forced.status_code == 200, forced.text
    assert forced.json()["values_cleared"] == 2
    assert forced.json()["user_attribute"]["type"] == "integer"
    assert stored(api, forty_two["id"]) == {"code": 42}  # re-normalised for the new type
    assert stored(api, seven["id"]) == {"code": 7}
    assert stored(api, word["id"]) == {"nickname": "Cee"}  # only the incompatible value went
    assert stored(api, word2["id"]) == {}
    assert stored(api, nothing["id"]) == {"nickname": "Ee"}
    assert user_emails(api, code="42") == {"a@example.com"}


def test_compatible_type_change_needs_no_force(api: Api):
    define(api, "score", "string")
    org = api.org()["id"]
    user = active(api, org, "a@example.com", score="12.5")
    response = api.patch(f"{ATTRS}/score", json={"type": "number"})
    assert response.status_code == 200, response.text
    assert response.json()["values_cleared"] == 0
    assert stored(api, user["id"]) == {"score": 12.5}
    assert user_emails(api, score="12.5") == {"a@example.com"}


def test_narrowing_enum_options_is_refused_then_forced(api: Api):
    define(api, "team", "enum", options=["red", "blue", "green"])
    org = api.org()["id"]
    red = active(api, org, "a@example.com", team="red")
    blue = active(api, org, "b@example.com", team="blue")
    green = active(api, org, "c@example.com", team="green")

    # Removing an option nobody uses is fine.
    define(api, "size", "enum", options=["s", "m"])
    assert api.patch(f"{ATTRS}/size", json={"options": ["s"]}).status_code == 200

    refused = api.patch(f"{ATTRS}/team", json={"options": ["red", "blue"]})
    problems(refused, 409, "incompatible_attribute_values")
    assert "1" in refused.json()["message"]
    assert api.get(f"{ATTRS}/team").json()["user_attribute"]["options"] == ["red", "blue", "green"]
    assert stored(api, green["id"]) == {"team": "green"}

    forced = api.patch(f"{ATTRS}/team?force=true", json={"options": ["red", "blue"]})
    assert forced.status_code == 200, forced.text
    assert forced.json()["values_cleared"] == 1
    assert forced.json()["user_attribute"]["options"] == ["red", "blue"]
    assert stored(api, red["id"]) == {"team": "red"}
    assert stored(api, blue["id"]) == {"team": "blue"}
    assert stored(api, green["id"]) == {}
    assert attribute_problems(add_active(api, org, "d@example.com", team="green")) == {"team": "not_in_options"}


def test_tightening_a_constraint_is_refused_while_values_break_it(api: Api):
    define(api, "nickname", "string", max_length=10)
    define(api, "level", "integer")
    org = api.org()["id"]
    short = active(api, org, "a@example.com", nickname="Al")
    long = active(api, org, "b@example.com", nickname="Bartholome")
    low = active(api, org, "c@example.com", level=1)
    high = active(api, org, "d@example.com", level=9)

    problems(api.patch(f"{ATTRS}/nickname", json={"max_length": 5}), 409, "incompatible_attribute_values")
    problems(api.patch(f"{ATTRS}/nickname", json={"pattern": "[A-Z][a-z]"}), 409, "incompatible_attribute_values")
    problems(api.patch(f"{ATTRS}/level", json={"maximum": 5}), 409, "incompatible_attribute_values")
    assert api.get(f"{ATTRS}/nickname").json()["user_attribute"]["max_length"] == 10
    assert api.get(f"{ATTRS}/level").json()["user_attribute"]["maximum"] is None

    widened = api.patch(f"{ATTRS}/nickname", json={"max_length": 20, "min_length": 2})
    assert widened.status_code == 200 and widened.json()["values_cleared"] == 0
    forced = api.patch(f"{ATTRS}/level", params={"force": "true"}, json={"maximum": 5})
    assert forced.status_code == 200 and forced.json()["values_cleared"] == 1
    assert stored(api, short["id"]) == {"nickname": "Al"}
    assert stored(api, long["id"]) == {"nickname": "Bartholome"}
    assert stored(api, low["id"]) == {"level": 1}
    assert stored(api, high["id"]) == {}


# --- filtering -------------------------------------------------------------------------------


@pytest.fixture
def staff(api: Api) -> str:
    """Five users with various attributes in one organization; returns its id."""
    define(api, "department", "enum", options=["sales", "engineering", "support"])
    define(api, "remote", "boolean")
    define(api, "level", "integer")
    define(api, "work_email", "email")
    org = api.org("Staff")["id"]
    active(api, org, "ann@example.com", department="sales", remote=True, level=3, work_email="Ann@Corp.com")
    active(api, org, "ben@example.com", department="sales", remote=False, level=2)
    active(api, org, "cat@example.com", department="engineering", remote=True, level=3)
    active(api, org, "dan@example.com", department="support", remote="no", level="30")
    active(api, org, "eve@example.com")
    return org


def test_filter_by_attribute_matches_exactly(api: Api, staff: str):
    assert user_emails(api, department="sales") == {"ann@example.com", "ben@example.com"}
    assert user_emails(api, department="engineering") == {"cat@example.com"}
    response = api.get("/api/v1/users", params={"custom_attributes.department": "sales"})
    assert response.json()["total_size"] == 2
    assert user_emails(api) == {
        "ann@example.com",
        "ben@example.com",
        "cat@example.com",
        "dan@example.com",
        "eve@example.com",
    }


def test_filter_with_no_match_is_an_empty_page(api: Api, staff: str):
    response = api.get("/api/v1/users", params={"custom_attributes.level": "99"})
    assert response.status_code == 200, response.text
    assert response.json()["users"] == [] and response.json()["total_size"] == 0


def test_several_filters_and_together(api: Api, staff: str):
    assert user_emails(api, department="sales", remote="true") == {"ann@example.com"}
    assert user_emails(api, department="sales", remote="false") == {"ben@example.com"}
    assert user_emails(api, remote="true", level="3") == {"ann@example.com", "cat@example.com"}
    assert user_emails(api, department="engineering", level="2") == set()


def test_filter_values_are_read_as_the_attribute_type(api: Api, staff: str):
    assert user_emails(api, remote="true") == {"ann@example.com", "cat@example.com"}
    assert user_emails(api, remote="yes") == {"ann@example.com", "cat@example.com"}
    assert user_emails(api, remote="false") == {"ben@example.com", "dan@example.com"}
    assert user_emails(api, level="3") == {"ann@example.com", "cat@example.com"}
    assert user_emails(api, level="30") == {"dan@example.com"}  # a number, not a prefix or text match
    assert user_emails(api, work_email="ANN@corp.COM") == {"ann@example.com"}  # normalised like stored values


def test_filter_on_an_unknown_key_or_a_wrongly_typed_value_is_400(api: Api, staff: str):
    unknown = api.get("/api/v1/users", params={"custom_attributes.shoe_size": "42"})
    assert problems(unknown) == {"custom_attributes.shoe_size": "unknown_attribute"}
    assert "custom_attributes.level" in problems(api.get("/api/v1/users", params={"custom_attributes.level": "high"}))
    assert "custom_attributes.remote" in problems(
        api.get("/api/v1/users", params={"custom_attributes.remote": "maybe"})
    )
    assert problems(api.get("/api/v1/users", params={"custom_attributes.department": "hr"})) == {
        "custom_attributes.department": "not_in_options"
    }
    org_scoped = api.get(f"/api/v1/organizations/{staff}/users", params={"custom_attributes.shoe_size": "42"})
    assert problems(org_scoped) == {"custom_attributes.shoe_size": "unknown_attribute"}


def test_filter_on_organization_members(api: Api, staff: str):
    other = api.org("Other")["id"]
    active(api, other, "fay@example.com", department="sales", remote=True)
    api.user_in(other, "gus@example.com", user_profile=profile(department="sales"))  # pending members count too
    path = f"/api/v1/organizations/{staff}/users"
    assert user_emails(api, path, department="sales") == {"ann@example.com", "ben@example.com"}
    assert user_emails(api, f"/api/v1/organizations/{other}/users", department="sales") == {
        "fay@example.com",
        "gus@example.com",
    }
    assert user_emails(api, f"/api/v1/organizations/{other}/users", department="sales", remote="true") == {
        "fay@example.com"
    }
    assert user_emails(api, department="sales") == {
        "ann@example.com",
        "ben@example.com",
        "fay@example.com",
        "gus@example.com",
    }
    assert user_emails(api, path, department="support", level="30") == {"dan@example.com"}
