"""Properties of the accelerate–cruise–brake run-time model."""

from __future__ import annotations

import itertools

import pytest

from cztmap.network.runtime import run_time_s, section_time_s
from cztmap.params import DEFAULTS

MODES = ("metro", "intercity", "hsr", "rail")
LENGTHS = (300.0, 1500.0, 8000.0, 25000.0, 76000.0)
SPEEDS = (60.0, 100.0, 160.0, 250.0, 350.0)


@pytest.mark.parametrize("mode", MODES)
def test_run_time_increases_with_length_and_decreases_with_vmax(mode):
    for v in SPEEDS:
        times = [run_time_s(length, v, mode) for length in LENGTHS]
        assert times == sorted(times) and len(set(times)) == len(times), (mode, v, times)
    for length in LENGTHS:
        times = [run_time_s(length, v, mode) for v in SPEEDS]
        # non-increasing: a short section never reaches the cruise speed of a fast line (triangle profile)
        assert all(a >= b for a, b in itertools.pairwise(times)), (mode, length, times)
        assert times[0] > times[-1] or length < 2000, (mode, length, times)


@pytest.mark.parametrize("mode", MODES)
def test_never_faster_than_cruising_at_the_line_speed(mode):
    for length, v in itertools.product(LENGTHS, SPEEDS):
        assert run_time_s(length, v, mode) > length / (v / 3.6)


def test_section_time_adds_the_dwell_and_uses_the_default_speed_when_none_is_published():
    for mode in MODES:
        v = DEFAULTS.default_speed_kmh[mode]
        t = run_time_s(20000.0, v, mode) + DEFAULTS.dwell_s[mode]
        assert section_time_s(20000.0, None, mode) == pytest.approx(t)
        assert section_time_s(20000.0, float("nan"), mode) == pytest.approx(t)
