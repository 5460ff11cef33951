"""``tenantry users mfa-factors`` and ``reset-mfa`` (an administrator's MFA reset)."""

from __future__ import annotations

import json


def test_list_and_reset_a_users_second_factors(cli):
    org = json.loads(cli("orgs", "create", "Acme", "--json"))
    user = json.loads(cli("users", "invite", org["id"], "ada@example.com", "--json"))
    assert json.loads(cli("users", "mfa-factors", user["id"], "--json")) == []
    assert "removed" in cli("users", "reset-mfa", user["id"])
    assert "not_found" in cli("users", "reset-mfa", "usr_nobody", code=1)
