"""E-mails rendered from templates (HTML + text), branded with the environment settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

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
    variables = {"subject": subject, **variables}
    if "branding" in variables:  # readable text on the button, readable links (domain/colours.py)
        variables["palette"] = palette(variables["branding"].primary_color)
    if "meta_name" in variables:  # every wording of the organization's name, for templates
        name = variables["meta_name"]
        variables["meta"] = MetaName(name.singular, name.plural)
    return Message(
        kind=kind,
        to=to,
        subject=subject,
        text=_templates.get_template(f"{kind}.txt").render(**variables),
        html=_templates.get_template(f"{kind}.html").render(**variables),
    )
