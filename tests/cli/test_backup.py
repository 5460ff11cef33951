"""`tenantry export` / `tenantry import`: a whole environment moves from a SQLite database
into the test database (PostgreSQL in the PostgreSQL run, another SQLite file otherwise) and
every API answer is the same afterwards; people sign in with their passwords, a TOTP code, a
recovery code or a passkey, pending invitations still work, the SCIM token still
authenticates, API credentials and signing keys carry over. An export of format version 1
still imports; a table nobody decided about stops the export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, Table, text
from typer.testing import CliRunner

from tenantry.cli.main import app
from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.base import Base
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tenantry.server.services.identity import admins
from tenantry.server.settings import Settings
from tests.cli.test_cli import tenantry
from tests.conftest import FakeClock, settings_for
from tests.helpers import Api
from tests.oidc.conftest import PASSWORD as MFA_PASSWORD
from tests.scalekit.test_rest_shapes import SESSION_POLICY
from tests.scim.scim import CORE_GROUP, Scim, directory
from tests.security.soft_authenticator import SoftAuthenticator
from tests.security.test_mfa import _code_step, _enrolled, _password_step
from tests.security.test_passkeys import add_passkey, login_options, passkey_sign_in
from tests.sso.conftest import _fake_oidc  # noqa: F401 (the fake identity provider, a fixture)
from tests.sso.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc
from tests.sso.flows import round_trip
from tests.sso.portal.helpers import path_of
from tests.sso.test_social import google, sign_in

pytestmark = pytest.mark.live
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "ada's long passphrase"
HTTPS = {"public_url": "https://testserver"}  # embeddable portal links need it
FIXTURES = Path(__file__).parent / "fixtures"


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
ORIGIN, RP_ID = HTTPS["public_url"], "testserver"
SAM = {"sub": "idp-sam", "email": "sam@acme-backup.com", "email_verified": True, "groups": ["Engineers"]}
CODE_KEY = "the code key kept with the export, 32+ characters"  # recovery codes are digests under it


def federate(api: Api, browser: TestClient, clock: FakeClock, idp: FakeOidc) -> dict[str, object]:
    """What later features added, each through its public interface: a verified domain, an
    OIDC connection with role and attribute mappings and a user it signed in, a Google
    connection and a user it signed up, a session policy,
    a SCIM directory with its token, a user it provisioned and a group mapped to a role, a user
    with an authenticator and recovery codes, another with a passkey."""
    acme = api.get("/api/v1/organizations:external/acme").json()["organization"]["id"]
    org = f"/api/v1/organizations/{acme}"
    domain = api.post(f"{org}/domains", json={"domain": {"domain": "acme-backup.com"}}).json()["domain"]
    verified = api.patch(f"{org}/domains/{domain['id']}:verify", json={"verification_method": "ADMIN"})
    assert verified.status_code == 200, verified.text
    api.limit(acme, 5)
    connection = {
        "type": "OIDC",
        "provider": "OKTA",
        "oidc_config": {"issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        "default_roles": ["billing"],
        "group_roles": {"Engineers": ["clerk"]},
        "attribute_mapping": {"given_name": "first", "custom_attributes.department": "dept"},
    }
    created = api.post(f"{org}/connections", json={"connection": connection}).json()["connection"]
    assert api.patch(f"{org}/connections/{created['id']}:enable").status_code == 200
    idp.user = SAM
    assert round_trip(browser, f"/sso/start?connection_id={created['id']}").status_code == 303  # JIT: a user, linked
    browser.cookies.clear()
    social = google(api, idp)
    idp.user = {"sub": "g-gus", "email": "gus@gmail.example", "email_verified": True}
    assert sign_in(browser, social["id"]).status_code == 303  # a user signed up through Google, linked
    browser.cookies.clear()
    assert api.patch(f"{org}/session-policy", json=SESSION_POLICY).status_code == 200

    found = directory(api, acme)
    scim = Scim(browser, found)
    erin = scim.user("erin@acme-backup.com", externalId="okta-erin")
    group = {"schemas": [CORE_GROUP], "displayName": "Engineers", "members": [{"value": erin["id"]}]}
    engineers = scim.post("/Groups", group).json()
    base = f"{org}/directories/{found['id']}"
    mapping = {"assignments": [{"group_id": engineers["id"], "role_name": "billing"}]}
    assert api._send("PUT", f"{base}/groups/-/roles:assign", json=mapping).status_code == 200
    attributes = {"attributes": [{"key": "department", "map_to": "title"}]}
    assert api._send("PUT", f"{base}/attributes", json=attributes).status_code == 200

    for email in ("mia@example.com", "pia@example.com"):
        assert api.signup(email, MFA_PASSWORD, organization={"display_name": email}).status_code == 201
    assert api.patch("/api/v1/environment/settings", json={"mfa": "required"}).status_code == 200
    totp, codes = _enrolled(browser, "mia@example.com", clock)
    assert api.patch("/api/v1/environment/settings", json={"mfa": "optional"}).status_code == 200
    browser.cookies.clear()
    _password_step(browser, "pia@example.com")
    device = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    assert add_passkey(browser, device) == "/profile?passkey=added#passkeys"
    browser.cookies.clear()
    return {
        "scim": found,
        "totp": totp,
        "recovery_codes": codes,
        "passkey": device,
        "sso": created,
        "social": social,
        "idp": idp,
    }


def answers(api: Api) -> dict[str, object]:
    """Every read the API offers over the environment."""
    seen: dict[str, object] = {}

    def read(path: str) -> dict:
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        seen[path] = response.json()
        return dict(response.json())

    for path in ("/api/v1/environment/settings", "/api/v1/user-attributes", "/keys", "/api/v1/connections"):
        read(path)
    read("/api/v1/roles?include=permissions:all")
    read("/api/v1/permissions?page_size=100")
    for hook in read("/api/v1/webhooks")["webhooks"]:
        read(f"/api/v1/webhooks/{hook['id']}/deliveries")
    for org in read("/api/v1/organizations?page_size=100")["organizations"]:
        base = f"/api/v1/organizations/{org['id']}"
        for suffix in (
            "",
            "/settings/usermanagement",
            "/settings/mfa",
            "/session-policy",
            "/users?page_size=100",
            "/roles?include=permissions:all",
            "/portal_links",
            "/domains",
            "/connections",
        ):
            read(base + suffix)
        for found in read(f"{base}/directories")["directories"]:
            for suffix in ("", "/users", "/groups", "/operations"):
                read(f"{base}/directories/{found['id']}{suffix}")
    for user in read("/api/v1/users?page_size=100")["users"]:
        read(f"/api/v1/users/{user['id']}")
        read(f"/api/v1/users/{user['id']}/mfa/factors")
    for application in read("/api/v1/applications")["applications"]:
        read(f"/api/v1/applications/{application['id']}")
    assert read("/api/v1/events?page_size=100")["events"], "the audit log moves too"
    return seen


def _settings(url: str) -> Settings:
    return settings_for(url, code_key=CODE_KEY, sso_allowed_targets="127.0.0.1", **HTTPS)


@pytest.fixture(scope="module")
def source(tmp_path_factory, request):
    """A separate SQLite environment, filled through the API once for the module (the tests
    only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('source') / 'source.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    clock = FakeClock()
    context = build_context(_settings(url), clock, engine=engine)
    admins.create(context, "root@ops.example", PASSWORD)
    served = create_app(context=context)
    with TestClient(served, base_url=ORIGIN) as client, TestClient(served, base_url=ORIGIN) as browser:
        api = Api.login(client)
        token, portal_links = populate(api)
        browser.follow_redirects = False
        moved = federate(api, browser, clock, request.getfixturevalue("_fake_oidc"))
        yield url, answers(api), token, portal_links, moved
    engine.dispose()


def test_an_environment_moves_with_every_answer_intact(source, database_url, engine, clock, tmp_path):
    source_url, before, invitation, portal_links, moved = source
    export_file = tmp_path / "env.json"
    exported = tenantry(source_url, "export", str(export_file))
    assert exported.returncode == 0, exported.stderr
    assert "Keep with the export: recovery codes are digests under the code key" in " ".join(exported.stderr.split())
    assert export_file.stat().st_mode & 0o077 == 0  # hashes and keys inside: owner only
    text_of_export = export_file.read_text()
    assert "ada@example.com" in text_of_export and PASSWORD not in text_of_export
    for secret in (moved["scim"]["token"], CLIENT_SECRET, moved["totp"].secret):
        assert secret not in text_of_export  # digests and sealed values only
    assert json.loads(text_of_export)["version"] == 2

    imported = tenantry(database_url, "import", str(export_file))
    assert imported.returncode == 0, imported.stderr + imported.stdout
    assert "8 users" in imported.stdout and "1 directories" in imported.stdout
    assert "TENANTRY_CODE_KEY" in imported.stderr  # the key that does not travel in the file

    clock.advance(seconds=30)  # past the step the enrolment used (a code is accepted once)
    served = create_app(context=build_context(_settings(database_url), clock, engine=engine))
    with TestClient(served, base_url=ORIGIN) as target, TestClient(served, base_url=ORIGIN) as browser:
        browser.follow_redirects = False
        api = Api.login(target)  # the same API client (its secret's digest moved)
        assert answers(api) == before
        csrf = CSRF.search(target.get("/login").text).group(1)
        login = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf}
        assert target.post("/login", data=login, follow_redirects=False).status_code == 303
        # The directory's token still authenticates and sees what was provisioned.
        scim = Scim(target, moved["scim"])
        listed = scim.get("/Users")
        assert listed.status_code == 200 and listed.json()["Resources"][0]["userName"] == "erin@acme-backup.com"
        # The authenticator's secret opens under the moved key: a code from the same secret signs in.
        assert _password_step(browser, "mia@example.com").headers["location"].startswith("/login/mfa?")
        assert _code_step(browser, moved["totp"].at(clock.now())).status_code == 303
        assert "tenantry_session" in browser.cookies
        browser.cookies.clear()
        _password_step(browser, "mia@example.com")  # and a recovery code (same code key)
        assert _code_step(browser, moved["recovery_codes"][0]).status_code == 303
        browser.cookies.clear()
        assert passkey_sign_in(browser, moved["passkey"].get(login_options(browser))) == 303  # its public key moved
        browser.cookies.clear()
        # The SSO and social identities moved (the provider's subject finds the same user,
        # whatever address it sends now) and the sealed client secrets open (the IdP checks them).
        users = api.get("/api/v1/users?page_size=100").json()["users"]
        moved["idp"].user = {**SAM, "email": "sam.moved@acme-backup.com"}
        assert round_trip(browser, f"/sso/start?connection_id={moved['sso']['id']}").status_code == 303
        browser.cookies.clear()
        moved["idp"].user = {"sub": "g-gus", "email": "gus.moved@gmail.example", "email_verified": True}
        assert sign_in(browser, moved["social"]["id"]).status_code == 303  # and the Google one
        assert len(api.get("/api/v1/users?page_size=100").json()["users"]) == len(users)
        browser.cookies.clear()
        accepted = api.accept(invitation, password="dave's long passphrase")
        assert accepted.status_code == 200, accepted.text
        acme = api.get("/api/v1/organizations:external/acme").json()["organization"]
        assert api.seats_used(acme["id"]) == 4
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


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    """The source exported once (`tenantry export FILE`): the file and what the command said."""
    export_file = tmp_path_factory.mktemp("export") / "env.json"
    result = tenantry(source[0], "export", str(export_file))
    assert result.returncode == 0, result.stderr
    return export_file, result


def test_import_refuses_a_non_empty_environment_unless_told_to_replace(exported, database_url, engine):
    export_file, _ = exported
    assert tenantry(database_url, "import", str(export_file)).returncode == 0
    again = tenantry(database_url, "import", str(export_file))
    assert again.returncode == 1 and "not empty" in again.stderr
    replaced = tenantry(database_url, "import", "--replace", str(export_file))
    assert replaced.returncode == 0, replaced.stderr
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 8


def test_a_broken_export_changes_nothing(exported, database_url, engine, tmp_path):
    export_file, _ = exported
    with engine.connect() as connection:
        clients_before = connection.scalar(text("SELECT count(*) FROM api_clients"))
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
        # what the database held is still there (it had no client of its own when run alone)
        assert connection.scalar(text("SELECT count(*) FROM api_clients")) == clients_before


def test_export_to_stdout_is_the_same_document(source, exported):
    result = tenantry(source[0], "export", "-")
    assert result.returncode == 0, result.stderr
    document, in_file = json.loads(result.stdout), json.loads(exported[0].read_text())
    assert document["format"] == "tenantry-export"
    assert {name: len(rows) for name, rows in document["tables"].items()}["users"] == 8
    assert document["tables"] == in_file["tables"]


def test_an_export_of_format_version_1_still_imports(database_url, engine, clock, tmp_path):
    """Made by the format-1 code (before domains, connections, directories and second factors
    were exported): users, organizations, roles and memberships come back, people sign in."""
    document = json.loads((FIXTURES / "export_v1.json").read_text())
    assert document["version"] == 1
    # The file was made at schema revision 0027; the format is what is under test here, and
    # the revision rule (the export's must be the database's) holds apart: name this one's.
    with engine.connect() as connection:
        document["schema_revision"] = MigrationContext.configure(connection).get_current_revision()
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(document))
    imported = tenantry(database_url, "import", str(old))
    assert imported.returncode == 0, imported.stderr + imported.stdout
    assert "2 users" in imported.stdout and "0 directories" in imported.stdout
    served = build_context(_settings(database_url), clock, engine=engine)
    with TestClient(create_app(context=served), base_url=ORIGIN) as target:
        api = Api.login(target)
        acme = api.get("/api/v1/organizations:external/acme").json()["organization"]
        [carol] = api.get(f"/api/v1/organizations/{acme['id']}/users").json()["users"]
        assert carol["email"] == "carol@example.com"
        assert [role["name"] for role in api.membership(carol, acme["id"])["roles"]] == ["billing"]
        [billing] = [
            role
            for role in api.get("/api/v1/roles?include=permissions:all").json()["roles"]
            if role["name"] == "billing"
        ]
        assert [permission["name"] for permission in billing["permissions"]] == ["invoices:read"]
        csrf = CSRF.search(target.get("/login").text).group(1)
        login = {"email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf}
        assert target.post("/login", data=login, follow_redirects=False).status_code == 303


@pytest.mark.once
def test_a_table_neither_exported_nor_declared_ephemeral_stops_the_export(tmp_path, monkeypatch):
    """A feature that adds a table must say whether backups carry it: until it does, `tenantry
    export` refuses (and names it) rather than write a backup that silently lacks it."""
    monkeypatch.setenv("TENANTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'drift.db'}")
    runner = CliRunner()
    complete = runner.invoke(app, ["export", str(tmp_path / "complete.json")])
    assert complete.exit_code == 0, complete.output
    probe = Table("backup_drift_probe", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        refused = runner.invoke(app, ["export", str(tmp_path / "drifted.json")])
    finally:
        Base.metadata.remove(probe)
    assert refused.exit_code == 1
    assert "backup_drift_probe" in refused.output and "ephemeral" in refused.output
    assert not (tmp_path / "drifted.json").exists()  # no half-written file to mistake for a backup
