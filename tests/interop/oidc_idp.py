"""node-oidc-provider (npm, ``node/``) as an OpenID provider on loopback. Its clients'
redirect URIs are fixed when it starts, so a test starts it once its connection exists."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

NODE_DIR = Path(__file__).resolve().parent / "node"
PASSWORD = "interop-password"


def available() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        return "run `npm ci` in tests/interop/node (scripts/test does)"
    return None


@dataclass
class OidcIdp:
    process: subprocess.Popen[bytes]
    issuer: str

    def log_in(self, authorize_url: str, email: str, stop_at: str) -> str:
        """Sign ``email`` in from Tenantry's authorization request; returns the redirect to
        ``stop_at`` (Tenantry's callback) with the code."""
        with httpx.Client(timeout=30) as browser:
            response = browser.get(authorize_url)
            while response.status_code in (302, 303) and not response.headers["location"].startswith(stop_at):
                response = browser.get(urljoin(str(response.url), response.headers["location"]))
            match = re.search(r'action="([^"]+/login)"', response.text)
            assert match, response.text[:2000]
            response = browser.post(
                urljoin(str(response.url), match.group(1)), data={"email": email, "password": PASSWORD}
            )
            while response.status_code in (302, 303) and not response.headers["location"].startswith(stop_at):
                response = browser.get(urljoin(str(response.url), response.headers["location"]))
            assert response.status_code in (302, 303), response.text[:2000]
            return response.headers["location"]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=10)


def start(state: Path, port: int, clients: list[dict[str, object]], users: list[dict[str, object]]) -> OidcIdp:
    state.mkdir(parents=True, exist_ok=True)
    config = state / "oidc-idp.json"
    config.write_text(json.dumps({"password": PASSWORD, "clients": clients, "users": users}))
    process = subprocess.Popen(
        ["node", str(NODE_DIR / "oidc-idp.mjs"), str(port), str(config)],
        stdout=subprocess.PIPE,
        stderr=open(state / "oidc-idp.log", "wb"),  # noqa: SIM115 (kept open by the child)
        start_new_session=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        if line.startswith("OIDC_ISSUER="):
            return OidcIdp(process, line.split("=", 1)[1].strip())
        if not line and process.poll() is not None:
            break
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"oidc-provider did not start: {(state / 'oidc-idp.log').read_text()[-2000:]}")
