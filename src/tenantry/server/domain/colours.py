"""Readable colours derived from the brand colour (WCAG 2.x contrast).

Whatever colour an administrator picks, text on it and it on white stay readable: text
on the brand colour is black or white, whichever contrasts more (one of them always
reaches 4.5:1); the brand colour used as text or as a focus ring on the pages' light surfaces
is darkened until it reaches 4.5:1 (text) or 3:1 (UI components); the pale tint behind the active
navigation item gets the same text colour as links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

TEXT = 4.5  # WCAG AA, normal text
UI = 3.0  # WCAG AA, user-interface components and focus indicators
WHITE = "#ffffff"
BLACK = "#000000"  # with white, one of the two always reaches 4.5:1 (never both below)
# Where brand-coloured text and rings sit: cards (white) and the page around them.
SURFACES = (WHITE, "#f5f5f7", "#eef2ff")


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    # Half up, as the dashboard's preview script rounds (Math.round), so both agree.
    return "#" + "".join(f"{math.floor(max(0.0, min(255.0, c)) + 0.5):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x definition)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0…1) of the way towards ``other``."""
    a, b = _rgb(colour), _rgb(other)
    return _hex(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def readable_on(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background`` (always ≥ 4.5:1)."""
    return WHITE if contrast(WHITE, background) >= contrast(BLACK, background) else BLACK


def darkened_until(colour: str, backgrounds: tuple[str, ...], ratio: float) -> str:
    """``colour`` itself when it reaches ``ratio`` against every one of ``backgrounds``,
    else the lightest shade of it towards black that does."""
    for step in range(101):
        shade = mix(colour, "#000000", step / 100)
        if all(contrast(shade, background) >= ratio for background in backgrounds):
            return shade
    return "#000000"


@dataclass(frozen=True)
class Palette:
    """The brand colour and the colours derived from it for pages, dashboard and e-mails."""

    primary: str  # button backgrounds, as configured
    on_primary: str  # text on buttons
    ink: str  # links and brand-coloured text on white
    ring: str  # focus ring and selected borders on white
    tint: str  # background of the active navigation item
    on_tint: str  # text on that background

    @property
    def button_contrast(self) -> float:
        return contrast(self.primary, self.on_primary)

    def warnings(self) -> list[str]:
        """What was adjusted and why, for the administrator choosing the colour."""
        notes = []
        white = contrast(WHITE, self.primary)
        if self.on_primary != WHITE and white < TEXT:
            notes.append(
                f"White text on {self.primary} would be {white:.2f}:1 (below 4.5:1), so buttons use dark text "
                f"({self.button_contrast:.1f}:1)."
            )
        if self.ink != self.primary:
            notes.append(
                f"{self.primary} on white is {contrast(self.primary, WHITE):.2f}:1, too light for text: links use "
                f"the darker {self.ink} ({contrast(self.ink, WHITE):.1f}:1)."
            )
        return notes


@lru_cache(maxsize=64)  # every branded e-mail and page asks, for one or two colours (issue 18)
def palette(primary: str) -> Palette:
    primary = primary.lower()
    ink = darkened_until(primary, SURFACES, TEXT)
    tint = mix(primary, WHITE, 0.88)
    return Palette(
        primary=primary,
        on_primary=readable_on(primary),
        ink=ink,
        ring=darkened_until(primary, SURFACES, UI),
        tint=tint,
        on_tint=darkened_until(ink, (tint,), TEXT),
    )
