"""The wording catalogue (sentences with the meta name, never validator text) and the
readable colours derived from any brand colour."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from tenantry.server.domain.colours import SURFACES, TEXT, UI, contrast, palette
from tenantry.server.domain.environment import EnvironmentSettingsPatch
from tenantry.server.domain.errors import OrganizationCreationLimitReached, OrganizationUserLimitReached
from tenantry.server.domain.messages import explain
from tenantry.server.domain.seats import over_limit_error
from tenantry.server.domain.wording import MetaName, duration
from tenantry.server.http.problem import field_errors

WORKSPACE = MetaName("Workspace", "Workspaces")


def test_refusals_are_worded_with_the_meta_name_and_keep_the_apis_words():
    limit = OrganizationCreationLimitReached(created=2, limit=2)
    assert limit.message == "This user has already created 2 organizations; the limit is 2."  # the API's
    assert explain(limit, WORKSPACE) == "This user has already created 2 workspaces; the limit is 2."
    assert explain(limit, WORKSPACE, "self") == "You have already created 2 workspaces; the limit is 2."
    assert explain(OrganizationCreationLimitReached(created=1, limit=1), WORKSPACE, "self") == (
        "You have already created 1 workspace; the limit is 1."
    )
    assert (
        explain(OrganizationUserLimitReached(), WORKSPACE) == "This workspace has reached its maximum number of users."
    )
    assert "This workspace is over its user limit" in explain(over_limit_error(), WORKSPACE)


def _field_sentences(**patch: object) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        EnvironmentSettingsPatch.model_validate(patch)
    return [detail.sentence for detail in field_errors(list(refused.value.errors()))]


def test_field_errors_are_sentences_never_validator_text():
    assert _field_sentences(invitation_expiry_seconds=120 * 86_400) == ["Choose from 1 minute to 90 days."]
    assert _field_sentences(invitation_expiry_seconds="two") == ["Choose from 1 minute to 90 days."]
    assert _field_sentences(max_organizations_per_user=0) == ["Enter a number of at least 1."]
    assert _field_sentences(max_organizations_per_user="x") == ["Enter a whole number."]
    assert _field_sentences(organization_meta_name={"singular": ""}) == ["Enter the singular."]
    for sentence in _field_sentences(branding={"primary_color": "blue"}, signup_enabled="maybe"):
        assert "should" not in sentence and "Input" not in sentence and sentence.endswith(".")


def test_durations_read_in_days_hours_and_minutes():
    assert duration(15 * 86_400) == "15 days"
    assert duration(36 * 3_600) == "1 day 12 hours"
    assert duration(90) == "1 minute"
    assert duration(45) == "45 seconds"


@pytest.mark.parametrize("primary", ["#10b981", "#facc15", "#1e1b4b", "#4f46e5", "#ffffff", "#000000", "#777777"])
def test_any_brand_colour_gets_readable_text_links_and_focus_rings(primary):
    colours = palette(primary)
    assert contrast(colours.primary, colours.on_primary) >= TEXT
    assert all(contrast(colours.ink, surface) >= TEXT for surface in SURFACES)
    assert all(contrast(colours.ring, surface) >= UI for surface in SURFACES)
    assert contrast(colours.tint, colours.on_tint) >= TEXT


def test_every_colour_on_a_coarse_grid_is_made_readable():
    for r, g, b in itertools.product(range(0, 256, 51), repeat=3):
        colours = palette(f"#{r:02x}{g:02x}{b:02x}")
        assert contrast(colours.primary, colours.on_primary) >= TEXT
        assert contrast(colours.ink, "#ffffff") >= TEXT


def test_the_issues_examples_are_fixed_and_explained():
    emerald, yellow = palette("#10b981"), palette("#facc15")
    assert round(contrast("#ffffff", "#10b981"), 2) == 2.54  # what white text on it was
    assert emerald.on_primary == yellow.on_primary == "#000000"
    assert len(yellow.warnings()) == 2 and not palette("#1e1b4b").warnings()
