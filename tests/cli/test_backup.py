"""`tenantry export` / `tenantry import`: a whole environment moves from a SQLite database
into the test database (PostgreSQL in the PostgreSQL run, another SQLite file otherwise) and
every API answer is the same afterwards; people sign in with their passwords, pending
invitations still work, API credentials and signing keys carry over."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tenantry.server.services.identity import admins
from tests.cli.test_cli import tenantry
from tests.helpers import Api
from tests.sso.portal.helpers import path_of

pytestmark = pytest.mark.live
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "ada's long passphrase"
HTTPS = {"public_url": "https://testserver"}  # embeddable portal links need it


def populate(api: Api) -> tuple[str, dict[str, str]]:
    """An environment with something of every kind; returns a pending invitation's token and
    the paths of admin portal links: a live one, a revoked one and a used embedded one."""
    api.settings(max_organizations_per_user=3, organization_meta_name={"singular": "Team", "plural": "Teams"})
    attribute = {"key": "department", "display_name": "Department", "type": "enum", "options": ["sales", "ops"]}
    assert api.post("/api/v1/user-attributes", json={**attribute, "collect_on_signup": True}).status_code == 201
    profile = {"user_profile": {"given_name": "Ada", "custom_attributes": {"department": "ops"}}}
    assert api.signup("ada@example.com", PASSWORD, organization={"display_name": "Engines"}, **profile).status_code
    acme = api.org("Acme <b>&</b>", external_id="acme", metadata={"tier": "gold"})
    api.limit(acme["id"], 3)
    assert api.post("/api/v1/permissions", json={"permission": {"name": "invoices:read"}}).status_code == 201
    billing = {"name": "billing", "display_name": "Billing", "permissions": ["invoices:read"]}
    assert api.post("/api/v1/roles", json={"role": billing}).status_code == 201
    clerk = {"name": "clerk", "display_name": "Clerk", "extends": "billing"}
    assert api.post(f"/api/v1/organizations/{acme['id']}/roles", json={"role": clerk}).status_code == 201
    assert api.patch("/api/v1/roles:set_defaults", json={"default_member_role": "billing"}).status_code == 200
    api.user_in(acme["id"], "carol@example.com", invite=False, membership={"roles": [{"name": "admin"}]})
    api.user_in(acme["id"], "dave@example.com", membership={"roles": [{"name": "clerk"}], "metadata": {"desk": 4}})
    app = {"name": "Portal", "type": "confidential", "redirect_uris": ["https://portal.example/cb"]}
    assert api.post("/api/v1/applications", json=app).status_code == 201
    assert api.post("/api/v1/signing-keys:rotate").status_code == 200
    hook = {"url": "https://hooks.example/in", "event_types": ["user.created"], "description": "CRM"}
    assert api.post("/api/v1/webhooks", json=hook).status_code == 201
    portal = f"/api/v1/organizations/{acme['id']}/portal_links"
    links = {kind: api.post(portal, json=body).json()["link"] for kind, body in PORTAL_LINKS.items()}
    assert api.delete(f"{portal}/{links['revoked']['id']}").status_code == 200
    paths = {kind: path_of(link["location"]) for kind, link in links.items()}
    assert api.http.get(paths["used"], follow_redirects=False).status_code == 303
    return api.invitation_token("dave@example.com"), paths


PORTAL_LINKS = {"live": {"features": ["sso"]}, "revoked": {}, "used": {"embeddable": True}}


def answers(api: Api) -> dict[str, object]:
    """Every read the API offers over the environment."""
    seen: dict[str, object] = {}

    def read(path: str) -> dict:
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        seen[path] = response.json()
        return dict(response.json())

    for path in ("/api/v1/environment/settings", "/api/v1/user-attributes", "/keys", "/api/v1/webhooks"):
        read(path)
    read("/api/v1/roles?include=permissions:all")
    read("/api/v1/permissions?page_size=100")
    for org in read("/api/v1/organizations?page_size=100")["organizations"]:
        for suffix in (
            "",
            "/settings/usermanagement",
            "/users?page_size=100",
            "/roles?include=permissions:all",
            "/portal_links",
        ):
            read(f"/api/v1/organizations/{org['id']}{suffix}")
    for user in read("/api/v1/users?page_size=100")["users"]:
        read(f"/api/v1/users/{user['id']}")
    for application in read("/api/v1/applications")["applications"]:
        read(f"/api/v1/applications/{application['id']}")
    assert read("/api/v1/events?page_size=100")["events"], "the audit log moves too"
    return seen


@pytest.fixture
def source(tmp_path, settings, clock):
    """A separate SQLite environment, filled through the API."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    context = build_context(settings.model_copy(update={"database_url": url, **HTTPS}), clock, engine=engine)
    admins.create(context, "root@ops.example", PASSWORD)
    with TestClient(create_app(context=context), base_url=HTTPS["public_url"]) as client:
        api = Api.login(client)
        token, portal_links = populate(api)
        yield url, api, token, portal_links
    engine.dispose()


def test_an_environment_moves_with_every_answer_intact(source, database_url, engine, settings, clock, tmp_path):
    source_url, source_api, invitation, portal_links = source
    before = answers(source_api)
    export_file = tmp_path / "env.json"
    exported = tenantry(source_url, "export", str(export_file))
    assert exported.returncode == 0, exported.stderr
    assert export_file.stat().st_mode & 0o077 == 0  # hashes and keys inside: owner only
    assert "ada@example.com" in export_file.read_text() and PASSWORD not in export_file.read_text()

    imported = tenantry(database_url, "import", str(export_file))
    assert imported.returncode == 0, imported.stderr + imported.stdout
    assert "3 users" in imported.stdout

    served = build_context(settings.model_copy(update=HTTPS), clock, engine=engine)
    with TestClient(create_app(context=served), base_url=HTTPS["public_url"]) as target:
        api = Api.login(target)  # the same API client (its secret's digest moved)
        assert answers(api) == before
        csrf = CSRF.search(target.get("/login").text).group(1)
        login = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf}
        assert target.post("/login", data=login, follow_redirects=False).status_code == 303
        accepted = api.accept(invitation, password="dave's long passphrase")
        assert accepted.status_code == 200, accepted.text
        acme = api.get("/api/v1/organizations:external/acme").json()["organization"]
        assert api.seats_used(acme["id"]) == 2
        # New events number on after the imported ones; the administrator still signs in.
        assert api.post("/api/v1/organizations", json={"display_name": "After the move"}).status_code == 201
        csrf = CSRF.search(target.get("/admin/login").text).group(1)
        admin_login = {"email": "root@ops.example", "password": PASSWORD, "csrf_token": csrf}
        assert target.post("/admin/login", data=admin_login, follow_redirects=False).status_code == 303
        # The IT administrator's link still opens the portal; a revoked or used one stays so.
        assert target.get(portal_links["live"], follow_redirects=False).status_code == 303
        assert target.get("/portal/sso").status_code == 200
        for kind, words in (("revoked", "was revoked"), ("used", "already used")):
            refused = target.get(portal_links[kind], follow_redirects=False)
            assert refused.status_code == 410 and words in refused.text, kind


def test_import_refuses_a_non_empty_environment_unless_told_to_replace(source, database_url, engine, tmp_path):
    source_url, *_ = source
    export_file = tmp_path / "env.json"
    assert tenantry(source_url, "export", str(export_file)).returncode == 0
    assert tenantry(database_url, "import", str(export_file)).returncode == 0
    again = tenantry(database_url, "import", str(export_file))
    assert again.returncode == 1 and "not empty" in again.stderr
    replaced = tenantry(database_url, "import", "--replace", str(export_file))
    assert replaced.returncode == 0, replaced.stderr
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 3


def test_a_broken_export_changes_nothing(source, database_url, engine, tmp_path):
    source_url, *_ = source
    export_file = tmp_path / "env.json"
    assert tenantry(source_url, "export", str(export_file)).returncode == 0
    document = json.loads(export_file.read_text())
    document["tables"]["memberships"][0]["user_id"] = "usr_00000000000000000000000000"  # no such user
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    result = tenantry(database_url, "import", str(broken))
    assert result.returncode == 1 and "memberships" in result.stderr
    not_json = tmp_path / "not.json"
    not_json.write_text("users,emails\n")
    assert tenantry(database_url, "import", str(not_json)).returncode == 1
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 0
        assert connection.scalar(text("SELECT count(*) FROM api_clients")) >= 1  # the test's client is still there


def test_export_to_stdout_is_the_same_document(source, tmp_path):
    source_url, *_ = source
    result = tenantry(source_url, "export", "-")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["format"] == "tenantry-export"
    assert {name: len(rows) for name, rows in document["tables"].items()}["users"] == 3
    assert Path(tmp_path).exists()
