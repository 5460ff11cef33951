"""SCIM provisioning holds the seat cap under concurrency: simultaneous creates from an
identity provider, spread over two server processes sharing the database."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from tests.helpers import Api
from tests.live.test_concurrency import fire_at_once
from tests.scim.scim import CORE_GROUP, PATCH_OP, directory, user_body
from tests.sso.flows import org_with_domain
from tests.sso.test_domain_join import memberships, verified_user

pytestmark = pytest.mark.live


def test_fifty_simultaneous_scim_creates_fill_exactly_the_ten_free_seats(live_servers, live_api: Api) -> None:
    org = live_api.org("Provisioned")["id"]
    live_api.limit(org, 12)
    live_api.user_in(org, "owner@example.com", invite=False)
    live_api.user_in(org, "invited@example.com")  # pending: holds a seat
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}

    responses = fire_at_once(
        50,
        live_servers,
        lambda client, i: client.post(
            f"/scim/v2/{found['id']}/Users", headers=headers, json=user_body(f"idp{i}@example.com")
        ),
    )

    refusals = [r.json() for r in responses if r.status_code != 201]
    assert Counter(r.status_code for r in responses) == {201: 10, 403: 40}
    assert {(r["status"], r.get("scimType")) for r in refusals} == {("403", "organization_user_limit_reached")}
    assert live_api.seats_used(org) == 12
    listed = live_api.http.get(f"/scim/v2/{found['id']}/Users", headers=headers).json()
    assert listed["totalResults"] == 10
    assert live_api.get("/api/v1/users", params={"page_size": 100}).json()["total_size"] == 12  # none half-created
    refused = live_api.get("/api/v1/events", params={"type": "directory.user_refused", "page_size": 100}).json()
    assert len(refused["events"]) == 40


def test_simultaneous_creates_of_a_verified_account_link_it_once(live_servers, live_api: Api) -> None:
    """The identity provider (retrying, or two of its workers) pushes the same person at once
    through both processes; the person already has an account with a verified address on the
    organization's verified domain. One create links it; the others find it (200, same
    externalId) or clash (409 uniqueness, another externalId); nothing is duplicated."""
    org = org_with_domain(live_api, "Linked", domain="race-link.com")["id"]
    dana = verified_user(live_api, "dana@race-link.com")
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}

    def create(client: httpx.Client, i: int) -> httpx.Response:
        same = i % 2 == 0  # half resend the same person, half send another externalId for that userName
        body = user_body(
            "dana@race-link.com" if same else "DANA@race-link.com", externalId="00u-dana" if same else f"00u-{i}"
        )
        return client.post(f"/scim/v2/{found['id']}/Users", headers=headers, json=body)

    responses = fire_at_once(20, live_servers, create)

    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1 and set(statuses) <= {200, 201, 409}, statuses
    (linked,) = {r.json()["id"] for r in responses if r.status_code < 300}
    assert {r.json().get("scimType") for r in responses if r.status_code == 409} <= {"uniqueness"}
    listed = live_api.http.get(f"/scim/v2/{found['id']}/Users", headers=headers).json()
    assert [r["id"] for r in listed["Resources"]] == [linked]
    users = live_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    assert [u["id"] for u in users if u["email"].lower() == "dana@race-link.com"] == [dana["id"]]  # linked, not new
    assert memberships(live_api, dana["id"])[org]["membership_status"] == "ACTIVE"
    assert live_api.seats_used(org) == 1
    log = live_api.get(f"/api/v1/organizations/{org}/directories/{found['id']}/operations").json()
    assert [o["http_status"] for o in log["operations"]].count(201) == 1


def test_a_mapping_change_racing_member_removals_and_deletions_ends_consistent(live_servers, live_api: Api) -> None:
    """Group → role mapping changes, member removals (Okta's and Entra ID's shapes) and user
    deletions at once through both processes: every call succeeds (no 5xx, no deadlock
    answer), and afterwards every remaining member holds exactly what the last mapping
    gives their groups, removed members are out of the group and deleted users are gone."""
    org = live_api.org("Remapped")["id"]
    live_api.user_in(org, "owner@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}
    scim = f"/scim/v2/{found['id']}"
    http = live_api.http
    ids = [
        http.post(f"{scim}/Users", headers=headers, json=user_body(f"p{i}@example.com")).json()["id"] for i in range(12)
    ]

    def group(name: str, members: list[str]) -> str:
        body = {"schemas": [CORE_GROUP], "displayName": name, "members": [{"value": m} for m in members]}
        made = http.post(f"{scim}/Groups", headers=headers, json=body)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    everyone, half = group("Everyone", ids), group("Half", ids[::2])
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    mappings = [
        [{"group_id": everyone, "role_name": "admin"}, {"group_id": half, "role_name": "member"}],
        [{"group_id": everyone, "role_name": "member"}, {"group_id": half, "role_name": "admin"}],
    ]
    assign = f"{base}/groups/-/roles:assign"
    assert live_api.put(assign, json={"assignments": mappings[0]}).status_code == 200
    removed, deleted = ids[:4], ids[4:8]

    def act(client: httpx.Client, i: int) -> httpx.Response:
        if i < 4:  # mapping changes, alternating
            return client.put(assign, headers=live_api.headers, json={"assignments": mappings[(i + 1) % 2]})
        if i < 8:  # removals from both groups, in Okta's and Entra ID's shapes
            user = removed[i - 4]
            okta = {"op": "remove", "path": f'members[value eq "{user}"]'}
            entra = {"op": "Remove", "path": "members", "value": [{"value": user}]}
            body = {"schemas": [PATCH_OP], "Operations": [okta if i % 2 else entra]}
            return client.patch(f"{scim}/Groups/{everyone if i % 2 else half}", headers=headers, json=body)
        return client.delete(f"{scim}/Users/{deleted[i - 8]}", headers=headers)

    responses = fire_at_once(12, live_servers, act)
    assert [r.status_code for r in responses] == [200] * 8 + [204] * 4, [r.text for r in responses]

    def members(group_id: str) -> set[str]:
        return {m["value"] for m in http.get(f"{scim}/Groups/{group_id}", headers=headers).json().get("members", [])}

    in_group = {everyone: members(everyone), half: members(half)}
    assert in_group[everyone] == set(ids) - set(removed[1::2]) - set(deleted)
    assert in_group[half] == set(ids[::2]) - set(removed[::2]) - set(deleted)
    mapping = live_api.get(base).json()["directory"]["role_assignments"]["assignments"]
    assert mapping in mappings
    role_of = {a["group_id"]: a["role_name"] for a in mapping}
    users = live_api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()["users"]
    held = {u["email"]: [r["name"] for r in u["memberships"][0]["roles"]] for u in users}
    assert set(held) == {"owner@example.com"} | {f"p{i}@example.com" for i in range(12) if ids[i] not in deleted}
    for i, user in enumerate(ids):
        if user in deleted:
            continue
        wanted = sorted({role_of[g] for g, found_in in in_group.items() if user in found_in}) or ["member"]
        assert held[f"p{i}@example.com"] == wanted, (i, held)


def test_user_replaces_patches_and_deletes_racing_a_remap_and_removals_end_consistent(
    live_servers, live_api: Api
) -> None:
    """The same SCIM users PUT (a new name), PATCHed ``active: false`` and DELETEd at once
    through both processes, while the group → role mapping changes and members are removed
    through the management API: no 5xx and no deadlock answer; afterwards each user's
    membership agrees with its SCIM ``active`` (or is gone, when removed last), its roles are
    what the last mapping gives, no write was lost (the PUT's name survives a PATCH after
    it) and the seats held are the active and invited members."""
    org = live_api.org("Raced")["id"]
    live_api.user_in(org, "race-owner@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    linked = [f"race-linked{i}@example.com" for i in range(3)]  # accounts of members: the directory links them
    for email in linked:
        live_api.user_in(org, email, invite=False)
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}
    scim, http = f"/scim/v2/{found['id']}", live_api.http
    emails = (
        [f"race-put{i}@example.com" for i in range(4)] + linked + [f"race-removed{i}@example.com" for i in range(2)]
    )
    ids = {e: http.post(f"{scim}/Users", headers=headers, json=user_body(e)).json()["id"] for e in emails}
    group = {"schemas": [CORE_GROUP], "displayName": "Everyone", "members": [{"value": i} for i in ids.values()]}
    everyone = http.post(f"{scim}/Groups", headers=headers, json=group).json()["id"]
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    assign = f"{base}/groups/-/roles:assign"
    mappings = [[{"group_id": everyone, "role_name": "admin"}], [{"group_id": everyone, "role_name": "member"}]]
    assert live_api.put(assign, json={"assignments": mappings[0]}).status_code == 200
    members = live_api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()["users"]
    tenantry_id = {u["email"]: u["id"] for u in members}
    grace = {"givenName": "Grace", "familyName": "Hopper"}
    deactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    calls: list[tuple[str, str]] = [("remap", "")] * 2
    calls += [(op, e) for e in emails[:4] for op in ("put", "patch")]
    calls += [(op, e) for e in linked for op in ("put", "patch", "delete")]
    calls += [(op, e) for e in emails[7:] for op in ("put", "patch", "remove")]

    def act(client: httpx.Client, i: int) -> httpx.Response:
        op, email = calls[i]
        if op == "remap":
            return client.put(assign, headers=live_api.headers, json={"assignments": mappings[i % 2]})
        if op == "remove":
            return client.delete(
                f"/api/v1/memberships/organizations/{org}/users/{tenantry_id[email]}", headers=live_api.headers
            )
        user = f"{scim}/Users/{ids[email]}"
        if op == "put":
            return client.put(user, headers=headers, json=user_body(email, name=grace))
        if op == "patch":
            return client.patch(user, headers=headers, json=deactivate)
        return client.delete(user, headers=headers)

    responses = fire_at_once(len(calls), live_servers, act)
    for (op, email), response in zip(calls, responses, strict=True):
        allowed = {200, 404} if email in linked and op != "delete" else {204} if op == "delete" else {200}
        assert response.status_code in allowed, (op, email, response.status_code, response.text)

    (last,) = live_api.get(base).json()["directory"]["role_assignments"]["assignments"]
    role = [last["role_name"]]
    for email in emails:
        scim_user = http.get(f"{scim}/Users/{ids[email]}", headers=headers)
        membership = memberships(live_api, tenantry_id[email]).get(org)
        if email in linked:  # deleted: the directory user goes, the account stays without the membership
            assert (scim_user.status_code, membership) == (404, None), (email, scim_user.text, membership)
            continue
        assert scim_user.json()["name"]["givenName"] == "Grace", (email, scim_user.json())  # the PUT is not lost
        if membership is None:  # removed through the management API after the last SCIM call
            assert email in emails[7:], email
            continue
        status = "ACTIVE" if scim_user.json()["active"] else "INACTIVE"
        assert (membership["membership_status"], [r["name"] for r in membership["roles"]]) == (status, role), (
            email,
            scim_user.json(),
            membership,
        )
    listed = live_api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()["users"]
    statuses = Counter(m["membership_status"] for u in listed for m in u["memberships"] if m["organization_id"] == org)
    assert live_api.seats_used(org) == statuses["ACTIVE"] + statuses["PENDING_INVITE"], statuses


def test_one_new_address_pushed_into_two_directories_at_once_makes_one_account(live_servers, live_api: Api) -> None:
    """Two directories of one organization push the same new person at once, through both
    processes, each under several userNames: the address is looked up again once the locks
    are held, so whichever create makes the account, every other one finds it. One account,
    one membership; in each directory one create links it (201) and the others clash on it
    (409 uniqueness): never a 5xx, never a second account, never a directory left without
    the person because its creates read the address before the account existed."""
    org = live_api.org("Two directories")["id"]
    found = [directory(live_api, org), directory(live_api, org, provider="MICROSOFT_AD")]
    address = "nova@race-new.com"

    def create(client: httpx.Client, i: int) -> httpx.Response:
        pushed = found[i % 2]
        headers = {"Authorization": f"Bearer {pushed['token']}", "Content-Type": "application/scim+json"}
        body = user_body(f"nova{i}", emails=[{"value": address, "type": "work", "primary": True}])
        return client.post(f"/scim/v2/{pushed['id']}/Users", headers=headers, json=body)

    responses = fire_at_once(20, live_servers, create)

    for side in (0, 1):
        answers = responses[side::2]
        assert Counter(r.status_code for r in answers) == {201: 1, 409: 9}, [(r.status_code, r.text) for r in answers]
        assert {r.json().get("scimType") for r in answers if r.status_code == 409} == {"uniqueness"}
    users = live_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    (account,) = [u["id"] for u in users if u["email"] == address]
    assert list(memberships(live_api, account)) == [org]
    assert memberships(live_api, account)[org]["membership_status"] == "ACTIVE"
    assert live_api.seats_used(org) == 1
    for pushed in found:
        listed = live_api.get(f"/api/v1/organizations/{org}/directories/{pushed['id']}/users").json()
        assert [u["user_id"] for u in listed["users"]] == [account]


def test_deleting_a_directory_while_it_provisions_leaves_no_half_and_no_500(live_servers, live_api: Api) -> None:
    """The directory is deleted (twice, through both processes) while its identity provider
    creates users and adds members to a group mapped to ``admin``: the delete waits for
    the provisioning calls under way, and the calls that come after it find no directory
    (404, or 401 once its token opens nothing). No 5xx; a user whose create answered 201
    keeps its account and membership (the organization keeps its members), a refused one
    left nothing behind; a member a PATCH answered 200 for holds ``admin``, one refused for
    kept the default role;
    the seats held are the members'."""
    org = live_api.org("Deleted under load")["id"]
    live_api.user_in(org, "keeper@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    found = directory(live_api, org)
    headers = {"Authorization": f"Bearer {found['token']}", "Content-Type": "application/scim+json"}
    scim, http = f"/scim/v2/{found['id']}", live_api.http
    early = [http.post(f"{scim}/Users", headers=headers, json=user_body(f"early{i}@example.com")) for i in range(6)]
    ids = [r.json()["id"] for r in early]
    group = {"schemas": [CORE_GROUP], "displayName": "Admins", "members": []}
    admins = http.post(f"{scim}/Groups", headers=headers, json=group).json()["id"]
    base = f"/api/v1/organizations/{org}/directories/{found['id']}"
    mapping = {"assignments": [{"group_id": admins, "role_name": "admin"}]}
    assert live_api.put(f"{base}/groups/-/roles:assign", json=mapping).status_code == 200

    def act(client: httpx.Client, i: int) -> httpx.Response:
        if i in (9, 10):
            return client.delete(base, headers=live_api.headers)
        if i < 6:
            add = {"op": "add", "path": "members", "value": [{"value": ids[i]}]}
            return client.patch(
                f"{scim}/Groups/{admins}", headers=headers, json={"schemas": [PATCH_OP], "Operations": [add]}
            )
        return client.post(f"{scim}/Users", headers=headers, json=user_body(f"late{i}@example.com"))

    responses = fire_at_once(20, live_servers, act)

    answered = "; ".join(
        f"{i}: {r.status_code} {r.text[:160] if r.status_code >= 500 else ''}" for i, r in enumerate(responses)
    )
    assert sorted(responses[i].status_code for i in (9, 10)) == [200, 404], answered
    gone = {401, 404}  # after the delete: its token opens nothing, or the directory went while the call waited
    assert all(r.status_code in {200} | gone for r in responses[:6]), answered
    assert all(r.status_code in {201} | gone for i, r in enumerate(responses) if i >= 6 and i not in (9, 10)), answered
    assert live_api.get(base).status_code == 404
    users = live_api.get(f"/api/v1/organizations/{org}/users", params={"page_size": 100}).json()["users"]
    held = {u["email"]: [r["name"] for r in u["memberships"][0]["roles"]] for u in users}
    everyone = {u["email"] for u in live_api.get("/api/v1/users", params={"page_size": 100}).json()["users"]}
    for i, response in enumerate(responses):
        if i < 6:
            wanted = ["admin"] if response.status_code == 200 else ["member"]
            assert held[f"early{i}@example.com"] == wanted, (i, response.text, held)
        elif i not in (9, 10):
            email = f"late{i}@example.com"
            assert (email in held, email in everyone) == (
                (True, True) if response.status_code == 201 else (False, False)
            )
    assert live_api.seats_used(org) == len(held)
