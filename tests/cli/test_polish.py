"""The CLI as a person reads it: plain --help everywhere, ids that stay whole in an
80-column table, settings that can be cleared, and the outbox's codes and links."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tenantry.cli.main import command
from tenantry.server.services.identity import mail_requests
from tests.pages.conftest import latest_email

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

PYTHON_TYPE = re.compile(r"<(str|int|float|bool|list\[[a-z]+\])>")


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, sub in getattr(node, "commands", {}).items():
        found += _paths(sub, (*prefix, name))
    return found


def test_every_help_page_is_plain(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    root = command()
    paths = _paths(root)
    assert len(paths) > 40
    for path in paths:
        with pytest.raises(SystemExit) as done:
            command().main(args=[*path, "--help"], prog_name="tenantry")
        assert done.value.code == 0, path
        text = capsys.readouterr().out
        assert not PYTHON_TYPE.search(text), (path, text)
        assert "``" not in text and "{" not in text.split("\n", 3)[1], (path, text)
    root.main(args=["settings", "set", "--help"], prog_name="tenantry", standalone_mode=False)
    text = capsys.readouterr().out
    assert "--clear" in text and "max_organizations_per_user=" in text  # how to clear, said where it is needed


def test_ids_stay_whole_in_80_columns(cli, site_api, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    orgs = [
        site_api.org(f"A rather long organization name number {n} for wrapping", external_id=f"ext-{n}")
        for n in range(3)
    ]
    lines = cli("orgs", "list").splitlines()
    for org in orgs:
        assert any(org["id"] in line for line in lines), (org["id"], lines)
    assert max(len(line) for line in lines) <= 80


def test_settings_set_documents_and_does_clearing(cli):
    out = cli("settings", "set", "max_organizations_per_user=3", "branding.logo_url=https://cdn.example/logo.png")
    assert '"max_organizations_per_user": 3' in out and "https://cdn.example/logo.png" in out
    out = cli("settings", "set", "max_organizations_per_user=")
    assert '"max_organizations_per_user": null' in out
    cli("settings", "set", "max_organizations_per_user=2")
    out = cli("settings", "set", "--clear", "max_organizations_per_user", "--clear", "branding.logo_url")
    assert '"max_organizations_per_user": null' in out and '"logo_url": null' in out
    assert "Nothing to change" in cli("settings", "set", code=2)


def test_emails_list_shows_the_code_or_the_link(cli, site_api, context, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    org = site_api.org("Acme")
    site_api.user_in(org["id"], "ada@example.com")
    assert site_api.signup("grace@example.com", "a long and unusual passphrase").status_code == 201
    mail_requests.ask(context, mail_requests.LOGIN_CODE, "grace@example.com")  # as "send me a code" does
    mail_requests.resolve_due(context)
    out = cli("emails", "list")
    code = re.search(r"\b(\d{6})\b", latest_email(site_api, "grace@example.com", "login_code")).group(1)
    assert any("grace@example.com" in line and code in line for line in out.splitlines()), out
    token = site_api.invitation_token("ada@example.com")
    link_lines = [line for line in out.splitlines() if token in line]
    assert len(link_lines) == 1 and link_lines[0].startswith("[1] http"), out  # whole, on one line
    assert "[1] link" in out
