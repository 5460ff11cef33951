"""API commands for the environment's configuration: settings and attribute definitions."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from tenantry.cli.api import JsonOption, api_command, client, console, show

ATTRIBUTE_COLUMNS = ["key", "display_name", "type", "required", "collect_on_signup", "user_editable", "options"]


def register(app: typer.Typer) -> None:
    from tenantry.cli import admin

    app.add_typer(_settings(), name="settings")
    app.add_typer(_attributes(), name="attributes")
    admin.register(app)


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _put(patch: dict[str, Any], dotted: str, value: Any) -> None:
    """``patch`` with ``value`` at the dotted name (branding.logo_url -> {"branding": {"logo_url": …}})."""
    *groups, name = dotted.strip().split(".")
    for group in groups:
        patch = patch.setdefault(group, {})
    patch[name] = value


def _settings() -> typer.Typer:
    settings = typer.Typer(help="Environment settings.", no_args_is_help=True)

    @settings.command("get")
    @api_command
    def get() -> None:
        with client() as sdk:
            sys.stdout.write(sdk.settings.get().model_dump_json(indent=2) + "\n")

    @settings.command("set")
    @api_command
    def set_(
        changes: list[str] = typer.Argument(None, help="NAME=VALUE pairs; see above."),
        clear: list[str] = typer.Option([], "--clear", metavar="NAME", help="Set NAME back to none (repeatable)."),
    ) -> None:
        """Change settings, for example: tenantry settings set max_organizations_per_user=3 signup_enabled=false

        VALUE is JSON when it reads as JSON (3, false, "text"), otherwise text. Settings inside
        a group take a dotted NAME: branding.primary_color=#0a7cff. An empty VALUE, as in
        max_organizations_per_user=, or --clear NAME sets a setting back to none: no creation
        limit (max_organizations_per_user), no logo (branding.logo_url).
        """
        patch: dict[str, Any] = {}
        for name, _, value in (change.partition("=") for change in changes or []):
            _put(patch, name, _json_or_text(value) if value else None)
        for name in clear:
            _put(patch, name, None)
        if not patch:
            console.print("Nothing to change: give NAME=VALUE pairs or --clear NAME.")
            raise typer.Exit(2)
        with client() as sdk:
            sys.stdout.write(sdk.settings.update(**patch).model_dump_json(indent=2) + "\n")

    return settings


def _definition_fields(**options: Any) -> dict[str, Any]:
    """The definition fields given on the command line (``None``: not given)."""
    return {name: value for name, value in options.items() if value is not None}


def _attributes() -> typer.Typer:
    attributes = typer.Typer(help="Custom user attribute definitions.", no_args_is_help=True)

    @attributes.command("list")
    @api_command
    def list_(as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.attributes.list(), ATTRIBUTE_COLUMNS, as_json)

    @attributes.command("get")
    @api_command
    def get(key: str, as_json: bool = JsonOption) -> None:
        with client() as sdk:
            show(sdk.attributes.get(key), ATTRIBUTE_COLUMNS, as_json)

    @attributes.command("create")
    @api_command
    def create(
        key: str,
        display_name: str,
        type_: str = typer.Option("string", "--type", help="string number integer boolean date email url phone enum"),
        description: str = typer.Option(None),
        required: bool = typer.Option(False, "--required"),
        signup: bool = typer.Option(False, "--collect-on-signup"),
        user_editable: bool = typer.Option(
            False, "--user-editable/--admin-only", help="Whether users may change it on their profile page."
        ),
        option: list[str] = typer.Option([], "--option", help="Enum option (repeatable)."),
        min_length: int = typer.Option(None),
        max_length: int = typer.Option(None),
        minimum: float = typer.Option(None),
        maximum: float = typer.Option(None),
        pattern: str = typer.Option(None),
        as_json: bool = JsonOption,
    ) -> None:
        fields = _definition_fields(
            description=description,
            options=option or None,
            min_length=min_length,
            max_length=max_length,
            minimum=minimum,
            maximum=maximum,
            pattern=pattern,
        )
        fields |= {"required": required, "collect_on_signup": signup, "user_editable": user_editable}
        with client() as sdk:
            show(sdk.attributes.create(key, display_name, type_, **fields), ATTRIBUTE_COLUMNS, as_json)

    @attributes.command("update")
    @api_command
    def update(
        key: str,
        display_name: str = typer.Option(None),
        type_: str = typer.Option(None, "--type"),
        description: str = typer.Option(None),
        required: bool = typer.Option(None, "--required/--optional"),
        signup: bool = typer.Option(None, "--collect-on-signup/--not-on-signup"),
        user_editable: bool = typer.Option(None, "--user-editable/--admin-only"),
        option: list[str] = typer.Option([], "--option", help="Enum options, all of them (repeatable)."),
        min_length: int = typer.Option(None),
        max_length: int = typer.Option(None),
        minimum: float = typer.Option(None),
        maximum: float = typer.Option(None),
        pattern: str = typer.Option(None),
        force: bool = typer.Option(False, "--force", help="Clear the stored values the change would break."),
        as_json: bool = JsonOption,
    ) -> None:
        """Change the fields given. Refused (incompatible_attribute_values) when stored values
        would break, unless ``--force``, which clears exactly those."""
        fields = _definition_fields(
            display_name=display_name,
            type=type_,
            description=description,
            required=required,
            collect_on_signup=signup,
            user_editable=user_editable,
            options=option or None,
            min_length=min_length,
            max_length=max_length,
            minimum=minimum,
            maximum=maximum,
            pattern=pattern,
        )
        with client() as sdk:
            attribute, cleared = sdk.attributes.update(key, force=force, **fields)
        show(attribute, ATTRIBUTE_COLUMNS, as_json)
        if force and not as_json:
            console.print(f"Cleared {cleared} stored values.")

    @attributes.command("delete")
    @api_command
    def delete(key: str) -> None:
        with client() as sdk:
            removed = sdk.attributes.delete(key)
        console.print(f"Deleted {key}; removed its value from {removed} profiles.")

    return attributes
