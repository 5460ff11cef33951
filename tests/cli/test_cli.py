"""The ``tenantry`` command: migrate, mint and revoke API clients, serve."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers import token_for
from tests.live.conftest import running_server, server_env

pytestmark = pytest.mark.live


def tenantry(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tenantry", *args],
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_migrate_reports_an_up_to_date_database(database_url, engine):
    result = tenantry(database_url, "migrate")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_minted_credentials_work_until_the_client_is_deleted(database_url, engine):
    created = tenantry(database_url, "clients", "create", "--name", "ci robot")
    assert created.returncode == 0, created.stderr
    client_id = re.search(r"client_id:\s+(\S+)", created.stdout).group(1)
    secret = re.search(r"client_secret:\s+(\S+)", created.stdout).group(1)

    listed = tenantry(database_url, "clients", "list")
    assert client_id in listed.stdout and "ci robot" in listed.stdout
    assert secret not in listed.stdout

    with running_server(database_url) as base_url, httpx.Client(base_url=base_url) as http:
        token = token_for(http, client_id, secret)
        assert http.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code == 200

        assert tenantry(database_url, "clients", "delete", client_id).returncode == 0
        deleted = time.monotonic()
        # The server may go on accepting a token it checked within TENANTRY_API_TOKEN_CACHE_SECONDS (2 s).
        while http.get("/api/v1/organizations", headers={"Authorization": f"Bearer {token}"}).status_code != 401:
            assert time.monotonic() - deleted < 2 + 8, "a deleted client's token still works past the cache bound"
            time.sleep(0.1)
        refused = http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert refused.status_code == 401


def test_deleting_an_unknown_client_fails_clearly(database_url, engine):
    result = tenantry(database_url, "clients", "delete", "cli_nope")
    assert result.returncode == 1
    assert "No API client" in result.stderr


def test_invalid_configuration_is_refused_before_start(database_url, engine):
    env = server_env(database_url, TENANTRY_BOOTSTRAP_CLIENT_SECRET="short")
    result = subprocess.run(
        [sys.executable, "-m", "tenantry", "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Invalid configuration" in result.stderr


def test_apps_keys_and_secret_rotation_on_the_database(database_url, engine):
    created = tenantry(database_url, "apps", "create", "--name", "Local app", "--redirect-uri", "https://a.example/cb")
    assert created.returncode == 0, created.stderr
    app_id = re.search(r"client_id:\s+(\S+)", created.stdout).group(1)
    assert re.search(r"client_secret:\s+\S+", created.stdout)
    assert [a["id"] for a in json.loads(tenantry(database_url, "apps", "list", "--database", "--json").stdout)] == [
        app_id
    ]
    assert "New signing key" in tenantry(database_url, "keys", "rotate").stdout
    assert tenantry(database_url, "apps", "delete", app_id).returncode == 0
    assert tenantry(database_url, "apps", "delete", app_id).returncode == 1

    client_id = re.search(r"client_id:\s+(\S+)", tenantry(database_url, "clients", "create").stdout).group(1)
    rotated = tenantry(database_url, "clients", "rotate-secret", client_id, "--json")
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["client_secret"].startswith("tsk_")
    assert "No API client" in tenantry(database_url, "clients", "rotate-secret", "cli_nope").stderr
