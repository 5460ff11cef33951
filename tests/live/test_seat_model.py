"""The model-based random test of seat accounting (tests/live/seat_model.py), one short run:
two server processes on PostgreSQL, one on SQLite. The seed is printed and in the failure;
``TENANTRY_MODEL_SEED`` replays it, ``TENANTRY_MODEL_SECONDS`` runs longer (bench/seat_model.py
runs many seeds)."""

from __future__ import annotations

import os

import pytest

from tests.live.seat_model import SeatModel, seed_from_env
from tests.live.seats import Cluster

pytestmark = pytest.mark.live


def test_random_bursts_keep_seat_accounting_exact(seats: Cluster, record_property) -> None:
    seed = seed_from_env()
    record_property("seat model seed", seed)
    model = SeatModel(seats, seed)
    try:
        model.run(float(os.environ.get("TENANTRY_MODEL_SECONDS", "15")))
    except AssertionError as failure:
        raise AssertionError(f"seed {seed} (replay: TENANTRY_MODEL_SEED={seed}): {failure}") from failure
    record_property("reliability: seat model bursts", model.bursts)
    assert model.bursts >= 1
