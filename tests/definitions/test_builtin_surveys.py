"""The survey definitions shipped in surveys/ load, carry the right measures and are answerable."""
import re
from collections import Counter
from pathlib import Path

import pytest

from app.definitions import (
    LIKERT_VALUES, MEASURES, STAGE_GRADES, load_directory, load_file, validate_answers,
)
from app.definitions.answers import is_shown
from app.definitions.loader import NON_SURVEY_FILES

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"
SURVEY_FILES = sorted(p for p in SURVEYS_DIR.glob("*.yaml") if p.name not in NON_SURVEY_FILES)
SURVEYS = {s.key: s for s in load_directory(SURVEYS_DIR)}
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def all_questions():
    """Every (survey key, question) pair of the built-in surveys."""
    return [(s.key, q) for s in SURVEYS.values() for q in s.questions]


@pytest.mark.parametrize("path", SURVEY_FILES, ids=lambda p: p.name)
def test_every_survey_file_loads_and_is_named_after_its_key(path):
    survey = load_file(path)
    assert survey.key == path.stem
    assert survey.source_file == str(path)


def test_load_directory_returns_one_survey_per_file():
    assert sorted(SURVEYS) == sorted(p.stem for p in SURVEY_FILES)
    assert len(SURVEY_FILES) >= 11


def test_no_survey_file_uses_the_yml_extension_that_load_directory_skips():
    assert list(SURVEYS_DIR.glob("*.yml")) == []


@pytest.mark.parametrize("key, measures", [
    ("satisfaction", {"grade", "satisfaction"}),
    ("homework", {"grade", "homework_minutes"}),
    ("sleep", {"grade", "sleep_hours", "bedtime"}),
    ("phone", {"grade", "phone_handling"}),
    ("activity", {"grade", "activity_school_minutes", "activity_outside_minutes"}),
    ("reading", {"grade", "reading_pressure"}),
    ("after_school", {"grade", "after_school_offered"}),
    ("homework_student", {"grade", "homework_minutes"}),
    ("sleep_student", {"grade", "sleep_hours", "bedtime"}),
    ("satisfaction_student", {"grade", "satisfaction"}),
    ("phone_student", {"grade", "phone_handling"}),
])
def test_built_in_survey_exists_with_its_indicator_measures(key, measures):
    survey = SURVEYS[key]
    assert {q.measure for q in survey.questions if q.measure} == measures
    for measure in measures:
        assert all(q.type in MEASURES[measure].types for q in survey.questions_measuring(measure))


@pytest.mark.parametrize("key, audience", [
    ("satisfaction", "parent"), ("homework", "parent"), ("sleep", "parent"), ("phone", "parent"),
    ("activity", "parent"), ("reading", "parent"), ("after_school", "parent"),
    ("homework_student", "student"), ("sleep_student", "student"),
    ("satisfaction_student", "student"), ("phone_student", "student"),
    ("teacher_workload", "teacher"),
])
def test_built_in_survey_is_aimed_at_its_audience(key, audience):
    assert SURVEYS[key].audiences == (audience,)


def test_every_parent_and_student_survey_asks_the_grade_first():
    for survey in SURVEYS.values():
        if "teacher" in survey.audiences:
            continue
        first = survey.questions[0]
        assert (first.id, first.type, first.measure, first.required) == ("grade", "grade", "grade", True)


def test_teacher_workload_has_no_grade_question():
    survey = SURVEYS["teacher_workload"]
    assert [q for q in survey.questions if q.type == "grade" or q.measure == "grade"] == []


@pytest.mark.parametrize("key", sorted(SURVEYS))
def test_every_survey_is_short(key):
    assert 6 <= len(SURVEYS[key].questions) <= 13


def test_satisfaction_covers_each_dimension_with_satisfaction_items():
    survey = SURVEYS["satisfaction"]
    items = survey.questions_measuring("satisfaction")
    per_dimension = Counter(q.dimension for q in items)
    assert set(per_dimension) == {"teaching", "homework", "safety", "fees", "communication", "overall"}
    assert all(count >= 2 for dim, count in per_dimension.items() if dim != "overall")
    assert per_dimension["overall"] >= 1
    assert SURVEYS["satisfaction"].question("suggestion").required is False


@pytest.mark.parametrize("key", ["satisfaction", "satisfaction_student", "teacher_workload"])
def test_satisfaction_items_use_the_satisfaction_scale_with_five_as_very_satisfied(key, scales):
    expected = [label["zh"] for label in scales["likert"]["satisfaction"]]
    for question in SURVEYS[key].questions_measuring("satisfaction"):
        assert question.type == "likert"
        assert question.dimension
        assert [o.value for o in question.options] == list(LIKERT_VALUES)
        assert [o.label["zh"] for o in question.options] == expected
        assert question.options[-1].label["zh"] == "非常满意"


def test_student_satisfaction_uses_the_parent_dimensions_except_fees():
    parent = {q.dimension for q in SURVEYS["satisfaction"].questions_measuring("satisfaction")}
    student = {q.dimension for q in SURVEYS["satisfaction_student"].questions_measuring("satisfaction")}
    assert student == parent - {"fees"}


@pytest.mark.parametrize("key", ["phone", "phone_student"])
def test_phone_handling_offers_exactly_the_three_statistics_values(key):
    (question,) = SURVEYS[key].questions_measuring("phone_handling")
    assert question.type == "single"
    assert [o.value for o in question.options] == ["not_brought", "handed_in", "kept_by_child"]


@pytest.mark.parametrize("key, measure", [("reading", "reading_pressure"),
                                          ("after_school", "after_school_offered")])
def test_yes_no_measures_offer_exactly_yes_and_no(key, measure):
    (question,) = SURVEYS[key].questions_measuring(measure)
    assert [o.value for o in question.options] == ["yes", "no"]


@pytest.mark.parametrize("key, measure", [
    ("homework", "homework_minutes"), ("homework_student", "homework_minutes"),
    ("activity", "activity_school_minutes"), ("activity", "activity_outside_minutes"),
])
def test_minute_measures_run_from_0_to_300_minutes(key, measure):
    (question,) = SURVEYS[key].questions_measuring(measure)
    assert (question.min, question.max, question.unit["zh"]) == (0, 300, "分钟")


@pytest.mark.parametrize("key", ["sleep", "sleep_student"])
def test_sleep_hours_allow_half_hours_between_4_and_14(key):
    (question,) = SURVEYS[key].questions_measuring("sleep_hours")
    assert (question.min, question.max, question.step, question.unit["zh"]) == (4, 14, 0.5, "小时")


def test_after_school_satisfaction_is_a_likert_item_outside_the_index():
    question = SURVEYS["after_school"].question("service_satisfaction")
    assert (question.type, question.measure) == ("likert", None)


def test_every_free_text_question_is_optional():
    texts = [(key, q.id) for key, q in all_questions() if q.type == "text"]
    assert texts
    assert [(key, qid) for key, qid in texts if SURVEYS[key].question(qid).required] == []


def test_choice_option_values_are_short_english_slugs():
    for key, question in all_questions():
        if question.type in ("single", "multiple"):
            bad = [o.value for o in question.options if not SLUG.match(o.value) or len(o.value) > 20]
            assert bad == [], (key, question.id)


def test_every_text_has_chinese_and_english():
    def texts(source):
        yield source["title"]
        if source["description"]:
            yield source["description"]
        for question in source["questions"]:
            for name in ("label", "help", "unit"):
                if question.get(name):
                    yield question[name]
            for option in question.get("options", []):
                yield option["label"]

    for survey in SURVEYS.values():
        for text in texts(survey.source):
            assert text.get("zh") and text.get("en"), (survey.key, text)
            assert re.search(r"[\u4e00-\u9fff]", text["zh"]), (survey.key, text)


def test_every_description_promises_anonymity_or_no_name():
    for survey in SURVEYS.values():
        assert "不用写名字" in survey.description["zh"] or "匿名" in survey.description["zh"]


def _plausible_answers(survey, pick_last=False):
    """One realistic answer per question, choosing the first (or last) option everywhere."""
    answers = {}
    for question in survey.questions:
        if question.type in ("single", "likert", "grade"):
            answers[question.id] = question.options[-1 if pick_last else 0].value
        elif question.type == "multiple":
            answers[question.id] = [question.options[-1 if pick_last else 0].value]
        elif question.type == "number":
            answers[question.id] = question.max if pick_last else question.min
        elif question.type == "time":
            answers[question.id] = "21:00"
        else:
            answers[question.id] = "学校很好，老师很负责。"
    return answers


@pytest.mark.parametrize("pick_last", [False, True], ids=["first_options", "last_options"])
@pytest.mark.parametrize("key", sorted(SURVEYS))
def test_a_complete_plausible_answer_is_accepted(key, pick_last):
    survey = SURVEYS[key]
    clean, errors = validate_answers(survey, _plausible_answers(survey, pick_last))
    assert errors == {}
    assert set(clean) == {q.id for q in survey.questions if is_shown(q, clean, None)}


@pytest.mark.parametrize("key", sorted(SURVEYS))
def test_an_empty_submission_is_refused_for_the_required_questions_only(key):
    survey = SURVEYS[key]
    clean, errors = validate_answers(survey, {})
    expected = {q.id for q in survey.questions if q.required and q.show_if is None}
    assert clean == {}
    assert set(errors) == expected
    assert {e.code for e in errors.values()} == {"required"}


@pytest.mark.parametrize("key", ["satisfaction", "sleep", "homework", "phone"])
def test_a_kindergarten_form_skips_the_grade_question(key):
    survey = SURVEYS[key]
    answers = _plausible_answers(survey)
    clean, errors = validate_answers(survey, answers, grades=STAGE_GRADES["kindergarten"])
    assert errors == {}
    assert "grade" not in clean


def test_reading_follow_ups_appear_only_after_a_yes():
    survey = SURVEYS["reading"]
    base = {"grade": "4", "library_access": "often", "unsuitable_content": "no"}
    follow_ups = {"what_bought": ["workbooks"], "how_asked": ["class_order", "hinted"], "amount_spent": 80}

    clean, errors = validate_answers(survey, {**base, "reading_pressure": "no", **follow_ups})
    assert errors == {}
    assert set(clean) == set(base) | {"reading_pressure"}

    clean, errors = validate_answers(survey, {**base, "reading_pressure": "yes"})
    assert {k: e.code for k, e in errors.items()} == {"what_bought": "required", "how_asked": "required"}

    clean, errors = validate_answers(survey, {**base, "reading_pressure": "yes", **follow_ups})
    assert errors == {}
    assert clean["how_asked"] == ["class_order", "hinted"]
    assert clean["amount_spent"] == 80


def test_after_school_asks_families_without_a_service_only_whether_they_want_one():
    survey = SURVEYS["after_school"]
    clean, errors = validate_answers(survey, {"grade": "3", "after_school_offered": "no",
                                              "would_join": "yes"})
    assert errors == {}
    assert clean == {"grade": "3", "after_school_offered": "no", "would_join": "yes"}


def test_after_school_participants_are_asked_about_fees_and_satisfaction():
    survey = SURVEYS["after_school"]
    clean, errors = validate_answers(survey, {"grade": "3", "after_school_offered": "yes",
                                              "participates": "yes"})
    assert {k: e.code for k, e in errors.items()} == {
        "days_per_week": "required", "end_time": "required", "voluntary": "required",
        "fee": "required", "activities": "required", "service_satisfaction": "required"}


def test_phone_follow_ups_depend_on_how_the_phone_is_handled():
    survey = SURVEYS["phone"]
    base = {"grade": "8", "rules_told": "yes", "screen_minutes": 45}
    clean, errors = validate_answers(survey, {**base, "phone_handling": "not_brought"})
    assert errors == {}
    clean, errors = validate_answers(survey, {**base, "phone_handling": "handed_in"})
    assert set(errors) == {"written_request"}
    clean, errors = validate_answers(survey, {**base, "phone_handling": "kept_by_child"})
    assert set(errors) == {"written_request", "used_in_class"}


def test_teacher_non_teaching_hours_are_asked_only_when_some_task_was_chosen():
    survey = SURVEYS["teacher_workload"]
    base = {"lessons_per_week": 16, "work_hours": 9.5, "burden_change": "same",
            "management_fairness": "4", "management_voice": "3", "workload_support": "3",
            "overall": "4"}
    clean, errors = validate_answers(survey, {**base, "non_teaching": ["none"],
                                              "non_teaching_hours": 5})
    assert errors == {}
    assert "non_teaching_hours" not in clean
    clean, errors = validate_answers(survey, {**base, "non_teaching": ["forms", "app_tasks"]})
    assert {k: e.code for k, e in errors.items()} == {"non_teaching_hours": "required"}
