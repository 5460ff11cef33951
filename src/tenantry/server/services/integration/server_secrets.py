"""Secrets shared by every server process of the environment, created on first use: in the
database (``get``), or outside it for what a copy of the database must not reveal
(``code_key``)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from tenantry.server.context import Context
from tenantry.server.db.models import ServerSecret
from tenantry.server.settings import Settings


def get(ctx: Context, name: str) -> str:
    """The secret called ``name``; generated (256 bits) and stored the first time. Cached
    per process: these never change while a server runs."""
    cached = ctx.cache.get(("secret", name))
    if cached is not None:
        return str(cached)
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(ServerSecret, name)
        value = row.value if row else None
    if value is None:
        try:
            with ctx.uow() as uow:
                value = secrets.token_urlsafe(32)
                uow.session.add(ServerSecret(name=name, value=value, created_at=ctx.clock.now()))
                uow.commit()
        except IntegrityError:  # another process created it first: use theirs
            with ctx.uow(readonly=True) as uow:
                value = uow.session.get(ServerSecret, name).value  # type: ignore[union-attr]
    ctx.cache[("secret", name)] = value
    return value


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
