"""content_hash decides whether a sync makes a new version: stable for equal content, new on change."""
import shutil
from pathlib import Path

from app.definitions import load_directory, load_file
from app.definitions.loader import SCALES_FILE

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"

SURVEY = """\
key: tiny
title: {zh: 小问卷, en: Tiny}
audiences: [parent]
questions:
  - {id: grade, type: grade, measure: grade, label: {zh: 孩子读几年级？, en: "Which grade?"}}
  - {id: overall, type: likert, measure: satisfaction, dimension: overall, label: {zh: 您满意吗？, en: "Satisfied?"}}
  - {id: note, type: text, required: false, label: {zh: 建议, en: Suggestions}}
"""

# The same survey written differently: block style, other key order, a plain-string label,
# surrounding spaces and the default `required: true` spelled out.
SAME_SURVEY_REFORMATTED = """\
audiences:
  - parent
questions:
  - label:
      en: Which grade?
      zh: "  孩子读几年级？ "
    measure: grade
    type: grade
    id: grade
    required: true
  - {id: overall, type: likert, scale: satisfaction, measure: satisfaction, dimension: overall,
     label: {zh: 您满意吗？, en: "Satisfied?"}}
  - {id: note, type: text, required: false, max_length: 500, label: {zh: 建议, en: Suggestions}}
title: {en: Tiny, zh: 小问卷}
key: tiny
"""


def test_content_hash_is_a_sha256_hex_digest_and_stable_across_loads(survey_folder):
    path = survey_folder("tiny.yaml", SURVEY)
    first, second = load_file(path).content_hash, load_file(path).content_hash
    assert first == second
    assert len(first) == 64 and set(first) <= set("0123456789abcdef")


def test_content_hash_ignores_formatting_and_defaults(survey_folder):
    original = load_file(survey_folder("tiny.yaml", SURVEY))
    reformatted = load_file(survey_folder("again.yaml", SAME_SURVEY_REFORMATTED))
    assert reformatted.content_hash == original.content_hash


def test_content_hash_does_not_depend_on_the_file_name(survey_folder):
    assert (load_file(survey_folder("tiny.yaml", SURVEY)).content_hash
            == load_file(survey_folder("renamed.yaml", SURVEY)).content_hash)


def test_content_hash_changes_when_a_chinese_label_changes(survey_folder):
    original = load_file(survey_folder("tiny.yaml", SURVEY))
    changed = load_file(survey_folder("changed.yaml", SURVEY.replace("您满意吗？", "您对学校满意吗？")))
    assert changed.content_hash != original.content_hash


def test_content_hash_changes_when_an_english_label_changes(survey_folder):
    original = load_file(survey_folder("tiny.yaml", SURVEY))
    changed = load_file(survey_folder("changed.yaml", SURVEY.replace("Suggestions", "Comments")))
    assert changed.content_hash != original.content_hash


def test_content_hash_changes_when_required_or_measure_changes(survey_folder):
    original = load_file(survey_folder("tiny.yaml", SURVEY)).content_hash
    optional = load_file(survey_folder("a.yaml", SURVEY.replace("required: false", "required: true")))
    no_measure = load_file(survey_folder("b.yaml", SURVEY.replace("measure: satisfaction, ", "")))
    assert len({original, optional.content_hash, no_measure.content_hash}) == 3


def test_content_hash_changes_when_a_shared_scale_label_changes(survey_folder):
    original = load_file(survey_folder("tiny.yaml", SURVEY)).content_hash
    scales = survey_folder.folder / SCALES_FILE
    scales.write_text(scales.read_text(encoding="utf-8").replace("非常满意", "十分满意"), encoding="utf-8")
    assert load_file(survey_folder.folder / "tiny.yaml").content_hash != original


def test_built_in_survey_hashes_survive_a_copy_of_the_folder(tmp_path):
    shutil.copytree(SURVEYS_DIR, tmp_path / "copy")
    original = {s.key: s.content_hash for s in load_directory(SURVEYS_DIR)}
    copied = {s.key: s.content_hash for s in load_directory(tmp_path / "copy")}
    assert copied == original
    assert len(set(original.values())) == len(original)
