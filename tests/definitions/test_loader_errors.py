"""Every way a survey file can be wrong raises DefinitionError naming the file and the question."""
import textwrap

import pytest

from app.definitions import DefinitionError, load_directory, load_file, parse_definition

HEADER = """\
key: tiny
title: {zh: 小问卷, en: Tiny}
audiences: [parent]
questions:
"""


def survey_text(questions: str) -> str:
    """A complete survey file around an indented block of questions."""
    return HEADER + textwrap.indent(textwrap.dedent(questions), "  ")


# (case id, questions block, question the error must name, fragment of the problem)
QUESTION_ERRORS = [
    ("unknown_field", """
        - {id: name, type: text, label: 姓名, colour: red}
     """, "name", "unknown field(s): colour"),
    ("bad_type", """
        - {id: mood, type: slider, label: 心情}
     """, "mood", "'type' must be one of"),
    ("duplicate_id", """
        - {id: grade, type: grade, label: 年级}
        - {id: grade, type: text, label: 年级}
     """, "grade", "duplicate question id"),
    ("measure_on_wrong_type", """
        - {id: hours, type: text, label: 睡几个小时, measure: sleep_hours}
     """, "hours", "measure 'sleep_hours' needs a question of type number"),
    ("unknown_measure", """
        - {id: hours, type: number, min: 0, max: 10, label: 几小时, measure: happiness}
     """, "hours", "unknown measure 'happiness'"),
    ("measure_used_twice", """
        - {id: grade, type: grade, label: 年级, measure: grade}
        - {id: grade_again, type: grade, label: 年级, measure: grade}
     """, "grade_again", "measure 'grade' is used twice"),
    ("missing_measure_option_value", """
        - id: phone
          type: single
          measure: phone_handling
          label: 手机怎么处理？
          options:
            - {value: not_brought, label: 不带}
            - {value: handed_in, label: 交给学校}
     """, "phone", "needs the option value(s) kept_by_child"),
    ("show_if_to_later_question", """
        - {id: why, type: text, label: 为什么？, show_if: {question: pressured, equals: "yes"}}
        - id: pressured
          type: single
          label: 有没有被要求买书？
          options: [{value: "yes", label: 有}, {value: "no", label: 没有}]
     """, "why", "not an earlier question"),
    ("show_if_to_unknown_question", """
        - {id: why, type: text, label: 为什么？, show_if: {question: nowhere, equals: "yes"}}
     """, "why", "'nowhere', which is not an earlier question"),
    ("show_if_bad_value", """
        - id: pressured
          type: single
          label: 有没有被要求买书？
          options: [{value: "yes", label: 有}, {value: "no", label: 没有}]
        - {id: why, type: text, label: 为什么？, show_if: {question: pressured, in: ["yes", maybe]}}
     """, "why", "show_if value(s) maybe are not options of 'pressured'"),
    ("show_if_unquoted_yes_is_a_boolean", """
        - id: pressured
          type: single
          label: 有没有被要求买书？
          options: [{value: "yes", label: 有}, {value: "no", label: 没有}]
        - {id: why, type: text, label: 为什么？, show_if: {question: pressured, equals: yes}}
     """, "why", "show_if value(s) True are not options"),
    ("show_if_on_a_number", """
        - {id: minutes, type: number, min: 0, max: 300, label: 几分钟}
        - {id: why, type: text, label: 为什么？, show_if: {question: minutes, equals: 0}}
     """, "why", "show_if can only depend on"),
    ("show_if_both_equals_and_in", """
        - {id: grade, type: grade, label: 年级}
        - {id: why, type: text, label: 为什么？, show_if: {question: grade, equals: "1", in: ["2"]}}
     """, "why", "exactly one of 'equals' and 'in'"),
    ("missing_zh_label", """
        - {id: grade, type: grade, label: {en: Grade}}
     """, "grade", "'label' must be text, or a mapping with 'zh'"),
    ("missing_label", """
        - {id: grade, type: grade}
     """, "grade", "'label' is missing"),
    ("label_in_unknown_language", """
        - {id: grade, type: grade, label: {zh: 年级, fr: Classe}}
     """, "grade", "'label' must be text"),
    ("option_label_without_zh", """
        - id: pressured
          type: single
          label: 有没有被要求买书？
          options: [{value: "yes", label: {en: "Yes"}}, {value: "no", label: 没有}]
     """, "pressured", "'label of option 'yes'' must be text"),
    ("number_without_min_max", """
        - {id: minutes, type: number, label: 几分钟}
     """, "minutes", "a number question needs numeric 'min' < 'max'"),
    ("number_min_not_below_max", """
        - {id: minutes, type: number, min: 300, max: 0, label: 几分钟}
     """, "minutes", "a number question needs numeric 'min' < 'max'"),
    ("number_negative_step", """
        - {id: minutes, type: number, min: 0, max: 300, step: -5, label: 几分钟}
     """, "minutes", "'step' must be a positive number"),
    ("text_max_length_over_2000", """
        - {id: note, type: text, label: 建议, max_length: 2001}
     """, "note", "'max_length' must be a whole number from 1 to 2000"),
    ("option_field_on_wrong_type", """
        - {id: note, type: text, label: 建议, max: 10}
     """, "note", "'max' does not apply to a text question"),
    ("likert_with_options", """
        - {id: happy, type: likert, label: 满意吗？, options: [{value: a, label: 甲}, {value: b, label: 乙}]}
     """, "happy", "a likert question takes a 'scale', not 'options'"),
    ("unknown_likert_scale", """
        - {id: happy, type: likert, label: 满意吗？, scale: happiness}
     """, "happy", "unknown likert scale 'happiness'"),
    ("grade_with_options", """
        - {id: grade, type: grade, label: 年级, options: [{value: a, label: 甲}, {value: b, label: 乙}]}
     """, "grade", "takes no 'options'"),
    ("choice_with_one_option", """
        - {id: pick, type: single, label: 选一个, options: [{value: a, label: 甲}]}
     """, "pick", "at least 2 options"),
    ("option_value_with_space", """
        - {id: pick, type: single, label: 选一个, options: [{value: a b, label: 甲}, {value: c, label: 乙}]}
     """, "pick", "an option 'value' must be letters, digits, _ or -"),
    ("option_value_unquoted_yes", """
        - {id: pick, type: single, label: 有没有？, options: [{value: yes, label: 有}, {value: no, label: 没有}]}
     """, "pick", "an option 'value' must be letters, digits, _ or -"),
    ("option_value_twice", """
        - {id: pick, type: single, label: 选一个, options: [{value: a, label: 甲}, {value: a, label: 乙}]}
     """, "pick", "option value 'a' appears twice"),
    ("exclusive_on_single", """
        - {id: pick, type: single, label: 选一个, options: [{value: a, label: 甲, exclusive: true}, {value: b, label: 乙}]}
     """, "pick", "only for multiple-choice options"),
    ("too_many_min_choices", """
        - {id: pick, type: multiple, label: 选几个, min_choices: 3, options: [{value: a, label: 甲}, {value: b, label: 乙}]}
     """, "pick", "'min_choices' must be a whole number from 1 to the number of options"),
    ("min_choices_above_max_choices", """
        - id: pick
          type: multiple
          label: 选几个
          min_choices: 2
          max_choices: 1
          options: [{value: a, label: 甲}, {value: b, label: 乙}]
     """, "pick", "'min_choices' is larger than 'max_choices'"),
    ("required_not_a_boolean", """
        - {id: note, type: text, label: 建议, required: maybe}
     """, "note", "'required' must be true or false"),
    ("dimension_not_a_slug", """
        - {id: happy, type: likert, label: 满意吗？, dimension: 教学}
     """, "happy", "'dimension' must be lower-case letters"),
]


@pytest.mark.parametrize("questions, question, problem",
                         [case[1:] for case in QUESTION_ERRORS], ids=[case[0] for case in QUESTION_ERRORS])
def test_bad_question_raises_an_error_naming_file_and_question(survey_folder, questions, question, problem):
    path = survey_folder("bad.yaml", survey_text(questions))
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    error = caught.value
    assert (error.source, error.question) == (str(path), question)
    assert str(error).startswith(f"{path}, question '{question}': ")
    assert problem in error.problem


@pytest.mark.parametrize("text, problem", [
    ("key: tiny\ntitle: 小问卷\naudiences: [parent]\nquestions: []\nversion: 2\n", "unknown field(s): version"),
    ("key: Tiny Survey\ntitle: 小问卷\naudiences: [parent]\nquestions: []\n", "'key' must be lower-case"),
    ("key: tiny\ntitle: {en: Tiny}\naudiences: [parent]\nquestions: []\n", "'title' must be text"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parents]\nquestions: []\n", "'audiences' must be"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parent, parent]\nquestions: []\n", "'audiences' must be"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parent]\nquestions: []\n", "'questions' must be a non-empty list"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parent]\ntopic: Sleep!\nquestions:\n  - {id: a, type: text, label: 甲}\n",
     "'topic' must be"),
    ("- just\n- a list\n", "a survey file must be a mapping"),
    ("", "a survey file must be a mapping"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parent]\nquestions:\n  - just a string\n", "question #1 must be a mapping"),
    ("key: tiny\ntitle: 小问卷\naudiences: [parent]\nquestions:\n  - {id: Grade, type: grade, label: 年级}\n",
     "question #1 needs an 'id'"),
], ids=["unknown_survey_field", "bad_key", "title_without_zh", "unknown_audience", "audience_twice",
        "no_questions", "bad_topic", "not_a_mapping", "empty_file", "question_not_a_mapping", "bad_id"])
def test_bad_survey_raises_an_error_naming_the_file(survey_folder, text, problem):
    path = survey_folder("bad.yaml", text)
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in caught.value.problem


def test_bad_yaml_raises_an_error_naming_the_file_and_line(survey_folder):
    path = survey_folder("broken.yaml", "key: tiny\ntitle: [小问卷\naudiences: parent\n")
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert caught.value.source == str(path)
    assert "not valid YAML" in caught.value.problem
    assert "line" in caught.value.problem


def test_missing_file_raises_definition_error(tmp_path, scales):
    with pytest.raises(DefinitionError, match="file not found"):
        load_file(tmp_path / "nowhere.yaml", scales=scales)


def test_duplicate_survey_key_in_a_folder_names_both_files(survey_folder):
    survey_folder("a_sleep.yaml", survey_text("- {id: note, type: text, label: 建议}\n"))
    second = survey_folder("b_sleep.yaml", survey_text("- {id: note, type: text, label: 意见}\n"))
    with pytest.raises(DefinitionError) as caught:
        load_directory(survey_folder.folder)
    assert caught.value.source == str(second)
    assert "survey key 'tiny' is also used by a_sleep.yaml" in str(caught.value)


def test_one_bad_file_stops_the_whole_folder(survey_folder):
    survey_folder("good.yaml", survey_text("- {id: note, type: text, label: 建议}\n"))
    bad = survey_folder("other.yaml", survey_text("- {id: note, type: text}\n").replace("tiny", "other"))
    with pytest.raises(DefinitionError) as caught:
        load_directory(survey_folder.folder)
    assert (caught.value.source, caught.value.question) == (str(bad), "note")


def test_load_directory_skips_scales_and_standards(survey_folder):
    survey_folder("standards.yaml", "homework_minutes: {junior: 90}\n")
    survey_folder("tiny.yaml", survey_text("- {id: note, type: text, label: 建议}\n"))
    assert [s.key for s in load_directory(survey_folder.folder)] == ["tiny"]


def test_folder_without_scales_raises_definition_error(tmp_path):
    (tmp_path / "tiny.yaml").write_text(survey_text("- {id: note, type: text, label: 建议}\n"), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert caught.value.source == str(tmp_path / "scales.yaml")


@pytest.mark.parametrize("scales_text, problem", [
    ("likert: {}\n", "needs a 'likert' mapping and a 'grades' mapping"),
    ("likert:\n  satisfaction: [a, b, c, d]\ngrades: {}\n", "likert scale 'satisfaction' needs exactly 5 labels"),
    ("likert: {}\ngrades: {1: 一年级}\n", "grade 2 label"),
], ids=["no_grades", "four_point_scale", "missing_grade"])
def test_bad_scales_file_raises_definition_error(tmp_path, scales_text, problem):
    (tmp_path / "scales.yaml").write_text(scales_text, encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(survey_text("- {id: note, type: text, label: 建议}\n"), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert caught.value.source == str(tmp_path / "scales.yaml")
    assert problem in caught.value.problem


def test_parse_definition_without_a_file_names_the_question(scales):
    with pytest.raises(DefinitionError) as caught:
        parse_definition({"key": "tiny", "title": "小问卷", "audiences": ["parent"],
                          "questions": [{"id": "minutes", "type": "number", "label": "几分钟"}]},
                         scales=scales)
    assert str(caught.value) == "<definition>, question 'minutes': a number question needs numeric 'min' < 'max'"


def test_a_plain_string_label_is_taken_as_chinese(make_survey):
    survey = make_survey([{"id": "note", "type": "text", "label": "  您的建议  "}])
    assert survey.question("note").label == {"zh": "您的建议"}
    assert survey.question("note").max_length == 500


def test_text_max_length_of_exactly_2000_is_allowed(make_survey):
    survey = make_survey([{"id": "note", "type": "text", "label": "建议", "max_length": 2000}])
    assert survey.question("note").max_length == 2000


def test_text_max_length_of_0_is_refused(make_survey):
    with pytest.raises(DefinitionError, match="'max_length' must be a whole number from 1 to 2000"):
        make_survey([{"id": "note", "type": "text", "label": "建议", "max_length": 0}])


# Known defects in app/definitions (owned by another engineer, reported, not fixed here).
# strict=True: once a fix lands these start passing and the marker must be removed.

@pytest.mark.parametrize("field", [{"measure": ["grade"]}, {"scale": ["satisfaction"]}],
                         ids=["list_measure", "list_scale"])
def test_a_list_where_a_name_belongs_raises_definition_error(make_survey, field):
    with pytest.raises(DefinitionError):
        make_survey([{"id": "happy", "type": "likert", "label": "满意吗？", **field}])


def test_a_file_saved_in_gbk_raises_definition_error(survey_folder):
    path = survey_folder.folder / "gbk.yaml"
    path.write_bytes("key: tiny\ntitle: 小问卷\naudiences: [parent]\nquestions: []\n".encode("gbk"))
    with pytest.raises(DefinitionError):
        load_file(path)


def test_plain_string_scale_labels_are_taken_as_chinese(tmp_path):
    grades = "".join(f'  "{g}": {g}年级\n' for g in range(1, 13))
    (tmp_path / "scales.yaml").write_text(
        f"likert:\n  satisfaction: [很不满意, 不太满意, 一般, 比较满意, 非常满意]\ngrades:\n{grades}", encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(survey_text("- {id: happy, type: likert, label: 满意吗？}\n"),
                                        encoding="utf-8")
    (survey,) = load_directory(tmp_path)
    assert survey.question("happy").options[-1].label == {"zh": "非常满意"}


def test_an_id_ending_in_a_newline_is_refused(make_survey):
    with pytest.raises(DefinitionError):
        make_survey([{"id": "note\n", "type": "text", "label": "建议"}])
