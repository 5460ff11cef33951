"""The one attribute validator: property-based (any JSON in, only its own error out) and
table-driven (what each type accepts, how it normalises, which code it refuses with)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantry.server.domain.attributes import (
    AttributeDefinition,
    AttributeType,
    Requirement,
    check_definition,
    normalize_value,
    validate_custom_attributes,
)
from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.types import check_display_text

pytestmark = pytest.mark.once  # tests/conftest.py: the PostgreSQL pass leaves it to the SQLite one

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
text_like = st.sampled_from(
    [
        "42",
        " 7 ",
        "-3.5",
        "1e3",
        "true",
        "off",
        "2024-02-29",
        "2023-02-29",
        "a@Example.COM",
        "https://x.example/a",
        "+1 650 253 0000",
        "555-1234",
        "sales",
        "",
        "   ",
        "E1234",
        "NaN",
        "inf",
        "9" * 30,
    ]
)
values = json_values | text_like


def _readable(option: str) -> bool:
    """Options are shown to people: the display-text rule (domain/types.py) applies to them."""
    try:
        return bool(option) and check_display_text(option) == option
    except ValueError:
        return False


@st.composite
def definitions(draw: st.DrawFn) -> AttributeDefinition:
    kind = draw(st.sampled_from(list(AttributeType)))
    fields: dict[str, object] = {
        "key": draw(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)),
        "display_name": "Field",
        "type": kind,
        "required": draw(st.booleans()),
        "collect_on_signup": draw(st.booleans()),
    }
    if kind is AttributeType.ENUM:
        fields["options"] = draw(
            st.lists(
                st.text(
                    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=8
                )
                .map(str.strip)
                .filter(_readable),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
    if kind in (AttributeType.STRING, AttributeType.EMAIL, AttributeType.URL, AttributeType.PHONE):
        fields["min_length"] = draw(st.none() | st.integers(0, 5))
        fields["max_length"] = draw(st.none() | st.integers(5, 50))
    if kind is AttributeType.STRING:
        fields["pattern"] = draw(st.none() | st.sampled_from([r"E\d{4}", r"[a-z]+", r".*"]))
    if kind in (AttributeType.NUMBER, AttributeType.INTEGER):
        fields["minimum"] = draw(st.none() | st.floats(-100, 0))
        fields["maximum"] = draw(st.none() | st.floats(0, 100))
    definition = AttributeDefinition.model_validate(fields)
    check_definition(definition)
    return definition


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.lists(definitions(), max_size=4, unique_by=lambda d: d.key), st.sampled_from(list(Requirement)))
def test_any_json_gives_normalised_values_or_the_validation_error(data, defs, requirement):
    # Values for some defined keys, plus arbitrary (mostly unknown) keys.
    incoming = {d.key: data.draw(values) for d in defs if data.draw(st.booleans())}
    incoming.update(data.draw(st.dictionaries(st.text(max_size=8), values, max_size=2)))
    try:
        result = validate_custom_attributes(incoming, defs, {}, requirement)
    except InvalidArgument as error:
        assert error.details
        assert all(d.field.startswith("user_profile.custom_attributes.") and d.code for d in error.details)
        return
    by_key = {d.key: d for d in defs}
    assert set(result) <= set(by_key)
    json.dumps(result, allow_nan=False)  # storable as strict JSON
    for key, value in result.items():
        assert normalize_value(by_key[key], value) == value  # normalising is idempotent


@settings(max_examples=300, deadline=None)
@given(definitions(), values)
def test_normalize_value_refuses_only_with_its_own_error(definition, value):
    from tenantry.server.domain.attributes import ValueRefused

    try:
        normalize_value(definition, value)
    except ValueRefused as refused:
        assert refused.code in {
            "wrong_type",
            "too_long",
            "too_short",
            "out_of_range",
            "not_in_options",
            "pattern_mismatch",
            "invalid_format",
        }


def definition(kind: str, **fields: object) -> AttributeDefinition:
    return AttributeDefinition.model_validate({"key": "field", "display_name": "Field", "type": kind, **fields})


@pytest.mark.parametrize(
    ("kind", "fields", "given", "stored"),
    [
        ("string", {}, "  padded  ", "padded"),
        ("string", {"pattern": r"E\d{4}"}, "E1234", "E1234"),
        ("number", {}, "12.5", 12.5),
        ("number", {}, 3, 3),
        ("number", {"minimum": 0, "maximum": 10}, 10, 10),
        ("integer", {}, "7", 7),
        ("integer", {}, 8.0, 8),
        ("boolean", {}, "yes", True),
        ("boolean", {}, False, False),
        ("date", {}, "2024-02-29", "2024-02-29"),
        ("email", {}, "Ada@Example.COM", "ada@example.com"),
        ("url", {}, "https://example.com/x?y=1", "https://example.com/x?y=1"),
        ("phone", {}, "+1 650 253 0000", "+16502530000"),
        ("phone", {}, "555-1234", "555-1234"),
        ("enum", {"options": ["sales", "eng"]}, "eng", "eng"),
    ],
)
def test_valid_values_are_stored_normalised(kind, fields, given, stored):
    assert validate_custom_attributes({"field": given}, [definition(kind, **fields)]) == {"field": stored}


@pytest.mark.parametrize(
    ("kind", "fields", "given", "code"),
    [
        ("string", {}, 5, "wrong_type"),
        ("string", {"max_length": 3}, "abcd", "too_long"),
        ("string", {"min_length": 3}, "ab", "too_short"),
        ("string", {"pattern": r"E\d{4}"}, "E12345", "pattern_mismatch"),
        ("string", {}, "x" * 5000, "too_long"),
        ("number", {}, "twelve", "wrong_type"),
        ("number", {}, True, "wrong_type"),
        ("number", {}, math.inf, "wrong_type"),
        ("number", {"maximum": 10}, 10.5, "out_of_range"),
        ("integer", {}, 1.5, "wrong_type"),
        ("integer", {"minimum": 1}, 0, "out_of_range"),
        ("integer", {}, 2**60, "out_of_range"),
        ("boolean", {}, "maybe", "wrong_type"),
        ("boolean", {}, 1, "wrong_type"),
        ("date", {}, "2023-02-29", "invalid_format"),
        ("date", {}, "24/12/2024", "invalid_format"),
        ("email", {}, "not-an-email", "invalid_format"),
        ("url", {}, "ftp://example.com", "invalid_format"),
        ("url", {}, "javascript:alert(1)", "invalid_format"),
        ("phone", {}, "call me", "invalid_format"),
        ("enum", {"options": ["sales"]}, "hr", "not_in_options"),
        ("enum", {"options": ["sales"]}, ["sales"], "wrong_type"),
    ],
)
def test_invalid_values_are_refused_with_a_code(kind, fields, given, code):
    with pytest.raises(InvalidArgument) as refused:
        validate_custom_attributes({"field": given}, [definition(kind, **fields)])
    assert [(d.field, d.code) for d in refused.value.details] == [("user_profile.custom_attributes.field", code)]


def test_required_attributes_depend_on_the_write_path():
    required_everywhere = definition("string", required=True, collect_on_signup=True)
    required_later = AttributeDefinition.model_validate(
        {"key": "later", "display_name": "Later", "type": "string", "required": True}
    )
    defs = [required_everywhere, required_later]

    def missing(requirement: Requirement, current: dict[str, object] | None = None) -> list[str]:
        try:
            validate_custom_attributes({}, defs, current, requirement)
        except InvalidArgument as error:
            return sorted(d.field.rsplit(".", 1)[1] for d in error.details if d.code == "required")
        return []

    assert missing(Requirement.ALL) == ["field", "later"]
    assert missing(Requirement.SIGNUP) == ["field"]
    assert missing(Requirement.NONE) == []
    assert missing(Requirement.ALL, {"field": "x", "later": "y"}) == []


def test_null_or_empty_removes_a_value_and_unknown_keys_are_refused():
    defs = [definition("string")]
    assert validate_custom_attributes({"field": None}, defs, {"field": "old"}) == {}
    assert validate_custom_attributes({"field": ""}, defs, {"field": "old"}) == {}
    with pytest.raises(InvalidArgument) as refused:
        validate_custom_attributes({"nope": 1, "field": "ok"}, defs)
    assert [(d.field, d.code) for d in refused.value.details] == [
        ("user_profile.custom_attributes.nope", "unknown_attribute")
    ]
