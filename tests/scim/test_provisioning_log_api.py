"""A directory's provisioning log through the API and the SDK: every SCIM write, refused
ones included, newest first, narrowed by outcome, operation, resource type, success and time."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tenantry import Client
from tenantry.sdk.directories import DirectoryOperation
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET, Api, assert_problem
from tests.scim.scim import CORE_GROUP, PATCH_OP, directory, user_body

Row = tuple[str, str, str | None, str]


def _row(operation: DirectoryOperation) -> Row:
    return (operation.operation, operation.resource_type, operation.subject, operation.outcome)


def test_the_log_lists_what_the_identity_provider_did_and_narrows_it(site: str, site_api: Api, clock) -> None:  # type: ignore[no-untyped-def]
    org = site_api.org("Acme")["id"]
    site_api.limit(org, 1)
    found = directory(site_api, org)
    headers = {"Authorization": f"Bearer {found['token']}"}
    start = clock.now()
    with httpx.Client(base_url=f"{site}/scim/v2/{found['id']}", headers=headers, timeout=30) as scim:
        ada = scim.post("/Users", json=user_body("ada@example.com")).json()
        clock.advance(minutes=1)
        assert scim.post("/Users", json=user_body("bob@example.com")).status_code == 403  # full
        clock.advance(minutes=1)
        patch = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"displayName": "Ada L"}}]}
        assert scim.patch(f"/Users/{ada['id']}", json=patch).status_code == 200
        assert scim.get("/Users").status_code == 200  # reads are not logged
        assert scim.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": "Eng"}).status_code == 201

    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:

        def log(**filters) -> list[Row]:  # type: ignore[no-untyped-def]
            return [_row(o) for o in sdk.directories.operations(org, found["id"], page_size=1, **filters)]

        everything = list(sdk.directories.operations(org, found["id"]))
        assert [_row(o) for o in everything] == [
            ("CREATE", "GROUP", "Eng", "created"),
            ("UPDATE", "USER", "ada@example.com", "updated"),
            ("CREATE", "USER", "bob@example.com", "organization_user_limit_reached"),
            ("CREATE", "USER", "ada@example.com", "created"),
        ]
        refused = everything[2]
        assert (refused.http_status, refused.succeeded, refused.resource_id) == (403, False, None)
        assert refused.message and "maximum number of users" in refused.message
        assert everything[3].resource_id == ada["id"] and everything[3].succeeded
        assert log(succeeded=False) == [_row(refused)]
        assert log(outcomes=["updated", "created"], resource_types=["user"]) == [
            ("UPDATE", "USER", "ada@example.com", "updated"),
            ("CREATE", "USER", "ada@example.com", "created"),
        ]
        assert [row[2] for row in log(operations=["create"], succeeded=True)] == ["Eng", "ada@example.com"]
        one_minute_in = (start + timedelta(minutes=1)).isoformat()
        assert log(since=one_minute_in, until=start + timedelta(minutes=2)) == [_row(refused)]

    base = f"/api/v1/organizations/{org}/directories/{found['id']}/operations"
    first = site_api.get(base, params={"page_size": 3}).json()
    assert (first["total_size"], len(first["operations"])) == (4, 3) and first["prev_page_token"] == ""
    rest = site_api.get(base, params={"page_size": 3, "page_token": first["next_page_token"]}).json()
    assert [o["subject"] for o in rest["operations"]] == ["ada@example.com"] and rest["next_page_token"] == ""
    filtered = site_api.get(base, params={"outcome": "organization_user_limit_reached"}).json()
    assert filtered["total_size"] == 1 and filtered["operations"][0]["http_status"] == 403
    assert_problem(site_api.get(base, params={"operation": "FETCH"}), 400, "invalid_argument")
    assert_problem(site_api.get(base, params={"since": "yesterday"}), 400, "invalid_argument")
    elsewhere = site_api.org("Elsewhere")["id"]
    assert_problem(
        site_api.get(f"/api/v1/organizations/{elsewhere}/directories/{found['id']}/operations"), 404, "not_found"
    )


def test_a_create_sent_again_is_logged_as_what_it_did(site: str, site_api: Api) -> None:
    """The same user pushed again: with the same externalId it is answered with the user
    already there (200, nothing created); with another it is refused (409). Neither is
    logged as created."""
    org = site_api.org("Acme")["id"]
    found = directory(site_api, org)
    headers = {"Authorization": f"Bearer {found['token']}"}
    body = user_body("ada@example.com", externalId="00u1")
    with httpx.Client(base_url=f"{site}/scim/v2/{found['id']}", headers=headers, timeout=30) as scim:
        ada = scim.post("/Users", json=body)
        again = scim.post("/Users", json=body)
        clash = scim.post("/Users", json={**body, "externalId": "00u2"})
    assert (ada.status_code, again.status_code, clash.status_code) == (201, 200, 409)
    assert again.json()["id"] == ada.json()["id"]
    with Client(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET) as sdk:
        logged = list(sdk.directories.operations(org, found["id"]))
        assert [(o.outcome, o.http_status, o.succeeded, o.resource_id) for o in logged] == [
            ("already_exists", 409, False, None),
            ("already_provisioned", 200, True, ada.json()["id"]),
            ("created", 201, True, ada.json()["id"]),
        ]
        assert [o.outcome for o in sdk.directories.operations(org, found["id"], outcomes=["created"])] == ["created"]
