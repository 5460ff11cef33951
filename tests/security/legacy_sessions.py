"""Sessions the public interfaces no longer open, for tests of what still guards against them."""

from __future__ import annotations

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.services.identity import login


def session_from_before(context: Context, email: str) -> str:
    """A session of the unproved account of ``email`` as its password alone opened one
    before that stopped (SPEC §3): a deployment upgraded with such sessions live."""
    with context.uow(readonly=True) as uow:
        user = repo.user_by_email(uow.session, email)
        assert user is not None and not user.email_verified
        user_id = user.id
    return login.open_session(context, user_id)
