"""Proof of address (SPEC §3): what happens when someone shows they read the mailbox of an
account's e-mail (an invitation link, an e-mailed sign-in code, a password-reset link).

An account whose address was never verified may have been created by anybody who typed
that address (a "pre-account": the squatter waits for the real owner to be invited). So
the first proof on such an account takes it over for the mailbox's owner: the password
somebody else chose stops working, every session and refresh token ends, and so does every
credential a session of it could have added (passkeys, second factors and their recovery
codes): a squatter's authenticator must neither stand between the owner and the account
nor keep a way in. (Its password opens no session any more, login.ProveAddress; sessions
from before that, or opened otherwise, may have added them.)

Verifying the address from inside the account's own session (the code typed on the
"Check your e-mail" page) is different: whoever holds that session proved both the
password and the mailbox, so nothing ends (``login.verify_email``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.db.models import Passkey, User
from tenantry.server.services.identity import factors, sessions
from tenantry.server.services.integration import events


def take_over(session: Session, user: User, now: datetime) -> bool:
    """The mailbox's owner proved the address of ``user`` (locked or about to be written in
    the caller's unit of work). On an account never verified: clear the password, end
    every session and refresh token, remove passkeys and second factors. Marks the address
    verified. True when it took over."""
    if user.email_verified:
        return False
    user.email_verified = True
    user.password_hash = None
    user.updated_at = now
    sessions.end_all_for_user(session, user.id, now)
    factors.remove_all_in(session, user.id, now)
    for passkey in session.scalars(select(Passkey).where(Passkey.user_id == user.id)).all():
        events.user_event(session, "user.passkey_removed", user, now, passkey={"id": passkey.id, "name": passkey.name})
        session.delete(passkey)
    return True
