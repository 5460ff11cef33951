"""How the configured organization meta name reads in sentences and headings.

"Workspace" stays "Workspace" in a heading, becomes "workspace" mid-sentence, and takes
"a"; "Organization" takes "an". Words written with inner capitals ("SaaS") keep them.
"""

from __future__ import annotations

from dataclasses import dataclass

_VOWEL_SOUNDS_WITH_CONSONANT_LETTER = ("hour", "honest", "honor", "heir")
_CONSONANT_SOUNDS_WITH_VOWEL_LETTER = ("uni", "use", "usu", "uti", "eu", "one", "once", "ubi")


def mid_sentence(text: str) -> str:
    """Lower-case each plainly capitalised word; leave acronyms and camel case alone."""
    return " ".join(word[:1].lower() + word[1:] if word[1:] == word[1:].lower() else word for word in text.split(" "))


def indefinite_article(word: str) -> str:
    lowered = word.lower()
    if lowered.startswith(_VOWEL_SOUNDS_WITH_CONSONANT_LETTER):
        return "an"
    if lowered.startswith(_CONSONANT_SOUNDS_WITH_VOWEL_LETTER):
        return "a"
    return "an" if lowered[:1] in "aeiou" else "a"


@dataclass(frozen=True)
class MetaName:
    """Every form of the name a page or e-mail needs."""

    singular: str  # heading case, as configured: "Workspace"
    plural: str  # "Workspaces"

    @property
    def singular_lower(self) -> str:  # "workspace"
        return mid_sentence(self.singular)

    @property
    def plural_lower(self) -> str:  # "workspaces"
        return mid_sentence(self.plural)

    @property
    def a_singular(self) -> str:  # "a workspace" / "an organization"
        return f"{indefinite_article(self.singular)} {self.singular_lower}"

    @property
    def a_singular_title(self) -> str:  # "a Workspace" (for headings)
        return f"{indefinite_article(self.singular)} {self.singular}"


GENERIC = MetaName("Organization", "Organizations")  # the API's own words


def duration(seconds: int) -> str:
    """``seconds`` in the largest whole units a person reads: "15 days", "2 hours 30 minutes",
    "45 seconds"."""
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    parts = []
    for name, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount} {name}{'' if amount == 1 else 's'}")
        if len(parts) == 2:
            break
    return " ".join(parts)
