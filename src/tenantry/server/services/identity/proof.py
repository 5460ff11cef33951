"""Proof of address (SPEC §3): what happens when someone shows they read the mailbox of an
account's e-mail (an invitation link, an e-mailed sign-in code, a password-reset link).

An account whose address was never verified may have been created by anybody who typed
that address (a "pre-account": the squatter waits for the real owner to be invited). So
the first proof on such an account takes it over for the mailbox's owner: the password
somebody else chose stops working, and every session and refresh token ends.

Verifying the address from inside the account's own session (the code typed on the
"Check your e-mail" page) is different: whoever holds that session proved both the
password and the mailbox, so nothing ends (``login.verify_email``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tenantry.server.db.models import User
from tenantry.server.services.identity import sessions


def take_over(session: Session, user: User, now: datetime) -> bool:
    """The mailbox's owner proved the address of ``user`` (locked or about to be written in
    the caller's unit of work). On an account never verified: clear the password, end
    every session and refresh token. Marks the address verified. True when it took over."""
    if user.email_verified:
        return False
    user.email_verified = True
    user.password_hash = None
    user.updated_at = now
    sessions.end_all_for_user(session, user.id, now)
    return True
