"""What ``--help`` shows: plain metavars (``TEXT``, ``N``, ``KEY``) instead of Python types
(``<list[str]>``, ``<bool>``), nothing for flags, and docstrings without the RST double
backticks the code's documentation uses. Typer carries its own click, so this reads its
parameters' declared annotations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

_RST_LITERAL = re.compile(r"``([^`]+)``")
_NAMES = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


def plain(text: str | None) -> str | None:
    return _RST_LITERAL.sub(r"\1", text) if text else text


def _metavar(param: Any) -> str:
    descriptor = param.type_descriptor
    if getattr(descriptor, "is_choice", False) and descriptor.choices:
        return "|".join(str(choice) for choice in descriptor.choices)
    if param.param_type_name == "argument":
        return str(param.name).upper()
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _NAMES.get(annotation, str(param.name).upper())


def _argument(param: Any) -> None:
    """Arguments: ``KEY`` (``[KEY]`` when optional, ``KEY...`` when repeated) in the usage
    line, and no type column (Typer writes ``{KEY}`` and ``<str>`` there)."""
    name = _metavar(param)
    shown = (name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else "")
    param.metavar = name
    param.get_usage_pieces = lambda ctx: [shown]
    param.display_type_rich = lambda ctx: None


def _quiet_help_option(command: Any) -> None:
    """``--help`` is a flag: no ``<bool>`` beside it."""
    original = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def tidy(command: Any) -> Any:
    """Apply the rules above to ``command`` and every command under it; returns it."""
    command.help = plain(command.help)
    command.short_help = plain(command.short_help)
    _quiet_help_option(command)
    for param in command.params:
        if param.param_type_name == "argument":
            _argument(param)
        elif param.is_flag or param.type_descriptor.annotation is bool:
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = _metavar(param)
        if param.param_type_name == "option":
            param.help = plain(param.help)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command
