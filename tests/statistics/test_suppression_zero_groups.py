"""Empty groups (n = 0) need no protection and must not hide a neighbour."""
import pandas as pd

from app.statistics import complementary_suppression


def test_an_empty_group_does_not_force_a_second_suppression():
    table = pd.DataFrame({"zone": [1, 1, 1], "school": [1, 2, 3], "key": ["k"] * 3,
                          "n": [57, 36, 0], "suppressed": [False, False, True]})
    flags = complementary_suppression(table, ["zone", "school"], fixed=["key"])
    assert flags.tolist() == [False, False, True]


def test_a_small_group_beside_an_empty_one_still_gets_a_partner():
    table = pd.DataFrame({"zone": [1, 1, 1, 1], "school": [1, 2, 3, 4], "key": ["k"] * 4,
                          "n": [57, 36, 4, 0], "suppressed": [False, False, True, True]})
    flags = complementary_suppression(table, ["zone", "school"], fixed=["key"])
    assert flags.tolist() == [False, True, True, True]
