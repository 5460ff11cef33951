"""The attribute-mapping form of a directory, as the dashboard and the admin portal both
show it: one text field per custom attribute naming the SCIM attribute it takes its value
from (empty: not mapped). The service (``directories.update_attributes``) validates; this
reads the form and puts each refusal under the field it is about."""

from __future__ import annotations

from collections.abc import Callable, Mapping

# Profile fields every directory fills the same way (resources.profile_values), shown beside
# the editable mapping so an administrator sees the whole picture.
FIXED_MAPPING = (
    ("userName, emails (primary or work)", "E-mail address"),
    ("name.givenName", "Given name"),
    ("name.familyName", "Family name"),
    ("displayName (else name.formatted)", "Name"),
    ("locale", "Locale"),
    ("phoneNumbers (primary)", "Phone number"),
)


def read(form: Mapping[str, str], prefix: str) -> tuple[list[dict[str, str]], Callable[[str], str]]:
    """The mapping the form sends (field ``<prefix><key>`` per custom attribute) and, for a
    refusal, the form field a service field (``attributes.<index>.map_to``) is about."""
    chosen = [
        {"key": name.removeprefix(prefix), "map_to": value.strip()}
        for name, value in form.items()
        if name.startswith(prefix) and value.strip()
    ]

    def field_of(service_field: str) -> str:
        parts = service_field.split(".", 2)
        if len(parts) == 3 and parts[0] == "attributes" and parts[1].isdigit() and int(parts[1]) < len(chosen):
            return prefix + chosen[int(parts[1])]["key"]
        return service_field

    return chosen, field_of
