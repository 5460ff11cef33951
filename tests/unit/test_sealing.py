"""One sealing helper (server/sealing.py) for every secret Tenantry encrypts, still reading
what the three earlier variants stored: a sign-up cookie in a browser, a webhook (or second
factor, or connection) secret in a row, a queued e-mail."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient

from tenantry.server.sealing import PREFIX, Legacy, Sealer, Unreadable
from tenantry.server.services.integration import server_secrets, webhook_secrets

pytestmark = pytest.mark.once


def _old_seal(key: bytes, plain: bytes, aad: bytes | None, *, urlsafe: bool) -> str:
    """How each variant sealed before the helper: nonce ‖ AES-GCM, base64."""
    nonce = os.urandom(12)
    raw = nonce + AESGCM(key).encrypt(nonce, plain, aad)
    return (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()


def test_a_sealed_value_opens_only_for_its_purpose_and_what_it_belongs_to() -> None:
    root = b"one root secret"
    outbox, cookie = Sealer(root, "outbox"), Sealer(root, "signup-cookie")
    sealed = outbox.seal(b"hello", "eml_1")
    assert sealed.startswith(PREFIX) and b"hello" not in base64.urlsafe_b64decode(sealed[len(PREFIX) :])
    assert outbox.open(sealed, "eml_1") == b"hello"
    assert outbox.seal(b"hello", "eml_1") != sealed  # a fresh nonce each time
    for wrong in (lambda: cookie.open(sealed, "eml_1"), lambda: outbox.open(sealed, "eml_2")):
        with pytest.raises(Unreadable):
            wrong()
    with pytest.raises(Unreadable):
        Sealer(b"another root", "outbox").open(sealed, "eml_1")
    with pytest.raises(Unreadable):
        outbox.open(sealed[:-4] + "AAAA", "eml_1")  # altered
    with pytest.raises(Unreadable):
        outbox.open("no legacy scheme given", "eml_1")


def test_values_sealed_by_the_earlier_variants_still_open() -> None:
    key = b"k" * 40
    outbox_key = hashlib.sha256(b"tenantry outbox\0" + key).digest()  # email/sender.py's, bound to the row
    queued = _old_seal(outbox_key, b'["invitation"]', b"eml_1", urlsafe=False)
    assert Sealer(key, "outbox", Legacy(outbox_key)).open(queued, "eml_1") == b'["invitation"]'
    with pytest.raises(Unreadable):
        Sealer(key, "outbox", Legacy(outbox_key)).open(queued, "eml_2")
    cookie_key = hashlib.sha256(b"tenantry sign-up\0" + key).digest()  # the sign-up cookie's, unbound
    cookie = _old_seal(cookie_key, b"[1]", None, urlsafe=True)
    assert Sealer(key, "signup-cookie", Legacy(cookie_key, bound=False, urlsafe=True)).open(cookie) == b"[1]"


def test_stored_secrets_of_either_key_source_keep_working(context, monkeypatch) -> None:
    database_key = server_secrets.get(context, "webhook-secret-encryption").encode()
    old_db = "db:" + _old_seal(hashlib.sha256(database_key).digest(), b"whsec_old", b"ep_1", urlsafe=False)
    assert webhook_secrets.decrypt(context, "ep_1", old_db) == "whsec_old"
    new = webhook_secrets.encrypt(context, "ep_1", "whsec_new")
    assert new.startswith("db:" + PREFIX) and webhook_secrets.decrypt(context, "ep_1", new) == "whsec_new"
    with pytest.raises(webhook_secrets.SecretUnreadable):
        webhook_secrets.decrypt(context, "ep_2", new)  # bound to its row

    env_key = os.urandom(32)
    monkeypatch.setattr(context.settings, "webhook_encryption_key", base64.b64encode(env_key).decode())
    old_env = "env:" + _old_seal(env_key, b"whsec_env", b"ep_1", urlsafe=False)
    assert webhook_secrets.decrypt(context, "ep_1", old_env) == "whsec_env"
    assert webhook_secrets.decrypt(context, "ep_1", old_db) == "whsec_old"  # the database's key still reads
    assert webhook_secrets.encrypt(context, "ep_1", "x").startswith("env:" + PREFIX)


def test_a_sign_up_cookie_set_before_the_helper_still_shows_its_address(http: TestClient, context, clock) -> None:
    key = hashlib.sha256(b"tenantry sign-up\0" + server_secrets.get(context, "csrf").encode()).digest()
    plain = json.dumps(["early@example.com", "usr_x", int(clock.now().timestamp()) + 600]).encode()
    http.cookies.set("tenantry_signup", _old_seal(key, plain, None, urlsafe=True))
    assert "early@example.com" in http.get("/verify-email").text
    http.cookies.set("tenantry_signup", "forged" + _old_seal(key, plain, None, urlsafe=True))
    assert "early@example.com" not in http.get("/verify-email").text
