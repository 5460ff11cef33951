"""API commands for users' second factors: ``tenantry users mfa-factors`` / ``reset-mfa``."""

from __future__ import annotations

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show

FACTOR_COLUMNS = ["id", "type", "create_time", "last_used_time"]


def register(users: typer.Typer) -> None:
    @users.command("mfa-factors")
    @api_command
    def factors(user_id: str, as_json: bool = JsonOption) -> None:
        """The user's enrolled second factors."""
        with client() as sdk:
            show(sdk.mfa.list_factors(user_id), FACTOR_COLUMNS, as_json)

    @users.command("reset-mfa")
    @api_command
    def reset(user_id: str) -> None:
        """Remove every second factor and recovery code of the user (a lost phone)."""
        with client() as sdk:
            sdk.mfa.reset(user_id)
        console.print(f"Second factors of {user_id} removed.")
