"""E-mails rendered from templates (HTML + text), branded with the environment settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import escape

from tenantry.server.domain.colours import palette
from tenantry.server.domain.wording import MetaName

_templates = Environment(
    loader=PackageLoader("tenantry.server", "templates/email"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # packaged files: compiled once, not checked on disk for every e-mail (issue 18)
)


@dataclass(frozen=True)
class Message:
    kind: str
    to: str
    subject: str
    text: str
    html: str


def render(kind: str, to: str, subject: str, **variables: Any) -> Message:
    """Render ``templates/email/<kind>.txt`` and ``.html`` with ``variables``."""
    text, html = _render_both(kind, {"subject": subject, **variables})
    return Message(kind=kind, to=to, subject=subject, text=text, html=html)


def _render_both(kind: str, variables: dict[str, Any]) -> tuple[str, str]:
    if "branding" in variables:  # readable text on the button, readable links (domain/colours.py)
        variables["palette"] = palette(variables["branding"].primary_color)
    if "meta_name" in variables:  # every wording of the organization's name, for templates
        name = variables["meta_name"]
        variables["meta"] = MetaName(name.singular, name.plural)
    return (
        _templates.get_template(f"{kind}.txt").render(**variables),
        _templates.get_template(f"{kind}.html").render(**variables),
    )


# ---- stencils: the templates rendered once per setting, the per-message values filled in ----
#
# Rendering both templates was ~5 % of an invitation's CPU (issue 18), though all that changes
# from one invitation to the next are a few values. A stencil is the rendering with a marker
# in place of each of them (``_Slot``); a message is the stencil's text with the values, HTML-
# escaped in the HTML part as the template's autoescape would, put in the markers' places.

_MARKER = re.compile(r"\x00(\d+)\x00")
_STENCILS_KEPT = 64


class _Slot(str):
    """A per-message value's stand-in while a stencil renders: its marker as text, and from
    ``strftime`` a marker of its own (the format kept for filling in)."""

    def __new__(cls, name: str, fills: list[tuple[str, str | None]]) -> _Slot:
        fills.append((name, None))
        slot = super().__new__(cls, f"\x00{len(fills) - 1}\x00")
        slot._fills = fills
        slot._name = name
        return slot

    _fills: list[tuple[str, str | None]]
    _name: str

    def strftime(self, fmt: str) -> str:
        self._fills.append((self._name, fmt))
        return f"\x00{len(self._fills) - 1}\x00"


@dataclass(frozen=True)
class _Stencil:
    pinned: tuple[Any, ...]  # the settled values, kept alive so that their ids stay theirs
    fills: tuple[tuple[str, str | None], ...]
    text: tuple[str, ...]  # literal, fill index, literal, ..., literal (``re.split``)
    html: tuple[str, ...]


_stencils: dict[tuple[Any, ...], _Stencil | None] = {}  # None: rendered plainly
_UNMADE = object()


def render_from_stencil(kind: str, to: str, subject: str, settled: dict[str, Any], **varying: Any) -> Message:
    """``render(kind, to, subject, **settled, **varying)``, the same text, from a stencil kept
    per process for the ``settled`` objects (values shared by many messages and never changed
    in place, such as the environment's branding; told apart by identity) and for which of the
    ``varying`` ones are empty (a template may test them). A template that does more with a
    varying value than print it or ``strftime`` it is found out when its stencil is made (the
    stencil is checked against a plain rendering) and then always rendered plainly."""
    varying = {"subject": subject, **varying}
    key = (kind, *((name, id(value)) for name, value in settled.items()), *((n, bool(v)) for n, v in varying.items()))
    stencil = _stencils.get(key, _UNMADE)
    if stencil is _UNMADE:
        stencil = _stencil(kind, settled, varying)
        if len(_stencils) >= _STENCILS_KEPT:
            _stencils.clear()
        _stencils[key] = stencil
    if not isinstance(stencil, _Stencil):
        return render(kind, to, subject, **settled, **{k: v for k, v in varying.items() if k != "subject"})
    filled = [varying[name] if fmt is None else varying[name].strftime(fmt) for name, fmt in stencil.fills]
    return Message(
        kind=kind,
        to=to,
        subject=subject,
        text=_fill(stencil.text, filled, False),
        html=_fill(stencil.html, filled, True),
    )


def _fill(parts: tuple[str, ...], filled: list[Any], html: bool) -> str:
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(part)
        else:
            value = filled[int(part)]
            out.append(str(escape(value)) if html else str(value))
    return "".join(out)


def _stencil(kind: str, settled: dict[str, Any], varying: dict[str, Any]) -> _Stencil | None:
    """The stencil, or None when it does not give what a plain rendering gives, for this
    message's values and for a probe of other values (a filter such as ``upper`` could agree
    with one sample by chance), or when the template cannot render with markers at all."""
    probe = _probe(varying)
    if probe is None:
        return None
    fills: list[tuple[str, str | None]] = []
    slots = {name: _Slot(name, fills) if value else value for name, value in varying.items()}
    try:
        text, html = _render_both(kind, {**settled, **slots})
        stencil = _Stencil(
            tuple(settled.values()), tuple(fills), tuple(_MARKER.split(text)), tuple(_MARKER.split(html))
        )
        for sample in (varying, probe):
            filled = [sample[name] if fmt is None else sample[name].strftime(fmt) for name, fmt in fills]
            if (_fill(stencil.text, filled, False), _fill(stencil.html, filled, True)) != _render_both(
                kind, {**settled, **sample}
            ):
                return None
    except Exception:  # a template that does more with a value than print it: rendered plainly
        return None
    return stencil


_PROBE_TEXT = "Qz<&'\"\u00e9 1"  # mixed case, markup, a quote, a non-ASCII letter, a space
_PROBE_TIME = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


def _probe(varying: dict[str, Any]) -> dict[str, Any] | None:
    """Other values of the same types and truthiness than ``varying``'s (None: a type
    with no probe, never stencilled)."""
    probe: dict[str, Any] = {}
    for name, value in varying.items():
        if not value:
            probe[name] = value
        elif isinstance(value, str):
            probe[name] = _PROBE_TEXT + name
        elif isinstance(value, datetime):
            probe[name] = _PROBE_TIME
        else:
            return None
    return probe
