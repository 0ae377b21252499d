"""GET /api/v1/surveys and /api/v1/surveys/KEY: the shapes ACCEPTANCE promises."""
from __future__ import annotations

QUESTION_TYPES = {"single", "multiple", "likert", "number", "time", "grade", "text"}
GRADES = [str(g) for g in range(1, 13)]


def measures_of(definition: dict) -> dict[str, list[dict]]:
    """Questions grouped by what they measure."""
    found: dict[str, list[dict]] = {}
    for question in definition["questions"]:
        if "measure" in question:
            found.setdefault(question["measure"], []).append(question)
    return found


def test_survey_list_has_the_promised_shape_and_the_built_in_keys(client, admin_headers):
    response = client.get("/api/v1/surveys", headers=admin_headers)
    assert response.status_code == 200
    surveys = response.json
    assert isinstance(surveys, list)
    for survey in surveys:
        assert set(survey) == {"key", "version", "title", "audiences"}
        assert isinstance(survey["version"], int) and survey["version"] >= 1
        assert isinstance(survey["title"], str) and survey["title"]
        assert survey["audiences"] and set(survey["audiences"]) <= {"parent", "student", "teacher"}
    keys = [s["key"] for s in surveys]
    assert {"satisfaction", "homework", "sleep", "phone"} <= set(keys)
    assert len(keys) == len(set(keys))


def test_survey_list_titles_are_chinese(client, admin_headers):
    surveys = {s["key"]: s for s in client.get("/api/v1/surveys", headers=admin_headers).json}
    assert surveys["sleep"]["title"] == "学生睡眠情况调查（家长卷）"
    assert surveys["sleep"]["audiences"] == ["parent"]


def test_every_survey_definition_has_the_promised_shape(client, admin_headers):
    for listed in client.get("/api/v1/surveys", headers=admin_headers).json:
        response = client.get(f"/api/v1/surveys/{listed['key']}", headers=admin_headers)
        assert response.status_code == 200
        assert_definition_shape(response.json, listed)


def assert_definition_shape(definition: dict, listed: dict) -> None:
    assert {"key", "version", "title", "audiences", "questions"} <= set(definition)
    assert {k: definition[k] for k in listed} == listed
    ids = [q["id"] for q in definition["questions"]]
    assert ids and len(ids) == len(set(ids))
    for question in definition["questions"]:
        assert {"id", "type", "required", "label"} <= set(question)
        assert question["type"] in QUESTION_TYPES
        assert isinstance(question["required"], bool)
        assert isinstance(question["label"], str) and question["label"]
        if question["type"] in {"single", "multiple", "likert", "grade"}:
            assert question["options"], question["id"]
            for option in question["options"]:
                assert {"value", "label"} <= set(option) <= {"value", "label", "exclusive"}
                assert isinstance(option["value"], str) and option["label"]
                assert option.get("exclusive", True) is True  # present only when true
                if "exclusive" in option:
                    assert question["type"] == "multiple"
        else:
            assert "options" not in question
        if "min" in question and "max" in question:
            assert question["type"] == "number" and question["min"] <= question["max"]


def test_each_built_in_survey_has_a_grade_question_with_grades_1_to_12(client, admin_headers):
    for key in ("satisfaction", "homework", "sleep", "phone"):
        definition = client.get(f"/api/v1/surveys/{key}", headers=admin_headers).json
        [grade] = measures_of(definition)["grade"]
        assert grade["type"] == "grade"
        assert [o["value"] for o in grade["options"]] == GRADES


def test_sleep_survey_measures_sleep_hours_as_a_bounded_number(client, admin_headers):
    definition = client.get("/api/v1/surveys/sleep", headers=admin_headers).json
    [hours] = measures_of(definition)["sleep_hours"]
    assert hours["id"] == "sleep_hours" and hours["type"] == "number" and hours["required"] is True
    assert (hours["min"], hours["max"]) == (4, 14)


def test_homework_survey_measures_homework_minutes_as_a_number(client, admin_headers):
    definition = client.get("/api/v1/surveys/homework", headers=admin_headers).json
    [minutes] = measures_of(definition)["homework_minutes"]
    assert minutes["type"] == "number"
    assert minutes["min"] >= 0 and minutes["max"] > minutes["min"]


def test_satisfaction_items_are_five_point_likert_with_5_most_satisfied(client, admin_headers):
    definition = client.get("/api/v1/surveys/satisfaction", headers=admin_headers).json
    items = measures_of(definition)["satisfaction"]
    assert len(items) >= 5
    for item in items:
        assert item["type"] == "likert"
        assert [o["value"] for o in item["options"]] == ["1", "2", "3", "4", "5"]
        assert item["options"][-1]["label"] == "非常满意"
        assert item["options"][0]["label"] == "很不满意"


def test_each_measure_sits_only_in_its_own_survey(client, admin_headers):
    found = {key: set(measures_of(client.get(f"/api/v1/surveys/{key}", headers=admin_headers).json))
             for key in ("satisfaction", "homework", "sleep", "phone")}
    assert "satisfaction" in found["satisfaction"]
    assert "homework_minutes" in found["homework"]
    assert "sleep_hours" in found["sleep"]
    assert "sleep_hours" not in found["homework"] | found["satisfaction"] | found["phone"]
    assert "homework_minutes" not in found["sleep"] | found["satisfaction"] | found["phone"]
    assert "satisfaction" not in found["sleep"] | found["homework"] | found["phone"]


def test_english_labels_on_request(client, admin_headers):
    definition = client.get("/api/v1/surveys/sleep?lang=en", headers=admin_headers).json
    assert definition["title"] == "Pupils' sleep (parents)"
    assert definition["questions"][0]["label"] == "Which grade is your child in?"


def test_unknown_survey_key_is_a_json_404(client, admin_headers):
    for key in ("no_such_survey", "SLEEP", "scales", "standards", "k" * 3000):
        response = client.get(f"/api/v1/surveys/{key}", headers=admin_headers)
        assert response.status_code == 404, key
        assert set(response.json) == {"error", "fields"} and response.json["error"]


def test_viewer_and_supervisor_may_read_surveys(client, viewer_headers, supervisor_headers):
    for headers in (viewer_headers, supervisor_headers):
        assert client.get("/api/v1/surveys", headers=headers).status_code == 200
        assert client.get("/api/v1/surveys/sleep", headers=headers).status_code == 200
