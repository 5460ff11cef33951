"""Public identifiers (domain/ids.py): a prefix and 26 Crockford base32 digits, time first,
so ids sort in the order they were made (cursor pagination relies on it)."""

from __future__ import annotations

import re

import pytest

from tenantry.server.domain import ids

pytestmark = pytest.mark.once

SHAPE = re.compile(r"mem_[0-9a-hjkmnp-tv-z]{26}")


def test_ids_have_the_ulid_layout_in_crockford_digits():
    # Known encodings (as the earlier digit-by-digit encoder wrote them).
    assert ids._encode("mem", 0x0123456789ABCDEF0123456789ABCDEF) == "mem_014d2pf2dbsqqg28t5cy4tqkff"
    assert ids._encode("evt", 1 << 80) == "evt_00000000010000000000000000"
    assert ids._encode("x", 0) == "x_" + "0" * 26
    assert ids._encode("x", (1 << 130) - 1) == "x_" + "z" * 26


def test_new_ids_are_well_formed_and_sequential_ones_increase():
    made = [ids.new_id("mem") for _ in range(1000)]
    assert all(SHAPE.fullmatch(made_id) for made_id in made) and len(set(made)) == 1000
    sequential = [ids.new_sequential_id("mem") for _ in range(1000)]
    assert sequential == sorted(sequential) and len(set(sequential)) == 1000
