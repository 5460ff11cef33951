"""Secrets shared by every server process of the environment, created on first use."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from tenantry.server.context import Context
from tenantry.server.db.models import ServerSecret


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
