"""``tenantry doctor``: consistency checks on the server's database (run on its machine)."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(
    repair: bool = typer.Option(False, "--repair", help="Correct what is found (each organization under its lock)."),
) -> None:
    """Recount every organization's seats from its memberships and report any drift.

    Exits 0 when everything agrees (or was repaired), 1 when drift was found and left.
    """
    from tenantry.cli.local import _context
    from tenantry.server.services.membership import consistency

    drifts = consistency.check_seats(_context(), repair=repair)
    if not drifts:
        console.print("Seat counts agree with the memberships in every organization.")
        return
    for drift in drifts:  # one line each, ids whole so they can be copied
        console.print(
            f"{drift.organization_id}  stored {drift.stored}, counted {drift.actual}, "
            f"active without a seat {drift.accepted_without_seat}  ({drift.display_name})",
            highlight=False,
            markup=False,
        )
    if repair:
        console.print(f"Repaired {len(drifts)} organization(s).")
        return
    console.print(f"{len(drifts)} organization(s) disagree; run `tenantry doctor --repair` to correct them.")
    raise typer.Exit(1)
