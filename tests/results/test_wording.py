"""Plain-language phrasing of statistics (app/results/wording.py), read in English for exact text."""
from __future__ import annotations

import pytest

from app.results import wording
from app.statistics.standards import national_standards


@pytest.fixture
def english(app):
    """A request in English, so the phrases are the msgids themselves."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("p, text", [(0.0, "p<0.001"), (0.0004, "p<0.001"), (0.001, "p=0.001"),
                                     (0.0234, "p=0.023"), (0.5, "p=0.500"), (None, "")])
def test_p_values_never_print_as_zero(english, p, text):
    assert wording.p_value_text(p) == text


def test_a_test_across_schools_reads_as_a_sentence(english):
    assert wording.schools_differ_text(0.00001) == "The schools differ significantly (p<0.001)"
    assert wording.schools_differ_text(0.42) == "No significant difference between the schools (p=0.420)"
    # The 5% level decides: just under is significant, exactly 0.05 is not.
    assert "significantly" in wording.schools_differ_text(0.0499)
    assert "No significant" in wording.schools_differ_text(0.05)
    assert wording.schools_differ_text(None) == ""


def test_year_over_year_in_percentage_points_with_its_significance(english):
    assert (wording.change_text(-0.005, 0.4, "sleep_compliance")
            == "Down 0.5 percentage points on last year, not a significant difference")
    assert (wording.change_text(0.123, 0.0001, "sleep_compliance")
            == "Up 12.3 percentage points on last year, a significant difference (p<0.001)")
    assert wording.change_text(0.00001, 0.9, "sleep_compliance").startswith("Same as last year")
    # Other indicators use their own unit, not percentage points.
    assert wording.change_text(-4.0, None, "homework_minutes_mean") == "Down 4 minutes on last year"
    assert wording.change_text(2.5, 0.3, "satisfaction_index").startswith("Up 2.5 index points")
    assert wording.change_text(None, 0.01, "sleep_compliance") == ""


def test_ranks_say_they_are_within_the_zone_and_what_a_group_is(english):
    assert wording.rank_text(3, 1) == "Rank 3 in the zone · group 1"
    assert wording.rank_text(2, None) == "Rank 2 in the zone"
    assert wording.rank_text(None, 1) == ""
    note = wording.tie_group_note()
    assert "within each zone" in note and "same group" in note


def test_alpha_is_explained_with_its_figure_or_without_one(english):
    assert "0.83" in wording.alpha_note(0.834) and "0.7" in wording.alpha_note(0.834)
    assert "Cronbach" in wording.alpha_note(None) and "0.83" not in wording.alpha_note(None)


@pytest.mark.parametrize("item, reason", [
    ({"suppressed": True, "n": 4}, wording.SMALL),
    ({"suppressed": True, "n": 9}, wording.SMALL),
    ({"suppressed": True, "n": 10}, wording.PARTNER),   # enough answers: hidden as a partner
    ({"suppressed": True, "n": 0}, wording.NOT_YET),
    ({"suppressed": False, "n": 4, "value": 0.5}, None),
    (None, None),
])
def test_why_a_figure_is_hidden_follows_its_n_and_the_threshold(english, item, reason):
    assert wording.hidden_reason(item) == reason


def test_the_threshold_comes_from_the_configuration(make_app):
    app = make_app(sync=False, MIN_GROUP_SIZE=30)
    with app.test_request_context("/?lang=en"):
        assert wording.hidden_reason({"suppressed": True, "n": 20}) == wording.SMALL
        assert wording.hidden_reason({"suppressed": True, "n": 30}) == wording.PARTNER


def test_hidden_marks_are_distinct_for_small_groups_partners_and_absent_figures(english):
    small = wording.hidden_label({"suppressed": True, "n": 3})
    partner = wording.hidden_label({"suppressed": True, "n": 25})
    assert small == "Too few responses" and partner and partner != small
    assert wording.hidden_label({"suppressed": False, "n": 30, "value": 0.5}) == ""
    assert wording.hidden_label(None) == "No data"


def test_standards_read_with_units_and_grade_bands(english):
    rules = national_standards().rules
    assert wording.standard_lines(rules["sleep_compliance"].describe()) == [
        "Grades 1-6: at least 10 hours a day", "Grades 7-9: at least 9 hours a day",
        "Grades 10-12: at least 8 hours a day"]
    assert wording.standard_lines(rules["homework_compliance"].describe()) == [
        "Grades 1-2: no written homework", "Grades 3-6: at most 60 minutes a day",
        "Grades 7-9: at most 90 minutes a day"]
    assert wording.standard_lines(rules["bedtime_compliance"].describe())[0] == "Grades 1-6: in bed by 21:20"
    assert wording.standard_lines(rules["activity_compliance"].describe()) == [
        "At least 60 minutes a day in school and 60 minutes outside"]
    assert wording.standard_lines({"rule": "activity", "mode": "total", "total": 120.0}) == [
        "At least 120 minutes a day in and out of school together"]
    # Rules without bands say nothing more than the indicator's name.
    assert wording.standard_lines(rules["phone_compliance"].describe()) == []
    assert wording.standard_lines(None) == []


def test_download_cells(english):
    assert wording.percent_text(0.46) == "46.0%"
    assert wording.percent_text(1) == "100.0%"
    assert wording.percent_text(None) == ""
    assert (wording.yes_no(True), wording.yes_no(False), wording.yes_no(None)) == ("Yes", "No", "")
