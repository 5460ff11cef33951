"""``tenantry users import`` and ``tenantry users export``: bulk moves through the API,
with a progress bar and a summary (file formats: ``user_files``; rules: ``user_import``)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tenantry.cli.api import api_command, client, console, errors
from tenantry.cli.user_files import FileRefused, Row, csv_columns, csv_record, export_record, read_rows
from tenantry.cli.user_import import Options, Outcome, Summary, import_rows
from tenantry.sdk import Client

FORMATS = ("csv", "jsonl")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    )


def _kind(path: Path, given: str | None) -> str:
    kind = given or path.suffix.lstrip(".").lower()
    if kind not in FORMATS:
        errors.print(f"[red]{path}[/red]: say --format csv or --format jsonl (the name ends in {path.suffix!r})")
        raise typer.Exit(2)
    return kind


def register(users: typer.Typer) -> None:
    users.command("import")(import_users)
    users.command("export")(export_users)


@api_command
def import_users(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="users.csv or users.jsonl"),
    organization: str = typer.Option(
        None, "--organization", "--org", help="Organization id for rows without organization_id."
    ),
    role: list[str] = typer.Option(
        [], "--role", help="Roles for new memberships of rows without roles (default: the default member role)."
    ),
    invite: bool = typer.Option(False, "--invite", help="Invite new members by e-mail (default: add them ACTIVE)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would happen; write nothing."),
    workers: int = typer.Option(4, min=1, max=32, help="Rows sent at a time."),
    file_format: str = typer.Option(None, "--format", help="csv or jsonl (default: from the file name)."),
) -> None:
    """Create missing users and update existing ones (matched by external_id, then e-mail).

    CSV columns: email, external_id, given_name, family_name, name, phone_number, locale,
    picture, metadata (a JSON object), custom_attributes.<key>, organization_id, roles
    (separated by |). Empty cells leave stored values alone. Each row is its own API call
    and transaction: a refused row is reported (row, field, code) and writes nothing. New
    users need an organization (--organization or the organization_id column); existing
    users named with one they are not in are added to it; existing memberships keep
    their roles. Exits 1 when any row was refused.
    """
    kind = _kind(file, file_format)
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            rows: list[Row] = list(read_rows(handle, kind))
    except (FileRefused, UnicodeDecodeError, csv.Error) as refused:
        errors.print(f"[red]{file}[/red]: {refused}")
        raise typer.Exit(2) from refused
    options = Options(organization, tuple(role), invite, dry_run)
    with client() as sdk, _progress() as bar:
        task = bar.add_task("Dry run" if dry_run else "Importing", total=len(rows))
        summary = import_rows(sdk, rows, options, workers=workers, progress=lambda _: bar.advance(task))
    _report(summary, dry_run)
    if summary.counts[Outcome.REFUSED]:
        raise typer.Exit(1)


def _report(summary: Summary, dry_run: bool) -> None:
    for refusal in summary.refusals:
        for problem in refusal.problems:
            where = f"{problem.field}: " if problem.field else ""
            errors.print(f"row {refusal.row}: {where}{problem.code} ({problem.message})")
    table = Table(title="Would import (dry run)" if dry_run else "Imported")
    for outcome in Outcome:
        table.add_column(outcome.value, justify="right")
    table.add_row(*(str(summary.counts[outcome]) for outcome in Outcome))
    console.print(table)


@api_command
def export_users(
    file_format: str = typer.Option("csv", "--format", help="csv or jsonl."),
    organization: str = typer.Option(
        None, "--organization", "--org", help="Only this organization's members (adds organization_id and roles)."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of to standard output."),
) -> None:
    """Write users in the format ``tenantry users import`` reads back."""
    if file_format not in FORMATS:
        errors.print(f"[red]--format[/red]: csv or jsonl, not {file_format!r}")
        raise typer.Exit(2)
    with client() as sdk:
        handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        try:
            count = _export(sdk, handle, file_format, organization)
        finally:
            if output:
                handle.close()
    if output:
        console.print(f"Exported {count} users to {output}.")


def _export(sdk: Client, handle: TextIO, file_format: str, organization: str | None) -> int:
    keys = [attribute.key for attribute in sdk.attributes.list()]
    path = f"/api/v1/organizations/{organization}/users" if organization else "/api/v1/users"
    total = int(sdk.request("GET", path, params={"page_size": 1})["total_size"])
    users = sdk.users.list_in_organization(organization) if organization else sdk.users.list()
    writer = csv.DictWriter(handle, csv_columns(keys, bool(organization))) if file_format == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    with _progress() as bar:
        task = bar.add_task("Exporting", total=total)
        for user in users:
            record = export_record(user, keys, organization)
            if writer:
                writer.writerow(csv_record(record))
            else:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
            bar.advance(task)
    return count
