"""``tenantry admin``: dashboard administrators, on the server's machine (database-direct)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from tenantry.cli.local import _context

if TYPE_CHECKING:
    from tenantry.server.context import Context
    from tenantry.server.domain.errors import TenantryError

admin_app = typer.Typer(help="Dashboard administrators (on the server's machine).", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")


def _fail(exc: TenantryError) -> NoReturn:
    errors.print(f"[red]{exc.code}: {exc.message}[/red]")
    for detail in exc.details:
        errors.print(f"  {detail.field}: {detail.message}")
    raise typer.Exit(1) from exc


@admin_app.command("create")
def admin_create(
    email: str = typer.Option(..., help="The administrator's e-mail (their sign-in name)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Asked for when not given."
    ),
) -> None:
    """Create a dashboard administrator who signs in at /admin with this e-mail and password."""
    from tenantry.server.domain.errors import TenantryError
    from tenantry.server.services.identity import admins

    ctx = _context()
    try:
        created = admins.create(ctx, email, password)
    except TenantryError as exc:
        _fail(exc)
    console.print(f"Administrator {created.email} created. Sign in at {ctx.settings.public_url}/admin/login")


@admin_app.command("reset-password")
def admin_reset_password(
    email: str = typer.Option(..., help="The administrator's e-mail."),
    password: str = typer.Option(
        ..., prompt="New password", hide_input=True, confirmation_prompt=True, help="Asked for when not given."
    ),
) -> None:
    """Set a new password for a dashboard administrator and sign them out everywhere: the way
    in when the password is lost, or while someone else's guesses are being refused."""
    from tenantry.server.domain.errors import TenantryError
    from tenantry.server.services.identity import admins

    ctx = _context()
    try:
        changed = admins.reset_password(ctx, email, password)
    except TenantryError as exc:
        _fail(exc)
    console.print(f"New password set for {changed.email}. Sign in at {ctx.settings.public_url}/admin/login")


@admin_app.command("list")
def admin_list() -> None:
    """List dashboard administrators."""
    from tenantry.server.services.identity import admins

    for admin in admins.list_all(_context()):
        last = admin.last_login_at.isoformat(timespec="seconds") if admin.last_login_at else "never"
        console.print(f"{admin.id}  {admin.email}  last sign-in: {last}")


@admin_app.command("setup-link")
def admin_setup_link() -> None:
    """Print a one-time link that creates the first administrator (only while there is none)."""
    ctx = _context()
    link = setup_link(ctx)
    if link is None:
        errors.print("An administrator exists already: sign in at /admin/login, or use `tenantry admin create`.")
        raise typer.Exit(1)
    console.print(link)


def setup_link(ctx: Context) -> str | None:
    """A one-time set-up URL while no administrator exists, else None."""
    from tenantry.server.services.identity import admins

    token = admins.setup_token(ctx)
    return f"{ctx.settings.public_url}/admin/setup?token={token}" if token else None
