"""SimpleSAMLphp (Debian's package) as a SAML 2.0 identity provider on loopback, started once
per test session by ``saml-idp/start.sh``; each test points it at its connection's SP metadata
(SimpleSAMLphp reads its metadata files on every request)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
USERS_DOMAIN = "acme-saml.com"
PLACEHOLDER_SP = """<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:placeholder">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
      Location="http://127.0.0.1:9/acs" index="0"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"""
USERS = {
    "users": [
        {
            "username": name,
            "password": f"{name}pass",
            "attributes": {
                "uid": name,
                "email": f"{name}@{USERS_DOMAIN}",
                "givenName": name.capitalize(),
                "sn": "Tester",
                "groups": groups,
                "department": "Engineering",
            },
        }
        for name, groups in (("alice", ["admins"]), ("bob", ["users"]), ("carol", ["users"]), ("dave", []))
    ]
}
_AUTH_STATE = re.compile(r'name="AuthState" value="([^"]+)"')
_FIELD = re.compile(r'name="(SAMLResponse|RelayState)" value="([^"]*)"')
_ACTION = re.compile(r'<form[^>]+action="([^"]+)"')


def available() -> str | None:
    """Why the IdP cannot run here, or None."""
    if not Path("/usr/share/simplesamlphp/www/_include.php").exists():
        return "SimpleSAMLphp is not installed (apt-get install simplesamlphp php-cli php-xml php-mbstring)"
    for program in ("php", "openssl", "xmlsec1"):
        if shutil.which(program) is None:
            return f"{program} is not installed"
    return None


@dataclass
class SamlIdp:
    process: subprocess.Popen[bytes]
    state: Path
    metadata_url: str

    def trust_sp(self, sp_metadata_xml: str) -> None:
        (self.state / "metadata" / "sp-remote.xml").write_text(sp_metadata_xml)

    def log_in(self, idp_url: str, username: str) -> dict[str, str]:
        """Sign ``username`` in at the IdP (from the AuthnRequest URL Tenantry sent the browser
        to); returns the auto-submit form: ``action``, ``SAMLResponse``, ``RelayState``."""
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            form = browser.get(idp_url)
            match = _AUTH_STATE.search(form.text)
            assert match, form.text[:2000]
            answer = browser.post(
                str(form.url).split("?")[0],
                data={"username": username, "password": f"{username}pass", "AuthState": html.unescape(match.group(1))},
            )
        fields = {name: html.unescape(value) for name, value in _FIELD.findall(answer.text)}
        action = _ACTION.search(answer.text)
        assert "SAMLResponse" in fields and action, answer.text[:2000]
        return {"action": html.unescape(action.group(1)), **fields}

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=10)


def start(state: Path, port: int) -> SamlIdp:
    state.mkdir(parents=True, exist_ok=True)
    (state / "users.json").write_text(json.dumps(USERS))
    placeholder = state / "placeholder-sp.xml"
    placeholder.write_text(PLACEHOLDER_SP)
    process = subprocess.Popen(
        ["bash", str(HERE / "saml-idp" / "start.sh"), str(port), str(placeholder), str(state)],
        stdout=subprocess.PIPE,
        stderr=open(state / "start.log", "wb"),  # noqa: SIM115 (kept open by the child)
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        if line.startswith("IDP_METADATA_URL="):
            return SamlIdp(process, state, line.split("=", 1)[1].strip())
        if not line and process.poll() is not None:
            break
    os.killpg(process.pid, signal.SIGTERM)
    raise RuntimeError(f"SimpleSAMLphp did not start: {(state / 'start.log').read_text()[-2000:]}")
