"""Survey versions: unchanged files stay, edits before any response change the version in place,
edits after a response make a new version, removed files retire the survey."""
from __future__ import annotations

import pytest

from app.definitions import DefinitionError
from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, User, Zone
from app.organisation.services import issue_token
from app.responses.models import Response
from app.surveys.models import Survey
from app.surveys.registry import latest_version
from app.surveys.sync import sync_surveys

OLD_LABEL = "上学日每天睡几个小时？"
NEW_LABEL = "上学日孩子每晚大约睡几个小时？"


@pytest.fixture
def sync(surveys_app, survey_folder):
    """Sync the folder into the database and return the report."""
    return lambda: sync_surveys(str(survey_folder))


@pytest.fixture
def admin_headers(surveys_app):
    """Bearer headers of an admin of the surveys app."""
    user = User(username="admin", role="admin")
    user.set_password("password123")
    db.session.add(user)
    db.session.commit()
    return {"Authorization": f"Bearer {issue_token('admin')}"}


@pytest.fixture
def launch_of(surveys_app):
    """Open the newest version of a survey at a school of its own."""
    def launch(key: str) -> Launch:
        school = db.session.query(School).filter_by(code=f"S-{key}").first() or School(
            code=f"S-{key}", name="城关镇第一小学", stage="primary",
            zone=Zone(code=f"Z-{key}", name="城关责任区"))
        opened = Launch(survey_version_id=latest_version(key).id, school=school, audience="parent")
        db.session.add(opened)
        db.session.commit()
        return opened
    return launch


def versions(key: str) -> list[int]:
    return [v.version for v in db.session.query(Survey).filter_by(key=key).one().versions]


def respond(client, launch: Launch, hours: float) -> None:
    response = client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": {"hours": hours}})
    assert response.status_code == 201, response.json


def test_first_sync_creates_and_second_finds_nothing_changed(write_survey, sync):
    write_survey("tiny.yaml")
    assert sync().created == ["tiny"]
    report = sync()
    assert report.unchanged == ["tiny"]
    assert report.created == report.new_versions == report.updated_in_place == report.retired == []
    assert versions("tiny") == [1]


def test_whitespace_and_comments_do_not_make_a_new_version(write_survey, sync, survey_folder):
    path = write_survey("tiny.yaml")
    sync()
    path.write_text("# 注释\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert sync().unchanged == ["tiny"]


def test_edit_before_any_response_updates_version_1_in_place(surveys_app, write_survey, sync,
                                                            admin_headers, launch_of):
    write_survey("tiny.yaml", label=OLD_LABEL)
    sync()
    launch = launch_of("tiny")  # launched, but nobody has answered yet
    old_hash = latest_version("tiny").content_hash
    write_survey("tiny.yaml", label=NEW_LABEL)
    assert sync().updated_in_place == ["tiny"]
    assert versions("tiny") == [1]
    version = latest_version("tiny")
    assert version.content_hash != old_hash
    assert version.definition["questions"][0]["label"]["zh"] == NEW_LABEL
    client = surveys_app.test_client()
    shown = client.get("/api/v1/surveys/tiny", headers=admin_headers).json
    assert shown["version"] == 1 and shown["questions"][0]["label"] == NEW_LABEL
    assert NEW_LABEL in client.get(f"/s/{launch.token}").text


def test_edit_after_a_response_makes_version_2_and_keeps_the_old_answers_on_1(
        surveys_app, write_survey, sync, admin_headers, launch_of):
    write_survey("tiny.yaml", label=OLD_LABEL)
    sync()
    old_launch = launch_of("tiny")
    client = surveys_app.test_client()
    respond(client, old_launch, 9.5)
    version_1 = latest_version("tiny")

    write_survey("tiny.yaml", label=NEW_LABEL)
    assert sync().new_versions == ["tiny"]
    assert versions("tiny") == [1, 2]
    version_2 = latest_version("tiny")
    assert version_2.id != version_1.id
    assert version_1.definition["questions"][0]["label"]["zh"] == OLD_LABEL
    assert version_2.definition["questions"][0]["label"]["zh"] == NEW_LABEL
    assert [r.survey_version_id for r in db.session.query(Response)] == [version_1.id]

    listed = {s["key"]: s["version"] for s in client.get("/api/v1/surveys", headers=admin_headers).json}
    assert listed == {"tiny": 2}
    assert client.get("/api/v1/surveys/tiny", headers=admin_headers).json["questions"][0]["label"] == NEW_LABEL
    # The open launch keeps asking the version it was launched with.
    assert OLD_LABEL in client.get(f"/s/{old_launch.token}").text
    respond(client, old_launch, 8)
    assert {r.survey_version_id for r in db.session.query(Response)} == {version_1.id}
    # A new launch asks version 2, and its answers point there.
    response = client.post("/api/v1/launches", json={"survey": "tiny", "school": old_launch.school.code},
                           headers=admin_headers)
    new_launch = db.session.get(Launch, response.json["id"])
    assert new_launch.survey_version_id == version_2.id
    respond(client, new_launch, 10)
    assert sorted(r.survey_version_id for r in db.session.query(Response)) == [version_1.id] * 2 + [version_2.id]


def test_edit_after_version_2_has_answers_makes_version_3(surveys_app, write_survey, sync, launch_of):
    client = surveys_app.test_client()
    for number, label in enumerate(("一", "二", "三"), start=1):
        write_survey("tiny.yaml", label=label)
        sync()
        assert versions("tiny") == list(range(1, number + 1))
        respond(client, launch_of("tiny"), 8)
    by_version = {v.id: v.version for v in db.session.query(Survey).filter_by(key="tiny").one().versions}
    answered = [by_version[r.survey_version_id] for r in db.session.query(Response).order_by(Response.id)]
    assert answered == [1, 2, 3]


def test_removed_file_retires_the_survey(surveys_app, write_survey, sync, survey_folder, admin_headers,
                                        launch_of):
    write_survey("tiny.yaml")
    write_survey("gone.yaml")
    sync()
    launch = launch_of("gone")
    (survey_folder / "gone.yaml").unlink()
    assert sync().retired == ["gone"]
    client = surveys_app.test_client()
    assert [s["key"] for s in client.get("/api/v1/surveys", headers=admin_headers).json] == ["tiny"]
    assert client.get("/api/v1/surveys/gone", headers=admin_headers).status_code == 404
    response = client.post("/api/v1/launches", json={"survey": "gone", "school": launch.school.code},
                           headers=admin_headers)
    assert response.status_code == 422 and "survey" in response.json["fields"]
    # Its versions stay for the answers already given.
    assert versions("gone") == [1] and launch.survey_version.survey.key == "gone"


def test_restored_file_brings_a_retired_survey_back(write_survey, sync, survey_folder):
    write_survey("gone.yaml")
    sync()
    (survey_folder / "gone.yaml").unlink()
    sync()
    write_survey("gone.yaml")
    report = sync()
    assert report.unchanged == ["gone"] and report.retired == []
    assert latest_version("gone").version == 1


def test_retired_survey_is_not_retired_again(write_survey, sync, survey_folder):
    write_survey("tiny.yaml")
    write_survey("gone.yaml")
    sync()
    (survey_folder / "gone.yaml").unlink()
    assert sync().retired == ["gone"]
    assert sync().retired == []


def test_a_bad_file_stops_the_whole_sync(write_survey, sync, survey_folder):
    write_survey("tiny.yaml", label=OLD_LABEL)
    sync()
    old_hash = latest_version("tiny").content_hash
    write_survey("tiny.yaml", label=NEW_LABEL)
    write_survey("new.yaml")
    write_survey("zz_broken.yaml", "key: broken\ntitle: 坏\naudiences: [nobody]\nquestions: []\n")
    with pytest.raises(DefinitionError, match="zz_broken.yaml"):
        sync()
    db.session.rollback()
    assert latest_version("tiny").content_hash == old_hash
    assert latest_version("new") is None


def test_retiring_a_built_in_survey_hides_it_from_the_api(make_app, copy_of_real_surveys):
    app = make_app(SURVEYS_DIR=str(copy_of_real_surveys))
    with app.app_context():
        user = User(username="admin", role="admin")
        user.set_password("password123")
        db.session.add(user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {issue_token('admin')}"}
        client = app.test_client()
        assert "phone" in {s["key"] for s in client.get("/api/v1/surveys", headers=headers).json}
        (copy_of_real_surveys / "phone.yaml").unlink()
        assert sync_surveys(str(copy_of_real_surveys)).retired == ["phone"]
        keys = {s["key"] for s in client.get("/api/v1/surveys", headers=headers).json}
        assert "phone" not in keys and {"satisfaction", "homework", "sleep"} <= keys
