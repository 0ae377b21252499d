"""Standards are data: the national file loads, overrides deep-merge, bad files are named clearly."""
import numpy as np
import pytest

from app.statistics import StandardsError, load_standards
from app.statistics.standards import DEFAULT_PATH


def test_national_standards_hold_the_2021_thresholds():
    standards = load_standards()
    sleep = standards.rules["sleep_compliance"].thresholds_by_grade()
    assert np.isnan(sleep[0])
    assert list(sleep[1:]) == [10] * 6 + [9] * 3 + [8] * 3
    homework = standards.rules["homework_compliance"].thresholds_by_grade()
    assert list(homework[1:10]) == [0, 0, 60, 60, 60, 60, 90, 90, 90]
    assert np.isnan(homework[10:]).all()  # senior high is excluded
    bedtime = standards.rules["bedtime_compliance"].describe()["bands"]
    assert bedtime == {"1-6": "21:20", "7-9": "22:00", "10-12": "23:00"}
    assert standards.rules["phone_compliance"].compliant == ("not_brought", "handed_in")
    assert standards.rules["reading_compliance"].compliant == ("no",)
    assert standards.rules["after_school_compliance"].compliant == ("yes",)
    activity = standards.rules["activity_compliance"]
    assert (activity.mode, activity.in_school, activity.outside) == ("each", 60, 60)
    assert standards.targets["sleep_compliance"] == 0.9
    assert "11号" in standards.rules["sleep_compliance"].source


def test_a_province_overrides_one_band_and_keeps_the_rest():
    standards = load_standards(overrides={"indicators": {"sleep_compliance": {
        "bands": {"junior": {"threshold": 9.5}}}}})
    sleep = standards.rules["sleep_compliance"].thresholds_by_grade()
    assert list(sleep[1:]) == [10] * 6 + [9.5] * 3 + [8] * 3
    assert standards.rules["homework_compliance"].bands == load_standards().rules["homework_compliance"].bands


def test_an_override_file_can_add_a_band_remove_one_and_change_targets(tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text(
        "indicators:\n"
        "  homework_compliance:\n"
        "    bands:\n"
        "      senior: {grades: 10-12, threshold: 120}\n"
        "      lower_primary: null\n"
        "targets:\n"
        "  sleep_compliance: 0.95\n", encoding="utf-8")
    standards = load_standards(overrides=path)
    homework = standards.rules["homework_compliance"].thresholds_by_grade()
    assert np.isnan(homework[1:3]).all() and list(homework[10:]) == [120] * 3
    assert standards.targets["sleep_compliance"] == 0.95
    assert standards.sources == (str(DEFAULT_PATH), str(path))


def test_a_bad_override_names_its_file_and_key(tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text("indicators:\n  sleep_compliance:\n    bands:\n      junior: {threshold: lots}\n",
                    encoding="utf-8")
    with pytest.raises(StandardsError) as error:
        load_standards(overrides=path)
    assert str(path) in str(error.value)
    assert "indicators.sleep_compliance.bands.junior.threshold" in str(error.value)


@pytest.mark.parametrize("override, key, words", [
    ({"indicators": {"sleep_compliance": {"measure": "shoe_size"}}}, "indicators.sleep_compliance.measure",
     "unknown measure"),
    ({"indicators": {"sleep_compliance": {"rule": "one_of"}}}, "indicators.sleep_compliance.bands",
     "unknown field"),
    ({"indicators": {"bedtime_compliance": {"bands": {"junior": {"threshold": 2200}}}}},
     "indicators.bedtime_compliance.bands.junior.threshold", "HH:MM"),
    ({"indicators": {"sleep_compliance": {"bands": {"junior": {"grades": "5-9"}}}}},
     "indicators.sleep_compliance.bands.junior", "overlap"),
    ({"indicators": {"sleep_compliance": {"bands": {"junior": {"grades": "7-13"}}}}},
     "indicators.sleep_compliance.bands.junior.grades", "1-12"),
    ({"indicators": {"reading_compliance": {"compliant": [False]}}},
     "indicators.reading_compliance.compliant", "quote yes/no"),
    ({"indicators": {"phone_compliance": {"compliant": ["in_pocket"]}}},
     "indicators.phone_compliance.compliant", "in_pocket"),
    ({"indicators": {"activity_compliance": {"mode": "sometimes"}}}, "indicators.activity_compliance.mode",
     "each, total"),
    ({"targets": {"sleep_compliance": 90}}, "targets.sleep_compliance", "from 0 to 1"),
    ({"targets": {"happiness": 0.5}}, "targets.happiness", "no indicator"),
    ({"colour": "red"}, "colour", "unknown field"),
])
def test_invalid_overrides_are_refused_with_the_key(override, key, words):
    with pytest.raises(StandardsError) as error:
        load_standards(overrides=override)
    message = str(error.value)
    assert message.startswith("<overrides>") and key in message and words in message


def test_a_problem_in_the_national_file_names_that_file(tmp_path):
    path = tmp_path / "standards.yaml"
    path.write_text("indicators:\n  sleep_compliance: {rule: at_least, measure: sleep_hours, bands: {}}\n",
                    encoding="utf-8")
    with pytest.raises(StandardsError, match=f"{path}: indicators.sleep_compliance.bands: needs at least one"):
        load_standards(path)


def test_missing_and_malformed_files_are_reported(tmp_path):
    with pytest.raises(StandardsError, match="file not found"):
        load_standards(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("indicators: [\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="not valid YAML"):
        load_standards(broken)


def test_a_county_may_add_an_indicator_of_its_own():
    standards = load_standards(overrides={"indicators": {"phone_kept_by_child": {
        "measure": "phone_handling", "rule": "one_of", "compliant": ["kept_by_child"]}}})
    assert standards.rules["phone_kept_by_child"].compliant == ("kept_by_child",)
