"""Organizations: create, read, update, delete, external ids and cursor pagination."""

from __future__ import annotations

import re

import pytest

from tests.helpers import assert_problem, held_roles, when

ORG_ID = re.compile(r"^org_[0-9a-z]{26}$")
UNKNOWN = "org_00000000000000000000000000"


def get_org(api, org_id: str) -> dict:
    response = api.get(f"/api/v1/organizations/{org_id}")
    assert response.status_code == 200, response.text
    return response.json()["organization"]


# --- create / get -----------------------------------------------------------------------


def test_create_returns_201_and_the_organization(api, clock):
    response = api.post(
        "/api/v1/organizations",
        json={"display_name": "Acme Corp", "external_id": "acme-1", "metadata": {"plan": "gold", "seats": [1, 2]}},
    )
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"organization"}
    org = response.json()["organization"]
    assert set(org) == {
        "id",
        "display_name",
        "external_id",
        "metadata",
        "created_by_user_id",
        "create_time",
        "update_time",
        # Scalekit's fields (SPEC §15, tests/scalekit/test_rest_shapes.py)
        "region_code",
        "slug",
        "logo_url",
        "settings",
    }
    assert ORG_ID.match(org["id"]), org["id"]
    assert org["display_name"] == "Acme Corp"
    assert org["external_id"] == "acme-1"
    assert org["metadata"] == {"plan": "gold", "seats": [1, 2]}
    assert abs((when(org["create_time"]) - clock.now()).total_seconds()) < 1
    assert org["update_time"] == org["create_time"]


def test_create_with_only_a_display_name_has_empty_defaults(api):
    org = api.org("Solo")
    assert org["display_name"] == "Solo"
    assert org["external_id"] is None
    assert org["metadata"] == {}


def test_each_organization_gets_its_own_id(api):
    ids = {api.org(f"Org {i}")["id"] for i in range(5)}
    assert len(ids) == 5


def test_get_returns_what_create_returned(api):
    org = api.org("Acme", external_id="ext-acme", metadata={"a": 1})
    assert get_org(api, org["id"]) == org


def test_get_by_external_id(api):
    org = api.org("Acme", external_id="crm:42")
    api.org("Other", external_id="crm:43")
    response = api.get("/api/v1/organizations:external/crm:42")
    assert response.status_code == 200, response.text
    assert response.json()["organization"] == org


def test_get_by_unknown_external_id_is_404(api):
    api.org("Acme", external_id="known")
    assert_problem(api.get("/api/v1/organizations:external/unknown"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": 5},
        {"display_name": "x" * 201},
        {"display_name": "Acme", "external_id": ""},
        {"display_name": "Acme", "metadata": "plan=gold"},
        {"display_name": "Acme", "metadata": {"big": "v" * 20_000}},
        {"display_name": "Acme", "colour": "red"},
    ],
)
def test_create_with_bad_input_is_400_and_writes_nothing(api, body):
    response = api.post("/api/v1/organizations", json=body)
    problem = assert_problem(response, 400, "invalid_argument")
    assert problem["details"], problem
    listing = api.get("/api/v1/organizations").json()
    assert listing["organizations"] == []
    assert listing["total_size"] == 0


def test_create_names_the_bad_field(api):
    problem = assert_problem(api.post("/api/v1/organizations", json={"display_name": ""}), 400, "invalid_argument")
    assert "display_name" in [d["field"] for d in problem["details"]]
    problem = assert_problem(api.post("/api/v1/organizations", json={}), 400, "invalid_argument")
    assert ("display_name", "required") in [(d["field"], d["code"]) for d in problem["details"]]


def test_create_on_behalf_of_unknown_user_is_404(api):
    response = api.post("/api/v1/organizations", json={"display_name": "Acme", "created_by_user_id": "usr_nobody"})
    assert_problem(response, 404, "not_found")
    assert api.get("/api/v1/organizations").json()["total_size"] == 0


def test_create_on_behalf_of_a_user_makes_them_admin(api):
    home = api.org("Home")
    user = api.user_in(home["id"], "owner@example.com", invite=False)
    response = api.post("/api/v1/organizations", json={"display_name": "Owned", "created_by_user_id": user["id"]})
    assert response.status_code == 201, response.text
    owned = response.json()["organization"]
    membership = api.membership(user, owned["id"])
    assert membership["membership_status"] == "ACTIVE"
    assert membership["roles"] == held_roles("admin")
    assert membership["name"] == "Owned"


# --- duplicates ---------------------------------------------------------------------------


def test_duplicate_external_id_on_create_is_409(api):
    api.org("First", external_id="dup")
    response = api.post("/api/v1/organizations", json={"display_name": "Second", "external_id": "dup"})
    problem = assert_problem(response, 409, "already_exists")
    assert "external_id" in [d["field"] for d in problem["details"]]
    listing = api.get("/api/v1/organizations").json()
    assert [o["display_name"] for o in listing["organizations"]] == ["First"]


def test_duplicate_external_id_on_patch_is_409_and_changes_nothing(api):
    api.org("First", external_id="one")
    second = api.org("Second", external_id="two")
    response = api.patch(f"/api/v1/organizations/{second['id']}", json={"external_id": "one", "display_name": "X"})
    assert_problem(response, 409, "already_exists")
    assert get_org(api, second["id"]) == second


def test_same_display_name_twice_is_allowed(api):
    a = api.org("Same")
    b = api.org("Same")
    assert a["id"] != b["id"]


# --- update -------------------------------------------------------------------------------


def test_patch_is_partial(api, clock):
    org = api.org("Acme", external_id="acme", metadata={"plan": "free"})
    clock.advance(seconds=5)
    response = api.patch(f"/api/v1/organizations/{org['id']}", json={"display_name": "Acme Inc"})
    assert response.status_code == 200, response.text
    patched = response.json()["organization"]
    assert patched["display_name"] == "Acme Inc"
    assert patched["external_id"] == "acme"
    assert patched["metadata"] == {"plan": "free"}
    assert patched["id"] == org["id"]
    assert patched["create_time"] == org["create_time"]
    assert when(patched["update_time"]) > when(org["update_time"])
    assert get_org(api, org["id"]) == patched


def test_patch_metadata_replaces_it(api):
    org = api.org("Acme", metadata={"plan": "free", "region": "eu"})
    patched = api.patch(f"/api/v1/organizations/{org['id']}", json={"metadata": {"plan": "pro"}}).json()
    assert patched["organization"]["metadata"] == {"plan": "pro"}
    assert patched["organization"]["display_name"] == "Acme"


def test_patch_external_id_null_clears_it(api):
    org = api.org("Acme", external_id="acme")
    response = api.patch(f"/api/v1/organizations/{org['id']}", json={"external_id": None})
    assert response.status_code == 200, response.text
    assert response.json()["organization"]["external_id"] is None
    assert get_org(api, org["id"])["external_id"] is None
    assert_problem(api.get("/api/v1/organizations:external/acme"), 404, "not_found")
    # the freed external_id can be used again
    assert api.org("Other", external_id="acme")["external_id"] == "acme"


def test_patch_external_id_to_its_own_value_is_fine(api):
    org = api.org("Acme", external_id="acme")
    response = api.patch(f"/api/v1/organizations/{org['id']}", json={"external_id": "acme", "display_name": "A"})
    assert response.status_code == 200, response.text
    assert response.json()["organization"]["external_id"] == "acme"


def test_patch_new_external_id_is_findable(api):
    org = api.org("Acme")
    api.patch(f"/api/v1/organizations/{org['id']}", json={"external_id": "new-ext"})
    response = api.get("/api/v1/organizations:external/new-ext")
    assert response.status_code == 200, response.text
    assert response.json()["organization"]["id"] == org["id"]


@pytest.mark.parametrize(
    "body", [{"display_name": None}, {"display_name": ""}, {"display_name": 3}, {"unknown": 1}, {"metadata": []}]
)
def test_patch_with_bad_input_is_400_and_changes_nothing(api, body):
    org = api.org("Acme", metadata={"k": "v"})
    assert_problem(api.patch(f"/api/v1/organizations/{org['id']}", json=body), 400, "invalid_argument")
    assert get_org(api, org["id"]) == org


# --- delete -------------------------------------------------------------------------------


def test_delete_removes_the_organization_and_its_memberships_only(api):
    doomed = api.org("Doomed", external_id="doomed")
    kept = api.org("Kept", external_id="kept")
    active = api.user_in(doomed["id"], "active@example.com", invite=False)
    pending = api.user_in(doomed["id"], "pending@example.com")
    both = api.user_in(doomed["id"], "both@example.com", invite=False)
    api.user_in(kept["id"], "both@example.com", invite=False)
    other = api.user_in(kept["id"], "other@example.com", invite=False)

    response = api.delete(f"/api/v1/organizations/{doomed['id']}")
    assert response.status_code == 200, response.text

    assert_problem(api.get(f"/api/v1/organizations/{doomed['id']}"), 404, "not_found")
    assert_problem(api.get("/api/v1/organizations:external/doomed"), 404, "not_found")
    assert_problem(api.get(f"/api/v1/organizations/{doomed['id']}/users"), 404, "not_found")

    for user in (active, pending, both, other):
        response = api.get(f"/api/v1/users/{user['id']}")
        assert response.status_code == 200, response.text  # the users stay
        orgs = [m["organization_id"] for m in response.json()["user"]["memberships"]]
        assert doomed["id"] not in orgs
    assert [m["organization_id"] for m in api.get(f"/api/v1/users/{both['id']}").json()["user"]["memberships"]] == [
        kept["id"]
    ]
    assert api.get(f"/api/v1/users/{active['id']}").json()["user"]["memberships"] == []

    assert get_org(api, kept["id"]) == kept
    members = api.get(f"/api/v1/organizations/{kept['id']}/users").json()
    assert sorted(u["email"] for u in members["users"]) == ["both@example.com", "other@example.com"]
    listing = api.get("/api/v1/organizations").json()
    assert [o["id"] for o in listing["organizations"]] == [kept["id"]]
    assert listing["total_size"] == 1
    assert api.get("/api/v1/users").json()["total_size"] == 4


def test_deleted_external_id_can_be_reused(api):
    org = api.org("Acme", external_id="acme")
    assert api.delete(f"/api/v1/organizations/{org['id']}").status_code == 200
    assert api.org("Acme again", external_id="acme")["id"] != org["id"]


def test_delete_twice_is_404(api):
    org = api.org("Acme")
    assert api.delete(f"/api/v1/organizations/{org['id']}").status_code == 200
    assert_problem(api.delete(f"/api/v1/organizations/{org['id']}"), 404, "not_found")


# --- unknown ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/organizations/{id}", None),
        ("PATCH", "/api/v1/organizations/{id}", {"display_name": "X"}),
        ("DELETE", "/api/v1/organizations/{id}", None),
        ("GET", "/api/v1/organizations/{id}/users", None),
        ("POST", "/api/v1/organizations/{id}/users", {"email": "a@example.com"}),
        ("GET", "/api/v1/organizations/{id}/settings/usermanagement", None),
        ("PATCH", "/api/v1/organizations/{id}/settings/usermanagement", {"settings": {"max_allowed_users": 3}}),
    ],
)
@pytest.mark.parametrize("org_id", [UNKNOWN, "nope"])
def test_unknown_organization_is_404_on_every_verb(api, method, path, body, org_id):
    existing = api.org("Existing")
    response = api.http.request(method, path.format(id=org_id), headers=api.headers, json=body)
    assert_problem(response, 404, "not_found")
    assert get_org(api, existing["id"]) == existing
    assert api.get("/api/v1/users").json()["total_size"] == 0


# --- pagination ---------------------------------------------------------------------------


def page(api, **params) -> dict:
    response = api.get("/api/v1/organizations", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"organizations", "next_page_token", "prev_page_token", "total_size"}
    return body


def test_empty_listing(api):
    body = page(api)
    assert body == {"organizations": [], "next_page_token": "", "prev_page_token": "", "total_size": 0}


def test_cursor_pagination_forwards_and_back(api):
    created = {api.org(f"Org {i}")["id"] for i in range(7)}

    first = page(api, page_size=3)
    assert len(first["organizations"]) == 3
    assert first["total_size"] == 7
    assert first["prev_page_token"] == ""
    assert first["next_page_token"]

    second = page(api, page_size=3, page_token=first["next_page_token"])
    assert len(second["organizations"]) == 3
    assert second["total_size"] == 7
    assert second["next_page_token"] and second["prev_page_token"]

    third = page(api, page_size=3, page_token=second["next_page_token"])
    assert len(third["organizations"]) == 1
    assert third["total_size"] == 7
    assert third["next_page_token"] == ""
    assert third["prev_page_token"]

    ids = [o["id"] for p in (first, second, third) for o in p["organizations"]]
    assert len(ids) == 7
    assert set(ids) == created  # nothing missing, nothing twice
    assert ids == sorted(ids)  # one stable order

    back_to_second = page(api, page_size=3, page_token=third["prev_page_token"])
    assert [o["id"] for o in back_to_second["organizations"]] == [o["id"] for o in second["organizations"]]
    assert back_to_second["total_size"] == 7
    assert back_to_second["next_page_token"]
    back_to_first = page(api, page_size=3, page_token=back_to_second["prev_page_token"])
    assert [o["id"] for o in back_to_first["organizations"]] == [o["id"] for o in first["organizations"]]
    assert back_to_first["prev_page_token"] == ""
    assert back_to_first["total_size"] == 7

    # and forwards again from a page reached backwards
    again = page(api, page_size=3, page_token=back_to_first["next_page_token"])
    assert [o["id"] for o in again["organizations"]] == [o["id"] for o in second["organizations"]]


def test_exactly_full_last_page_has_no_next_token(api):
    for i in range(6):
        api.org(f"Org {i}")
    first = page(api, page_size=3)
    second = page(api, page_size=3, page_token=first["next_page_token"])
    assert len(second["organizations"]) == 3
    assert second["next_page_token"] == ""


def test_page_size_zero_or_absent_means_the_default(api):
    for i in range(7):
        api.org(f"Org {i}")
    for params in ({}, {"page_size": 0}):
        body = page(api, **params)
        assert len(body["organizations"]) == 7
        assert body["next_page_token"] == ""
        assert body["total_size"] == 7


def test_page_size_over_100_is_coerced_to_100(api):
    for i in range(101):
        api.org(f"Org {i}")
    body = page(api, page_size=1000)
    assert len(body["organizations"]) == 100
    assert body["total_size"] == 101
    assert body["next_page_token"]
    rest = page(api, page_size=1000, page_token=body["next_page_token"])
    assert len(rest["organizations"]) == 1
    assert rest["next_page_token"] == ""


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_token": "garbage"}, "page_token"),
        ({"page_token": "%%%"}, "page_token"),
        ({"page_token": "eyJmb28iOiAiYmFyIn0"}, "page_token"),  # base64 of JSON, not ours
    ],
)
def test_bad_paging_parameters_are_400(api, params, field):
    api.org("Acme")
    problem = assert_problem(api.get("/api/v1/organizations", params=params), 400, "invalid_argument")
    assert field in [d["field"] for d in problem["details"]], problem
