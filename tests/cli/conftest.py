"""Fixtures for CLI tests: a logged-in ``tenantry`` against a live server."""

from __future__ import annotations

import stat

import pytest
from typer.testing import CliRunner

from tenantry.cli.main import app
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET


@pytest.fixture
def cli(site, tmp_path, monkeypatch):
    """Run ``tenantry …`` logged in to the test server (profile in a temporary config dir)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("TENANTRY_URL", "TENANTRY_CLIENT_ID", "TENANTRY_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str, code: int = 0, stdout: bool = False) -> str:
        """The command's output (stdout and stderr), or only its stdout."""
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result.stdout if stdout else result.output

    login = run("login", "--url", site, "--client-id", BOOTSTRAP_ID, "--client-secret", BOOTSTRAP_SECRET)
    assert "Logged in" in login
    profile = tmp_path / "tenantry" / "profile.json"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    return run
