"""Clock times: parsing, formatting and means that respect midnight."""
import numpy as np
import pytest

from app.statistics import circular_centre, format_hhmm, parse_minutes
from app.statistics.timeofday import evening_minutes, unwrap


def test_parse_reads_clock_strings_and_leaves_junk_missing():
    parsed = parse_minutes(["23:30", None, "7:05", "x", "24:00", " 00:30 "])
    assert parsed.tolist()[:1] == [1410.0]
    assert parsed[2] == 425.0 and parsed[5] == 30.0
    assert parsed[[1, 3, 4]].isna().all()


def test_parse_passes_minutes_through():
    assert parse_minutes([0, 1439.5]).tolist() == [0.0, 1439.5]


def test_format_wraps_and_rounds_to_the_minute():
    assert format_hhmm(1439.6) == "00:00"
    assert format_hhmm(-30) == "23:30"
    assert format_hhmm(1470) == "00:30"
    assert format_hhmm(float("nan")) is None


def test_circular_centre_of_times_either_side_of_midnight_is_midnight():
    centre = circular_centre([1410, 30])
    assert min(centre, 1440 - centre) == pytest.approx(0.0, abs=1e-9)
    assert circular_centre([21 * 60, 22 * 60]) == pytest.approx(21.5 * 60)


def test_unwrap_brings_times_onto_one_window():
    unwrapped = unwrap([1410, 30, 1380], centre=0.0)
    assert unwrapped.tolist() == [-30.0, 30.0, -60.0]
    assert np.mean(unwrap([1410, 30], circular_centre([1410, 30]))) % 1440 == pytest.approx(0.0, abs=1e-6)


def test_times_spread_evenly_round_the_clock_fall_back_to_the_evening_window():
    assert circular_centre([360, 1080]) == 0.0


def test_bedtime_after_midnight_counts_as_later_than_the_evening():
    assert evening_minutes([30, 21 * 60 + 20]).tolist() == [1470.0, 1280.0]
