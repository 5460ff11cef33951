"""A password reset that commits while argon2 is checking the old password (tens of ms:
``login.begin_password`` reads the account, the page awaits argon2, ``finish_password``
writes) must not let the old password open a session afterwards (SPEC §3: whatever ends a
password ends what it opens). The race is made deterministic by running the steps in turn."""

from __future__ import annotations

import pytest

from tenantry.server.context import Context
from tenantry.server.domain.errors import Unauthenticated
from tenantry.server.services.identity import login
from tests.helpers import Api
from tests.security.flow import LINK_TOKEN, newest

OLD = "the old and unusual passphrase"
NEW = "the new and unusual passphrase"


def test_a_reset_during_the_check_stops_the_old_password_opening_a_session(api: Api, context: Context) -> None:
    assert api.signup("ada@example.com", OLD).status_code == 201
    attempt = login.begin_password(context, "ada@example.com")
    matched = attempt.matching(OLD)
    assert matched == 0  # the old password was right when it was read

    with context.uow() as uow:  # meanwhile: the owner resets it by the e-mailed link
        login.reset_mail(context, uow, "ada@example.com")
        uow.commit()
    token = LINK_TOKEN.search(newest(api, "ada@example.com", "reset_password"))
    assert token is not None
    login.reset_password(context, token.group(1), NEW)

    with pytest.raises(Unauthenticated):
        login.finish_password(context, attempt, matched, None)
    with pytest.raises(Unauthenticated):
        login.login_with_password(context, "ada@example.com", OLD)
    assert isinstance(login.login_with_password(context, "ada@example.com", NEW), str)


def test_the_same_steps_without_a_reset_open_a_session(api: Api, context: Context) -> None:
    assert api.signup("ada@example.com", OLD).status_code == 201
    attempt = login.begin_password(context, "ada@example.com")
    opened = login.finish_password(context, attempt, attempt.matching(OLD), None)
    assert isinstance(opened, login.Opened) and opened.token
