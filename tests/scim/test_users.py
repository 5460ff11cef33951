"""SCIM Users (RFC 7644) provisioned through the membership ledger: create, read, filter,
page, replace, patch (incl. what Okta and Entra ID send), delete, and the seat cap."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.helpers import Api
from tests.scim.scim import ENTERPRISE, Scim, assert_scim_error, directory, user_body
from tests.sso.flows import org_with_domain
from tests.sso.test_domain_join import verified_user


def _scim(api: Api, http: TestClient, org_id: str | None = None) -> tuple[str, Scim]:
    org = org_id or api.org()["id"]
    return org, Scim(http, directory(api, org))


def _membership(api: Api, org: str, email: str) -> dict[str, Any] | None:
    users = api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()["users"]
    user = next((u for u in users if u["email"] == email), None)
    if user is None:
        return None
    return next(m for m in user["memberships"] if m["organization_id"] == org)


def test_a_pushed_user_becomes_an_active_member_and_reads_back_as_sent(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    body = user_body("ada@example.com", externalId="00u1", displayName="Ada L", locale="en-US")
    body["schemas"].append(ENTERPRISE)
    body[ENTERPRISE] = {"department": "Engineering", "employeeNumber": "42"}
    created = scim.post("/Users", {**body, "password": "s3cret!", "groups": []})
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/scim+json")
    user = created.json()
    assert created.headers["location"] == user["meta"]["location"]
    assert "password" not in user
    assert user["externalId"] == "00u1" and user[ENTERPRISE]["department"] == "Engineering"
    assert scim.get(f"/Users/{user['id']}").json() == user
    assert _membership(api, org, "ada@example.com")["membership_status"] == "ACTIVE"  # type: ignore[index]
    profile = api.get(f"/api/v1/organizations/{org}/users").json()["users"][0]["user_profile"]
    assert (profile["given_name"], profile["family_name"], profile["name"]) == ("Ada", "Lovelace", "Ada L")


def test_filters_answer_what_okta_and_entra_ask(api: Api, http: TestClient, clock) -> None:  # type: ignore[no-untyped-def]
    _, scim = _scim(api, http)
    ada = scim.user("ada@example.com", externalId="e-ada", displayName="Ada Lovelace")
    clock.advance(seconds=5)
    bob = scim.user("bob@example.org", externalId="e-bob", displayName="Bob Babbage")

    def ids(expression: str) -> list[str]:
        response = scim.get("/Users", params={"filter": expression})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalResults"] == len(body["Resources"])
        return [r["id"] for r in body["Resources"]]

    assert ids('userName eq "ADA@example.com"') == [ada["id"]]  # userName is not case-exact
    assert ids('externalId eq "e-bob"') == [bob["id"]]
    assert ids('emails[type eq "work"].value eq "bob@example.org"') == [bob["id"]]
    assert ids('emails.value co "example.org"') == [bob["id"]]
    assert ids('userName sw "ada" or displayName co "babb"') == [ada["id"], bob["id"]]
    assert ids('userName eq "ada@example.com" and externalId eq "e-ada"') == [ada["id"]]
    assert ids(f'meta.lastModified gt "{ada["meta"]["lastModified"]}"') == [bob["id"]]
    assert ids("title pr") == []  # answered by scim2-models over the stored resources
    assert ids('userName eq "nobody@example.com"') == []
    assert_scim_error(scim.get("/Users", params={"filter": "userName eq"}), 400, "invalidFilter")


def test_pages_by_start_index_and_count(api: Api, http: TestClient) -> None:
    _, scim = _scim(api, http)
    made = [scim.user(f"u{i}@example.com")["id"] for i in range(5)]
    first = scim.get("/Users", params={"startIndex": 1, "count": 2}).json()
    second = scim.get("/Users", params={"startIndex": 3, "count": 2}).json()
    last = scim.get("/Users", params={"startIndex": 5, "count": 2}).json()
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (5, 1, 2)
    assert [r["id"] for r in first["Resources"] + second["Resources"] + last["Resources"]] == made
    assert scim.get("/Users", params={"count": 0}).json()["Resources"] == []
    assert scim.get("/Users?aadOptscim062020").status_code == 200  # unknown parameters are ignored


def test_a_full_organization_refuses_with_a_scim_403_and_leaves_nothing_behind(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    api.limit(org, 1)
    scim.user("first@example.com")
    refused = scim.post("/Users", user_body("second@example.com"))
    error = assert_scim_error(refused, 403, "organization_user_limit_reached")
    assert "organization_user_limit_reached" in error["detail"]
    assert api.seats_used(org) == 1
    assert api.get("/api/v1/users").json()["total_size"] == 1  # nothing half-created
    assert scim.get("/Users").json()["totalResults"] == 1
    events = api.get("/api/v1/events", params={"type": "directory.user_refused"}).json()["events"]
    assert [e["data"]["user"]["user_name"] for e in events] == ["second@example.com"]
    assert events[0]["organization_id"] == org


def test_deactivation_frees_the_seat_and_reactivation_takes_one_when_free(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    api.limit(org, 1)
    ada = scim.user("ada@example.com")
    off = scim.patch(f"/Users/{ada['id']}", {"op": "replace", "value": {"active": False}})  # Okta's shape
    assert off.status_code == 200 and off.json()["active"] is False
    assert _membership(api, org, "ada@example.com")["membership_status"] == "INACTIVE"  # type: ignore[index]
    assert api.seats_used(org) == 0
    assert scim.get("/Users", params={"filter": 'userName eq "ada@example.com"'}).json()["totalResults"] == 1
    bob = scim.user("bob@example.com")  # the freed seat
    assert_scim_error(
        scim.patch(f"/Users/{ada['id']}", {"op": "replace", "path": "active", "value": True}),
        403,
        "organization_user_limit_reached",
    )
    assert scim.get(f"/Users/{ada['id']}").json()["active"] is False  # the refused change was rolled back
    scim.patch(f"/Users/{bob['id']}", {"op": "Replace", "path": "active", "value": "False"})  # Entra's shape
    on = scim.patch(f"/Users/{ada['id']}", {"op": "Replace", "path": "active", "value": "True"})
    assert on.status_code == 200 and on.json()["active"] is True
    assert _membership(api, org, "ada@example.com")["membership_status"] == "ACTIVE"  # type: ignore[index]
    assert api.seats_used(org) == 1


def test_put_replaces_and_keeps_the_user_active_unless_told(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    ada = scim.user("ada@example.com", title="Engineer")
    replaced = scim.put(f"/Users/{ada['id']}", {**user_body("ada@example.com"), "nickName": "Countess"})
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["id"] == ada["id"] and body["nickName"] == "Countess" and "title" not in body
    assert body["active"] is True
    suspended = scim.put(f"/Users/{ada['id']}", {**user_body("ada@example.com"), "active": False})
    assert suspended.json()["active"] is False
    assert _membership(api, org, "ada@example.com")["membership_status"] == "INACTIVE"  # type: ignore[index]


def test_entra_path_less_patch_with_dotted_and_extension_keys(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    ada = scim.user("ada@example.com")
    patched = scim.patch(
        f"/Users/{ada['id']}",
        {
            "op": "Replace",
            "value": {
                "name.givenName": "Augusta",
                f"{ENTERPRISE}:department": "Analytics",
                "displayName": "Augusta Ada",
            },
        },
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "ada@example.com"},
        {"op": "Remove", "path": "title"},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"]["givenName"] == "Augusta" and body[ENTERPRISE]["department"] == "Analytics"
    profile = api.get(f"/api/v1/organizations/{org}/users").json()["users"][0]["user_profile"]
    assert profile["given_name"] == "Augusta" and profile["name"] == "Augusta Ada"


def test_uniqueness_and_an_idempotent_repeat(api: Api, http: TestClient) -> None:
    _, scim = _scim(api, http)
    ada = scim.user("ada@example.com", externalId="e-1")
    again = scim.post("/Users", user_body("ada@example.com", externalId="e-1"))  # a create whose answer was lost
    assert again.status_code == 200 and again.json()["id"] == ada["id"]
    assert_scim_error(scim.post("/Users", user_body("ADA@example.com", externalId="e-2")), 409, "uniqueness")
    other = scim.post("/Users", user_body("bob@example.com", externalId="e-1"))
    assert_scim_error(other, 409, "uniqueness")


def test_an_account_outside_the_organization_is_never_linked(api: Api, http: TestClient) -> None:
    elsewhere = api.org("Elsewhere")["id"]
    api.user_in(elsewhere, "ada@example.com", invite=False)
    org, scim = _scim(api, http)
    assert_scim_error(scim.post("/Users", user_body("ada@example.com")), 409, "uniqueness")
    assert _membership(api, org, "ada@example.com") is None
    api.user_in(org, "ada@example.com", invite=False)  # already a member: the directory links it
    linked = scim.post("/Users", user_body("ada@example.com"))
    assert linked.status_code == 201, linked.text


def test_a_verified_address_on_a_verified_domain_is_linked_an_unverified_one_is_not(api: Api, http: TestClient) -> None:
    org = org_with_domain(api, domain="acme-link.com")["id"]
    dana = verified_user(api, "dana@acme-link.com")  # verified, member of another organization
    api.user_in(api.org("Elsewhere")["id"], "ed@acme-link.com")  # invited, never verified
    _, scim = _scim(api, http, org)
    linked = scim.post("/Users", user_body("dana@acme-link.com"))
    assert linked.status_code == 201, linked.text
    membership = _membership(api, org, "dana@acme-link.com")
    assert membership is not None and membership["provisioning_method"] == "directory"
    assert membership["membership_status"] == "ACTIVE"
    assert api.get(f"/api/v1/users/{dana['id']}").json()["user"]["email"] == "dana@acme-link.com"
    assert_scim_error(scim.post("/Users", user_body("ed@acme-link.com")), 409, "uniqueness")
    assert _membership(api, org, "ed@acme-link.com") is None


def test_delete_ends_the_membership_and_the_user_the_directory_created(api: Api, http: TestClient) -> None:
    org, scim = _scim(api, http)
    ada = scim.user("ada@example.com")
    api.user_in(org, "bob@example.com", invite=False)
    bob = scim.user("bob@example.com")  # linked, not created
    assert scim.delete(f"/Users/{ada['id']}").status_code == 204
    assert scim.delete(f"/Users/{bob['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Users/{ada['id']}"), 404)
    assert api.seats_used(org) == 0
    emails = [u["email"] for u in api.get("/api/v1/users").json()["users"]]
    assert emails == ["bob@example.com"]  # the account the directory did not create stays
    assert _membership(api, org, "bob@example.com") is None


def test_a_pushed_invitee_completes_the_invitation_and_its_link_says_it_was_used(
    api: Api, http: TestClient, clock
) -> None:
    """An invitee the directory pushes becomes an active member: a pending invitation is
    completed, an expired one takes a seat again (refused when full); either way the old
    link's page then says it was already accepted, not merely "not valid"."""
    org, scim = _scim(api, http)
    api.limit(org, 2)
    api.user_in(org, "old@example.com")
    old_link = api.invitation_token("old@example.com")
    clock.advance(days=16)  # past the 15-day default: expired, its seat reclaimable
    api.user_in(org, "new@example.com")
    new_link = api.invitation_token("new@example.com")
    third = api.user_in(org, "third@example.com", invite=False)  # the organization is full now
    assert_scim_error(scim.post("/Users", user_body("old@example.com")), 403, "organization_user_limit_reached")
    assert _membership(api, org, "old@example.com")["membership_status"] == "INVITE_EXPIRED"  # type: ignore[index]
    assert api.delete(f"/api/v1/memberships/organizations/{org}/users/{third['id']}").status_code == 200
    for email, link in (("old@example.com", old_link), ("new@example.com", new_link)):
        pushed = scim.post("/Users", user_body(email))
        assert pushed.status_code == 201, pushed.text
        assert _membership(api, org, email)["membership_status"] == "ACTIVE"  # type: ignore[index]
        page = http.get("/invitations/accept", params={"token": link})
        assert page.status_code == 400 and "This invitation was already accepted" in page.text, page.text
    assert api.seats_used(org) == 2
