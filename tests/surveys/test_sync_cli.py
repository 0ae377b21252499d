"""`flask surveys sync` and `flask surveys check FILE`."""
from __future__ import annotations

from app.extensions import db
from app.surveys.models import Survey, SurveyVersion

BROKEN_TYPE = """\
key: broken
title: 坏问卷
audiences: [parent]
questions:
  - id: q1
    type: essay
    label: 随便写
"""


def stored_versions() -> dict[str, list[int]]:
    """Version numbers per survey key."""
    return {s.key: [v.version for v in s.versions] for s in db.session.query(Survey)}


def test_sync_creates_version_1_of_every_survey_file(sync_cli, copy_of_real_surveys):
    expected = {p.stem for p in copy_of_real_surveys.glob("*.yaml")} - {"scales", "standards", "checklists"}
    result = sync_cli("sync")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("created: ")
    assert stored_versions() == {key: [1] for key in expected}
    assert {"satisfaction", "homework", "sleep", "phone"} <= expected
    sleep = db.session.query(SurveyVersion).join(Survey).filter(Survey.key == "sleep").one()
    assert sleep.title == "学生睡眠情况调查（家长卷）" and len(sleep.content_hash) == 64


def test_second_sync_reports_everything_unchanged(sync_cli, write_survey):
    write_survey("a.yaml")
    write_survey("b.yaml")
    assert sync_cli("sync").output == "created: a, b\n"
    result = sync_cli("sync")
    assert result.exit_code == 0 and result.output == "unchanged: a, b\n"
    assert stored_versions() == {"a": [1], "b": [1]}


def test_bad_survey_file_exits_non_zero_naming_the_file_and_the_problem(sync_cli, write_survey):
    write_survey("good.yaml")
    write_survey("broken.yaml", BROKEN_TYPE)
    result = sync_cli("sync")
    assert result.exit_code != 0
    assert "broken.yaml" in result.output
    assert "q1" in result.output and "'type' must be one of" in result.output
    assert db.session.query(Survey).count() == 0


def test_invalid_yaml_is_reported_with_its_file(sync_cli, write_survey):
    write_survey("good.yaml")
    write_survey("typo.yaml", "key: typo\nquestions: [\n")
    result = sync_cli("sync")
    assert result.exit_code != 0 and "typo.yaml" in result.output and "not valid YAML" in result.output


def test_two_files_with_one_key_are_refused(sync_cli, write_survey):
    write_survey("first.yaml", key="same")
    write_survey("second.yaml", key="same")
    result = sync_cli("sync")
    assert result.exit_code != 0
    assert "second.yaml" in result.output and "first.yaml" in result.output and "same" in result.output


def test_missing_scales_file_is_reported(sync_cli, write_survey, survey_folder):
    write_survey("good.yaml")
    (survey_folder / "scales.yaml").unlink()
    result = sync_cli("sync")
    assert result.exit_code != 0 and "scales.yaml" in result.output


def test_check_accepts_a_valid_file_without_storing_it(sync_cli, copy_of_real_surveys):
    result = sync_cli("check", str(copy_of_real_surveys / "sleep.yaml"))
    assert result.exit_code == 0
    assert result.output == "ok: sleep (7 questions)\n"
    assert db.session.query(Survey).count() == 0


def test_check_names_the_file_question_and_problem(sync_cli, write_survey):
    path = write_survey("broken.yaml", BROKEN_TYPE)
    result = sync_cli("check", str(path))
    assert result.exit_code == 1
    assert str(path) in result.output and "question 'q1'" in result.output
    assert "'type' must be one of" in result.output


def test_check_of_a_missing_file_says_so(sync_cli, survey_folder):
    result = sync_cli("check", str(survey_folder / "nope.yaml"))
    assert result.exit_code == 1 and "nope.yaml" in result.output and "not found" in result.output
