"""axe-core in a Playwright page: inject the engine shipped by the ``axe-playwright-python``
wheel (so CI needs nothing but ``pip install -e '.[test]'``) and keep the serious and
critical violations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
# The rules a brand colour can change the outcome of; the other rules do not look at colour.
COLOUR_RULES = ("color-contrast", "link-in-text-block")


@cache
def axe_source() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    where: str  # "<scene> @ <viewport>"
    rule: str
    impact: str
    nodes: int
    targets: tuple[str, ...]
    help: str

    def line(self) -> str:
        where = ", ".join(self.targets[:4])
        return f"{self.where}: {self.rule} ({self.impact}, {self.nodes} node(s)) {self.help} — {where}"


def scan(page: Page, where: str, *, colour_only: bool = False) -> list[Violation]:
    """The serious and critical violations on ``page`` as it is now. The CSP does not apply:
    Playwright evaluates through the debugging protocol, not a <script> element."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if colour_only:
        options["runOnly"] = {"type": "rule", "values": list(COLOUR_RULES)}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        Violation(
            where,
            v["id"],
            v["impact"],
            len(v["nodes"]),
            tuple(" ".join(n["target"][0]) if isinstance(n["target"][0], list) else n["target"][0] for n in v["nodes"]),
            v["help"],
        )
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
