"""Secrets shared by every server process of the environment, created on first use: in the
database (``get``), or outside it for what a copy of the database must not reveal
(``code_key``)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from tenantry.server.context import Context
from tenantry.server.db.models import ServerSecret
from tenantry.server.settings import Settings


def get(ctx: Context, name: str, generate: Callable[[], str] | None = None) -> str:
    """The secret called ``name``; generated (256 random bits, or by ``generate``) and stored
    the first time. Cached per process: these never change while a server runs."""
    cached = ctx.cache.get(("secret", name))
    if cached is not None:
        return str(cached)
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(ServerSecret, name)
        value = row.value if row else None
    if value is None:
        try:
            with ctx.uow() as uow:
                value = generate() if generate is not None else secrets.token_urlsafe(32)
                uow.session.add(ServerSecret(name=name, value=value, created_at=ctx.clock.now()))
                uow.commit()
        except IntegrityError:  # another process created it first: use theirs
            with ctx.uow(readonly=True) as uow:
                value = uow.session.get(ServerSecret, name).value  # type: ignore[union-attr]
    ctx.cache[("secret", name)] = value
    return value


def known(ctx: Context, name: str) -> bool:
    """Whether ``get`` would answer from this process's memory (no database, no waiting)."""
    return ("secret", name) in ctx.cache


def code_key_path(settings: Settings) -> Path:
    """Where the code key file lives: TENANTRY_CODE_KEY_FILE, else next to a SQLite database
    file, else the working directory."""
    if settings.code_key_file:
        return Path(settings.code_key_file)
    url = settings.database_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).resolve().parent / "tenantry.key"
    return Path.cwd() / "tenantry.key"


def code_key(ctx: Context) -> bytes:
    """The key of the digests of e-mailed codes: TENANTRY_CODE_KEY, else the key file,
    created (256 bits, mode 600) the first time. Cached per process."""
    cached = ctx.cache.get(("secret", "code_key"))
    if cached is not None:
        return bytes(cached)
    key = ctx.settings.code_key.encode() if ctx.settings.code_key else _key_file(code_key_path(ctx.settings))
    ctx.cache[("secret", "code_key")] = key
    return key


def _key_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this very moment
            key = path.read_text().strip().encode()
            if len(key) >= 32:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} holds no usable key (32 characters or more); remove it to make a new one") from None
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value.encode()


DEV_CERTIFICATE = "dev_tls_certificate"
DEV_CERTIFICATE_YEARS = 10


def development_certificate(ctx: Context) -> tuple[str, str]:
    """A self-signed TLS certificate and its private key (PEM) for ``localhost``, the loopback
    addresses and the public URL's host; made on first use and shared by every server process,
    so clients trust it once (docs/scalekit.md). For development: production configures its own
    certificate (TENANTRY_TLS_CERT_FILE / TENANTRY_TLS_KEY_FILE)."""
    host = urlsplit(ctx.settings.public_url).hostname or "localhost"
    stored = get(ctx, DEV_CERTIFICATE, lambda: _self_signed(ctx, host))
    certificate, _, key = stored.partition("\n\n")
    return certificate + "\n", key


def _self_signed(ctx: Context, host: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    addresses = {"127.0.0.1", "::1"}
    try:
        addresses.add(str(ipaddress.ip_address(host)))
    except ValueError:
        if host != "localhost":
            names.append(x509.DNSName(host))
    names += [x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Tenantry development ({host})")])
    now = ctx.clock.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * DEV_CERTIFICATE_YEARS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode().strip()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return f"{certificate_pem}\n\n{key_pem}"
