"""Administrators' ways in from the server's machine: the set-up link is never written into
a log (only to a terminal) and `tenantry admin setup-link` prints a fresh one; `tenantry
admin reset-password` gets an administrator back in whatever the log-in form refuses."""

from __future__ import annotations

import re

import httpx
from typer.testing import CliRunner

from tenantry.cli.main import app
from tenantry.server.context import Context
from tenantry.server.services.identity import admins
from tests.helpers import free_port
from tests.live.conftest import server_env
from tests.oidc.conftest import form_token
from tests.serving import ServeProcess

LINK = re.compile(r"/admin/setup\?token=(\S+)")


def run(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"TENANTRY_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    return result.output


def test_serve_writes_no_set_up_link_into_its_log_and_the_cli_prints_one(database_url, engine):
    server = ServeProcess(server_env(database_url), free_port())  # stdout is a pipe, as under systemd
    try:
        server.start()
        assert "tenantry admin setup-link" in server.output()
        assert not LINK.search(server.output())

        link = LINK.search(run(database_url, "admin", "setup-link"))
        assert link
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            assert browser.get(f"/admin/setup?token={link.group(1)}").status_code == 200
    finally:
        assert server.stop() == 0


def test_reset_password_from_the_cli_gets_the_administrator_back_in(site, context: Context, database_url):
    admins.create(context, "root@ops.example", "the forgotten passphrase")

    output = run(
        database_url, "admin", "reset-password", "--email", "root@ops.example", "--password", "a new passphrase"
    )

    assert "New password set for root@ops.example" in output
    with httpx.Client(base_url=site, timeout=30) as browser:

        def log_in(password: str) -> int:
            data = {
                "email": "root@ops.example",
                "password": password,
                "csrf_token": form_token(browser, "/admin/login"),
            }
            return browser.post("/admin/login", data=data).status_code

        assert log_in("the forgotten passphrase") == 401
        assert log_in("a new passphrase") == 303


def test_reset_password_names_an_unknown_administrator(database_url, engine):
    result = CliRunner().invoke(
        app,
        ["admin", "reset-password", "--email", "nobody@ops.example", "--password", "a new passphrase"],
        env={"TENANTRY_DATABASE_URL": database_url},
    )
    assert result.exit_code == 1
    assert "No administrator 'nobody@ops.example'" in result.output
