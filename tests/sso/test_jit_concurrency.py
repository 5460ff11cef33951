"""SPEC §11 done-when: 20 simultaneous first SSO sign-ins into an organization with 5 free seats
give exactly 5 members (the rest see the full page), on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tenantry.server.context import Context
from tenantry.server.services.federation import provisioning
from tenantry.server.services.federation.oidc_rp import IdpAnswer
from tests.helpers import Api
from tests.sso.fake_oidc import FakeOidc
from tests.sso.flows import DOMAIN, oidc_connection, org_with_domain


def test_twenty_first_sign_ins_into_five_free_seats_make_five_members(
    api: Api, context: Context, fake_oidc: FakeOidc
) -> None:
    org = org_with_domain(api)
    connection = oidc_connection(api, org["id"], fake_oidc)
    api.limit(org["id"], 6)
    api.user_in(org["id"], f"owner@{DOMAIN}", invite=False)  # 5 seats left

    def sign_in(number: int) -> str:
        answer = IdpAnswer(f"sub-{number}", {"email": f"user{number}@{DOMAIN}"}, True)
        try:
            provisioning.sign_in(context, connection["id"], answer)
        except provisioning.OrganizationFull:
            return "full"
        return "in"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(sign_in, range(20)))
    assert outcomes.count("in") == 5 and outcomes.count("full") == 15
    assert api.seats_used(org["id"]) == 6
    members = api.get(f"/api/v1/organizations/{org['id']}/users", params={"page_size": 100}).json()
    assert members["total_size"] == 6
    users = api.get("/api/v1/users", params={"page_size": 100}).json()["users"]
    assert len([u for u in users if u["email"].startswith("user")]) == 5  # the refused ones left nothing behind
    refusals = api.get("/api/v1/events", params={"page_size": 100, "type": "user.sso_provisioning_refused"}).json()
    assert len([e for e in refusals["events"] if e["type"] == "user.sso_provisioning_refused"]) == 15
