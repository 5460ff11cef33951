"""Organization domains (SPEC §10): claiming, DNS TXT and application verification, one
organization per verified domain, free-mail and disposable domains refused."""

from __future__ import annotations

from typing import Any

import pytest

from tenantry.server.services.directory import domains as domain_service
from tests.dns_server import LoopbackDns
from tests.helpers import Api, assert_problem


def add_domain(api: Api, org_id: str, name: str, **fields: Any) -> dict[str, Any]:
    response = api.post(f"/api/v1/organizations/{org_id}/domains", json={"domain": {"domain": name, **fields}})
    assert response.status_code == 201, response.text
    return dict(response.json()["domain"])


def verify(api: Api, org_id: str, domain_id: str, **body: Any):  # type: ignore[no-untyped-def]
    return api.patch(f"/api/v1/organizations/{org_id}/domains/{domain_id}:verify", json=body or None)


def test_a_domain_is_pending_until_its_txt_record_appears(api: Api, dns: LoopbackDns) -> None:
    org = api.org("Acme")
    created = add_domain(api, org["id"], "Acme-Corp.COM.")
    assert created["domain"] == "acme-corp.com"
    assert created["verification_status"] == "PENDING"
    assert created["domain_type"] == "ORGANIZATION_DOMAIN"
    assert created["txt_record_key"] == "_tenantry-challenge.acme-corp.com"
    assert created["txt_record_secret"].startswith("tenantry-domain-verification=")

    assert_problem(verify(api, org["id"], created["id"]), 409, "domain_verification_failed")
    dns.txt["_tenantry-challenge.acme-corp.com"] = ["something else"]
    assert_problem(verify(api, org["id"], created["id"]), 409, "domain_verification_failed")
    assert "_tenantry-challenge.acme-corp.com" in dns.queries

    dns.txt["_tenantry-challenge.acme-corp.com"] = ["v=spf1 -all", created["txt_record_secret"]]
    response = verify(api, org["id"], created["id"])
    assert response.status_code == 200, response.text
    domain = response.json()["domain"]
    assert domain["verification_status"] == "VERIFIED"
    assert domain["verification_method"] == "DNS"
    assert domain["verified_time"] is not None
    listed = api.get(f"/api/v1/organizations/{org['id']}/domains").json()
    assert [d["id"] for d in listed["domains"]] == [created["id"]]
    types = [e["type"] for e in api.get("/api/v1/events", params={"page_size": 100}).json()["events"]]
    assert "organization.domain_created" in types and "organization.domain_verified" in types


def test_unanswered_dns_is_not_a_verdict(api: Api, dns: LoopbackDns) -> None:
    org = api.org("Acme")
    created = add_domain(api, org["id"], "acme.io")
    dns.silent = True
    assert_problem(verify(api, org["id"], created["id"]), 409, "failed_precondition")
    assert (
        api.get(f"/api/v1/organizations/{org['id']}/domains/{created['id']}").json()["domain"]["verification_status"]
        == "PENDING"
    )


def test_the_application_may_verify_a_domain_itself(api: Api) -> None:
    org = api.org("Acme")
    created = add_domain(api, org["id"], "acme.dev", domain_type="ALLOWED_EMAIL_DOMAIN")
    response = verify(api, org["id"], created["id"], verification_method="ADMIN")
    assert response.status_code == 200, response.text
    assert response.json()["domain"]["verification_method"] == "ADMIN"
    assert response.json()["domain"]["domain_type"] == "ALLOWED_EMAIL_DOMAIN"


def test_a_verified_domain_belongs_to_one_organization(api: Api, dns: LoopbackDns) -> None:
    first, second = api.org("First"), api.org("Second")
    mine = add_domain(api, first["id"], "contested.com")
    theirs = add_domain(api, second["id"], "contested.com")  # both may list it while pending
    assert verify(api, first["id"], mine["id"], verification_method="ADMIN").status_code == 200
    assert_problem(verify(api, second["id"], theirs["id"], verification_method="ADMIN"), 409, "already_exists")
    dns.txt["_tenantry-challenge.contested.com"] = [theirs["txt_record_secret"]]
    assert_problem(verify(api, second["id"], theirs["id"]), 409, "already_exists")
    response = api.post(
        f"/api/v1/organizations/{api.org('Third')['id']}/domains", json={"domain": {"domain": "contested.com"}}
    )
    assert_problem(response, 409, "already_exists")
    # after the owner lets it go, another organization may verify it
    assert api.delete(f"/api/v1/organizations/{first['id']}/domains/{mine['id']}").status_code == 200
    assert verify(api, second["id"], theirs["id"]).status_code == 200


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("gmail.com", "public_email_domain"),
        ("Outlook.com", "public_email_domain"),
        ("mailinator.com", "disposable_email_domain"),
        ("not a domain", "invalid_domain"),
        ("someone@acme.com", "invalid_domain"),
        ("localhost", "invalid_domain"),
        ("acme.test", "invalid_domain"),
    ],
)
def test_free_mail_disposable_and_malformed_domains_are_refused(api: Api, name: str, code: str) -> None:
    org = api.org("Acme")
    body = assert_problem(
        api.post(f"/api/v1/organizations/{org['id']}/domains", json={"domain": {"domain": name}}),
        400,
        "invalid_argument",
    )
    assert body["details"][0] == {**body["details"][0], "field": "domain.domain", "code": code}
    assert api.get(f"/api/v1/organizations/{org['id']}/domains").json()["domains"] == []


def test_listing_twice_unknown_ids_and_type_filter(api: Api) -> None:
    org = api.org("Acme")
    created = add_domain(api, org["id"], "acme.org")
    assert_problem(
        api.post(f"/api/v1/organizations/{org['id']}/domains", json={"domain": {"domain": "ACME.org"}}),
        409,
        "already_exists",
    )
    assert_problem(api.get(f"/api/v1/organizations/{org['id']}/domains/dom_nope"), 404, "not_found")
    assert_problem(api.get("/api/v1/organizations/org_nope/domains"), 404, "not_found")
    other = api.org("Other")
    assert_problem(api.get(f"/api/v1/organizations/{other['id']}/domains/{created['id']}"), 404, "not_found")
    patched = api.patch(
        f"/api/v1/organizations/{org['id']}/domains/{created['id']}",
        json={"domain": {"domain_type": "ALLOWED_EMAIL_DOMAIN"}},
    )
    assert patched.json()["domain"]["domain_type"] == "ALLOWED_EMAIL_DOMAIN"
    only = api.get(f"/api/v1/organizations/{org['id']}/domains", params={"domain_type": "ORGANIZATION_DOMAIN"})
    assert only.json()["domains"] == []


def test_the_worker_verifies_pending_domains_periodically(api: Api, dns: LoopbackDns, context, clock) -> None:  # type: ignore[no-untyped-def]
    org = api.org("Acme")
    created = add_domain(api, org["id"], "periodic.com")
    assert domain_service.check_pending(context) == 0  # checked now, not found
    dns.txt["_tenantry-challenge.periodic.com"] = [created["txt_record_secret"]]
    assert domain_service.check_pending(context) == 0  # checked a moment ago: not due yet
    clock.advance(seconds=context.settings.domain_check_interval_seconds + 1)
    assert domain_service.check_pending(context) == 1
    status = api.get(f"/api/v1/organizations/{org['id']}/domains/{created['id']}").json()["domain"]
    assert status["verification_status"] == "VERIFIED"


def test_domain_settings(api: Api) -> None:
    org = api.org("Acme")
    path = f"/api/v1/organizations/{org['id']}/settings/domains"
    assert api.get(path).json() == {"settings": {"domain_join": "off", "sso_required": False}}
    assert api.patch(path, json={"settings": {"domain_join": "AUTO"}}).json()["settings"]["domain_join"] == "auto"
    assert_problem(api.patch(path, json={"settings": {"domain_join": "sometimes"}}), 400, "invalid_argument")
    assert api.get(path).json()["settings"] == {"domain_join": "auto", "sso_required": False}
