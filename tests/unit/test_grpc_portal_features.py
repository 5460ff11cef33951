"""GeneratePortalLink's features: an enum number outside Scalekit's enum (proto3 keeps it) is
refused with our code, like an unknown name on the REST path."""

from __future__ import annotations

import pytest
from scalekit.v1.organizations import organizations_pb2 as pb

from tenantry.server.domain import portal
from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.grpc.organizations import _portal_features


def test_known_features_and_the_deprecated_flags_are_named() -> None:
    request = pb.GeneratePortalLinkRequest(id="org_x", features=[pb.Feature.sso], directory_sync=True)
    assert portal.features(_portal_features(request)) == ["sso", "directory_sync"]


def test_a_number_outside_the_enum_is_an_invalid_argument() -> None:
    request = pb.GeneratePortalLinkRequest(id="org_x", features=[pb.Feature.sso, 99])
    with pytest.raises(InvalidArgument) as refused:
        portal.features(_portal_features(request))
    assert [(e.field, e.code) for e in refused.value.details] == [("features.1", "not_in_options")]
