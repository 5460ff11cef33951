"""The server-side variants of ``clients``, ``apps`` and ``keys``: straight on the database
(TENANTRY_DATABASE_URL), for the server's machine, e.g. to mint the first API client.
Imports the server only when called, so the API commands stay light."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from tenantry.cli.api import errors

if TYPE_CHECKING:
    from tenantry.server.context import Context


def _context() -> Context:
    from tenantry.cli.main import _migrated_context

    return _migrated_context()


def _or_exit(action: Any, *args: Any) -> Any:
    """Run a service call; a NotFound prints its message and exits 1."""
    from tenantry.server.domain.errors import NotFound

    try:
        return action(_context(), *args)
    except NotFound as exc:
        errors.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc


def create_client(name: str) -> tuple[str, str]:
    from tenantry.server.services.integration import clients

    created = clients.create_client(_context(), name)
    return created.id, created.secret


def list_clients() -> list[tuple[str, str, datetime]]:
    from tenantry.server.services.integration import clients

    return [(c.id, c.name, c.created_at) for c in clients.list_clients(_context())]


def rotate_client_secret(client_id: str) -> str:
    from tenantry.server.services.integration import clients

    return str(_or_exit(clients.rotate_client_secret, client_id).secret)


def delete_client(client_id: str) -> None:
    from tenantry.server.services.integration import clients

    _or_exit(clients.delete_client, client_id)


def create_application(name: str, redirect_uris: list[str], logout_uris: list[str], public: bool) -> tuple[str, Any]:
    from pydantic import ValidationError

    from tenantry.server.services.integration import applications

    try:
        command = applications.CreateApplication(
            name=name,
            type="public" if public else "confidential",
            redirect_uris=redirect_uris,
            post_logout_redirect_uris=logout_uris,
        )
    except ValidationError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    created = applications.create(_context(), command)
    return created.application.id, created.client_secret


def list_applications() -> list[tuple[str, str, str, list[str]]]:
    from tenantry.server.services.integration import applications

    return [(v.id, v.name, v.type, list(v.redirect_uris)) for v in applications.list_all(_context())]


def delete_application(client_id: str) -> None:
    from tenantry.server.services.integration import applications

    _or_exit(applications.delete_, client_id)


def rotate_signing_key() -> str:
    from tenantry.server.services.integration import signing_keys

    return str(signing_keys.rotate(_context()))
