"""``GET /metrics``: what is counted, under which labels, and who may read it. Counters are
process-wide, so each test compares before and after."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tests.events.conftest import register
from tests.helpers import Api, free_port
from tests.live.conftest import server_env
from tests.oidc.conftest import form_token
from tests.serving import ServeProcess


def samples(http: TestClient | httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return float(found.get((name, frozenset(labels.items())), 0.0))


def test_requests_are_counted_by_route_template_never_by_raw_path(http, api: Api):
    org = api.org("Templated")
    before = samples(http)
    for _ in range(3):
        assert api.get(f"/api/v1/organizations/{org['id']}").status_code == 200
    for probe in ("/wp-login.php", "/.env", f"/nothing/{org['id']}"):
        assert http.get(probe).status_code == 404
    http.request("BREW", "/healthz")  # a method of the client's choosing is one more label at most
    after = samples(http)

    route = "/api/v1/organizations/{organization_id}"
    assert (
        value(after, "tenantry_http_requests_total", method="GET", route=route, status="200")
        - value(before, "tenantry_http_requests_total", method="GET", route=route, status="200")
        == 3
    )
    assert value(after, "tenantry_http_request_duration_seconds_count", method="GET", route=route) >= 3
    unmatched = dict(method="GET", route="<unmatched>", status="404")
    assert (
        value(after, "tenantry_http_requests_total", **unmatched)
        - value(before, "tenantry_http_requests_total", **unmatched)
        == 3
    )
    text = http.get("/metrics").text
    assert org["id"] not in text and "wp-login" not in text  # no raw path, no id in any label
    assert "BREW" not in text and 'method="OTHER"' in text


def test_refusals_are_counted_once_by_code_with_seat_and_creation_limits(http, api: Api):
    org = api.org("Full")
    api.limit(org["id"], 1)
    api.user_in(org["id"], "first@example.com", invite=False)
    api.patch("/api/v1/environment/settings", json={"max_organizations_per_user": 1})
    creator = api.signup("creator@example.com", organization={"display_name": "First"}).json()["user"]["id"]
    before = samples(http)

    seat = api.add_user(org["id"], "second@example.com")
    assert seat.json()["code"] == "organization_user_limit_reached"
    created = api.post("/api/v1/organizations", json={"display_name": "Second", "created_by_user_id": creator})
    assert created.json()["code"] == "organization_creation_limit_reached"
    assert api.post("/api/v1/organizations", json={"display_name": ""}).status_code == 400
    after = samples(http)

    for code in ("organization_user_limit_reached", "organization_creation_limit_reached", "invalid_argument"):
        grew = value(after, "tenantry_refusals_total", code=code) - value(before, "tenantry_refusals_total", code=code)
        assert grew == 1, code


def test_sign_ins_are_counted_by_method_and_outcome(site: str, site_api: Api):
    site_api.signup("ada@example.com", password="a long passphrase")
    with httpx.Client(base_url=site, timeout=30) as browser:
        before = samples(browser)
        for password in ("wrong passphrase", "a long passphrase"):
            form = {"email": "ada@example.com", "password": password, "csrf_token": form_token(browser, "/login")}
            browser.post("/login", data=form)
        after = samples(browser)
    for outcome in ("failure", "success"):
        labels = dict(method="password", outcome=outcome)
        assert (
            value(after, "tenantry_sign_ins_total", **labels) - value(before, "tenantry_sign_ins_total", **labels) == 1
        )


def test_emails_webhook_backlog_and_delivery_outcomes(http, api: Api, worker, receiver):
    before = samples(http)
    register(api, receiver.url)
    org = api.org("Hooked")
    api.user_in(org["id"], "invitee@example.com")  # an invitation e-mail into the outbox
    pending = samples(http)
    assert (
        value(pending, "tenantry_emails_total", outcome="outbox")
        - value(before, "tenantry_emails_total", outcome="outbox")
        == 1
    )
    assert value(pending, "tenantry_webhook_backlog") >= 2  # organization.created, membership…
    assert value(pending, "tenantry_webhook_backlog_oldest_seconds") >= 0

    while worker.run_once():
        pass
    delivered = samples(http)
    assert value(delivered, "tenantry_webhook_backlog") == 0
    attempts = dict(result="2xx", status="delivered")
    assert (
        value(delivered, "tenantry_webhook_attempts_total", **attempts)
        - value(before, "tenantry_webhook_attempts_total", **attempts)
        >= 2
    )


def test_database_pool_usage_is_exported(http, api: Api):
    found = samples(http)
    assert value(found, "tenantry_db_pool_capacity") >= 1
    assert ("tenantry_db_pool_connections_in_use", frozenset()) in found
    assert value(found, "tenantry_http_requests_in_flight") >= 1  # this very request


def test_a_metrics_token_keeps_metrics_private(settings, clock, engine):
    guarded = settings.model_copy(update={"metrics_token": "scrape-token-0123456789"})
    with TestClient(create_app(context=build_context(guarded, clock, engine=engine))) as http:
        refused = http.get("/metrics")
        assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
        assert http.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        allowed = http.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
        assert allowed.status_code == 200 and "tenantry_http_requests_total" in allowed.text


def test_several_server_processes_report_one_total(database_url, engine):
    """``--workers 2``: each process counts its own requests; any of them reports the sum."""
    port = free_port()
    server = ServeProcess(server_env(database_url), port, args=["--workers", "2"], processes=2)
    try:
        server.start()
        pids = set()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(40):
                with httpx.Client(base_url=server.url, timeout=30) as fresh:  # a new connection each time
                    response = fresh.get("/healthz")
                    assert response.status_code == 200
            for _ in range(6):
                found = samples(client)
                pids.add(found.get(("process_pid", frozenset()), None))
            total = value(found, "tenantry_http_requests_total", method="GET", route="/healthz", status="200")
        assert total == 40
        assert len(re.findall(r"^Tenantry ready \(process \d+\)$", server.output(), re.MULTILINE)) == 2
    finally:
        assert server.stop() == 0, server.output()
